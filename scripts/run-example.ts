/**
 * Runs the examples in `examples/`.
 *
 *   npm run example -- <name> [args...]   runs one example (offline unless an account is set up)
 *   npm run example                       lists the examples
 *   npm run examples:check                runs every example offline, one after another, and
 *                                         fails if any fails, hangs, or leaves a process behind
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const EXAMPLES = fileURLToPath(new URL("../examples/", import.meta.url));
/** Standard input for the interactive examples, so the check covers them too. */
const SCRIPTED_STDIN: Readonly<Record<string, string>> = {
  "cli-mini-app": "hello\nwhat can you do?\n/exit\n",
};
const TIMEOUT_MS = 30_000;

function exampleNames(): string[] {
  return readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("_"))
    .filter((entry) => existsSync(path.join(EXAMPLES, entry.name, "index.ts")))
    .map((entry) => entry.name)
    .sort();
}

function entryOf(name: string): string {
  return path.join(EXAMPLES, name, "index.ts");
}

interface Outcome {
  readonly ok: boolean;
  readonly detail: string;
  readonly output: string;
  readonly ms: number;
}

/** The variable that marks the processes an example run started, with a value of its own. */
const MARKER = "CODEX_SDK_EXAMPLE_RUN";

/**
 * Runs one example offline in its own process group, marked by a variable its processes inherit,
 * so that whatever it started can be found afterwards: a process still in the group, or one
 * carrying the mark (the app-server the SDK starts in a group of its own), was left behind.
 */
function check(name: string): Promise<Outcome> {
  const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");
  const started = Date.now();
  const mark = randomUUID();
  const child = spawn(process.execPath, [tsxCli, entryOf(name)], {
    cwd: path.dirname(EXAMPLES),
    env: { ...process.env, CODEX_SDK_OFFLINE: "1", [MARKER]: mark },
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  const group = child.pid!;
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stdin.end(SCRIPTED_STDIN[name] ?? "");

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(group);
  }, TIMEOUT_MS);

  running = { group, mark };
  return new Promise((resolve) => {
    child.on("close", async (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      // A process killed as the example exited may take a moment to be reaped.
      const leftover = await outlives(group, mark, 2_000);
      if (leftover) sweep(group, mark);
      running = undefined;
      const detail = timedOut
        ? `timed out after ${TIMEOUT_MS} ms`
        : code !== 0
          ? `exited with ${signal ?? `code ${code}`}`
          : leftover
            ? "left a process running (killed now)"
            : "";
      resolve({ ok: detail === "", detail, output, ms });
    });
  });
}

/** The example being checked, whose processes are killed if this runner is interrupted. */
let running: { readonly group: number; readonly mark: string } | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (running !== undefined) sweep(running.group, running.mark);
    process.exit(130);
  });
}

/** Kills an example's process group and every process that carries its mark. */
function sweep(group: number, mark: string): void {
  killGroup(group);
  for (const pid of marked(mark)) killProcess(pid);
}

async function outlives(group: number, mark: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupAlive(group) || marked(mark).length > 0) {
    if (Date.now() >= deadline) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function groupAlive(group: number): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}

/** The processes still running whose environment carries `mark` (Linux, from /proc). */
function marked(mark: string): number[] {
  if (process.platform !== "linux") return [];
  const variable = `${MARKER}=${mark}`;
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // A process that has exited but is not yet reaped shows an empty environment.
      const env = readFileSync(`/proc/${entry}/environ`, "latin1").split("\0");
      if (env.includes(variable)) pids.push(Number(entry));
    } catch {
      // Gone since the listing, or not readable by this user.
    }
  }
  return pids;
}

function killGroup(group: number): void {
  killProcess(-group);
}

/** Kills a process, or with a negative `pid` a process group. */
function killProcess(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

async function checkAll(): Promise<number> {
  const names = exampleNames();
  console.log(`Checking ${names.length} examples offline (CODEX_SDK_OFFLINE=1)\n`);
  const started = Date.now();
  const failed: string[] = [];
  for (const name of names) {
    const outcome = await check(name);
    const seconds = (outcome.ms / 1000).toFixed(1);
    console.log(
      `${outcome.ok ? "ok  " : "FAIL"} ${name.padEnd(30)} ${seconds} s ${outcome.detail}`,
    );
    if (!outcome.ok) {
      failed.push(name);
      console.log(outcome.output.replace(/^/gm, "     | "));
    }
  }
  const total = ((Date.now() - started) / 1000).toFixed(1);
  if (failed.length > 0) {
    console.log(`\n${failed.length} of ${names.length} examples failed: ${failed.join(", ")}`);
    return 1;
  }
  console.log(`\nAll ${names.length} examples passed in ${total} s.`);
  return 0;
}

async function runOne(name: string, args: string[]): Promise<number> {
  // The example sees its own arguments as if run directly: process.argv[2] is the first one.
  process.argv = [process.argv[0]!, entryOf(name), ...args];
  await import(pathToFileURL(entryOf(name)).href);
  return 0;
}

const [first, ...rest] = process.argv.slice(2);
const names = exampleNames();
if (first === "--check") {
  process.exitCode = await checkAll();
} else if (first !== undefined && names.includes(first)) {
  process.exitCode = await runOne(first, rest);
} else {
  const unknown = first !== undefined && first !== "--list";
  const print = unknown ? console.error : console.log;
  if (unknown) print(`No example named "${first}".\n`);
  print("Usage: npm run example -- <name> [args...]\n\nExamples:");
  for (const name of names) print(`  ${name}`);
  print("\nOffline unless an account is configured; CODEX_SDK_OFFLINE=1 forces offline.");
  if (unknown) process.exitCode = 1;
}
