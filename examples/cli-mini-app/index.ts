/**
 * A tiny terminal chat: each line you type is a turn on one thread; the answer streams as it is
 * written, followed by the token usage. `/exit` or `/quit` (or Ctrl-D) ends it.
 *
 * Scripted: printf 'hello\n/exit\n' | npm run example -- cli-mini-app
 */
import readline from "node:readline";

import type { ThreadTokenUsage } from "codex-app-server-sdk/types";
import { startCodex } from "../_shared/start.js";

await using session = await startCodex();
const { codex, script } = session;
const thread = await codex.threadStart();

const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
// Input that ends (Ctrl-D, or the end of piped lines) closes it, maybe during a turn: the lines
// it read are still handed on, but its prompt then throws (Node 24), so it is written here.
let open = true;
rl.on("close", () => (open = false));
const prompt = () => {
  if (open) rl.prompt();
  else process.stdout.write("you> ");
};
rl.setPrompt("you> ");
console.log("Ask anything; /exit to quit.");
prompt();

let turns = 0;
// The thread's total before each turn: a turn's own count is what the total grew by (`last` is
// only its last model call, and a turn that runs a tool makes several).
let before = 0;
for await (const line of rl) {
  const input = line.trim();
  // Piped input is not echoed by the terminal: print it so the transcript reads right.
  if (!process.stdin.isTTY) console.log(input);
  if (input === "/exit" || input === "/quit") break;
  if (input === "") {
    prompt();
    continue;
  }

  script.reply(`(offline mock) You said "${input}". With an account configured, Codex answers.`);
  const turn = await thread.turn(input);
  let usage: ThreadTokenUsage | null = null;
  process.stdout.write("codex> ");
  for await (const event of turn.stream()) {
    if (event.method === "item/agentMessage/delta") process.stdout.write(event.params.delta);
    if (event.method === "thread/tokenUsage/updated") usage = event.params.tokenUsage;
    if (event.method === "turn/completed" && event.params.turn.status !== "completed") {
      const reason = event.params.turn.error?.message ?? "";
      process.stdout.write(`\n[turn ${event.params.turn.status}] ${reason}`);
    }
  }
  turns++;
  if (usage !== null) {
    const { totalTokens } = usage.total;
    console.log(`\n  [tokens: this turn ${totalTokens - before}, thread total ${totalTokens}]`);
    before = totalTokens;
  } else {
    console.log();
  }
  prompt();
}
rl.close();
console.log(`\nBye after ${turns} turn(s).`);
