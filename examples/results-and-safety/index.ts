/**
 * A client for programs that only want results, run safely: `events: "results"` skips the
 * per-token deltas, a `logger` hears what the SDK handles without throwing, an abort right after
 * `thread.turn()` stops the turn on the server, and a `timeout` bounds a whole turn.
 */
import { TurnAbortedError, type Logger } from "codex-app-server-sdk";
import { startCodex } from "../_shared/start.js";

// Anything with debug/info/warn/error works; `console` does. Messages never carry a key.
const logger: Logger = {
  debug: () => {},
  info: (message) => console.log(`  [info] ${message}`),
  warn: (message) => console.log(`  [warn] ${message}`),
  error: (message) => console.log(`  [error] ${message}`),
};

await using session = await startCodex({ events: "results", logger, logLevel: "info" });
const { codex, script } = session;
const thread = await codex.threadStart();

// Results only: the answer arrives whole, with no delta events on the way.
script.reply("Results mode: the same answer, without the per-token events.");
const turn = await thread.turn("Say something short about results-only clients.");
let deltas = 0;
for await (const event of turn.stream()) if (/delta$/i.test(event.method)) deltas++;
const result = await turn.run();
console.log(`answer: ${result.finalResponse}`);
console.log(`delta events received: ${deltas}\n`);

// An abort the moment the turn exists: the SDK waits until the turn is active, interrupts it,
// and frees the thread for the next turn.
script.reply("An answer nobody waits for, streamed slowly.", { delayMs: 400 });
const controller = new AbortController();
const aborted = await thread.turn("Write a long story.", { signal: controller.signal });
controller.abort();
try {
  // The turn's signal serves its run(): it rejects, saying the caller's abort stopped it.
  await aborted.run();
} catch (err) {
  if (!(err instanceof TurnAbortedError)) throw err;
  console.log(`aborted: the turn ended ${err.result?.status}`);
}

// A timeout bounds the whole turn the same way.
script.reply("Too slow to finish in time, on purpose.", { delayMs: 400 });
try {
  await thread.run("Take your time.", { timeout: 500 });
} catch (err) {
  if (!(err instanceof TurnAbortedError)) throw err;
  console.log(`timed out: the turn ended ${err.result?.status}`);
}

// An interrupt can land before the model was even asked, so which scripted answer the next turn
// gets may vary offline; what matters is that it runs.
script.reply("The thread is free again.");
console.log(`next turn: ${(await thread.run("Still there?")).status}`);
