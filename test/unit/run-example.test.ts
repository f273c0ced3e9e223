import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";

import { afterAll, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-run-example-"));
const pidFile = path.join(dir, "leftover.pid");

afterAll(() => {
  try {
    process.kill(Number(readFileSync(pidFile, "utf8")), "SIGKILL");
  } catch {
    // Killed by the check, or never started.
  }
  rmSync(dir, { recursive: true, force: true });
});

// The examples check runs each example in a process group of its own, but the SDK starts the
// app-server in a group of its own too: a process left behind must be found all the same.
it.runIf(process.platform === "linux")(
  "fails an example that leaves a process running in a group of its own, and kills it",
  () => {
    mkdirSync(path.join(dir, "scripts"));
    copyFileSync(
      path.join(ROOT, "scripts/run-example.ts"),
      path.join(dir, "scripts/run-example.ts"),
    );
    symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    writeFileSync(path.join(dir, "package.json"), '{ "type": "module" }\n');
    mkdirSync(path.join(dir, "examples/leaves-a-process"), { recursive: true });
    writeFileSync(
      path.join(dir, "examples/leaves-a-process/index.ts"),
      'import { spawn } from "node:child_process";\n' +
        'import { writeFileSync } from "node:fs";\n' +
        // Started as the SDK starts the app-server: detached, a group of its own.
        'const child = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });\n' +
        "child.unref();\n" +
        `writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));\n`,
    );
    const run = spawnSync(
      process.execPath,
      [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/run-example.ts", "--check"],
      { cwd: dir, encoding: "utf8", timeout: 60_000 },
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/leaves-a-process .*left a process running \(killed now\)/);
    // Gone, or a zombie left for whoever reaps orphans here.
    const pid = Number(readFileSync(pidFile, "utf8"));
    const state = (() => {
      try {
        return readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "")[0];
      } catch {
        return "gone";
      }
    })();
    expect(["gone", "Z"]).toContain(state);
  },
);
