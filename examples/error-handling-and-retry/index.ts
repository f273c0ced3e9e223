/**
 * The errors a Codex program meets, and what to do with each:
 *
 * - `retryOnOverload` retries, with backoff and jitter, a call the app-server refused as
 *   overloaded (`ServerBusyError`) and a turn that failed because the model was at capacity
 *   (`TurnFailedError` with `codexErrorInfo: "serverOverloaded"`). A retried turn sends the
 *   prompt again, which is why retrying is something you ask for, not automatic.
 * - Any other failed turn rejects `run()` with `TurnFailedError` carrying the result.
 * - A request the server rejects throws a `JsonRpcError` subclass chosen by the error code.
 * - When the app-server goes away, every pending and later call rejects with
 *   `TransportClosedError`, carrying the exit code or signal and the end of its stderr.
 */
import {
  JsonRpcError,
  ServerBusyError,
  TransportClosedError,
  TurnFailedError,
  retryOnOverload,
} from "codex-app-server-sdk";
import { startCodex } from "../_shared/start.js";

await using session = await startCodex();
const { codex, script, offline } = session;

// 1. A retried turn: offline, the model is at capacity once, then answers.
console.log("1. retrying a turn");
const thread = await codex.threadStart();
script.fail("Selected model is at capacity.", "server_is_overloaded");
script.reply("Retries with backoff turn a passing overload into a short delay.");
const result = await retryOnOverload(
  (attempt) => {
    if (attempt > 1) console.log(`  attempt ${attempt} after the model was at capacity`);
    return thread.run("Why retry on overload? One sentence.");
  },
  { maxAttempts: 3 },
);
console.log(`  answer: ${result.finalResponse}\n`);

// 2. A failed turn: offline the mock fails it; on the real service, an unknown model does.
console.log("2. a failed turn");
script.fail("The mock model lost its train of thought.");
try {
  const failing = await codex.threadStart(offline ? {} : { model: "no-such-model-for-this-demo" });
  const done = await failing.run("Say hi.");
  console.log(`  unexpectedly completed: ${done.finalResponse}\n`);
} catch (err) {
  if (err instanceof TurnFailedError) {
    console.log(`  TurnFailedError: ${err.message}`);
    const info = JSON.stringify(err.turnError?.codexErrorInfo);
    console.log(`  status ${err.result.status}, codexErrorInfo ${info}\n`);
  } else if (err instanceof JsonRpcError) {
    console.log(`  rejected before the turn started: ${err.message}\n`);
  } else throw err;
}

// 3. A request the server rejects: resuming a thread that does not exist.
console.log("3. a rejected request");
try {
  await codex.threadResume("00000000-0000-0000-0000-000000000000");
} catch (err) {
  if (err instanceof ServerBusyError) console.log("  the server is busy: retry later");
  else if (err instanceof JsonRpcError) {
    console.log(`  ${err.name} (code ${err.code}): ${err.rpcMessage}\n`);
  } else throw err;
}

// 4. The app-server goes away (here: killed on purpose).
console.log("4. the app-server exits");
process.kill(codex.pid!, "SIGKILL");
try {
  await codex.models();
} catch (err) {
  if (!(err instanceof TransportClosedError)) throw err;
  console.log(`  TransportClosedError: ${err.message.split("\n")[0]}`);
  console.log(`  exit code ${err.exitCode}, signal ${err.signal}`);
}
