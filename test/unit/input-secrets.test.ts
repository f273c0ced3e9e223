/**
 * Refused input never shows a credential it holds: an error names the option and the kind of
 * what was given, or a key up to its `=`, never a value that may belong in another option
 * (a `config` written as a TOML line, a header line given as a name).
 */
import { inspect } from "node:util";
import { expect, it, vi } from "vitest";
import { FakeTransport } from "../support/fake-transport.js";
import { startOverFake } from "../support/fake-stdio.js";

const transports: FakeTransport[] = [];
vi.mock("../../src/transport/stdio.js", async () => {
  const { FakeTransport: Fake } = await import("../support/fake-transport.js");
  const { fakeStdio } = await import("../support/fake-stdio.js");
  return fakeStdio(Fake, (t) => transports.push(t));
});
const { Codex } = await import("../../src/index.js");
const init = { userAgent: "codex/0.0.1", serverInfo: { name: "codex", version: "0.0.1" } };
const SECRET = "sk-proj-SECRETabcdef0123456789";

/** The error a call rejects or throws with, where every surface is read for the secret. */
async function refusal(call: () => unknown): Promise<Error> {
  const err = await Promise.resolve()
    .then(call)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(TypeError);
  const surfaces = [
    (err as Error).message,
    String((err as Error).stack),
    inspect(err, { depth: 10, showHidden: true }),
    JSON.stringify(err),
  ];
  expect(surfaces.filter((text) => text.includes(SECRET))).toEqual([]);
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
