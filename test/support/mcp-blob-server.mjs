// An MCP server over stdio whose data is binary: the resource `blob://one` reads as a base64
// `blob`, and the tool `snap` answers with an image and an embedded resource, each the base64 of
// the environment's BLOB.
import { createInterface } from "node:readline";

const data = process.env.BLOB;
const reply = (id, result) =>
  process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id, result })}\n`);
const SNAP = {
  name: "snap",
  description: "Takes a picture",
  inputSchema: { type: "object", properties: {} },
  annotations: { readOnlyHint: true },
};
const RESOURCE = { uri: "blob://one", name: "one", mimeType: "application/octet-stream" };

createInterface({ input: process.stdin }).on("line", (line) => {
  const message = JSON.parse(line);
  if (message.id === undefined || message.method === undefined) return;
  const { id, method, params } = message;
  if (method === "initialize") {
    return reply(id, {
      protocolVersion: params.protocolVersion,
      capabilities: { tools: {}, resources: {} },
      serverInfo: { name: "blobs", version: "1.0.0" },
    });
  }
  if (method === "tools/list") return reply(id, { tools: [SNAP] });
  if (method === "tools/call") {
    return reply(id, {
      content: [
        { type: "image", data, mimeType: "image/png" },
        { type: "resource", resource: { ...RESOURCE, blob: data } },
      ],
    });
  }
  if (method === "resources/list") return reply(id, { resources: [RESOURCE] });
  if (method === "resources/read") return reply(id, { contents: [{ ...RESOURCE, blob: data }] });
  return reply(id, {});
});
