import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sse } from "../../src/testing/index.js";
import { createTestCodex, type TestCodex } from "../../src/testing/test-codex.js";

const SERVER = fileURLToPath(new URL("../support/mcp-blob-server.mjs", import.meta.url));
// A key of base64's letters, and binary data whose base64 holds it (by chance, in real use).
const KEY = "sk0proj0ABCDEFGHabcdefgh12345678";
const BLOB = `AAAA${KEY}AAAA`;

let t: TestCodex;
beforeEach(async () => {
  t = await createTestCodex({
    apiKey: KEY,
    configOverrides: {
      mcp_servers: { blobs: { command: process.execPath, args: [SERVER], env: { BLOB } } },
    },
  });
});
afterEach(async () => {
  await t.close();
});

type Content = { type: string; data?: string; resource?: { blob?: string } }[];

describe("an MCP server's base64 data while a key whose letters it holds is held", () => {
  it("reaches the caller of mcpServer/resource/read and mcpServer/tool/call as written", async () => {
    const thread = await t.codex.threadStart({});
    const read = await t.codex.request("mcpServer/resource/read", {
      threadId: thread.id,
      server: "blobs",
      uri: "blob://one",
    });
    expect((read.contents[0] as { blob?: string }).blob).toBe(BLOB);
    const called = await t.codex.request("mcpServer/tool/call", {
      threadId: thread.id,
      server: "blobs",
      tool: "snap",
      arguments: {},
    });
    const content = called.content as Content;
    expect(content.map((part) => part.data ?? part.resource?.blob)).toEqual([BLOB, BLOB]);
  });

  it("stays whole in a turn's tool call item, as run() and thread/read give it", async () => {
    const thread = await t.codex.threadStart({});
    t.mock.enqueue(sse.functionCall("snap", {}, { namespace: "mcp__blobs" }));
    t.mock.enqueueAssistantMessage("done");
    const result = await thread.run("take a picture");
    const call = result.items.find((item) => item.type === "mcpToolCall");
    const parts = (item: typeof call) =>
      ((item as { result?: { content?: Content } | null }).result?.content ?? []).map(
        (part) => part.data ?? part.resource?.blob,
      );
    expect(parts(call)).toEqual([BLOB, BLOB]);
    const { thread: stored } = await thread.read({ includeTurns: true });
    const storedCall = stored.turns
      .flatMap((turn) => turn.items)
      .find((item) => item.type === "mcpToolCall");
    expect(parts(storedCall)).toEqual([BLOB, BLOB]);
  });
});
