/**
 * `turn.stream()` yields the turn's own events, typed by `method`, and ends after its
 * `turn/completed`. Here: print the answer as it streams, collect the finished messages, read
 * the token usage and the final status, and count the events by kind.
 */
import { startCodex } from "../_shared/start.js";

await using session = await startCodex();
const { codex, script } = session;
const thread = await codex.threadStart();

script.reply("Streaming lets you show the answer while the model is still writing it.", {
  reasoning: "The user wants a one-line explanation of streaming.",
});
const turn = await thread.turn("Why stream a model's answer? One sentence.");

const counts = new Map<string, number>();
const messages: string[] = [];
let status = "unknown";
let tokens: number | undefined;

for await (const event of turn.stream()) {
  counts.set(event.method, (counts.get(event.method) ?? 0) + 1);
  switch (event.method) {
    case "turn/started":
      console.log(`turn ${event.params.turn.id} started`);
      break;
    case "item/agentMessage/delta":
      process.stdout.write(event.params.delta);
      break;
    case "item/completed":
      if (event.params.item.type === "agentMessage") messages.push(event.params.item.text);
      break;
    case "thread/tokenUsage/updated":
      tokens = event.params.tokenUsage.total.totalTokens;
      break;
    case "turn/completed":
      status = event.params.turn.status;
      break;
  }
}

console.log(`\n\nstatus: ${status}`);
console.log(`completed messages: ${JSON.stringify(messages)}`);
console.log(`total tokens: ${tokens ?? "n/a"}`);
console.log("events:");
for (const [method, count] of counts) console.log(`  ${method.padEnd(34)} ${count}`);
