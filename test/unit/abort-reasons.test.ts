// A call aborted by its signal rejects with the signal's reason, the caller's own object, as it
// is: whatever its kind (a fail-fast group aborts the rest with the error its first call failed
// with, a `RequestTimeoutError` or a server's error), it is neither renamed as the call's own
// timeout nor given the call's stack, and a call aborted already rejects however far what it
// waits for has come. Codex runs here over a fake transport in place of the child process.
import { expect, it, vi } from "vitest";
import { FakeTransport } from "../support/fake-transport.js";
import { startOverFake } from "../support/fake-stdio.js";

const transports: FakeTransport[] = [];
vi.mock("../../src/transport/stdio.js", async () => {
  const { FakeTransport: Fake } = await import("../support/fake-transport.js");
  const { fakeStdio } = await import("../support/fake-stdio.js");
  return fakeStdio(Fake, (t) => transports.push(t));
});

const { Codex, RequestTimeoutError } = await import("../../src/index.js");

type Client = Awaited<ReturnType<typeof Codex.start>>;
const init = { userAgent: "codex/0.0.1", serverInfo: { name: "codex", version: "0.0.1" } };
const startCodex = () => startOverFake(Codex, transports, init);

/** The latest message the client sent of `method`, once it has sent one. */
const sentOf = (transport: FakeTransport, method: string) =>
  vi.waitFor(() => {
    const message = [...transport.sent].reverse().find((m) => m.method === method);
    expect(message).toBeDefined();
    return message!;
  });

// Calls made of several requests or waits, each bounded by one timeout as a whole.
const calls: Record<
  string,
  (codex: Client, options: { signal: AbortSignal; timeout: number }) => Promise<unknown>
> = {
  loadedThreads: (c, o) => c.loadedThreads(o),
  mcpServers: (c, o) => c.mcpServers(o),
  threadFork: (c, o) => c.threadFork("th", o),
  "loginApiKey({ persist })": (c, o) => c.loginApiKey("sk-abcdefghijkl", { persist: true, ...o }),
  turnList: (c, o) => c.thread("th").turnList(o),
  "read({ includeTurns })": (c, o) => c.thread("th").read({ includeTurns: true, ...o }),
  revert: (c, o) => c.thread("th").revert("turn-1", o),
  compact: (c, o) => c.thread("th").compact(o),
};

it("rejects a call of many steps aborted already with the reason given, a timeout of another call's too", async () => {
  const { codex, transport } = await startCodex();
  const before = transport.sent.length;
  // The error a sibling call failed with, passed on to stop the rest of the group.
  const reason = new RequestTimeoutError("model/list", 1000);
  const signal = AbortSignal.abort(reason);
  for (const [name, call] of Object.entries(calls)) {
    await expect(call(codex, { signal, timeout: 60_000 }), name).rejects.toBe(reason);
  }
  expect(transport.sent.slice(before)).toEqual([]);
  await codex.close();
});

it("rejects a turn aborted as it waits for the thread with the reason given, its timeout unrenamed", async () => {
  const { codex, transport } = await startCodex();
  const thread = codex.thread("th");
  const first = thread.turn("first");
  const start = await sentOf(transport, "turn/start");
  transport.deliver({
    id: start.id,
    result: { turn: { id: "t1", status: "inProgress", items: [], error: null } },
  });
  await first;
  const controller = new AbortController();
  const queued = thread.run("second", { signal: controller.signal, timeout: 60_000 });
  const reason = new RequestTimeoutError("model/list", 1000);
  controller.abort(reason);
  await expect(queued).rejects.toBe(reason);
  await codex.close();
});

it("leaves the stack of a server's error given as the reason as it was", async () => {
  const { codex, transport } = await startCodex();
  const controller = new AbortController();
  async function failingList() {
    return await codex.threadList({ signal: controller.signal });
  }
  async function siblingModels() {
    return await codex.models({ signal: controller.signal });
  }
  const list = failingList();
  const models = siblingModels();
  const request = await sentOf(transport, "thread/list");
  transport.deliver({ id: request.id, error: { code: -32600, message: "invalid cursor" } });
  const error = (await list.catch((e: unknown) => e)) as Error;
  const stack = error.stack;
  expect(stack).toContain("failingList");
  controller.abort(error);
  await expect(models).rejects.toBe(error);
  expect(error.stack).toBe(stack);
  await codex.close();
});

it("rejects a login's wait aborted already, its completion come or not", async () => {
  const { codex, transport } = await startCodex();
  const starting = codex.loginChatgpt();
  const start = await sentOf(transport, "account/login/start");
  transport.deliver({
    id: start.id,
    result: { type: "chatgpt", loginId: "L1", authUrl: "http://localhost:1455/auth" },
  });
  const login = await starting;
  transport.deliver({
    method: "account/login/completed",
    params: { loginId: "L1", success: true, error: null },
  });
  const reason = new Error("stop waiting");
  const aborted = { signal: AbortSignal.abort(reason) };
  await expect(login.wait(aborted)).rejects.toBe(reason);
  // The completion kept is still there for a wait not given up on, and known from then on.
  await expect(login.wait()).resolves.toMatchObject({ loginId: "L1", success: true });
  await expect(login.wait(aborted)).rejects.toBe(reason);
  await codex.close();
});

it("rejects a start aborted with a timeout of another call's with that reason, not as its own", async () => {
  const before = transports.length;
  const controller = new AbortController();
  const starting = Codex.start({ launchArgs: ["stand-in"], startSignal: controller.signal });
  await vi.waitFor(() => expect(transports.length).toBe(before + 1));
  await sentOf(transports.at(-1)!, "initialize");
  const reason = new RequestTimeoutError("model/list", 1000);
  controller.abort(reason);
  await expect(starting).rejects.toBe(reason);
});
