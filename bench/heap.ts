/**
 * A census of the heap's data objects, from a V8 heap snapshot: what a leak would leave behind.
 * Compiled code, feedback vectors and hidden classes are left out, since V8 keeps adding those as
 * it optimizes (a function called once per thread is optimized late), which a heap-size trend
 * cannot tell apart from a leak.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";

/** Snapshot node types that hold program data; the others ("code", "hidden", ...) are V8's. */
const DATA_TYPES = new Set([
  "object",
  "closure",
  "array",
  "string",
  "concatenated string",
  "sliced string",
  "number",
  "regexp",
  "symbol",
  "bigint",
  "native",
]);

export interface Census {
  readonly bytes: number;
  readonly count: number;
  /** Count and bytes by `type:name` (constructor name, or a string's first characters). */
  readonly byName: ReadonlyMap<string, { count: number; bytes: number }>;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/**
 * Heap snapshots written to disk, so that nothing of the first one is on the heap when the last
 * one is taken. Call `take()` after a full GC; `census()` reads one back.
 */
export class Snapshots {
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-bench-heap-"));
  private count = 0;

  take(): string {
    return v8.writeHeapSnapshot(path.join(this.dir, `${++this.count}.heapsnapshot`));
  }

  /** Removes the files. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A string's text fit for one line of a report: no terminal colour codes, no line breaks. */
function printable(text: string): string {
  return text
    .slice(0, 200)
    .replace(/\p{Cc}\[[0-9;]*m/gu, "")
    .replace(/[\s\p{Cc}]+/gu, " ");
}

/** Counts the data objects of a snapshot file. */
export function dataCensus(file: string): Census {
  const snapshot = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const stride = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const types = snapshot.snapshot.meta.node_types[0];
  const byName = new Map<string, { count: number; bytes: number }>();
  let bytes = 0;
  let count = 0;
  const { nodes, strings } = snapshot;
  for (let i = 0; i < nodes.length; i += stride) {
    const type = types[nodes[i + typeAt]!]!;
    if (!DATA_TYPES.has(type)) continue;
    const size = nodes[i + sizeAt]!;
    const name = `${type}:${printable(strings[nodes[i + nameAt]!] ?? "").slice(0, 40)}`;
    const entry = byName.get(name) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += size;
    byName.set(name, entry);
    bytes += size;
    count++;
  }
  return { bytes, count, byName };
}

/** What grew from `before` to `after`: totals and the `top` largest growths by bytes. */
export function censusGrowth(
  before: Census,
  after: Census,
  top = 5,
): { bytes: number; count: number; largest: string[] } {
  const grown = [...after.byName]
    .map(([name, { count, bytes }]) => {
      const old = before.byName.get(name);
      return { name, count: count - (old?.count ?? 0), bytes: bytes - (old?.bytes ?? 0) };
    })
    .filter((g) => g.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top)
    .map((g) => `${g.name} +${g.count} (+${g.bytes} B)`);
  return { bytes: after.bytes - before.bytes, count: after.count - before.count, largest: grown };
}
