/**
 * Goals: give a thread an objective and let the agent work turn after turn until it marks the
 * goal complete. `runGoal` resolves with every turn's result; a `timeout` (or a `signal`) bounds
 * how long it may take (the goal is then paused, not cleared).
 */
import { startCodex } from "../_shared/start.js";

await using session = await startCodex();
const { codex, script } = session;
const thread = await codex.threadStart();

// Offline, the mock model drafts in one turn, then completes the goal in the next.
script.reply("Draft: green checks at dawn / a flaky test wakes the pager / retry, then it sleeps");
script.callTool("update_goal", { status: "complete" });
script.reply(
  "Final haiku:\nGreen checks line the dawn\none flaky test wakes the pager\nretried, it sleeps",
);

codex.on("turn/started", ({ turn }) => console.log(`  [turn ${turn.id} started]`));
const { goal, turns, finalResponse } = await thread.runGoal(
  "Write a haiku about continuous integration, then mark the goal complete.",
  { timeout: 10 * 60_000 },
);

console.log(`\ngoal: ${goal?.status} after ${turns.length} turn(s)`);
for (const [i, turn] of turns.entries()) {
  console.log(`  turn ${i + 1}: ${turn.status}, ${turn.items.length} items`);
}
console.log(`\n${finalResponse}`);
