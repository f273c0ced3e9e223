/**
 * Refused input never shows a credential it holds: an error names the option and the kind of
 * what was given, or a key up to its `=` or `:`, never a value that may belong in another option
 * (a `config` written as a TOML line, a header line given as a name). Each surface of the error
 * (message, stack, inspection, JSON, causes) and what a logger received are read.
 */
import { inspect } from "node:util";
import { expect, it, vi } from "vitest";
import { Log } from "../../src/internal/logger.js";
import { configArgs } from "../../src/internal/toml.js";
import { toTurnInput } from "../../src/inputs.js";
import { Connection } from "../../src/rpc/connection.js";
import { Router } from "../../src/rpc/router.js";
import { ServerRequestDispatcher } from "../../src/server-requests.js";
import { captureLog } from "../support/capture-log.js";
import { FakeTransport } from "../support/fake-transport.js";
import { startOverFake } from "../support/fake-stdio.js";
import { takeSlot } from "../support/turn-slot.js";

const transports: FakeTransport[] = [];
vi.mock("../../src/transport/stdio.js", async () => {
  const { FakeTransport: Fake } = await import("../support/fake-transport.js");
  const { fakeStdio } = await import("../support/fake-stdio.js");
  return fakeStdio(Fake, (t) => transports.push(t));
});
const { Codex } = await import("../../src/index.js");
const init = { userAgent: "codex/0.0.1", serverInfo: { name: "codex", version: "0.0.1" } };
const SECRET = "sk-proj-SECRETabcdef0123456789";

// What an error shows: its message, stack, inspection and JSON, and its causes'.
function surfaces(err: unknown): string[] {
  const out: string[] = [];
  let at: unknown = err;
  for (let depth = 0; at !== undefined && at !== null && depth < 5; depth++) {
    const e = at as Error;
    out.push(String(e.message), String(e.stack), inspect(e, { depth: 10, showHidden: true }));
    out.push(JSON.stringify(e) ?? "");
    at = (e as { cause?: unknown }).cause;
  }
  return out;
}

/** The error a call rejects or throws with, where every surface is read for the secret. */
async function refusal(call: () => unknown, secret = SECRET): Promise<Error> {
  const err = await Promise.resolve()
    .then(call)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(TypeError);
  expect(surfaces(err).filter((text) => text.includes(secret))).toEqual([]);
  return err as Error;
}

it("names no value of a config written as a TOML line, of a thread or of config edits", async () => {
  const { codex, transport } = await startOverFake(Codex, transports, init);
  const before = transport.sent.length;
  const line = `model_providers.corp.experimental_bearer_token="${SECRET}"`;
  const err = await refusal(() => codex.threadStart({ config: line } as never));
  expect(err.message).toBe("config must be an object or null, got a string");
  await refusal(() => codex.threadResume("thr_1", { config: line } as never));
  await refusal(() => codex.threadFork("thr_1", { config: line } as never));
  for (const keyPath of [line, `mcp_servers.gh.http_headers.Authorization = "Bearer ${SECRET}"`]) {
    await refusal(() => codex.config.write(keyPath, true));
    await refusal(() => codex.config.batchWrite([{ keyPath, value: true }]));
  }
  const spaced = await refusal(() => codex.threadStart({ config: { [`a .b=${SECRET}`]: 1 } }));
  expect(spaced.message).toMatch(/^config key "a \.b" \+ "=\.\.\." /);
  expect(transport.sent.length).toBe(before);
  await codex.close();
});

it("names a header given as a line up to where its name ends", async () => {
  const err = await refusal(() =>
    Codex.connect("ws://127.0.0.1:1/", { headers: { [`Authorization: Bearer ${SECRET}`]: "x" } }),
  );
  expect(err.message).toBe(
    'headers: "Authorization..." is not a valid HTTP header name: its character 14 is a colon',
  );
  for (const [key, why] of [
    [" X-Api-Key", '"..." is not a valid HTTP header name: its character 1 is a space'],
    ["", "an empty name is not a valid HTTP header name"],
    ["X\u00e9", '"X..." is not a valid HTTP header name: its character 2 is U+00E9'],
  ]) {
    const refused = await refusal(() =>
      Codex.connect("ws://127.0.0.1:1/", { headers: { [key!]: "x" } }),
    );
    expect(refused.message).toBe(`headers: ${why}`);
  }
});

it("config.write: a key path written as a YAML/JSON line shows no bearer token", async () => {
  const { codex } = await startOverFake(Codex, transports, init);
  try {
    const keyPath = `model_providers.corp.experimental_bearer_token: "${SECRET}"`;
    await refusal(() => codex.config.write(keyPath, true));
  } finally {
    await codex.close();
  }
});

it("a key path holding a colon outside a quoted segment is refused before any I/O, its value unshown", async () => {
  const { codex, transport } = await startOverFake(Codex, transports, init);
  try {
    // Unquoted, the runtime would refuse it quoting the whole path back, and nothing redacts it.
    const keyPath = `mcp_servers.docs.http_headers.Authorization: Bearer ${SECRET}`;
    const sent = transport.sent.length;
    const err = await refusal(() => codex.config.write(keyPath, true));
    expect(err.message).toContain('"mcp_servers.docs.http_headers.Authorization" + ":..."');
    await refusal(() => codex.threadStart({ config: { [keyPath]: true } }));
    expect(transport.sent.length).toBe(sent);
  } finally {
    await codex.close();
  }
});

it("a key: value line in quotes, refused for its colon, shows no credential either", async () => {
  const { codex } = await startOverFake(Codex, transports, init);
  try {
    await refusal(() =>
      codex.config.write(`model_providers.corp.'experimental_bearer_token: ${SECRET}'`, true),
    );
    const quoted = `model_providers.corp.http_headers."Authorization: Bearer ${SECRET}"`;
    await refusal(() => codex.threadStart({ config: { [quoted]: true } }));
  } finally {
    await codex.close();
  }
  await refusal(() => Codex.start({ configOverrides: [`${quoted()}=1`] }));
});

// A --config pair's key quoting a header line.
const quoted = () => `model_providers.corp.http_headers."Authorization: Bearer ${SECRET}"`;

it("takes a drive's colon in a key, which names a Windows project", async () => {
  const { codex, transport } = await startOverFake(Codex, transports, init);
  try {
    const sent = transport.sent.length;
    const writing = codex.config.write("projects.C:\\repo.trust_level", "trusted");
    const request = await transport.waitForSent(sent + 1);
    expect(request).toMatchObject({
      method: "config/value/write",
      params: { keyPath: "projects.C:\\repo.trust_level" },
    });
    transport.deliver({ id: request.id, result: { status: "ok" } });
    await writing;
    // As a --config pair too, which the runtime applies.
    const pair = 'projects.C:\\repo.trust_level="trusted"';
    expect(configArgs([pair])).toEqual(["--config", pair]);
  } finally {
    await codex.close();
  }
});

it("config.batchWrite: a JSON-style edit line as keyPath shows no bearer token", async () => {
  const { codex } = await startOverFake(Codex, transports, init);
  try {
    const keyPath = `mcp_servers.gh."bearer_token": "${SECRET}"`;
    await refusal(() => codex.config.batchWrite([{ keyPath, value: true }]));
  } finally {
    await codex.close();
  }
});

it("configOverrides: an object key written as `key: value` shows no bearer token", async () => {
  await refusal(() =>
    Codex.start({
      configOverrides: { [`model_providers.corp.experimental_bearer_token: ${SECRET}`]: true },
    }),
  );
});

it("configOverrides: a pair whose base64 credential holds = and a trailing newline shows none of it", async () => {
  // A Basic credential (base64 of user:password), read from a file with its newline.
  const basic = Buffer.from("deploy:hunter2-very-secret-pw").toString("base64");
  expect(basic).toContain("=");
  const secretPart = basic.slice(0, basic.indexOf("="));
  const pair = `mcp_servers.gh.http_headers.Authorization: "Basic ${basic}"\n`;
  await refusal(() => Codex.start({ configOverrides: [pair] }), secretPart);
});

it("a localAudio path that is a URL shows neither the token of its query nor its password", () => {
  for (const url of [
    `https://cdn.example.com/a.flac?token=${SECRET}`,
    `https://user:${SECRET}@cdn.example.com/a.flac`,
  ]) {
    let err: unknown;
    try {
      toTurnInput([{ type: "localAudio", path: url }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TypeError);
    expect(surfaces(err).filter((t) => t.includes(SECRET))).toEqual([]);
  }
});

it("a tool returning a list of strings is not logged with each string in full", async () => {
  const { logger, entries } = captureLog();
  const transport = new FakeTransport();
  const log = new Log(logger, "debug");
  const connection = new Connection(transport, { log });
  const router = new Router(connection);
  const dispatcher = new ServerRequestDispatcher(router, {}, { log });
  connection.setServerRequestHandler(dispatcher.handle);
  takeSlot(router, "thread-turn-1").bind("turn-1", { push: () => false, fail: () => {} });
  dispatcher.addToThread("th", undefined, [
    {
      name: "keys",
      description: "",
      inputSchema: { type: "object" },
      handler: () => [SECRET],
    },
  ]);
  transport.deliver({
    id: 1,
    method: "item/tool/call",
    params: { threadId: "th", turnId: "turn-1", callId: "c", tool: "keys", arguments: {} },
  });
  const sent = await transport.waitForSent(1);
  expect(JSON.stringify(sent)).toContain("must have type");
  const logged = entries.flatMap(({ message, detail }) => [message, ...surfaces(detail)]);
  expect(entries.length).toBeGreaterThan(0);
  expect(logged.filter((t) => t.includes(SECRET))).toEqual([]);
});
