// An MCP server over stdio with one tool, `deploy`, marked as not read-only (so the runtime asks
// to approve each call of it), which answers "deployed".
import { createInterface } from "node:readline";

const reply = (id, result) =>
  process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id, result })}\n`);
const TOOL = {
  name: "deploy",
  description: "Deploys the site",
  inputSchema: { type: "object", properties: {} },
  annotations: { readOnlyHint: false, destructiveHint: true },
};

createInterface({ input: process.stdin }).on("line", (line) => {
  const message = JSON.parse(line);
  if (message.id === undefined || message.method === undefined) return;
  switch (message.method) {
    case "initialize":
      return reply(message.id, {
        protocolVersion: message.params.protocolVersion,
        capabilities: { tools: {} },
        serverInfo: { name: "deployer", version: "1.0.0" },
      });
    case "tools/list":
      return reply(message.id, { tools: [TOOL] });
    case "tools/call":
      return reply(message.id, { content: [{ type: "text", text: "deployed" }] });
    default:
      return reply(message.id, {});
  }
});
