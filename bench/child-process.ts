/**
 * Runs one job in a fresh measuring process (`child.ts`) and reads back its measurement. The
 * child runs as plain JavaScript, bundled once per bench run: under tsx, its loader thread (which
 * also reads the SDK's source maps) would still be at work, and counted, while the child measures.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { RESULT_PREFIX, type Job, type Measurement } from "./job.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CHILD_SOURCE = path.join(ROOT, "bench", "child.ts");
/** Under node_modules, so its imports of packages resolve as from the repository. */
const CHILD = path.join(ROOT, "node_modules", ".cache", "codex-app-server-sdk-bench", "child.mjs");

let bundled: Promise<void> | undefined;

/** Bundles `child.ts` and what it imports (packages stay imports) into one ES module. */
function bundleChild(): Promise<void> {
  bundled ??= build({
    entryPoints: [CHILD_SOURCE],
    outfile: CHILD,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    // For the profiles (profile.ts), which show frames where the TypeScript has them.
    sourcemap: true,
    logLevel: "warning",
  }).then(() => undefined);
  return bundled;
}
/** A run taking longer than this (unless its workload says) is stuck: it is killed and fails. */
const CHILD_TIMEOUT_MS = 180_000;
/** After printing its result a child must exit by itself within this (else a handle leaked). */
const EXIT_GRACE_MS = 5_000;

export interface ChildResult {
  readonly measurement: Measurement;
  /** The child printed its result but did not exit by itself: something kept it alive. */
  readonly lingered: boolean;
}

export async function runChild(job: Job, timeoutMs = CHILD_TIMEOUT_MS): Promise<ChildResult> {
  await bundleChild();
  // Only an SDK run from its TypeScript source (the build failed) needs tsx.
  const tsx = job.sdkEntry.endsWith(".ts") ? ["--import", "tsx"] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", ...tsx, CHILD, JSON.stringify(job)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let lingered = false;
    let graceTimer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const timeout = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      if (graceTimer === undefined && stdout.includes(RESULT_PREFIX)) {
        graceTimer = setTimeout(() => {
          lingered = true;
          child.kill("SIGKILL");
        }, EXIT_GRACE_MS);
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timeout);
      clearTimeout(graceTimer);
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
      if (line === undefined || (code !== 0 && !lingered)) {
        const tail = stderr.trim().split("\n").slice(-8).join("\n");
        const ended = timedOut
          ? `timed out after ${timeoutMs} ms (killed)`
          : `exited with ${signal ?? code}`;
        reject(new Error(`${ended}${tail ? `:\n${tail}` : ""}`));
        return;
      }
      const measurement = JSON.parse(line.slice(RESULT_PREFIX.length)) as Measurement;
      resolve({ measurement, lingered });
    });
  });
}
