/**
 * A thread's stored history read page by page, then rolled back; and what the client can read of
 * its setup: the effective config, the skills and the MCP servers.
 */
import { startCodex } from "../_shared/start.js";

await using session = await startCodex();
const { codex, script } = session;

const thread = await codex.threadStart();
for (const [question, answer] of [
  ["What is the capital of France? One word.", "Paris."],
  ["And of Germany? One word.", "Berlin."],
  ["And of Italy? One word.", "Rome."],
] as const) {
  script.reply(answer);
  await thread.run(question);
}

// Newest first, two turns a page: the loop fetches the next page when it needs it.
const turnIds: string[] = [];
for await (const turn of thread.turns({ limit: 2 })) turnIds.push(turn.id);
console.log(`history: ${turnIds.length} turns, newest first`);

// Every stored item, oldest first, with the turn it belongs to.
for await (const { item } of thread.items()) {
  if (item.type === "userMessage" || item.type === "agentMessage") {
    const text =
      item.type === "agentMessage"
        ? item.text
        : item.content.map((part) => (part.type === "text" ? part.text : "")).join("");
    console.log(`  ${item.type}: ${text}`);
  }
}

// Roll back to before the second turn: it and every later one leave the history.
await thread.revert(turnIds[1]!);
const kept = await thread.turnList();
console.log(`after revert: ${kept.data.length} turn(s) kept`);

// The runtime's effective configuration, as config.toml spells it.
const { config } = await codex.config.read();
console.log(`config: model ${JSON.stringify(config.model ?? null)}`);

// The skills each working directory offers, and the MCP servers the config declares.
const skills = await codex.skills();
const skillCount = skills.data.reduce((count, entry) => count + entry.skills.length, 0);
console.log(`skills: ${skillCount} across ${skills.data.length} working director(ies)`);
const servers = await codex.mcpServers();
console.log(`MCP servers: ${servers.length} configured`);
for (const server of servers) {
  console.log(`  ${server.name}: ${server.authStatus}, ${Object.keys(server.tools).length} tools`);
}
