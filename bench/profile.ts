/**
 * CPU profiles of a workload (`npm run bench -- --profile <workload>`): the V8 sampling profiler,
 * as `node --cpu-prof` uses it, but started around the workload only, so module loading does not
 * drown the client's own work. The `.cpuprofile` files open in Chrome DevTools.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { SourceMap, type SourceMapPayload } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Sampling interval in microseconds (the default, 1000, is too coarse for a 1 s turn). */
const INTERVAL_US = 100;

/** Runs `body` under the CPU profiler and writes the profile to `file`. */
export async function profiled<T>(file: string, body: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: INTERVAL_US });
  await session.post("Profiler.start");
  try {
    return await body();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: CallFrame;
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  /** Microseconds, on the profiler's clock. */
  readonly startTime: number;
  readonly endTime: number;
}

/** Where a frame's code was written: its file and line, through the bundle's source map. */
interface Origin {
  /** Absolute path, or the URL for code that is not in a file. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
}

const sourceMaps = new Map<string, SourceMap | undefined>();

// The SDK's dist/ and the bench's child bundle come with source maps: frames are shown in the
// TypeScript they were built from.
function sourceMapOf(file: string): SourceMap | undefined {
  if (!sourceMaps.has(file)) {
    const mapFile = `${file}.map`;
    sourceMaps.set(
      file,
      existsSync(mapFile)
        ? new SourceMap(JSON.parse(readFileSync(mapFile, "utf8")) as SourceMapPayload)
        : undefined,
    );
  }
  return sourceMaps.get(file);
}

// `sdkDir` is a copy of dist/ (see run.ts): its maps name the sources beside that copy, which are
// the repository's src/.
function originOf(frame: CallFrame, root: string, sdkDir: string): Origin {
  if (!frame.url.startsWith("file:")) return { file: frame.url, line: frame.lineNumber + 1 };
  const file = fileURLToPath(frame.url);
  const entry = sourceMapOf(file)?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry === undefined || !("originalSource" in entry)) {
    return { file, line: frame.lineNumber + 1 };
  }
  const source = entry.originalSource;
  const original = source.startsWith("file:")
    ? fileURLToPath(source)
    : path.resolve(path.dirname(file), source);
  const fromCopy = path.relative(path.dirname(sdkDir), original);
  const inRepository = fromCopy.startsWith("src" + path.sep) ? path.join(root, fromCopy) : original;
  return { file: inRepository, line: entry.originalLine + 1 };
}

/**
 * The area of a frame of the SDK's sources that the bench bundles into its own child (the floor
 * locates the runtime with `src/runtime.ts`): its caller's.
 */
const CALLERS = "caller's";

/** Which part of the process a frame belongs to; `sdkDir` holds the SDK's JavaScript. */
function area(frame: CallFrame, origin: Origin, root: string, sdkDir: string): string {
  const { url, functionName } = frame;
  if (url === "") return functionName.startsWith("(") ? functionName : "native";
  if (url.startsWith("node:")) return "Node internals";
  if (!url.startsWith("file:")) return "other";
  const { file } = origin;
  const src = path.join(root, "src") + path.sep;
  if (file.startsWith(sdkDir + path.sep) || file.startsWith(src)) {
    // The SDK's JavaScript, or its sources run as they are; mapped back from a bench bundle, the
    // code of the bench's caller.
    const generated = fileURLToPath(url);
    return generated.startsWith(sdkDir + path.sep) || generated.startsWith(src) ? "SDK" : CALLERS;
  }
  const relative = path.relative(root, file);
  if (relative === path.join("bench", "floor-client.ts")) return "floor client";
  if (relative.startsWith("bench" + path.sep)) return "bench harness";
  if (relative.includes("node_modules")) return "dependencies";
  return "other";
}

function where(frame: CallFrame, origin: Origin, root: string): string {
  const file = path.isAbsolute(origin.file) ? path.relative(root, origin.file) : origin.file;
  return `${frame.functionName || "(anonymous)"} ${file}:${origin.line}`;
}

function msText(us: number, total: number): string {
  return `${(us / 1000).toFixed(1).padStart(7)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%`;
}

/**
 * Self time by area and the `top` hottest functions, as text: the mean per profile of `files`
 * (several runs of one client, so one run's noise does not pick the hot spots). `cpuMs` is the
 * client's CPU time as the workload measured it (all threads), to set beside the main thread's
 * busy time the profiles sampled.
 */
export function summarizeProfiles(
  files: readonly string[],
  root: string,
  sdkDir: string,
  cpuMs?: number | null,
  top = 15,
): string {
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number) =>
    map.set(key, (map.get(key) ?? 0) + us / files.length);
  let total = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
    const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    const parents = new Map<number, number>();
    for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
    // Samples inside the profiler's own start and stop calls are not the workload's.
    const profilerOwn = (id: number | undefined): boolean =>
      id !== undefined &&
      (frames.get(id)!.url === "node:inspector" || profilerOwn(parents.get(id)));
    const areaOf = (id: number | undefined): string => {
      if (id === undefined) return "bench harness";
      const frame = frames.get(id)!;
      const part = area(frame, originOf(frame, root, sdkDir), root, sdkDir);
      return part === CALLERS ? areaOf(parents.get(id)) : part;
    };
    // Each sample stands for the same share of the run, as DevTools counts them: weighed by the
    // time since the sample before, one taken after a gap in sampling (the profiler held off)
    // would be given the whole gap.
    const us = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
    profile.samples.forEach((id) => {
      if (profilerOwn(id)) return;
      const frame = frames.get(id)!;
      const origin = originOf(frame, root, sdkDir);
      const part = areaOf(id);
      add(byArea, part, us);
      total += us / files.length;
      // "(idle)", "(program)" and "(garbage collector)" are areas, not functions.
      if (!part.startsWith("(")) add(byFunction, where(frame, origin, root), us);
    });
  }
  const busy = total - (byArea.get("(idle)") ?? 0);
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  const runs = files.length === 1 ? "one run" : `mean of ${files.length} runs`;
  const cpu =
    cpuMs == null ? "" : `; client CPU (all threads, profiler included) ${cpuMs.toFixed(0)} ms`;
  const lines = [
    `   ${runs}: ${(total / 1000).toFixed(0)} ms sampled, main thread busy ${(busy / 1000).toFixed(0)} ms${cpu}`,
    `   self time by area:`,
  ];
  for (const [name, us] of sorted(byArea)) lines.push(`   ${msText(us, total)}  ${name}`);
  lines.push(`   hottest functions (self time):`);
  for (const [name, us] of sorted(byFunction).slice(0, top)) {
    lines.push(`   ${msText(us, total)}  ${name}`);
  }
  return lines.join("\n");
}
