/**
 * Guards against runtime drift: everything the pinned runtime can send the client (its server
 * requests and notifications, as generated from it; generated.test.ts ties the lists to the
 * binary) must have an answer or a route in the SDK. After `npm run runtime:upgrade`, a failure
 * here names what the new runtime sends that the SDK does not yet handle.
 */
import { describe, expect, it } from "vitest";

import { DEFAULT_ANSWERS } from "../../src/answers.js";
import { ServerRequestDispatcher } from "../../src/server-requests.js";
import {
  NOTIFICATION_ROUTES,
  SERVER_NOTIFICATION_METHODS,
  SERVER_REQUEST_METHODS,
  type NotificationRoute,
} from "../../src/generated/index.js";
import { Connection, type RawNotification } from "../../src/rpc/connection.js";
import { Router, threadIdOf, turnIdOf } from "../../src/rpc/router.js";
import { FakeTransport } from "../support/fake-transport.js";
import { takeSlot } from "../support/turn-slot.js";

/**
 * Server requests the SDK answers with JSON-RPC error -32601 when the user gave no handler, on
 * purpose (docs/api-reference.md, "Server requests and approvals"). Any other request needs a safe
 * default answer.
 */
const REFUSED_WITHOUT_HANDLER: Readonly<Record<string, string>> = {
  "account/chatgptAuthTokens/refresh":
    "only a client that logged in with external tokens can refresh them (onChatgptTokenRefresh)",
  "attestation/generate":
    "sent only to clients that set requestAttestation, which the SDK never does",
};

/**
 * Notifications that name no turn, thread or login: they reach `codex.on` and
 * `codex.notifications()` only, and each belongs to the client, or to the call named here.
 */
const CLIENT_WIDE: Readonly<Record<string, string>> = {
  "account/rateLimits/updated": "the account",
  "account/updated": "the account",
  "app/list/updated": "the client's app list",
  "command/exec/outputDelta": "a command/exec call, by processId",
  configWarning: "the client's configuration",
  deprecationNotice: "the client",
  "externalAgentConfig/import/completed": "an externalAgentConfig/import call",
  "externalAgentConfig/import/progress": "an externalAgentConfig/import call",
  "fs/changed": "an fs/watch call, by watchId",
  "fuzzyFileSearch/sessionCompleted": "a fuzzyFileSearch session, by sessionId",
  "fuzzyFileSearch/sessionUpdated": "a fuzzyFileSearch session, by sessionId",
  "mcpServer/event/stream/notification": "an mcpServer/event/stream/start call",
  "process/exited": "a process/spawn call, by processHandle",
  "process/outputDelta": "a process/spawn call, by processHandle",
  "project/changed": "the client's projects",
  "remoteControl/status/changed": "the client",
  "skills/changed": "the client's skills",
  "thread/search/partial": "a thread/search/stream call, by its JSON-RPC request id",
  "windows/worldWritableWarning": "the client's machine",
  "windowsSandbox/setupCompleted": "a windowsSandbox/setupStart call",
};

const routeOf = (method: string): NotificationRoute =>
  (NOTIFICATION_ROUTES as Readonly<Record<string, NotificationRoute>>)[method] ?? {};

/** Params that carry ids exactly where the route says the real ones are. */
function paramsFor(route: NotificationRoute): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  if (route.turnId === "turnId") params.turnId = "turn-1";
  if (route.turnId === "turn.id") params.turn = { id: "turn-1" };
  if (route.threadId === "threadId") params.threadId = "thread-1";
  if (route.threadId === "thread.id") {
    params.thread = { ...(params.thread as object | undefined), id: "thread-1" };
  }
  if (route.loginId === "loginId") params.loginId = "login-1";
  return params;
}

describe("server requests the pinned runtime can send", () => {
  it("each get a default answer, or are refused on purpose", async () => {
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    const dispatcher = new ServerRequestDispatcher(new Router(connection));
    connection.setServerRequestHandler(dispatcher.handle);
    SERVER_REQUEST_METHODS.forEach((method, id) =>
      transport.deliver({ id, method, params: { threadId: "th", tool: "none", arguments: {} } }),
    );
    await transport.waitForSent(SERVER_REQUEST_METHODS.length);

    const uncovered = transport.sent
      .filter((answer) => answer.error !== undefined)
      .map((answer) => SERVER_REQUEST_METHODS[answer.id as number]!)
      .filter((method) => !Object.hasOwn(REFUSED_WITHOUT_HANDLER, method));
    expect(
      uncovered,
      "the pinned runtime can send these requests, and the SDK answers them with -32601: give " +
        "each a safe default in src/approvals.ts, or list it in REFUSED_WITHOUT_HANDLER with why",
    ).toEqual([]);
    const answered = transport.sent.filter((answer) => answer.result !== undefined);
    expect(answered.map((answer) => SERVER_REQUEST_METHODS[answer.id as number]).sort()).toEqual(
      SERVER_REQUEST_METHODS.filter((m) => !Object.hasOwn(REFUSED_WITHOUT_HANDLER, m)),
    );
  });

  it("has no default or refusal for a request the runtime no longer sends", () => {
    const known = new Set<string>(SERVER_REQUEST_METHODS);
    const stale = [...Object.keys(DEFAULT_ANSWERS), ...Object.keys(REFUSED_WITHOUT_HANDLER)].filter(
      (method) => !known.has(method),
    );
    expect(stale, "remove what the pinned runtime cannot send").toEqual([]);
  });
});

describe("notifications the pinned runtime can send", () => {
  it("each name their turn, thread or login, or are known to belong to the client", () => {
    const unrouted = SERVER_NOTIFICATION_METHODS.filter((method) => {
      const route = routeOf(method);
      const routed = route.turnId ?? route.threadId ?? route.loginId;
      return routed === undefined && !Object.hasOwn(CLIENT_WIDE, method);
    });
    expect(
      unrouted,
      "these notifications name no turn, thread or login: route them in the SDK, or list them " +
        "in CLIENT_WIDE with what they belong to",
    ).toEqual([]);

    const stale = Object.keys(CLIENT_WIDE).filter(
      (method) =>
        !(SERVER_NOTIFICATION_METHODS as readonly string[]).includes(method) ||
        Object.keys(routeOf(method)).length > 0,
    );
    expect(stale, "remove what the runtime no longer sends, or now routes by id").toEqual([]);
  });

  it("reach their turn's stream, and name their thread, where the route says", () => {
    const transport = new FakeTransport();
    const router = new Router(new Connection(transport));
    const received: RawNotification[] = [];
    takeSlot(router, "thread-1").bind("turn-1", {
      push: (n) => {
        received.push(n);
        return n.method === "turn/completed";
      },
      fail: () => {},
    });

    const turnRouted: string[] = [];
    for (const method of SERVER_NOTIFICATION_METHODS) {
      const route = routeOf(method);
      const notification = { method, params: paramsFor(route) };
      if (route.threadId !== undefined) expect(threadIdOf(notification), method).toBe("thread-1");
      if (route.turnId === undefined) continue;
      expect(turnIdOf(notification), method).toBe("turn-1");
      // turn/completed ends the turn's routing, so it goes last.
      if (method !== "turn/completed") turnRouted.push(method);
    }
    for (const method of [...turnRouted, "turn/completed"]) {
      transport.deliver({ method, params: paramsFor(routeOf(method)) });
    }
    expect(received.map((n) => n.method)).toEqual([...turnRouted, "turn/completed"]);
  });
});
