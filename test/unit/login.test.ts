import { getEventListeners } from "node:events";
import { inspect } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  CodexError,
  InternalRpcError,
  InvalidRequestError,
  RequestTimeoutError,
  TransportClosedError,
} from "../../src/errors.js";
import { ChatgptLoginHandle, DeviceCodeLoginHandle, LoginTimeoutError } from "../../src/login.js";
import {
  LoginTracker,
  loginApiKey,
  loginChatgpt,
  loginChatgptAuthTokens,
  loginChatgptDeviceCode,
  logout,
  readAccount,
} from "../../src/login-flows.js";
import { Secrets } from "../../src/internal/redact.js";
import { Connection, MAX_IN_FLIGHT } from "../../src/rpc/connection.js";
import { Router } from "../../src/rpc/router.js";
import { captureLog } from "../support/capture-log.js";
import { FakeTransport } from "../support/fake-transport.js";

const KEY = "sk-test-0123456789abcdef";

function setup() {
  const transport = new FakeTransport();
  const secrets = new Secrets();
  const connection = new Connection(transport, { secrets });
  const router = new Router(connection);
  const tracker = new LoginTracker(router, connection);
  return { transport, connection, router, tracker, secrets };
}

type Setup = ReturnType<typeof setup>;

function completed(loginId: string | null, success: boolean, error: string | null = null) {
  return {
    method: "account/login/completed",
    params: { loginId, success, error, onboardingEntrypoint: null },
  };
}

/** Starts a browser login and answers it as the server would, with `loginId`. */
async function startChatgpt({ transport, connection, tracker }: Setup, loginId: string) {
  const count = transport.sent.length + 1;
  const pending = loginChatgpt(connection, tracker);
  const sent = await transport.waitForSent(count);
  transport.deliver({
    id: sent.id,
    result: { type: "chatgpt", loginId, authUrl: `http://localhost:1455/auth?login=${loginId}` },
  });
  return pending;
}

/** Everything an error exposes: message, stack, enumerable properties and the cause chain. */
function everything(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let i = 0; i < 10 && current !== undefined; i++) {
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? "", current.name);
      parts.push(JSON.stringify({ ...current }));
      current = current.cause;
    } else {
      parts.push(JSON.stringify(current));
      current = undefined;
    }
  }
  parts.push(inspect(err, { depth: 10, showHidden: true }));
  return parts.join("\n");
}

afterEach(() => {
  vi.useRealTimers();
});

describe("LoginTracker and login handles", () => {
  it("keeps a completion that arrives before wait()", async () => {
    const s = setup();
    const handle = await startChatgpt(s, "login-a");
    expect(handle).toBeInstanceOf(ChatgptLoginHandle);
    expect(handle.loginId).toBe("login-a");
    expect(handle.authUrl).toBe("http://localhost:1455/auth?login=login-a");
    expect(s.transport.sent[0]).toMatchObject({
      method: "account/login/start",
      params: { type: "chatgpt" },
    });

    s.transport.deliver(completed("login-a", true));
    await expect(handle.wait()).resolves.toEqual({
      loginId: "login-a",
      success: true,
      error: null,
      onboardingEntrypoint: null,
    });
    // Consumed once, but the handle remembers its result.
    await expect(handle.wait()).resolves.toMatchObject({ success: true });
  });

  it("keeps a completion read before the start response was handled", async () => {
    const { transport, connection, tracker } = setup();
    const pending = loginChatgpt(connection, tracker);
    const sent = await transport.waitForSent(1);
    // Both lines are handled synchronously; the await after the response runs later.
    transport.deliver({
      id: sent.id,
      result: { type: "chatgpt", loginId: "early", authUrl: "http://localhost:1455/x" },
    });
    transport.deliver(completed("early", false, "Login cancelled"));
    const handle = await pending;
    // A lost completion would show as a timeout rather than a hang.
    await expect(handle.wait({ timeout: 1000 })).resolves.toMatchObject({
      loginId: "early",
      success: false,
    });
  });

  it("gives two overlapping logins each their own completion", async () => {
    const s = setup();
    const a = await startChatgpt(s, "login-a");
    const b = await startChatgpt(s, "login-b");
    const waitA = a.wait();
    const waitB = b.wait();
    s.transport.deliver(completed("login-b", true));
    s.transport.deliver(completed("login-a", false, "Login cancelled"));
    await expect(waitA).resolves.toMatchObject({ loginId: "login-a", success: false });
    await expect(waitB).resolves.toMatchObject({ loginId: "login-b", success: true });
  });

  it("ignores completions without a login id (API-key logins)", async () => {
    const s = setup();
    const handle = await startChatgpt(s, "login-a");
    const wait = handle.wait();
    s.transport.deliver(completed(null, true));
    s.transport.deliver(completed("login-a", true));
    await expect(wait).resolves.toMatchObject({ loginId: "login-a" });
  });

  it("resolves every concurrent wait of one login", async () => {
    const s = setup();
    const handle = await startChatgpt(s, "login-a");
    const first = handle.wait();
    const second = handle.wait();
    s.transport.deliver(completed("login-a", true));
    await expect(first).resolves.toMatchObject({ success: true });
    await expect(second).resolves.toMatchObject({ success: true });
  });

  it("rejects a pending wait with the connection's TransportClosedError", async () => {
    const s = setup();
    const handle = await startChatgpt(s, "login-a");
    const wait = handle.wait();
    s.transport.end({ exitCode: 3, stderrTail: "bye" });
    const err = await wait.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportClosedError);
    expect(err).toBe(s.connection.closeError);
    expect((err as TransportClosedError).exitCode).toBe(3);
    // A wait after the close rejects at once rather than hanging.
    await expect(handle.wait()).rejects.toBe(s.connection.closeError);
  });

  it("still resolves with a completion that arrived before the close", async () => {
    const s = setup();
    const handle = await startChatgpt(s, "login-a");
    s.transport.deliver(completed("login-a", true));
    s.transport.end();
    await expect(handle.wait()).resolves.toMatchObject({ success: true });
  });

  it("times out with LoginTimeoutError, clears its timer, and a later wait still works", async () => {
    vi.useFakeTimers();
    const s = setup();
    const handle = await startChatgpt(s, "login-a");
    const wait = handle.wait({ timeout: 1000 });
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1000);
    const err = await wait.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoginTimeoutError);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err).toBeInstanceOf(CodexError);
    expect((err as LoginTimeoutError).loginId).toBe("login-a");
    expect((err as Error).message).toBe("login login-a did not complete within 1000 ms");
    expect(vi.getTimerCount()).toBe(0);

    const again = handle.wait({ timeout: 1000 });
    s.transport.deliver(completed("login-a", true));
    await expect(again).resolves.toMatchObject({ success: true });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("bounds a wait by the timeout it checked, reading a getter once", async () => {
    vi.useFakeTimers();
    const s = setup();
    const handle = await startChatgpt(s, "login-g");
    let reads = 0;
    const options = {
      get timeout() {
        reads += 1;
        return reads === 1 ? 1000 : 0;
      },
    };
    const wait = handle.wait(options).catch((e: unknown) => e);
    vi.advanceTimersByTime(1000);
    expect(await wait).toBeInstanceOf(LoginTimeoutError);
    expect(reads).toBe(1);
  });

  it("rejects with the abort reason and removes its listener and timer", async () => {
    vi.useFakeTimers();
    const s = setup();
    const handle = await startChatgpt(s, "login-a");
    const controller = new AbortController();
    const wait = handle.wait({ signal: controller.signal, timeout: 60_000 });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(1);
    const reason = new Error("user gave up");
    controller.abort(reason);
    await expect(wait).rejects.toBe(reason);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);

    await expect(handle.wait({ signal: controller.signal })).rejects.toBe(reason);
  });

  it("keeps a completion for a later wait when the only wait gave up just before it", async () => {
    const s = setup();
    const handle = await startChatgpt(s, "login-a");
    const controller = new AbortController();
    const wait = handle.wait({ signal: controller.signal });
    // A listener of the line before the completion aborts the wait: both are handled in one
    // turn of the loop, before the aborted wait has let go.
    s.router.on("account/updated", () => controller.abort(new Error("user gave up")));
    s.transport.deliver({ method: "account/updated", params: { authMode: "chatgpt" } });
    s.transport.deliver(completed("login-a", true));
    await expect(wait).rejects.toThrow("user gave up");
    await expect(handle.wait({ timeout: 1000 })).resolves.toMatchObject({
      loginId: "login-a",
      success: true,
    });
  });

  it("removes its listener and timer when the completion arrives, and on close", async () => {
    vi.useFakeTimers();
    const s = setup();
    const a = await startChatgpt(s, "login-a");
    const b = await startChatgpt(s, "login-b");
    const controller = new AbortController();
    const waitA = a.wait({ signal: controller.signal, timeout: 60_000 });
    const waitB = b.wait({ signal: controller.signal, timeout: 60_000 });
    // One listener serves every wait on the signal.
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    s.transport.deliver(completed("login-a", true));
    await expect(waitA).resolves.toMatchObject({ success: true });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(1);
    s.transport.end();
    await expect(waitB).rejects.toBeInstanceOf(TransportClosedError);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("validates wait options before waiting", async () => {
    const s = setup();
    const handle = await startChatgpt(s, "login-a");
    await expect(handle.wait({ timeout: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(handle.wait({ timeout: Number.NaN })).rejects.toBeInstanceOf(RangeError);
    await expect(s.tracker.wait("")).rejects.toBeInstanceOf(TypeError);
  });

  it("keeps only a bounded number of completions for ids it does not know", async () => {
    vi.useFakeTimers();
    const s = setup();
    for (let i = 0; i < 40; i++) s.transport.deliver(completed(`stranger-${i}`, false));
    // The oldest were dropped, the newest are still there for a late registration.
    s.tracker.register("stranger-0");
    s.tracker.register("stranger-39");
    await expect(s.tracker.wait("stranger-39")).resolves.toMatchObject({ success: false });
    const old = s.tracker.wait("stranger-0", { timeout: 10 });
    vi.advanceTimersByTime(10);
    await expect(old).rejects.toBeInstanceOf(LoginTimeoutError);
  });

  it("keeps only the newest 32 completions of its own logins that nobody waited for", async () => {
    const s = setup();
    const handles: ChatgptLoginHandle[] = [];
    for (let i = 0; i < 40; i++) {
      handles.push(await startChatgpt(s, `login-${i}`));
      s.transport.deliver(completed(`login-${i}`, false, "Login was not completed"));
    }
    await expect(handles[39]!.wait()).resolves.toMatchObject({ loginId: "login-39" });
    await expect(handles[8]!.wait()).resolves.toMatchObject({ loginId: "login-8" });
    vi.useFakeTimers();
    const dropped = handles[7]!.wait({ timeout: 10 });
    vi.advanceTimersByTime(10);
    await expect(dropped).rejects.toBeInstanceOf(LoginTimeoutError);
  });

  it("remembers only the newest 32 started logins; an older one's completion is kept as an unknown id's", async () => {
    const s = setup();
    const handles: ChatgptLoginHandle[] = [];
    for (let i = 0; i < 40; i++) handles.push(await startChatgpt(s, `login-${i}`));
    for (const i of [0, 1, 39]) s.transport.deliver(completed(`login-${i}`, true));
    await expect(handles[1]!.wait()).resolves.toMatchObject({ loginId: "login-1" });
    for (let i = 0; i < 32; i++) s.transport.deliver(completed(`stranger-${i}`, false));
    // Completions of ids it does not know push the older login's out; a started one's stay.
    await expect(handles[39]!.wait()).resolves.toMatchObject({ loginId: "login-39" });
    vi.useFakeTimers();
    const dropped = handles[0]!.wait({ timeout: 10 });
    vi.advanceTimersByTime(10);
    await expect(dropped).rejects.toBeInstanceOf(LoginTimeoutError);
  });

  it("cancel() sends account/login/cancel and the later completion resolves wait()", async () => {
    const s = setup();
    const handle = await startChatgpt(s, "login-a");
    const cancel = handle.cancel();
    const sent = await s.transport.waitForSent(2);
    expect(sent).toMatchObject({
      method: "account/login/cancel",
      params: { loginId: "login-a" },
    });
    s.transport.deliver({ id: sent.id, result: { status: "canceled" } });
    s.transport.deliver(completed("login-a", false, "Login was not completed"));
    await expect(cancel).resolves.toEqual({ status: "canceled" });
    await expect(handle.wait()).resolves.toMatchObject({ success: false });
  });

  it("cancels a login whose start was given up on once its answer comes, and sends none aborted", async () => {
    const s = setup();
    const controller = new AbortController();
    const pending = loginChatgpt(s.connection, s.tracker, { signal: controller.signal });
    const start = await s.transport.waitForSent(1);
    controller.abort(new Error("user gave up"));
    await expect(pending).rejects.toThrow("user gave up");
    // The runtime answers late: the login it started runs on, with no handle to cancel it by.
    s.transport.deliver({
      id: start.id,
      result: { type: "chatgpt", loginId: "login-late", authUrl: "http://localhost:1455/auth" },
    });
    await expect(s.transport.waitForSent(2)).resolves.toMatchObject({
      method: "account/login/cancel",
      params: { loginId: "login-late" },
    });
    // Timed out alike, for a device-code login.
    const timedOut = loginChatgptDeviceCode(s.connection, s.tracker, { timeout: 20 });
    const deviceStart = await s.transport.waitForSent(3);
    await expect(timedOut).rejects.toThrow(new RequestTimeoutError("account/login/start", 20));
    s.transport.deliver({
      id: deviceStart.id,
      result: {
        type: "chatgptDeviceCode",
        loginId: "login-device",
        verificationUrl: "https://auth.openai.com/codex/device",
        userCode: "ABCD-1234",
      },
    });
    await expect(s.transport.waitForSent(4)).resolves.toMatchObject({
      method: "account/login/cancel",
      params: { loginId: "login-device" },
    });
    // An abort before the call sends nothing.
    await expect(
      loginChatgpt(s.connection, s.tracker, { signal: controller.signal }),
    ).rejects.toThrow("user gave up");
    expect(s.transport.sent).toHaveLength(4);
  });

  it("sends no login start given up on while it waited for a place", async () => {
    const s = setup();
    const reads = Array.from({ length: MAX_IN_FLIGHT }, () =>
      s.connection.request("thread/read", { threadId: "t" }),
    );
    await s.transport.waitForSent(MAX_IN_FLIGHT);
    await expect(loginChatgpt(s.connection, s.tracker, { timeout: 20 })).rejects.toThrow(
      new RequestTimeoutError("account/login/start", 20),
    );
    for (const message of [...s.transport.sent]) {
      s.transport.deliver({ id: message.id, result: { thread: { id: "t" } } });
    }
    await Promise.all(reads);
    expect(s.transport.sent.filter((m) => m.method !== "thread/read")).toEqual([]);
    await s.tracker.cancelOpen(1000);
    expect(s.transport.sent).toHaveLength(MAX_IN_FLIGHT);
  });

  it("cancels on cancelOpen the logins left open, one whose start is on its way included", async () => {
    const s = setup();
    const first = loginChatgpt(s.connection, s.tracker);
    const firstStart = await s.transport.waitForSent(1);
    s.transport.deliver({
      id: firstStart.id,
      result: { type: "chatgpt", loginId: "login-open", authUrl: "http://localhost:1455/auth" },
    });
    await first;
    void loginChatgpt(s.connection, s.tracker);
    const secondStart = await s.transport.waitForSent(2);
    const cancelled = s.tracker.cancelOpen(1000);
    s.transport.deliver({
      id: secondStart.id,
      result: { type: "chatgpt", loginId: "login-starting", authUrl: "http://localhost:1455/a" },
    });
    const cancels = [await s.transport.waitForSent(3), await s.transport.waitForSent(4)];
    expect(cancels.map((c) => [c.method, (c.params as { loginId: string }).loginId])).toEqual([
      ["account/login/cancel", "login-open"],
      ["account/login/cancel", "login-starting"],
    ]);
    for (const cancel of cancels)
      s.transport.deliver({ id: cancel.id, result: { status: "canceled" } });
    await cancelled;
    // A login asked for while the client closes could not be cancelled: it is refused.
    await expect(loginChatgpt(s.connection, s.tracker)).rejects.toThrow(
      new TransportClosedError("the client is closing"),
    );
    expect(s.transport.sent).toHaveLength(4);
  });

  it("cancels on cancelOpen a login answered but not yet handed out, at once", async () => {
    const s = setup();
    const started = s.tracker.start({ type: "chatgpt" }, undefined);
    const start = await s.transport.waitForSent(1);
    s.transport.deliver({
      id: start.id,
      result: { type: "chatgpt", loginId: "login-answered", authUrl: "http://localhost:1455/a" },
    });
    await started;
    // The answer is read, and the caller has not registered it yet.
    void s.tracker.cancelOpen(1000);
    await expect(s.transport.waitForSent(2)).resolves.toMatchObject({
      method: "account/login/cancel",
      params: { loginId: "login-answered" },
    });
  });

  it("rejects an unexpected ChatGPT login response without printing its values", async () => {
    const { transport, connection, tracker } = setup();
    const pending = loginChatgpt(connection, tracker);
    const sent = await transport.waitForSent(1);
    transport.deliver({ id: sent.id, result: { type: "apiKey", secretish: "do-not-print" } });
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodexError);
    expect((err as Error).message).toMatch(/^unexpected ChatGPT login response/);
    expect((err as Error).message).toContain('"apiKey"');
    expect(everything(err)).not.toContain("do-not-print");
  });

  it("returns a device-code handle, and rejects a malformed one", async () => {
    const { transport, connection, tracker } = setup();
    const pending = loginChatgptDeviceCode(connection, tracker);
    const sent = await transport.waitForSent(1);
    expect(sent).toMatchObject({ params: { type: "chatgptDeviceCode" } });
    transport.deliver({
      id: sent.id,
      result: {
        type: "chatgptDeviceCode",
        loginId: "dev-1",
        verificationUrl: "https://example.test/device",
        userCode: "ABCD-EFGH",
      },
    });
    const handle = await pending;
    expect(handle).toBeInstanceOf(DeviceCodeLoginHandle);
    expect(handle).toMatchObject({
      type: "chatgptDeviceCode",
      loginId: "dev-1",
      verificationUrl: "https://example.test/device",
      userCode: "ABCD-EFGH",
    });
    // Only the public fields show; the connection and tracker stay private.
    expect(JSON.parse(JSON.stringify(handle))).toEqual({
      type: "chatgptDeviceCode",
      loginId: "dev-1",
      verificationUrl: "https://example.test/device",
      userCode: "ABCD-EFGH",
    });
    transport.deliver(completed("dev-1", true));
    await expect(handle.wait()).resolves.toMatchObject({ success: true });

    const bad = loginChatgptDeviceCode(connection, tracker);
    const sent2 = await transport.waitForSent(2);
    transport.deliver({ id: sent2.id, result: { type: "chatgptDeviceCode", loginId: "x" } });
    await expect(bad).rejects.toThrow(/^unexpected device-code login response/);
    // No handle follows the login it names: it is cancelled.
    expect(await transport.waitForSent(3)).toMatchObject({
      method: "account/login/cancel",
      params: { loginId: "x" },
    });
  });

  it("cancels the login a ChatGPT start answer names when the answer is unusable", async () => {
    const { transport, connection, tracker } = setup();
    const pending = loginChatgpt(connection, tracker);
    const sent = await transport.waitForSent(1);
    transport.deliver({ id: sent.id, result: { type: "chatgpt", loginId: "L-1", authUrl: 42 } });
    await expect(pending).rejects.toThrow(/^unexpected ChatGPT login response/);
    expect(await transport.waitForSent(2)).toMatchObject({
      method: "account/login/cancel",
      params: { loginId: "L-1" },
    });
  });

  it("passes the optional ChatGPT login fields and validates them first", async () => {
    const { transport, connection, tracker } = setup();
    const pending = loginChatgpt(connection, tracker, {
      codexStreamlinedLogin: true,
      appBrand: "codex",
    });
    const sent = await transport.waitForSent(1);
    expect(sent.params).toEqual({
      type: "chatgpt",
      codexStreamlinedLogin: true,
      appBrand: "codex",
    });
    transport.deliver({
      id: sent.id,
      result: { type: "chatgpt", loginId: "l", authUrl: "http://localhost/x" },
    });
    await pending;
    await expect(
      loginChatgpt(connection, tracker, { appBrand: "other" as never }),
    ).rejects.toBeInstanceOf(TypeError);
    expect(transport.sent).toHaveLength(1);
  });
});

describe("API key and token logins", () => {
  it("sends the key and resolves with nothing", async () => {
    const { transport, connection, secrets } = setup();
    const pending = loginApiKey(connection, secrets, KEY);
    const sent = await transport.waitForSent(1);
    expect(sent).toMatchObject({
      method: "account/login/start",
      params: { type: "apiKey", apiKey: KEY },
    });
    transport.deliver({ id: sent.id, result: { type: "apiKey" } });
    await expect(pending).resolves.toBeUndefined();
  });

  it("rejects a bad key before any I/O, without showing it", async () => {
    const { transport, connection, secrets } = setup();
    for (const bad of ["", "   ", `${KEY}\n`, `a\u0000b`]) {
      const err = await loginApiKey(connection, secrets, bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TypeError);
      if (bad.trim() !== "") expect(everything(err)).not.toContain(bad.trim());
    }
    await expect(loginApiKey(connection, secrets, 42 as never)).rejects.toThrow(
      /apiKey must be a string/,
    );
    expect(transport.sent).toHaveLength(0);
  });

  it("redacts a key the server echoes in its error message and data", async () => {
    const { transport, connection, secrets } = setup();
    const pending = loginApiKey(connection, secrets, KEY);
    const sent = await transport.waitForSent(1);
    transport.deliver({
      id: sent.id,
      error: {
        code: -32603,
        message: `failed to save api key ${KEY}: disk full`,
        data: { key: KEY, nested: [`"${KEY}"`], [KEY]: 1 },
      },
    });
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalRpcError);
    const rpc = err as InternalRpcError;
    expect(rpc.code).toBe(-32603);
    expect(rpc.rpcMessage).toBe("failed to save api key [redacted]: disk full");
    expect(rpc.message).toBe(
      "JSON-RPC error -32603 (account/login/start): failed to save api key [redacted]: disk full",
    );
    expect(rpc.data).toEqual({ key: "[redacted]", nested: ['"[redacted]"'], "[redacted]": 1 });
    expect(rpc.cause).toBeUndefined();
    expect(everything(err)).not.toContain(KEY);
  });

  it("redacts a key the server quotes with escapes", async () => {
    const { transport, connection, secrets } = setup();
    const key = 'sk-with"quote\\and-backslash';
    const pending = loginApiKey(connection, secrets, key);
    const sent = await transport.waitForSent(1);
    const quoted = JSON.stringify(key).slice(1, -1);
    transport.deliver({
      id: sent.id,
      error: { code: -32600, message: `bad key "${quoted}"` },
    });
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).rpcMessage).toBe('bad key "[redacted]"');
  });

  it("leaves an error that does not mention the key untouched", async () => {
    const { transport, connection, secrets } = setup();
    const pending = loginApiKey(connection, secrets, KEY);
    const sent = await transport.waitForSent(1);
    transport.deliver({
      id: sent.id,
      error: { code: -32600, message: "API key login is disabled. Use ChatGPT login instead." },
    });
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as Error).message).toContain("API key login is disabled");
  });

  it("redacts the key from a TransportClosedError's stderr tail and cause", () => {
    const cause = new Error(`spawn failed for ${KEY}`);
    const original = new TransportClosedError(`gone ${KEY}`, {
      exitCode: 1,
      signal: null,
      stderrTail: `log line with ${KEY}`,
      cause,
    });
    const secrets = new Secrets();
    secrets.add(KEY);
    const err = secrets.error(original);
    expect(err).toBeInstanceOf(TransportClosedError);
    expect(err.exitCode).toBe(1);
    expect(err.stderrTail).toBe("log line with [redacted]");
    expect(err.message).toBe("gone [redacted]\nstderr tail:\nlog line with [redacted]");
    expect((err.cause as Error).message).toBe("spawn failed for [redacted]");
    expect(everything(err)).not.toContain(KEY);
    // Without the secret in it, the very same object comes back.
    const clean = new TransportClosedError("gone");
    expect(secrets.error(clean)).toBe(clean);
  });

  it("holds only the key in use: one the server replaced or refused is shown again", async () => {
    const { transport, connection, secrets } = setup();
    let count = 0;
    const answer = async (call: Promise<unknown>, reply: object) => {
      const sent = await transport.waitForSent(++count);
      transport.deliver({ id: sent.id, ...reply });
      return call.catch((e: unknown) => e);
    };
    const quoted = async (words: string) =>
      (
        (await answer(readAccount(connection), {
          error: { code: -32603, message: words },
        })) as Error
      ).message;
    const keys = Array.from({ length: 50 }, (_, i) => `sk-proj-${i}-abcdefghijklmnop`);
    for (const key of keys) {
      await answer(loginApiKey(connection, secrets, key), { result: { type: "apiKey" } });
    }
    expect(await quoted(`${keys[49]} ${keys[48]} ${keys[0]}`)).toContain(
      `[redacted] ${keys[48]} ${keys[0]}`,
    );
    // Refused, a key replaces nothing: the one in use stays redacted, the refused one does not.
    const refused = "sk-proj-refused-abcdefghijklmnop";
    await answer(loginApiKey(connection, secrets, refused), {
      error: { code: -32600, message: `cannot store ${refused}` },
    }).then((err) => expect(everything(err)).not.toContain(refused));
    expect(await quoted(`${keys[49]} ${refused}`)).toContain(`[redacted] ${refused}`);
    // Given up on once sent, the server may have taken it: both stay, until the next key.
    const pending = "sk-proj-pending-abcdefghijklmnop";
    const given = loginApiKey(connection, secrets, pending, { timeout: 20 });
    await transport.waitForSent(++count);
    await expect(given).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(await quoted(`${keys[49]} ${pending}`)).toContain("[redacted] [redacted]");
    const next = "sk-proj-next-abcdefghijklmnop";
    await answer(loginApiKey(connection, secrets, next), { result: { type: "apiKey" } });
    expect(await quoted(`${next} ${pending} ${keys[49]}`)).toContain(
      `[redacted] ${pending} ${keys[49]}`,
    );
  });

  it("refuses before sending a chatgptAccountId that cannot go in a header", async () => {
    const { transport, connection, secrets } = setup();
    for (const [chatgptAccountId, problem] of [
      ["acct-1\r\nX-Injected: 1", "must not contain control characters such as newlines"],
      ["acct-1 ", "must not begin or end with white space"],
      ["", "must not be empty"],
      ["\u4e2d", "may hold only Latin-1 characters, as an HTTP header does"],
    ] as const) {
      const tokens = { accessToken: "eyJhbGciOi.payload.sig", chatgptAccountId };
      await expect(loginChatgptAuthTokens(connection, secrets, tokens)).rejects.toThrow(
        new TypeError(`chatgptAccountId ${problem}`),
      );
    }
    expect(transport.sent).toHaveLength(0);
  });

  it("sends chatgptAuthTokens and redacts the access token from errors", async () => {
    const { transport, connection, secrets } = setup();
    const token = "eyJhbGciOi.secret-payload.sig";
    const ok = loginChatgptAuthTokens(connection, secrets, {
      accessToken: token,
      chatgptAccountId: "acct-1",
      chatgptPlanType: "pro",
    });
    const sent = await transport.waitForSent(1);
    expect(sent.params).toEqual({
      type: "chatgptAuthTokens",
      accessToken: token,
      chatgptAccountId: "acct-1",
      chatgptPlanType: "pro",
    });
    transport.deliver({ id: sent.id, result: { type: "chatgptAuthTokens" } });
    await expect(ok).resolves.toEqual({ type: "chatgptAuthTokens" });

    const failing = loginChatgptAuthTokens(connection, secrets, {
      accessToken: token,
      chatgptAccountId: "acct-1",
    });
    const sent2 = await transport.waitForSent(2);
    expect(sent2.params).not.toHaveProperty("chatgptPlanType");
    transport.deliver({
      id: sent2.id,
      error: { code: -32603, message: `failed to set external auth: bad token ${token}` },
    });
    const err = await failing.catch((e: unknown) => e);
    expect(everything(err)).not.toContain(token);
    expect((err as Error).message).toContain("[redacted]");

    // A token the server refuses replaces nothing: the one it still uses stays redacted.
    const refused = loginChatgptAuthTokens(connection, secrets, {
      accessToken: "eyJhbGciOi.refused-payload.sig",
      chatgptAccountId: "acct-1",
    });
    const sent3 = await transport.waitForSent(3);
    transport.deliver({ id: sent3.id, error: { code: -32603, message: "invalid ID token" } });
    await expect(refused).rejects.toThrow("invalid ID token");
    const later = readAccount(connection);
    const sent4 = await transport.waitForSent(4);
    transport.deliver({
      id: sent4.id,
      error: { code: -32603, message: `backend refused ${token}` },
    });
    const laterErr = await later.catch((e: unknown) => e);
    expect(everything(laterErr)).not.toContain(token);

    // Given up on once sent, the server may have taken it: it stays redacted, and so does the old.
    const pendingToken = "eyJhbGciOi.pending-payload.sig";
    const given = loginChatgptAuthTokens(
      connection,
      secrets,
      { accessToken: pendingToken, chatgptAccountId: "acct-1" },
      { timeout: 20 },
    );
    await transport.waitForSent(5);
    await expect(given).rejects.toBeInstanceOf(RequestTimeoutError);
    const quoting = readAccount(connection);
    const sent6 = await transport.waitForSent(6);
    const quoted = `uses ${pendingToken} or ${token}`;
    transport.deliver({ id: sent6.id, error: { code: -32603, message: quoted } });
    expect(everything(await quoting.catch((e: unknown) => e))).not.toMatch(
      /pending-payload|secret-payload/,
    );

    // The next token the server takes lets both go; one whose call was aborted before it was
    // sent is never held.
    const next = "eyJhbGciOi.next-payload.sig";
    const taken = loginChatgptAuthTokens(connection, secrets, {
      accessToken: next,
      chatgptAccountId: "acct-1",
    });
    const sent7 = await transport.waitForSent(7);
    transport.deliver({ id: sent7.id, result: { type: "chatgptAuthTokens" } });
    await taken;
    const aborted = new AbortController();
    aborted.abort();
    const never = "eyJhbGciOi.never-sent.sig";
    await expect(
      loginChatgptAuthTokens(
        connection,
        secrets,
        { accessToken: never, chatgptAccountId: "acct-1" },
        { signal: aborted.signal },
      ),
    ).rejects.toThrow();
    const after = readAccount(connection);
    const sent8 = await transport.waitForSent(8);
    const words = `${next} ${pendingToken} ${token} ${never}`;
    transport.deliver({ id: sent8.id, error: { code: -32603, message: words } });
    const afterErr = (await after.catch((e: unknown) => e)) as Error;
    expect(afterErr.message).toContain(`[redacted] ${pendingToken} ${token} ${never}`);

    await expect(
      loginChatgptAuthTokens(connection, secrets, { accessToken: "", chatgptAccountId: "a" }),
    ).rejects.toBeInstanceOf(TypeError);
    await expect(
      loginChatgptAuthTokens(connection, secrets, { accessToken: token, chatgptAccountId: "" }),
    ).rejects.toBeInstanceOf(TypeError);
    // A misspelt field would be left out of the login without a word.
    const misspelt = { accessToken: token, chatgptAccountId: "a", chatgptPlantype: "plus" };
    await expect(loginChatgptAuthTokens(connection, secrets, misspelt as never)).rejects.toThrow(
      'tokens has no option "chatgptPlantype"; did you mean "chatgptPlanType"?',
    );
    expect(transport.sent).toHaveLength(8);
  });
});

describe("account and logout", () => {
  it("reads the account with refreshToken false by default", async () => {
    const { transport, connection } = setup();
    const pending = readAccount(connection);
    const sent = await transport.waitForSent(1);
    expect(sent).toMatchObject({ method: "account/read", params: { refreshToken: false } });
    const response = {
      account: { type: "apiKey" },
      userId: null,
      requiresOpenaiAuth: true,
      workspaceRouting: null,
    };
    transport.deliver({ id: sent.id, result: response });
    await expect(pending).resolves.toEqual(response);

    const refreshed = readAccount(connection, { refreshToken: true });
    const sent2 = await transport.waitForSent(2);
    expect(sent2.params).toEqual({ refreshToken: true });
    transport.deliver({ id: sent2.id, result: response });
    await refreshed;
    await expect(readAccount(connection, { refreshToken: "yes" as never })).rejects.toThrow(
      TypeError,
    );
    expect(transport.sent).toHaveLength(2);
  });

  it("logs out with no params", async () => {
    const { transport, connection } = setup();
    const pending = logout(connection);
    const sent = await transport.waitForSent(1);
    expect(sent).toEqual({ id: sent.id, method: "account/logout" });
    transport.deliver({ id: sent.id, result: {} });
    await expect(pending).resolves.toBeUndefined();
  });
});

describe("login completions the server gets wrong", () => {
  it("keeps the first of two completions of one login, even when both come early", async () => {
    const s = setup();
    const count = s.transport.sent.length + 1;
    const pending = loginChatgpt(s.connection, s.tracker);
    const sent = await s.transport.waitForSent(count);
    // Both completions are read before the answer that names the login.
    s.transport.deliver(completed("L1", true));
    s.transport.deliver(completed("L1", false, "duplicate"));
    s.transport.deliver({
      id: sent.id,
      result: { type: "chatgpt", loginId: "L1", authUrl: "http://localhost:1455/auth" },
    });
    const handle = await pending;
    expect(await handle.wait()).toMatchObject({ success: true, error: null });
  });

  it("drops and logs a completion that does not say how the login ended", async () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const connection = new Connection(transport, { log });
    const tracker = new LoginTracker(new Router(connection, log), connection, log);
    const s = { transport, connection, tracker } as unknown as Setup;
    const handle = await startChatgpt(s, "L2");
    let settled = false;
    const waiting = handle.wait().finally(() => (settled = true));
    for (const params of [
      { loginId: "L2", success: "yes", error: null },
      { loginId: "L2" },
      { loginId: "L2", success: true, error: 42 },
    ]) {
      transport.deliver({ method: "account/login/completed", params });
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    expect(
      entries.filter((e) => e.message.includes("malformed account/login/completed")),
    ).toHaveLength(3);
    transport.deliver(completed("L2", true));
    expect(await waiting).toMatchObject({ success: true });
  });

  it("refuses bad options of wait(), cancel() and the login calls, also once the login ended", async () => {
    const s = setup();
    const handle = await startChatgpt(s, "L3");
    s.transport.deliver(completed("L3", true));
    expect(await handle.wait()).toMatchObject({ success: true });
    await expect(handle.wait({ timeout: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(handle.wait({ signal: "x" as never })).rejects.toBeInstanceOf(TypeError);
    const sent = s.transport.sent.length;
    await expect(handle.cancel(null as never)).rejects.toThrow(
      "options must be an object, got null",
    );
    await expect(logout(s.connection, null as never)).rejects.toThrow("options must be an object");
    expect(s.transport.sent).toHaveLength(sent);
  });
});
