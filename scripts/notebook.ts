/**
 * Runs the walkthrough notebook end to end on Deno's Jupyter kernel, driven by nbclient.
 *
 *   npm run notebook           # execute it and save the outputs into the notebook
 *   npm run notebook:check     # execute a copy; fail on any cell error (CI)
 *
 * Needs the built package (`npm run build`: the notebook imports `codex-app-server-sdk` by name,
 * which Deno resolves to this repository's dist/) and Debian's `python3-nbclient`
 * (`apt-get install python3-nbclient`). The kernel is the `deno` dev dependency; its kernelspec
 * goes to a temporary JUPYTER_PATH, so nothing is installed in your Jupyter setup. Like the
 * examples, the notebook runs offline on the mock model unless a Codex account is configured;
 * CODEX_SDK_OFFLINE=1 forces offline.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const NOTEBOOK = path.join(ROOT, "notebooks", "walkthrough.ipynb");
/** Debian's interpreter, which has python3-nbclient; a python3 earlier on PATH may not. */
const PYTHON = "/usr/bin/python3";
const CELL_TIMEOUT_S = 300;

// nbclient executes the notebook; outputs go to argv[2] (the notebook itself, or a scratch copy).
const DRIVER = `
import queue
import sys
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async

class Client(NotebookClient):
    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        # Deno's kernel can say "idle" before it has sent a cell's last lines of output (a
        # notebook front end shows them anyway); wait for such stragglers a moment.
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=0.3))
            except queue.Empty:
                return
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    pass

source, target, cwd, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
nb = nbformat.read(source, as_version=4)
client = Client(nb, kernel_name="deno", timeout=timeout, allow_errors=False, record_timing=False,
                resources={"metadata": {"path": cwd}})
try:
    client.execute()
finally:
    nbformat.write(nb, target)
`;

const check = process.argv.includes("--check");
if (!existsSync(path.join(ROOT, "dist", "index.js"))) {
  throw new Error("dist/ is missing: run `npm run build` first (the notebook imports the build)");
}
const probe = spawnSync(PYTHON, ["-c", "import nbclient, nbformat"], { encoding: "utf8" });
if (probe.status !== 0) {
  throw new Error(
    `${PYTHON} cannot import nbclient: install it with \`apt-get install python3-nbclient\`\n` +
      `${probe.stderr ?? probe.error?.message ?? ""}`,
  );
}

const work = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-notebook-"));
try {
  const kernelDir = path.join(work, "jupyter", "kernels", "deno");
  mkdirSync(kernelDir, { recursive: true });
  const kernel = {
    argv: [denoBinary(), "jupyter", "--kernel", "--conn", "{connection_file}"],
    display_name: "Deno",
    language: "typescript",
  };
  writeFileSync(path.join(kernelDir, "kernel.json"), `${JSON.stringify(kernel, null, 2)}\n`);
  const target = check ? path.join(work, "walkthrough.out.ipynb") : NOTEBOOK;
  const started = Date.now();
  const run = spawnSync(
    PYTHON,
    ["-c", DRIVER, NOTEBOOK, target, path.dirname(NOTEBOOK), String(CELL_TIMEOUT_S)],
    {
      stdio: "inherit",
      env: {
        ...process.env,
        JUPYTER_PATH: path.join(work, "jupyter"),
        JUPYTER_RUNTIME_DIR: path.join(work, "runtime"),
        // Deno's own cache stays out of the repository; its npm cache is not used (node_modules).
        DENO_DIR: process.env.DENO_DIR ?? path.join(os.homedir(), ".cache", "deno"),
        NO_COLOR: "1",
      },
    },
  );
  if (run.error) throw run.error;
  if (run.status !== 0) {
    console.error(`notebook: a cell failed (the executed copy is in ${target})`);
    process.exitCode = 1;
  } else {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`notebook: every cell of notebooks/walkthrough.ipynb ran (${seconds} s)`);
    if (!check) console.log("notebook: outputs saved into notebooks/walkthrough.ipynb");
  }
} finally {
  // On failure under --check, keep the executed copy for a look.
  if (process.exitCode !== 1 || !check) rmSync(work, { recursive: true, force: true });
}

/** The real Deno executable behind the npm package's launcher (kernels need no wrapper process). */
function denoBinary(): string {
  const launcher = path.join(ROOT, "node_modules", ".bin", "deno");
  const out = execFileSync(launcher, ["eval", "console.log(Deno.execPath())"], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return out.trim();
}
