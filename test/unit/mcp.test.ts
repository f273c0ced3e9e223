import { describe, expect, it } from "vitest";
import { CodexError } from "../../src/errors.js";
import { Log } from "../../src/internal/logger.js";
import { listMcpServers, startMcpLogin } from "../../src/mcp.js";
import { Connection } from "../../src/rpc/connection.js";
import { Router } from "../../src/rpc/router.js";
import { captureLog } from "../support/capture-log.js";
import { FakeTransport } from "../support/fake-transport.js";

describe("startMcpLogin", () => {
  it("rejects a timeoutSecs the wire's integer cannot carry exactly, before any I/O", async () => {
    const transport = new FakeTransport();
    // The options are checked before the router or the log is used.
    const context = { connection: new Connection(transport), router: {}, log: {} } as never;
    for (const timeoutSecs of [0, 1.5, 1e20, 2 ** 53, Number.NaN]) {
      const err: unknown = await startMcpLogin(context, "server", {
        timeoutSecs: timeoutSecs as never,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RangeError);
      expect((err as Error).message).toMatch(
        /^timeoutSecs must be an integer from 1 to 9007199254740991/,
      );
    }
    const err: unknown = await startMcpLogin(context, "server", {
      timeoutSecs: 1e20,
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/got 100000000000000000000$/);
    await expect(startMcpLogin(context, "server", { timeoutSecs: "60" as never })).rejects.toThrow(
      new TypeError("timeoutSecs must be a number or null, got a string"),
    );
    expect(transport.sent).toHaveLength(0);
  });

  it("checks the ids that scope the login as the server list does, before any I/O", async () => {
    const transport = new FakeTransport();
    const context = { connection: new Connection(transport), router: {}, log: {} } as never;
    const cases: Array<[object, string]> = [
      [{ environmentId: 42 }, "environmentId must be a string or null, got 42"],
      [{ threadId: "" }, "threadId must be a non-empty string, got an empty string"],
      [{ threadId: "t\ud800" }, "threadId holds a lone surrogate"],
      [{ scopes: ["read", "w\ud800"] }, "scopes[1] holds a lone surrogate"],
      // Joined with spaces by the runtime, one scope with a space would ask for two.
      [{ scopes: ["files:read files:write"] }, "scopes[0] must be one OAuth scope"],
      [{ scopes: ["read", "a\tb"] }, "scopes[1] must be one OAuth scope"],
      [{ scopes: ['say"hi'] }, "scopes[0] must be one OAuth scope"],
      [{ scopes: ["café"] }, "scopes[0] must be one OAuth scope"],
    ];
    for (const [options, message] of cases) {
      await expect(startMcpLogin(context, "server", options as never)).rejects.toThrow(message);
    }
    await expect(startMcpLogin(context, "docs\ud800", undefined)).rejects.toThrow(
      "serverName holds a lone surrogate",
    );
    expect(transport.sent).toHaveLength(0);
  });
});

function setup() {
  const transport = new FakeTransport();
  const connection = new Connection(transport);
  const router = new Router(connection);
  return { transport, connection, router, context: { connection, router, log: new Log() } };
}

/** What the client keeps for its subscriptions: the leak check of an MCP login. */
function listeners({ connection, router }: ReturnType<typeof setup>) {
  return {
    close: connection.stats.closeListeners,
    method: router.stats.methodListeners,
  };
}

describe("startMcpLogin answers", () => {
  it("rejects an answer without an authorizationUrl string with a CodexError, and unsubscribes", async () => {
    const s = setup();
    const before = listeners(s);
    const cases: Array<[unknown, string]> = [
      [{}, "expected a non-empty authorizationUrl string, got undefined"],
      [
        { authorizationUrl: 7, loginId: "l1" },
        "expected a non-empty authorizationUrl string, got number",
      ],
      [
        { authorizationUrl: "" },
        "expected a non-empty authorizationUrl string, got an empty string",
      ],
    ];
    for (const [i, [result, message]] of cases.entries()) {
      const pending = startMcpLogin(s.context, "docs", undefined);
      const sent = await s.transport.waitForSent(i + 1);
      expect(sent).toMatchObject({ method: "mcpServer/oauth/login", params: { name: "docs" } });
      s.transport.deliver({ id: sent.id, result });
      const err: unknown = await pending.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CodexError);
      expect((err as Error).message).toBe(`unexpected mcpServer/oauth/login response: ${message}`);
      expect(listeners(s)).toEqual(before);
    }
  });

  it("returns a handle with the answer's URL and login id", async () => {
    const s = setup();
    const pending = startMcpLogin(s.context, "docs", undefined);
    const sent = await s.transport.waitForSent(1);
    s.transport.deliver({
      id: sent.id,
      result: { authorizationUrl: "http://localhost:1/auth", loginId: "l1" },
    });
    const handle = await pending;
    expect(handle).toMatchObject({
      serverName: "docs",
      authorizationUrl: "http://localhost:1/auth",
      loginId: "l1",
    });
    s.transport.deliver({
      method: "mcpServer/oauthLogin/completed",
      params: { name: "docs", loginId: "l1", success: true, error: null },
    });
    await expect(handle.wait()).resolves.toMatchObject({ success: true });
  });

  it("ends a login the server named only with the completion naming it", async () => {
    const s = setup();
    const handles = [];
    for (const loginId of ["a", "b"]) {
      const pending = startMcpLogin(s.context, "docs", undefined);
      const sent = await s.transport.waitForSent(handles.length + 1);
      s.transport.deliver({
        id: sent.id,
        result: { authorizationUrl: `http://localhost:1/${loginId}`, loginId },
      });
      handles.push(await pending);
    }
    for (const loginId of [null, undefined, "b", "a"]) {
      s.transport.deliver({
        method: "mcpServer/oauthLogin/completed",
        params: { name: "docs", loginId, success: loginId !== null, error: null },
      });
    }
    const [a, b] = await Promise.all(handles.map((h) => h.wait({ timeout: 500 })));
    expect([a, b]).toMatchObject([
      { loginId: "a", success: true },
      { loginId: "b", success: true },
    ]);
  });

  it("drops and logs a completion that does not say how the login ended", async () => {
    const s = setup();
    const { log, entries } = captureLog();
    const pending = startMcpLogin({ ...s.context, log }, "docs", undefined);
    const sent = await s.transport.waitForSent(1);
    s.transport.deliver({ id: sent.id, result: { authorizationUrl: "http://localhost:1/a" } });
    const handle = await pending;
    for (const bad of [{ success: "yes" }, { success: true, error: 7 }, {}]) {
      s.transport.deliver({
        method: "mcpServer/oauthLogin/completed",
        params: { name: "docs", loginId: null, ...bad },
      });
    }
    await expect(handle.wait({ timeout: 50 })).rejects.toMatchObject({ name: "LoginTimeoutError" });
    expect(
      entries.filter((e) => e.message.includes("malformed mcpServer/oauthLogin")),
    ).toHaveLength(3);
    s.transport.deliver({
      method: "mcpServer/oauthLogin/completed",
      params: { name: "docs", loginId: null, success: false, error: "denied" },
    });
    await expect(handle.wait()).resolves.toMatchObject({ success: false, error: "denied" });
  });
});

describe("listMcpServers", () => {
  /**
   * Answers each `mcpServerStatus/list` with the page its cursor names, and with an error past
   * ten requests: a missing cycle check then fails instead of looping for ever.
   */
  async function serve(
    transport: FakeTransport,
    pages: Record<string, { data: unknown[]; nextCursor: string | null }>,
  ) {
    for (let count = 1; ; count++) {
      const request = await transport.waitForSent(count);
      if (count > 10) {
        transport.deliver({ id: request.id, error: { code: -32600, message: "too many pages" } });
        return;
      }
      const cursor = (request.params as { cursor?: string }).cursor ?? "";
      transport.deliver({ id: request.id, result: pages[cursor] });
      if (pages[cursor]!.nextCursor === null) return;
    }
  }

  it("follows every page", async () => {
    const { transport, connection } = setup();
    void serve(transport, {
      "": { data: [{ name: "a" }], nextCursor: "c1" },
      c1: { data: [{ name: "b" }], nextCursor: null },
    });
    const servers = await listMcpServers(connection, { detail: "toolsAndAuthOnly" });
    expect(servers).toEqual([{ name: "a" }, { name: "b" }]);
    expect(transport.sent.map((m) => m.params)).toEqual([
      { detail: "toolsAndAuthOnly" },
      { detail: "toolsAndAuthOnly", cursor: "c1" },
    ]);
  });

  it("rejects with a CodexError naming the method when a page cursor comes round again", async () => {
    const { transport, connection } = setup();
    void serve(transport, {
      "": { data: [{ name: "a" }], nextCursor: "A" },
      A: { data: [{ name: "b" }], nextCursor: "B" },
      B: { data: [{ name: "c" }], nextCursor: "A" },
    });
    const err: unknown = await listMcpServers(connection, undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodexError);
    expect((err as Error).message).toBe(
      "mcpServerStatus/list: the server returned the same page cursor twice (A)",
    );
    expect(transport.sent).toHaveLength(3);
  });

  it("refuses an environmentId without the server and thread it scopes, before any I/O", async () => {
    const { transport, connection } = setup();
    for (const options of [
      { environmentId: "local" },
      { environmentId: "local", serverName: "docs" },
      { environmentId: "local", threadId: "th", serverName: null },
    ]) {
      await expect(listMcpServers(connection, options)).rejects.toThrow(
        new TypeError("environmentId needs serverName and threadId too"),
      );
    }
    expect(transport.sent).toEqual([]);
  });
});
