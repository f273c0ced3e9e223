import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it, vi } from "vitest";

const dir = mkdtempSync(path.join(tmpdir(), "codex-sdk-bench-clients-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A stand-in app-server that answers `turn/start` or `thread/archive`, then exits at once, as one
// that crashes in the middle of a turn would.
const CRASHING = path.join(dir, "codex");
writeFileSync(
  CRASHING,
  [
    `#!${process.execPath}`,
    "const rl = require('node:readline').createInterface({ input: process.stdin });",
    "const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n');",
    "rl.on('line', (line) => {",
    "  const { id, method } = JSON.parse(line);",
    "  if (method === 'initialize') send({ id, result: {} });",
    "  else if (method === 'thread/start') send({ id, result: { thread: { id: 'thread-1' } } });",
    "  else if (method === 'turn/start' || method === 'thread/archive') {",
    "    send({ id, result: method === 'turn/start' ? { turn: { id: 'turn-1' } } : {} });",
    "    process.exit(1);",
    "  }",
    "});",
  ].join("\n"),
  { mode: 0o755 },
);
vi.mock(import("../../src/runtime.js"), async (original) => ({
  ...(await original()),
  locateRuntime: () => ({ binary: CRASHING, pathDir: undefined }) as never,
}));
// The measuring child as a script that never ends, in place of the bundle of child.ts.
vi.mock(import("esbuild"), async (original) => ({
  ...(await original()),
  build: (async ({ outfile }: { outfile: string }) => {
    mkdirSync(path.dirname(outfile), { recursive: true });
    writeFileSync(outfile, "setInterval(() => {}, 1000);\n");
    return {};
  }) as never,
}));
const { FloorClient } = await import("../../bench/floor-client.js");
const { runChild } = await import("../../bench/child-process.js");

for (const step of ["turn", "archive"] as const) {
  it(`floor: ${step === "turn" ? "a turn" : "an archive"} whose app-server exits before its notification fails at once`, async () => {
    const clientInfo = { name: "bench", title: "bench", version: "0" };
    const floor = await FloorClient.start({ env: {}, cwd: process.cwd(), clientInfo });
    try {
      const threadId = await floor.startThread({});
      const waited =
        step === "turn" ? floor.runTurn(threadId, "hi") : floor.archiveThread(threadId);
      await expect(waited).rejects.toThrow("app-server exited");
      expect(floor.internals()).toEqual({ "floor.pending": 0, "floor.threads": 0 });
    } finally {
      await floor.close();
    }
  });
}

it("runChild: a run that outlives its bound says it timed out", async () => {
  const job = {
    workload: "turns",
    variant: "floor",
    env: {},
    workDir: process.cwd(),
    sdkEntry: "file:///unused/index.js",
  } as unknown as Parameters<typeof runChild>[0];
  await expect(runChild(job, 300)).rejects.toThrow(/^timed out after 300 ms \(killed\)/);
});
