/**
 * Controlling a running turn: `steer()` adds input while the agent works (the turn goes on with
 * it), `interrupt()` stops the turn, which then completes with status "interrupted".
 */
import { JsonRpcError, type TurnHandle } from "codex-app-server-sdk";
import { startCodex } from "../_shared/start.js";

await using session = await startCodex();
const { codex, script } = session;
const thread = await codex.threadStart();

/** Streams a turn's text; calls `onFirstDelta` once, when the answer starts to appear. */
async function follow(turn: TurnHandle, onFirstDelta: () => Promise<void>): Promise<void> {
  let started = false;
  for await (const event of turn.stream()) {
    if (event.method !== "item/agentMessage/delta") continue;
    process.stdout.write(event.params.delta);
    if (!started) {
      started = true;
      await onFirstDelta();
    }
  }
  process.stdout.write("\n");
}

const longList =
  "1. Name things for what they mean. 2. Avoid abbreviations. 3. Use verbs for functions. " +
  "4. Keep names short in small scopes. 5. Be consistent across the codebase. " +
  "6. Avoid type names in variable names.";

// Steer: once the answer starts, ask for less.
script.reply(longList, { delayMs: 60 });
script.reply("Three tips: name by meaning, skip abbreviations, use verbs for functions.");
const steered = await thread.turn("List six tips for naming variables.");
await follow(steered, async () => {
  try {
    const { turnId } = await steered.steer("Actually, just three tips, in one line.");
    process.stdout.write(`\n  [steered turn ${turnId}]\n`);
  } catch (err) {
    // The turn may have finished before the steer arrived.
    if (!(err instanceof JsonRpcError)) throw err;
    process.stdout.write(`\n  [steer refused: ${err.rpcMessage}]\n`);
  }
});
const first = await steered.run();
console.log(`status: ${first.status}; final answer: ${first.finalResponse}\n`);

// Interrupt: stop the next turn as soon as it starts answering.
script.reply(longList.repeat(3), { delayMs: 60 });
const stopped = await thread.turn("Write a long essay about naming variables.");
await follow(stopped, async () => {
  await stopped.interrupt();
  process.stdout.write("\n  [interrupt sent]\n");
});
const second = await stopped.run();
console.log(`status: ${second.status}`);
if (second.status !== "interrupted") {
  throw new Error(`expected an interrupted turn, got ${second.status}`);
}
