/**
 * CPU profiles of a workload (`npm run bench -- --profile <workload>`): the V8 sampling profiler,
 * as `node --cpu-prof` uses it, but started around the workload only, so module loading does not
 * drown the client's own work. The `.cpuprofile` files open in Chrome DevTools.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import path from "node:path";

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
}

interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: CallFrame;
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Which part of the process a frame belongs to; `sdkDir` holds the SDK's JavaScript. */
function area(frame: CallFrame, root: string, sdkDir: string): string {
  const { url, functionName } = frame;
  if (url === "") return functionName.startsWith("(") ? functionName : "native";
  if (url.startsWith("node:")) return "Node internals";
  if (!url.startsWith("file:")) return "other";
  const file = new URL(url).pathname;
  if (file.startsWith(sdkDir + path.sep) || file.startsWith(path.join(root, "src") + path.sep)) {
    return "SDK";
  }
  const relative = path.relative(root, file);
  if (relative === path.join("bench", "floor-client.ts")) return "floor client";
  if (relative.startsWith("bench" + path.sep)) return "bench harness";
  if (relative.includes("node_modules")) return "dependencies";
  return "other";
}

function where(frame: CallFrame, root: string, sdkDir: string): string {
  let file = frame.url;
  if (file.startsWith("file:")) {
    const full = new URL(file).pathname;
    file = full.startsWith(sdkDir + path.sep)
      ? `dist/${path.relative(sdkDir, full)}`
      : path.relative(root, full);
  }
  return `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`;
}

function msText(us: number, total: number): string {
  return `${(us / 1000).toFixed(1).padStart(7)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%`;
}

/** Self time by area and the `top` hottest functions, as text. */
export function summarizeProfile(file: string, root: string, sdkDir: string, top = 15): string {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
  // Samples inside the profiler's own start and stop calls are not the workload's.
  const profilerOwn = (id: number | undefined): boolean =>
    id !== undefined && (frames.get(id)!.url === "node:inspector" || profilerOwn(parents.get(id)));
  const selfByNode = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    if (profilerOwn(id)) return;
    const dt = profile.timeDeltas[i] ?? 0;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + dt);
    total += dt;
  });
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number) =>
    map.set(key, (map.get(key) ?? 0) + us);
  for (const [id, us] of selfByNode) {
    const frame = frames.get(id)!;
    const part = area(frame, root, sdkDir);
    add(byArea, part, us);
    // "(idle)", "(program)" and "(garbage collector)" are areas, not functions.
    if (!part.startsWith("(")) add(byFunction, where(frame, root, sdkDir), us);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  const lines = [`   self time by area (of ${(total / 1000).toFixed(0)} ms sampled):`];
  for (const [name, us] of sorted(byArea)) lines.push(`   ${msText(us, total)}  ${name}`);
  lines.push(`   hottest functions (self time):`);
  for (const [name, us] of sorted(byFunction).slice(0, top)) {
    lines.push(`   ${msText(us, total)}  ${name}`);
  }
  return lines.join("\n");
}
