/**
 * Runs the examples in `examples/`.
 *
 *   npm run example -- <name> [args...]   runs one example (offline unless an account is set up)
 *   npm run example                       lists the examples
 *   npm run examples:check                runs every example offline, one after another, and
 *                                         fails if any fails, hangs, or leaves a process behind
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
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

/**
 * Runs one example offline in its own process group, so that whatever it started can be found
 * afterwards: a process still in the group means the example left one behind.
 */
function check(name: string): Promise<Outcome> {
  const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");
  const started = Date.now();
  const child = spawn(process.execPath, [tsxCli, entryOf(name)], {
    cwd: path.dirname(EXAMPLES),
    env: { ...process.env, CODEX_SDK_OFFLINE: "1" },
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

  running = group;
  return new Promise((resolve) => {
    child.on("close", async (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      // A process killed as the example exited may take a moment to be reaped.
      const leftover = await groupOutlives(group, 2_000);
      if (leftover) killGroup(group);
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

/** The process group of the example being checked, killed if this runner is interrupted. */
let running: number | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (running !== undefined) killGroup(running);
    process.exit(130);
  });
}

async function groupOutlives(group: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupAlive(group)) {
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

function killGroup(group: number): void {
  try {
    process.kill(-group, "SIGKILL");
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
