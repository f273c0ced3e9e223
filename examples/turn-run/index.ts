/**
 * Two ways to run a turn to completion: `thread.run(input)` for the common case, and
 * `thread.turn(input)` then `handle.run()` when you want the turn's id before it finishes.
 */
import { startCodex } from "../_shared/start.js";

await using session = await startCodex();
const { codex, script } = session;
const thread = await codex.threadStart();

// The short form: one call, one result.
script.reply("Ahoy! Fair winds and following seas to ye.");
const quick = await thread.run("Say hello like a pirate, in one sentence.");
console.log(`thread.run -> ${quick.finalResponse}\n`);

// The long form: the handle exists as soon as the server accepted the turn.
script.reply("A turn is one request to the agent and everything it does to answer it.");
const handle = await thread.turn("Define a turn of a Codex thread in one sentence.");
console.log(`thread id: ${thread.id}`);
console.log(`turn id:   ${handle.id}`);
const result = await handle.run();
console.log(`status:    ${result.status}`);
console.log(`error:     ${result.error?.message ?? "none"}`);
console.log(`text:      ${result.finalResponse}`);
console.log(`items:     ${result.items.length}`);
console.log(`duration:  ${result.durationMs ?? "?"} ms`);
