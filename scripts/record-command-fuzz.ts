// Records the fixture of test/unit/command.fuzz.test.ts: the wire of a few commands the pinned
// runtime runs (`codex.exec`, through the fault kit's relay), each from its request to its exit.
// Run it again after a runtime upgrade:
//
//   npx tsx scripts/record-command-fuzz.ts test/support/fixtures/command-fuzz.jsonl
//
// Each command's first line is `{ command, argv, options }` (how it was started); then, in the
// order the relay saw them, `{ command, request, params }` (a request the handle sent after
// `command/exec`: a write, a resize, a terminate), `{ command, answer, result }` or
// `{ command, answer, error }` (the answer to a request of that method, `command/exec` last) and
// `{ command, message }` (a notification of the command: its output). The command's process id,
// random on every run, is written `PROCESS`, and the time a message was sent is counted from the
// command's first.
import { writeFileSync } from "node:fs";
import type { CommandHandle, ExecOptions } from "../src/index.js";
import { createTestCodex } from "../src/testing/test-codex.js";
import { startProxy, type RelayedLine } from "../test/support/fault/proxy.js";

/** What the recording writes in place of a command's process id. */
const PROCESS = "PROCESS";

const p = await startProxy();
const t = await createTestCodex({ launchArgs: p.launchArgs, killGraceMs: 500 });
const out: object[] = [];

/** Reads `stream` until its text so far contains `wanted`. */
async function until(stream: AsyncIterable<string>, wanted: string): Promise<void> {
  let text = "";
  for await (const chunk of stream) if ((text += chunk).includes(wanted)) return;
  throw new Error(`the stream ended without ${JSON.stringify(wanted)}`);
}

/** `value` with the command's process id and the machine's paths written the same everywhere. */
function fixed(value: unknown, processId: string): unknown {
  const text = JSON.stringify(value)
    .replaceAll(processId, PROCESS)
    .replaceAll(t.workDir, "/work")
    .replaceAll(t.home.codexHome, "/home/.codex");
  return JSON.parse(text) as unknown;
}

/** Runs `argv` with `options`, drives it with `drive`, and keeps the wire of the command. */
async function command(
  name: string,
  argv: readonly string[],
  options: ExecOptions,
  drive: (handle: CommandHandle) => Promise<unknown>,
): Promise<void> {
  await p.sync();
  const from = p.log.length;
  const handle = await t.codex.exec(argv, options);
  await drive(handle);
  await handle.wait();
  await p.sync();
  const { processId } = handle;
  out.push({ command: name, argv, options });
  const methods = new Map<unknown, string>();
  // When each message was sent, counted from the command's first (the clock's time differs).
  let first: number | undefined;
  const own = ({ message }: RelayedLine) =>
    JSON.stringify(message?.params ?? message?.result ?? {}).includes(processId) ||
    methods.has(message?.id);
  for (const line of p.log.slice(from)) {
    const { direction, message } = line;
    if (message === undefined) continue;
    if (direction === "toServer") {
      if (message.method === undefined || !own(line)) continue;
      methods.set(message.id, message.method);
      if (message.method === "command/exec") continue;
      out.push({
        command: name,
        request: message.method,
        params: fixed(message.params, processId),
      });
    } else if (message.method !== undefined) {
      if (!own(line)) continue;
      const { emittedAtMs } = message as { emittedAtMs?: number };
      if (typeof emittedAtMs === "number") {
        first ??= emittedAtMs;
        Object.assign(message, { emittedAtMs: emittedAtMs - first });
      }
      out.push({ command: name, message: fixed(message, processId) });
    } else if (methods.has(message.id)) {
      const answer =
        message.error === undefined ? { result: message.result } : { error: message.error };
      out.push({
        command: name,
        answer: methods.get(message.id),
        ...(fixed(answer, processId) as object),
      });
    }
  }
}

try {
  // Output over a few writes to both streams, characters of two to four bytes among it.
  await command(
    "streamed",
    [
      "sh",
      "-c",
      "printf 'one é\\n'; printf 'err ü\\n' >&2; sleep 0.1; " +
        "printf 'two € 🙂\\n'; sleep 0.1; printf 'end\\n' >&2",
    ],
    {},
    async () => {},
  );
  // Input written, echoed, then closed.
  await command("stdin", ["cat"], { stdin: true }, async (handle) => {
    await handle.write("ping é\n");
    await until(handle.stdout, "ping é\n");
    await handle.closeStdin();
  });
  // A terminal resized between two reports of its size.
  await command(
    "tty",
    ["sh", "-c", "stty size; read line; stty size"],
    { tty: true, size: { rows: 24, cols: 80 } },
    async (handle) => {
      await until(handle.stdout, "24 80");
      await handle.resize({ rows: 50, cols: 132 });
      await handle.write("go\n");
    },
  );
  // Ended while it runs.
  await command("terminated", ["sh", "-c", "echo started; exec sleep 30"], {}, async (handle) => {
    await until(handle.stdout, "started");
    await handle.terminate();
  });
  // A failure: output on standard error and a non-zero exit.
  await command("failing", ["sh", "-c", "echo oops >&2; exit 3"], {}, async () => {});
} finally {
  await t.close();
  await p.close();
}
writeFileSync(process.argv[2]!, out.map((line) => JSON.stringify(line) + "\n").join(""));
