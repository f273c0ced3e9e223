import { runInNewContext } from "node:vm";
import { describe, expect, expectTypeOf, it, vi } from "vitest";
import { z } from "zod";
import { DEFAULT_ANSWERS, type DefaultedMethod } from "../../src/answers.js";
import { approvalPolicies, commandsOf } from "../../src/approvals.js";
import { CHATGPT_TOKEN_SLOT, Secrets } from "../../src/internal/redact.js";
import {
  ServerRequestDispatcher,
  type ApprovalHandlers,
  checkHandlers,
  checkTools,
  defineTool,
  type ServerRequestOptions,
  type DispatcherServices,
  type DefaultedRequestMethod,
  type DynamicTool,
  type HandlerErrorEvent,
} from "../../src/server-requests.js";
import type { ThreadStartOptions } from "../../src/thread-options.js";
import type {
  CommandExecutionRequestApprovalParams,
  DynamicToolCallResponse,
  JsonValue,
  ServerRequestMap,
  ServerRequestMethod,
} from "../../src/generated/index.js";
import { Connection, type RawNotification } from "../../src/rpc/connection.js";
import { Router } from "../../src/rpc/router.js";
import { SDK_VERSION } from "../../src/version.js";
import { captureLog } from "../support/capture-log.js";
import { FakeTransport } from "../support/fake-transport.js";
import { validateReadOnce } from "../support/standard-schemas.js";
import { takeSlot } from "../support/turn-slot.js";

function setup(
  options: ServerRequestOptions = {},
  services: DispatcherServices = {},
  onEvent?: (n: RawNotification) => void,
) {
  const transport = new FakeTransport();
  const connection = new Connection(transport);
  const router = new Router(connection);
  const dispatcher = new ServerRequestDispatcher(router, options, services);
  connection.setServerRequestHandler(dispatcher.handle);
  const turnEvents: RawNotification[] = [];
  takeSlot(router, "thread-turn-1").bind("turn-1", {
    push: (n) => {
      turnEvents.push(n);
      onEvent?.(n);
      return n.method === "turn/completed";
    },
    fail: () => {},
  });
  return { transport, router, dispatcher, turnEvents };
}

// Gives thread "th" one tool per entry of `outputs`, returning it, and has the server call each
// (request ids 0, 1, ...); returns the tools' names.
function callToolsReturning(
  { transport, dispatcher }: Pick<ReturnType<typeof setup>, "transport" | "dispatcher">,
  outputs: Record<string, unknown>,
): string[] {
  dispatcher.addToThread(
    "th",
    undefined,
    Object.entries(outputs).map(([name, output]) => ({
      name,
      description: name,
      inputSchema: { type: "object" },
      handler: () => output,
    })),
  );
  const names = Object.keys(outputs);
  names.forEach((tool, id) => transport.deliver(toolCall(id, tool)));
  return names;
}

const approval = (id: number | string, command = "ls") => ({
  id,
  method: "item/commandExecution/requestApproval",
  params: {
    threadId: "th",
    turnId: "turn-1",
    itemId: "i",
    command,
    commandActions: [{ type: "unknown", command }],
  },
});

// The server calling `tool` on thread "th" for turn-1.
const toolCall = (id: number, tool: string) => ({
  id,
  method: "item/tool/call",
  params: { threadId: "th", turnId: "turn-1", callId: "c", tool, arguments: {} },
});

// The same, of a turn on a thread of its own.
const approvalIn = (id: number, threadId: string, turnId: string) => {
  const request = approval(id);
  return { ...request, params: { ...request.params, threadId, turnId } };
};
// The runtime runs a review as another turn, whose start names the review as its root.
const reviewRunStarted = {
  method: "turn/started",
  params: { threadId: "th-r", turn: { id: "run-1", rootTurnId: "review-1" } },
};

/** A JSON object nested `levels` levels deep. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { end: true };
  for (let i = 1; i < levels; i++) value = { m: value };
  return value;
}

// The form of the runtime's request to approve an MCP tool call: it asks for nothing.
const APPROVAL_FORM = { mode: "form", requestedSchema: { type: "object", properties: {} } };

describe("ServerRequestDispatcher", () => {
  it("answers an unknown server request method with -32601, logging it as no request of the pinned runtime", async () => {
    const { log, entries } = captureLog();
    const { transport } = setup({}, { log });
    transport.deliver({ id: 7, method: "future/request", params: {} });
    expect(await transport.waitForSent(1)).toMatchObject({ id: 7, error: { code: -32601 } });
    // A newer runtime's request is one of its protocol: what does not know it is this SDK.
    expect(entries).toEqual([
      {
        level: "warn",
        message: `codex-app-server-sdk: answered future/request with -32601: no request of runtime ${SDK_VERSION}, whose requests this SDK handles`,
        detail: undefined,
      },
    ]);
  });

  it("declines approvals, cancels user input and elicitation, grants no permissions by default", async () => {
    const { transport } = setup();
    transport.deliver(approval(0));
    transport.deliver({ id: 1, method: "item/fileChange/requestApproval", params: {} });
    transport.deliver({ id: 2, method: "item/tool/requestUserInput", params: {} });
    transport.deliver({ id: 3, method: "mcpServer/elicitation/request", params: {} });
    transport.deliver({ id: 4, method: "item/permissions/requestApproval", params: {} });
    await transport.waitForSent(5);
    const byId = new Map(transport.sent.map((m) => [m.id, m]));
    expect(byId.get(0)).toEqual({ id: 0, result: { decision: "decline" } });
    expect(byId.get(1)).toEqual({ id: 1, result: { decision: "decline" } });
    expect(byId.get(2)).toEqual({ id: 2, result: { answers: {} } });
    expect(byId.get(3)).toEqual({
      id: 3,
      result: { action: "cancel", content: null, _meta: null },
    });
    expect(byId.get(4)).toEqual({ id: 4, result: { permissions: {}, scope: "turn" } });
  });

  it("sends an accepted form's data only when it fits the form, else cancels and reports", async () => {
    const form = {
      mode: "form",
      message: "Who?",
      requestedSchema: {
        type: "object",
        properties: {
          name: { type: "string", minLength: 2 },
          age: { type: "integer", minimum: 0 },
          plan: { type: "string", enum: ["free", "pro"] },
          tier: { type: "string", oneOf: [{ const: "a", title: "A" }] },
          tags: { type: "array", items: { type: "string", enum: ["x", "y"] }, maxItems: 1 },
          ok: { type: "boolean" },
        },
        required: ["name"],
      },
    };
    const answers: [object, string | undefined][] = [
      [{ name: "Ada", age: 3, plan: "pro", tier: "a", tags: ["x"], ok: true }, undefined],
      [{ age: 3 }, 'content lacks "name", which the form requires'],
      [
        { name: "Ada", nick: "A" },
        'content["nick"] is no field of the form (its fields are name, age, plan, tier, tags, ok)',
      ],
      [{ name: 42 }, 'content["name"] must be a string, got number'],
      [
        { name: "A" },
        'content["name"] must be at least 2 characters, got a string of 1 characters',
      ],
      [{ name: "Ada", age: 1.5 }, 'content["age"] must be a whole number, got number'],
      [{ name: "Ada", age: -1 }, 'content["age"] must be at least 0, got number'],
      [
        { name: "Ada", plan: "gold" },
        `content["plan"] is none of the form's choices, got a string of 4 characters`,
      ],
      [
        { name: "Ada", tier: "b" },
        `content["tier"] is none of the form's choices, got a string of 1 characters`,
      ],
      [{ name: "Ada", tags: ["x", "y"] }, 'content["tags"] must be at most 1 items, got an array'],
      [
        { name: "Ada", tags: ["z"] },
        `content["tags"] holds a value none of the form's choices, got an array`,
      ],
      [
        { name: "Ada", ok: "yes" },
        'content["ok"] must be true or false, got a string of 3 characters',
      ],
    ];
    for (const [content, refusal] of answers) {
      const { transport, turnEvents } = setup({
        onElicitation: () => ({ action: "accept", content }),
      });
      transport.deliver({
        id: 1,
        method: "mcpServer/elicitation/request",
        params: { threadId: "thread", turnId: "turn-1", serverName: "s", ...form },
      });
      const reply = (await transport.waitForSent(1)) as { result: { action: string } };
      const reported = turnEvents.filter((e) => e.method === "client/handlerError");
      if (refusal === undefined) {
        expect(reply.result).toEqual({ action: "accept", content, _meta: null });
        expect(reported).toEqual([]);
      } else {
        expect(reply.result.action).toBe("cancel");
        expect(JSON.stringify(reported)).toContain(JSON.stringify(refusal).slice(1, -1));
      }
    }
  });

  it("answers with the handlers it was given, whatever becomes of the caller's options", async () => {
    const approvals: { commandExecution?: () => { decision: "accept" } } = {
      commandExecution: () => ({ decision: "accept" }),
    };
    const options = { approvals, serverRequestTimeout: 60_000 };
    const { transport } = setup(options);
    // Changed after the start: the handler is gone, and the timeout would fire at once.
    delete approvals.commandExecution;
    (options as { serverRequestTimeout: number }).serverRequestTimeout = 1;
    transport.deliver(approval(0));
    expect(await transport.waitForSent(1)).toEqual({ id: 0, result: { decision: "accept" } });
  });

  it("aborts the handler's signal when the server withdraws the request", async () => {
    let signal: AbortSignal | undefined;
    const { transport, turnEvents } = setup({
      approvals: {
        commandExecution: (_params, context) => {
          signal = context.signal;
          return new Promise(() => {});
        },
      },
    });
    transport.deliver(approval("req-1"));
    await vi.waitFor(() => expect(signal).toBeDefined());
    expect(signal!.aborted).toBe(false);
    transport.deliver({
      method: "serverRequest/resolved",
      params: { threadId: "th", requestId: "req-1" },
    });
    expect(signal!.aborted).toBe(true);
    // The withdrawn request is still answered (with the default), so nothing waits.
    expect(await transport.waitForSent(1)).toEqual({
      id: "req-1",
      result: { decision: "decline" },
    });
    expect(turnEvents.map((e) => e.method)).toEqual([
      "item/commandExecution/requestApproval",
      "serverRequest/resolved",
    ]);
  });

  it("aborts the handler's signal when the request's turn ends", async () => {
    let signal: AbortSignal | undefined;
    const { transport } = setup({
      approvals: {
        commandExecution: (_params, context) => {
          signal = context.signal;
          return new Promise(() => {});
        },
      },
    });
    transport.deliver(approval(11));
    await vi.waitFor(() => expect(signal).toBeDefined());
    transport.deliver({
      method: "turn/completed",
      params: { threadId: "th", turn: { id: "turn-1", status: "interrupted", items: [] } },
    });
    expect(signal!.aborted).toBe(true);
    expect(await transport.waitForSent(1)).toEqual({ id: 11, result: { decision: "decline" } });
  });

  it("answers with the default when a handler exceeds the timeout", async () => {
    const { transport, turnEvents } = setup({
      serverRequestTimeout: 10,
      approvals: { commandExecution: () => new Promise(() => {}) },
    });
    transport.deliver(approval(5));
    expect(await transport.waitForSent(1)).toEqual({ id: 5, result: { decision: "decline" } });
    const failure = turnEvents.find((e) => e.method === "client/handlerError");
    expect((failure?.params as { message: string }).message).toMatch(/timed out after 10 ms/);
  });

  it("logs what a handler gives after its timeout answered for it, without the value", async () => {
    const { log, entries } = captureLog();
    const late: ((value: unknown) => void)[] = [];
    const fail: ((error: Error) => void)[] = [];
    const { transport } = setup(
      {
        serverRequestTimeout: 10,
        approvals: {
          commandExecution: () => new Promise((resolve) => late.push(resolve as never)),
          fileChange: () => new Promise((_, reject) => fail.push(reject)),
        },
      },
      { log },
    );
    transport.deliver(approval(5));
    transport.deliver({ ...approval(6), method: "item/fileChange/requestApproval" });
    await transport.waitForSent(2);
    late[0]!({ decision: "accept", secret: "s3cret" });
    const error = new Error("gave up");
    fail[0]!(error);
    await vi.waitFor(() =>
      expect(entries.filter((e) => / too late/.test(e.message))).toHaveLength(2),
    );
    expect(entries.filter((e) => / too late/.test(e.message))).toEqual([
      {
        level: "debug",
        message:
          "codex-app-server-sdk: the handler of item/commandExecution/requestApproval answered too late; dropped",
        detail: undefined,
      },
      {
        level: "debug",
        message:
          "codex-app-server-sdk: the handler of item/fileChange/requestApproval failed too late",
        detail: error,
      },
    ]);
  });

  it("logs nothing more of a handler that stops with its signal's reason, as it should", async () => {
    const { log, entries } = captureLog();
    const { transport } = setup(
      {
        serverRequestTimeout: 10,
        approvals: {
          commandExecution: (_params, { signal }) =>
            new Promise((_, reject) =>
              signal.addEventListener("abort", () => reject(signal.reason as Error)),
            ),
        },
      },
      { log },
    );
    transport.deliver(approval(1));
    expect(await transport.waitForSent(1)).toEqual({ id: 1, result: { decision: "decline" } });
    // Its rejection came as the signal aborted, before the answer went.
    expect(entries.map((e) => e.message)).toEqual([
      "codex-app-server-sdk: the handler of item/commandExecution/requestApproval failed; sent the default answer",
    ]);
  });

  it("logs a late failure whose name cannot be read, throwing nothing", async () => {
    const unreadable = Object.defineProperty(new Error("stopped"), "name", {
      get(): string {
        throw new Error("name getter");
      },
    });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    for (const [i, reason] of [unreadable, proxy].entries()) {
      const { log, entries } = captureLog();
      const unhandled = vi.fn();
      process.on("unhandledRejection", unhandled);
      try {
        const { transport } = setup(
          {
            serverRequestTimeout: 10,
            approvals: {
              commandExecution: (_params, { signal }) =>
                new Promise((_, reject) => signal.addEventListener("abort", () => reject(reason))),
            },
          },
          { log },
        );
        transport.deliver(approval(i));
        expect(await transport.waitForSent(1)).toEqual({ id: i, result: { decision: "decline" } });
        // A turn of the event loop, for Node to report a rejection left unhandled.
        await new Promise((resolve) => setImmediate(resolve));
        expect(unhandled).not.toHaveBeenCalled();
        expect(entries.filter((e) => / too late/.test(e.message))).toHaveLength(1);
      } finally {
        process.off("unhandledRejection", unhandled);
      }
    }
  });

  it("tells each handler its own method, typed as that method", async () => {
    const methods: string[] = [];
    const { transport } = setup({
      approvals: {
        commandExecution: (_params, context) => {
          expectTypeOf(context.method).toEqualTypeOf<"item/commandExecution/requestApproval">();
          methods.push(context.method);
          return { decision: "accept" };
        },
      },
    });
    transport.deliver(approval(1));
    expect(await transport.waitForSent(1)).toEqual({ id: 1, result: { decision: "accept" } });
    expect(methods).toEqual(["item/commandExecution/requestApproval"]);
    // And a handler's failure names a method with a default, and its answer is that method's.
    expectTypeOf<
      HandlerErrorEvent["params"]["requestMethod"]
    >().toEqualTypeOf<DefaultedRequestMethod>();
    expectTypeOf<
      HandlerErrorEvent["params"]["requestMethod"]
    >().toMatchTypeOf<ServerRequestMethod>();
    expectTypeOf<HandlerErrorEvent<"item/tool/call">["params"]["answer"]>().toEqualTypeOf<
      ServerRequestMap["item/tool/call"]["result"]
    >();
    const narrowed = (event: HandlerErrorEvent) =>
      event.params.requestMethod === "item/commandExecution/requestApproval"
        ? event.params.answer.decision
        : undefined;
    expectTypeOf(narrowed).returns.toEqualTypeOf<
      ServerRequestMap["item/commandExecution/requestApproval"]["result"]["decision"] | undefined
    >();
  });

  it("takes answers built of read-only arrays, which it only reads", async () => {
    const prefix = ["git", "status"] as const;
    const { transport } = setup({
      approvals: {
        commandExecution: () => ({
          decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: prefix } },
        }),
      },
    });
    transport.deliver(approval(1));
    expect(await transport.waitForSent(1)).toEqual({
      id: 1,
      result: { decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: prefix } } },
    });
    const actions = [{ type: "unknown", command: "ls" }] as const;
    expect(commandsOf({ command: "ls", commandActions: actions })).toEqual(["ls"]);
  });

  it("sends the default whatever a stream reader makes of the failure's event", async () => {
    // A reader (a logger that annotates, say) that changes an event it is handed, after the
    // handler failed and before the answer is written.
    const spoil = (n: RawNotification) => {
      if (n.method !== "client/handlerError") return;
      const answer = (n.params as { answer: Record<string, unknown> }).answer;
      queueMicrotask(() => {
        answer.decision = "accept";
        answer.success = true;
      });
    };
    const { transport, dispatcher } = setup(
      {
        approvals: {
          commandExecution: () => {
            throw new Error("policy service unavailable");
          },
        },
      },
      {},
      spoil,
    );
    transport.deliver(approval(1));
    expect(await transport.waitForSent(1)).toEqual({ id: 1, result: { decision: "decline" } });
    // And a tool's failed call.
    dispatcher.addToThread("th", undefined, [
      {
        name: "broken",
        handler: () => {
          throw new Error("down");
        },
      },
    ]);
    transport.deliver(toolCall(2, "broken"));
    const sent = (await transport.waitForSent(2)) as { result: { success: boolean } };
    expect(sent.result.success).toBe(false);
  });

  it("lets the handler judge the request as the server sent it, whatever a reader changes", async () => {
    let shown!: () => void;
    const prompted = new Promise<void>((resolve) => (shown = resolve));
    const policy = approvalPolicies.allowCommands(["ls"]);
    const judged: string[] = [];
    const { transport } = setup(
      {
        approvals: {
          // The documented pattern: ask a user interface, which shows the stream, then decide.
          commandExecution: async (params, context) => {
            await prompted;
            judged.push(params.command ?? "");
            return policy.commandExecution(params, context);
          },
        },
      },
      {},
      (n) => {
        if (n.method !== "item/commandExecution/requestApproval") return;
        // The interface rewrites what it shows, in place.
        const params = n.params as { command: string; commandActions: unknown[] };
        params.command = "ls";
        params.commandActions = [{ type: "unknown", command: "ls" }];
        shown();
      },
    );
    transport.deliver(approval(1, "touch made_by_codex.txt"));
    expect(await transport.waitForSent(1)).toEqual({ id: 1, result: { decision: "decline" } });
    expect(judged).toEqual(["touch made_by_codex.txt"]);
  });

  it("answers a request whose params nest too deep to copy with its default, reported", async () => {
    const judged: unknown[] = [];
    const { transport, turnEvents } = setup({
      approvals: {
        commandExecution: (params) => {
          judged.push(params);
          return { decision: "accept" };
        },
      },
    });
    // A field 10,000 levels deep: written as a line, as JSON.stringify could not.
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    const params = JSON.stringify(approval(1).params).replace(/}$/, `,"deep":${deep}}`);
    transport.line(`{"id":1,"method":"item/commandExecution/requestApproval","params":${params}}`);
    expect(await transport.waitForSent(1)).toEqual({ id: 1, result: { decision: "decline" } });
    expect(judged).toEqual([]);
    const failure = turnEvents.find((e) => e.method === "client/handlerError");
    expect((failure?.params as { message: string }).message).toBe(
      "the params of item/commandExecution/requestApproval nest too deep to copy",
    );
  });

  it("prefers turn handlers over thread handlers over the client's", async () => {
    const { transport, dispatcher } = setup({ approvals: approvalPolicies.declineAll() });
    dispatcher.addToThread("th", { approvals: approvalPolicies.acceptAll() }, undefined);
    transport.deliver(approval(1));
    expect(await transport.waitForSent(1)).toEqual({ id: 1, result: { decision: "accept" } });
    dispatcher.setTurnHandlers("turn-1", { approvals: approvalPolicies.declineAll() });
    transport.deliver(approval(2));
    expect(await transport.waitForSent(2)).toEqual({ id: 2, result: { decision: "decline" } });
  });

  it("answers a sub-agent's requests with its parent's handlers and tools, until a thread ends", async () => {
    const { transport, dispatcher } = setup();
    const accepting = { approvals: approvalPolicies.acceptAll() };
    dispatcher.addToThread("parent", accepting, [
      { name: "look", description: "d", inputSchema: { type: "object" }, handler: () => "found" },
    ]);
    const started = (threadId: string, id: string, rootTurnId: string | null) => ({
      method: "turn/started",
      params: { threadId, turn: { id, rootTurnId, items: [], status: "inProgress" } },
    });
    transport.deliver(started("parent", "root", null));
    // The sub-agent's turn names the parent's running turn as its root.
    transport.deliver(started("child", "child-turn", "root"));
    const fromChild = (id: number) => approvalIn(id, "child", "child-turn");
    transport.deliver(fromChild(1));
    expect(await transport.waitForSent(1)).toEqual({ id: 1, result: { decision: "accept" } });
    transport.deliver({
      id: 2,
      method: "item/tool/call",
      params: { threadId: "child", turnId: "child-turn", callId: "c", tool: "look", arguments: {} },
    });
    expect(await transport.waitForSent(2)).toMatchObject({ id: 2, result: { success: true } });
    // The turn that spawned it answers before the parent thread does.
    dispatcher.setTurnHandlers("root", { approvals: approvalPolicies.declineAll() });
    transport.deliver(fromChild(3));
    expect(await transport.waitForSent(3)).toEqual({ id: 3, result: { decision: "decline" } });
    expect(dispatcher.stats.parents).toBe(1);
    transport.deliver({ method: "thread/closed", params: { threadId: "parent" } });
    expect(dispatcher.stats.parents).toBe(0);
    dispatcher.endTurn("root");
    transport.deliver(fromChild(4));
    expect(await transport.waitForSent(4)).toEqual({ id: 4, result: { decision: "decline" } });
  });

  it("answers a ChatGPT token refresh from onChatgptTokenRefresh, and -32601 without it", async () => {
    const tokens = { accessToken: "new-token", chatgptAccountId: "acct", chatgptPlanType: null };
    const { transport } = setup({ onChatgptTokenRefresh: () => tokens });
    transport.deliver({ id: 3, method: "account/chatgptAuthTokens/refresh", params: {} });
    expect(await transport.waitForSent(1)).toEqual({ id: 3, result: tokens });

    const bare = setup();
    bare.transport.deliver({ id: 4, method: "account/chatgptAuthTokens/refresh", params: {} });
    expect(await bare.transport.waitForSent(1)).toMatchObject({ id: 4, error: { code: -32601 } });
  });

  it("redacts a refreshed token beside the old once its answer goes out, in place of it at the next, not when it is refused", async () => {
    const OLD = "old-access-token-0123456789";
    const NEW = "new-access-token-9876543210";
    const refresh = async (answer: object, oversize?: () => string) => {
      const secrets = new Secrets();
      secrets.hold(CHATGPT_TOKEN_SLOT, OLD);
      const { transport } = setup(
        { onChatgptTokenRefresh: () => answer as never },
        { secrets, ...(oversize === undefined ? {} : { oversize }) },
      );
      transport.deliver({ id: 1, method: "account/chatgptAuthTokens/refresh", params: {} });
      const reply = (await transport.waitForSent(1)) as { error?: unknown };
      return { secrets, reply };
    };
    // Refused after its check: as too long for one message, or holding a lone surrogate. The
    // server still uses the old token.
    for (const { secrets, reply } of [
      await refresh({ accessToken: NEW, chatgptAccountId: "acct" }, () => "over the limit"),
      await refresh({ accessToken: NEW, chatgptAccountId: "acct", chatgptPlanType: "pro\ud800" }),
      // An empty plan, which the server would take as the plan (null has it read the token's).
      await refresh({ accessToken: NEW, chatgptAccountId: "acct", chatgptPlanType: "" }),
      await refresh({ accessToken: NEW, chatgptAccountId: "acct", chatgptPlanType: "  " }),
    ]) {
      expect(reply.error).toMatchObject({ code: -32603 });
      expect(secrets.text(`${OLD} ${NEW}`)).toBe(`[redacted] ${NEW}`);
    }
    const { secrets, reply } = await refresh({ accessToken: NEW, chatgptAccountId: "acct" });
    expect(reply.error).toBeUndefined();
    // Sent, it may still be refused (the server answers nothing to it), the old one kept in use:
    // both stay redacted until the next token, which lets the old one go.
    expect(secrets.text(`${OLD} ${NEW}`)).toBe("[redacted] [redacted]");
    const NEXT = "next-access-token-5555555555";
    secrets.holdKeeping(CHATGPT_TOKEN_SLOT, NEXT);
    expect(secrets.text(`${OLD} ${NEW} ${NEXT}`)).toBe(`${OLD} [redacted] [redacted]`);
    secrets.hold(CHATGPT_TOKEN_SLOT, OLD);
    expect(secrets.text(`${OLD} ${NEW} ${NEXT}`)).toBe(`[redacted] ${NEW} ${NEXT}`);
  });

  it("gives a token refresh no longer than the runtime waits, 10 s, and holds no token it answers later", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const LATE = "late-access-token-0123456789";
      const secrets = new Secrets();
      let signal: AbortSignal | undefined;
      let answer!: (value: { accessToken: string; chatgptAccountId: string }) => void;
      const { transport } = setup(
        {
          serverRequestTimeout: 60_000,
          onChatgptTokenRefresh: (_params, context) => {
            signal = context.signal;
            return new Promise((resolve) => (answer = resolve));
          },
        },
        { secrets },
      );
      transport.deliver({ id: 1, method: "account/chatgptAuthTokens/refresh", params: {} });
      await vi.advanceTimersByTimeAsync(0);
      expect(signal).toBeDefined();
      await vi.advanceTimersByTimeAsync(9_999);
      expect(signal!.aborted).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(signal!.aborted).toBe(true);
      expect(await transport.waitForSent(1)).toMatchObject({
        id: 1,
        error: { message: "handler timed out after 10000 ms (the server's own wait)" },
      });
      answer({ accessToken: LATE, chatgptAccountId: "acct" });
      await vi.advanceTimersByTimeAsync(0);
      expect(secrets.text(LATE)).toBe(LATE);
      // A shorter bound of the client's own stands.
      const short = setup({
        serverRequestTimeout: 50,
        onChatgptTokenRefresh: () => new Promise(() => {}),
      });
      short.transport.deliver({ id: 2, method: "account/chatgptAuthTokens/refresh", params: {} });
      await vi.advanceTimersByTimeAsync(50);
      expect(await short.transport.waitForSent(1)).toMatchObject({
        error: { message: "handler timed out after 50 ms (serverRequestTimeout)" },
      });
      // Equal, the server's wait is the one to name: raising the client's would change nothing.
      const equal = setup({
        serverRequestTimeout: 10_000,
        onChatgptTokenRefresh: () => new Promise(() => {}),
      });
      equal.transport.deliver({ id: 3, method: "account/chatgptAuthTokens/refresh", params: {} });
      await vi.advanceTimersByTimeAsync(10_000);
      expect(await equal.transport.waitForSent(1)).toMatchObject({
        error: { message: "handler timed out after 10000 ms (the server's own wait)" },
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it("fills with null, and types as optional, what an answer may leave out", async () => {
    const { transport } = setup({
      onElicitation: () => ({ action: "cancel" }),
      onChatgptTokenRefresh: () => ({ accessToken: "new-token", chatgptAccountId: "acct" }),
    });
    transport.deliver({ id: 1, method: "mcpServer/elicitation/request", params: {} });
    transport.deliver({ id: 2, method: "account/chatgptAuthTokens/refresh", params: {} });
    await transport.waitForSent(2);
    const byId = new Map(transport.sent.map((m) => [m.id, m]));
    expect(byId.get(1)).toEqual({
      id: 1,
      result: { action: "cancel", content: null, _meta: null },
    });
    expect(byId.get(2)).toEqual({
      id: 2,
      result: { accessToken: "new-token", chatgptAccountId: "acct", chatgptPlanType: null },
    });
  });

  it("refuses a refreshed token with white space around it, as loginChatgptAuthTokens does", async () => {
    // Read from a file with its newline, say: the server would quote it trimmed, unredacted.
    for (const accessToken of [" new-token-0123456789 ", "new-token-0123456789\n"]) {
      const { transport } = setup({
        onChatgptTokenRefresh: () => ({
          accessToken,
          chatgptAccountId: "acct",
          chatgptPlanType: null,
        }),
      });
      transport.deliver({ id: 5, method: "account/chatgptAuthTokens/refresh", params: {} });
      const reply = (await transport.waitForSent(1)) as {
        error: { code: number; message: string };
      };
      expect(reply.error.code).toBe(-32603);
      expect(reply.error.message).toMatch(/^a token refresh's accessToken must not/);
      expect(reply.error.message).not.toContain("new-token");
    }
  });

  it("refuses a refreshed token's account id that cannot go in a header, as loginChatgptAuthTokens does", async () => {
    // The runtime sends it as a header of every request to the model, each of which would fail.
    for (const [chatgptAccountId, problem] of [
      ["acct\n", "must not contain control characters such as newlines"],
      [" acct", "must not begin or end with white space"],
      ["acct-\u00e9\u4e2d", "may hold only Latin-1 characters, as an HTTP header does"],
    ] as const) {
      const { transport } = setup({
        onChatgptTokenRefresh: () => ({ accessToken: "new-token-0123456789", chatgptAccountId }),
      });
      transport.deliver({ id: 5, method: "account/chatgptAuthTokens/refresh", params: {} });
      const reply = (await transport.waitForSent(1)) as {
        error: { code: number; message: string };
      };
      expect(reply.error).toEqual({
        code: -32603,
        message: `a token refresh's chatgptAccountId ${problem}`,
      });
    }
  });

  it("refuses a refreshed token's answer with a field it does not take, as loginChatgptAuthTokens does", async () => {
    // A misspelt plan type would be lost without a word.
    const { transport } = setup({
      onChatgptTokenRefresh: () => ({
        accessToken: "new-token-0123456789",
        chatgptAccountId: "acct",
        chatgptPlanTyep: "pro",
      }),
    });
    transport.deliver({ id: 6, method: "account/chatgptAuthTokens/refresh", params: {} });
    const reply = (await transport.waitForSent(1)) as {
      error: { code: number; message: string };
    };
    expect(reply.error.code).toBe(-32603);
    expect(reply.error.message).toBe(
      `a token refresh's answer holds "chatgptPlanTyep", a field it does not take (the fields are accessToken, chatgptAccountId, chatgptPlanType), got a string of 3 characters`,
    );
  });

  it("reports a missing dynamic tool to the model as a failed call, and warns, naming the fix", async () => {
    const { log, entries } = captureLog();
    const { transport } = setup({}, { log });
    transport.deliver(toolCall(9, "nope"));
    expect(await transport.waitForSent(1)).toMatchObject({
      id: 9,
      result: { success: false, contentItems: [{ type: "inputText" }] },
    });
    expect(entries.filter((e) => e.level === "warn").map((e) => e.message)).toEqual([
      "codex-app-server-sdk: the model called nope on thread th, which no tool of the thread " +
        "is on this client: " +
        "answered that it is not registered (give the thread's tools to " +
        "codex.threadResume(id, { tools }) or codex.thread(id, { tools }))",
    ]);
  });

  it("runs no top-level function for a call of a namespaced tool of the same name", async () => {
    const { transport, dispatcher } = setup();
    const runs: string[] = [];
    dispatcher.addToThread("th", undefined, [
      {
        name: "lookup",
        description: "",
        inputSchema: { type: "object" },
        handler: () => runs.push("top"),
      },
    ]);
    const call = toolCall(11, "lookup");
    transport.deliver({ ...call, params: { ...call.params, namespace: "billing" } });
    expect(await transport.waitForSent(1)).toEqual({
      id: 11,
      result: {
        success: false,
        contentItems: [{ type: "inputText", text: "no tool named billing.lookup is registered" }],
      },
    });
    // Of no namespace, the thread's own.
    transport.deliver({ ...call, id: 12, params: { ...call.params, namespace: null } });
    await transport.waitForSent(2);
    expect(runs).toEqual(["top"]);
  });

  it("reports a throwing dynamic tool as a failed call with its message", async () => {
    const { transport, dispatcher } = setup();
    dispatcher.addToThread("th", undefined, [
      {
        name: "boom",
        description: "fails",
        inputSchema: { type: "object" },
        handler: () => {
          throw new Error("tool broke");
        },
      },
    ]);
    transport.deliver(toolCall(10, "boom"));
    const reply = (await transport.waitForSent(1)) as { result: { success: boolean } };
    expect(reply.result.success).toBe(false);
    expect(JSON.stringify(reply)).toContain("tool broke");
  });

  it("reports a dynamic tool output that JSON encodes to nothing as a failed call", async () => {
    const { transport, dispatcher, turnEvents } = setup();
    const outputs: Record<string, unknown> = {
      fn: () => 1,
      sym: Symbol("x"),
      toJSON: { toJSON: () => undefined },
    };
    const names = callToolsReturning({ transport, dispatcher }, outputs);
    await transport.waitForSent(names.length);
    for (const reply of transport.sent as { result: DynamicToolCallResponse }[]) {
      expect(reply.result.success).toBe(false);
      expect(reply.result.contentItems).toEqual([
        { type: "inputText", text: expect.stringMatching(/cannot be encoded as JSON/) },
      ]);
    }
    const reported = turnEvents.filter((e) => e.method === "client/handlerError");
    expect(reported).toHaveLength(names.length);
  });

  it("fails a tool call whose answer, with its JSON-RPC envelope, is over the message limit", async () => {
    const bytes = 1000;
    const transport = new FakeTransport({ bytes, channel: "over the test channel" });
    const connection = new Connection(transport);
    const router = new Router(connection);
    const dispatcher = new ServerRequestDispatcher(
      router,
      {},
      { oversize: (id, json) => connection.oversize(id, json) },
    );
    connection.setServerRequestHandler(dispatcher.handle);
    // The answer's JSON alone, around the text.
    const around = JSON.stringify({
      contentItems: [{ type: "inputText", text: "" }],
      success: true,
    });
    const fits = "a".repeat(bytes - around.length - '{"id":0,"result":}'.length);
    const over = `${fits}a`;
    dispatcher.addToThread("th", undefined, [
      { name: "fits", description: "", inputSchema: { type: "object" }, handler: () => fits },
      { name: "over", description: "", inputSchema: { type: "object" }, handler: () => over },
    ]);
    const call = (id: number, tool: string) => ({
      id,
      method: "item/tool/call",
      params: { threadId: "th", turnId: "turn-1", callId: "c", tool, arguments: {} },
    });
    transport.deliver(call(0, "fits"));
    expect(await transport.waitForSent(1)).toEqual({
      id: 0,
      result: { contentItems: [{ type: "inputText", text: fits }], success: true },
    });
    transport.deliver(call(1, "over"));
    expect(await transport.waitForSent(2)).toEqual({
      id: 1,
      result: {
        contentItems: [
          {
            type: "inputText",
            text: expect.stringMatching(
              /^tool over failed: the answer comes to .* over the test channel$/,
            ),
          },
        ],
        success: false,
      },
    });
  });

  it("reports a dynamic tool output holding what JSON would lose (a Map, an Error) as a failed call", async () => {
    const { transport, dispatcher } = setup();
    class Secretive {
      readonly #value = 1;
      get value() {
        return this.#value;
      }
    }
    class Point {
      x = 1;
    }
    class Callback {
      constructor(
        readonly done: () => void,
        readonly label: string | undefined,
      ) {}
    }
    const outputs: Record<string, unknown> = {
      map: new Map([["a", 1]]),
      nested: { city: "Paris", tags: new Set(["sunny"]) },
      dated: { when: new Date(0) },
      failure: { ok: false, error: new Error("quota exceeded") },
      hidden: { list: [new Secretive()] },
      boxed: { n: Object(5) as number, point: new Point() },
      // Another realm's empty object is as plain as this one's; its Error is an Error all the same.
      realm: runInNewContext("({ rows: [], filters: {} })") as unknown,
      realmError: { error: runInNewContext("new Error('x')") as unknown },
      // Fields JSON leaves out (a function, undefined): sent as {} all the same.
      callback: { pending: new Callback(() => {}, undefined) },
      // A proxy's fields are what its traps give JSON.
      proxied: {
        row: new Proxy(new Callback(() => {}, undefined), {
          get: (target, key) => (key === "label" ? "filled" : Reflect.get(target, key)),
        }),
      },
    };
    callToolsReturning({ transport, dispatcher }, outputs);
    await transport.waitForSent(10);
    const replies = [...(transport.sent as { id: number; result: DynamicToolCallResponse }[])]
      .sort((a, b) => a.id - b.id)
      .map((reply) => reply.result);
    expect(replies).toEqual([
      {
        success: false,
        contentItems: [
          {
            type: "inputText",
            text: expect.stringMatching(/holds a Map, which JSON would send as \{\}/),
          },
        ],
      },
      {
        success: false,
        contentItems: [{ type: "inputText", text: expect.stringMatching(/holds a Set at "tags"/) }],
      },
      // A value with `toJSON` sends what it gives.
      {
        success: true,
        contentItems: [{ type: "inputText", text: '{"when":"1970-01-01T00:00:00.000Z"}' }],
      },
      {
        success: false,
        contentItems: [
          {
            type: "inputText",
            text: expect.stringMatching(
              /holds an Error at "error", which JSON would send without its message: give its message$/,
            ),
          },
        ],
      },
      {
        success: false,
        contentItems: [
          {
            type: "inputText",
            text: expect.stringMatching(
              /holds an instance of Secretive at "0", which JSON would send as \{\}, none of it being an own enumerable field$/,
            ),
          },
        ],
      },
      // A boxed number is written as its value; an instance with fields as they are.
      { success: true, contentItems: [{ type: "inputText", text: '{"n":5,"point":{"x":1}}' }] },
      { success: true, contentItems: [{ type: "inputText", text: '{"rows":[],"filters":{}}' }] },
      {
        success: false,
        contentItems: [
          { type: "inputText", text: expect.stringMatching(/holds an Error at "error"/) },
        ],
      },
      {
        success: false,
        contentItems: [
          {
            type: "inputText",
            text: expect.stringMatching(
              /holds an instance of Callback at "pending", which JSON would send as \{\}/,
            ),
          },
        ],
      },
      { success: true, contentItems: [{ type: "inputText", text: '{"row":{"label":"filled"}}' }] },
    ]);
  });

  it("sends the text null, a call that succeeded, for a tool that returns nothing", async () => {
    const { transport, dispatcher } = setup();
    const tool = (name: string, output: unknown) => ({
      name,
      description: name,
      inputSchema: { type: "object" },
      handler: () => output,
    });
    dispatcher.addToThread("th", undefined, [tool("none", undefined), tool("nil", null)]);
    ["none", "nil"].forEach((name, id) => transport.deliver(toolCall(id, name)));
    await transport.waitForSent(2);
    expect(transport.sent.map((reply) => reply.result)).toEqual([
      { contentItems: [{ type: "inputText", text: "null" }], success: true },
      { contentItems: [{ type: "inputText", text: "null" }], success: true },
    ]);
  });
});

describe("ServerRequestDispatcher: requests at the edges of their scope", () => {
  it("lets a turn's handlers answer a request that overtakes its turn/start answer", async () => {
    const { transport, router, dispatcher } = setup({ approvals: approvalPolicies.declineAll() });
    const slot = takeSlot(router, "th-2");
    transport.deliver(approvalIn(5, "th-2", "t-2"));
    await Promise.resolve();
    expect(transport.sent).toEqual([]);
    expect(router.stats.startWaiters).toBe(1);
    // What the turn does once the answer names its id: its handlers, then its routing.
    const seen: string[] = [];
    dispatcher.setTurnHandlers("t-2", { approvals: approvalPolicies.acceptAll() });
    slot.bind("t-2", { push: (n) => (seen.push(n.method), false), fail: () => {} });
    expect(await transport.waitForSent(1)).toEqual({ id: 5, result: { decision: "accept" } });
    expect(seen).toEqual(["item/commandExecution/requestApproval"]);
    expect(router.stats.startWaiters).toBe(0);
  });

  it("shows a request that overtook its turn/start answer in its place among the turn's events", async () => {
    const { transport, router, dispatcher } = setup({ approvals: approvalPolicies.acceptAll() });
    const slot = takeSlot(router, "th-2");
    const itemOf = (id: string) => ({ id, type: "commandExecution" });
    transport.deliver({
      method: "item/started",
      params: { threadId: "th-2", turnId: "t-2", item: itemOf("before") },
    });
    transport.deliver(approvalIn(5, "th-2", "t-2"));
    transport.deliver({
      method: "item/started",
      params: { threadId: "th-2", turnId: "t-2", item: itemOf("after") },
    });
    const seen: string[] = [];
    slot.bind("t-2", {
      push: (n) => {
        const item = (n.params as { item?: { id: string } }).item;
        seen.push(item === undefined ? n.method : item.id);
        return false;
      },
      fail: () => {},
    });
    expect(await transport.waitForSent(1)).toEqual({ id: 5, result: { decision: "accept" } });
    expect(seen).toEqual(["before", "item/commandExecution/requestApproval", "after"]);
    // Its withdrawal goes to the same turn, live.
    transport.deliver({
      method: "serverRequest/resolved",
      params: { threadId: "th-2", requestId: 5 },
    });
    expect(seen.at(-1)).toBe("serverRequest/resolved");
    expect(router.stats.requestTurns).toBe(0);
    expect(dispatcher.stats.inflight).toBe(0);
  });

  it("shows a request from a review's running turn, held before the review/start answer, in its place", async () => {
    const { transport, router, dispatcher } = setup({ approvals: approvalPolicies.acceptAll() });
    const slot = takeSlot(router, "th-r");
    transport.deliver(reviewRunStarted);
    transport.deliver(approvalIn(8, "th-r", "run-1"));
    transport.deliver({
      method: "item/started",
      params: { threadId: "th-r", turnId: "review-1", item: { id: "i", type: "agentMessage" } },
    });
    const seen: string[] = [];
    slot.bind(
      "review-1",
      { push: (n) => (seen.push(n.method), false), fail: () => {} },
      {
        childStart: true,
      },
    );
    expect(await transport.waitForSent(1)).toEqual({ id: 8, result: { decision: "accept" } });
    transport.deliver({
      method: "serverRequest/resolved",
      params: { threadId: "th-r", requestId: 8 },
    });
    expect(seen).toEqual([
      "turn/started",
      "item/commandExecution/requestApproval",
      "item/started",
      "serverRequest/resolved",
    ]);
    expect(router.stats.requestTurns).toBe(0);
    expect(dispatcher.stats.inflight).toBe(0);
  });

  it("answers a held request with its turn's handler when the client left the thread before the turn/start answer", async () => {
    const { transport, router, dispatcher } = setup({ approvals: approvalPolicies.declineAll() });
    const slot = takeSlot(router, "th-2");
    transport.deliver(approvalIn(5, "th-2", "t-2"));
    router.setSubscribed("th-2", false);
    // The answer names the turn: its handlers are given, then it binds, and fails (the thread was
    // left), which ends it, as a turn's release does.
    dispatcher.setTurnHandlers("t-2", { approvals: approvalPolicies.acceptAll() });
    const bound = slot.bind("t-2", {
      push: () => false,
      fail: () => dispatcher.endTurn("t-2"),
    });
    expect(bound).toBe("ended");
    // The turn goes on on the server, waiting for the answer its own handler gives.
    expect(await transport.waitForSent(1)).toEqual({ id: 5, result: { decision: "accept" } });
    expect(dispatcher.stats).toMatchObject({ turnHandlers: 0, inflight: 0 });
  });

  it("answers a held request of a review's running turn with the review's handler when the client left first", async () => {
    const { transport, router, dispatcher } = setup({ approvals: approvalPolicies.declineAll() });
    const slot = takeSlot(router, "th-r");
    transport.deliver(reviewRunStarted);
    transport.deliver(approvalIn(8, "th-r", "run-1"));
    router.setSubscribed("th-r", false);
    dispatcher.setTurnHandlers("review-1", { approvals: approvalPolicies.acceptAll() });
    const seen: string[] = [];
    const bound = slot.bind(
      "review-1",
      { push: (n) => (seen.push(n.method), false), fail: () => dispatcher.endTurn("review-1") },
      { childStart: true },
    );
    expect(bound).toBe("ended");
    // What was read before the end is the review's: its running turn's start, and the request.
    expect(seen).toEqual(["turn/started", "item/commandExecution/requestApproval"]);
    expect(await transport.waitForSent(1)).toEqual({ id: 8, result: { decision: "accept" } });
    expect(dispatcher.stats).toMatchObject({ turnHandlers: 0, inflight: 0 });
    expect(router.stats).toMatchObject({ childTurns: 0, requestTurns: 0 });
  });

  it("starts no handler, and keeps nothing, for a request that waited on its turn/start when the connection ends", async () => {
    const calls: string[] = [];
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    const router = new Router(connection);
    const dispatcher = new ServerRequestDispatcher(router, {
      approvals: { commandExecution: () => (calls.push("handler"), { decision: "accept" }) },
    });
    connection.onClose(() => dispatcher.clear());
    takeSlot(router, "th-2");
    const handled = dispatcher.handle(approvalIn(5, "th-2", "t-2"));
    await Promise.resolve();
    expect(router.stats.startWaiters).toBe(1);
    transport.end();
    await expect(handled).rejects.toThrow("the connection closed before the request was handled");
    expect(calls).toEqual([]);
    expect(dispatcher.stats.inflight).toBe(0);
  });

  it("keeps no handler or tool given after the connection ended", () => {
    const { dispatcher } = setup();
    dispatcher.clear();
    const handlers = { approvals: approvalPolicies.acceptAll() };
    const tool = { name: "lookup", inputSchema: { type: "object" }, handler: () => "x" };
    for (let i = 0; i < 100; i++) {
      dispatcher.addToThread(`th-${i}`, handlers, [tool]);
      dispatcher.setTurnHandlers(`turn-${i}`, handlers);
      dispatcher.lendThread(`th-${i}`, `fork-${i}`)();
    }
    expect(dispatcher.stats).toMatchObject({ threadHandlers: 0, threadTools: 0, turnHandlers: 0 });
  });

  it("answers a request from the turn a review runs with the review's handlers, in its stream", async () => {
    const { transport, router, dispatcher } = setup({ approvals: approvalPolicies.declineAll() });
    const seen: string[] = [];
    const review = { push: (n: RawNotification) => (seen.push(n.method), false), fail: () => {} };
    dispatcher.setTurnHandlers("review-1", { approvals: approvalPolicies.acceptAll() });
    takeSlot(router, "th-r").bind("review-1", review, { childStart: true });
    transport.deliver(reviewRunStarted);
    transport.deliver(approvalIn(8, "th-r", "run-1"));
    expect(await transport.waitForSent(1)).toEqual({ id: 8, result: { decision: "accept" } });
    transport.deliver({
      method: "serverRequest/resolved",
      params: { threadId: "th-r", requestId: 8 },
    });
    expect(seen).toEqual([
      "turn/started",
      "item/commandExecution/requestApproval",
      "serverRequest/resolved",
    ]);
    expect(router.stats.childTurns).toBe(1);
    transport.deliver({
      method: "turn/completed",
      params: { threadId: "th-r", turn: { id: "review-1", status: "completed", items: [] } },
    });
    router.endTurn("review-1", review);
    expect(router.stats).toMatchObject({ childTurns: 0, childStarts: 0, requestTurns: 0 });
  });

  it("asks no handler for a request the server withdrew while it waited on its turn/start", async () => {
    const calls: string[] = [];
    const { transport, router, dispatcher } = setup({
      approvals: { commandExecution: () => (calls.push("client"), { decision: "accept" }) },
    });
    const slot = takeSlot(router, "th-2");
    transport.deliver(approvalIn(5, "th-2", "t-2"));
    await Promise.resolve();
    transport.deliver({
      method: "serverRequest/resolved",
      params: { threadId: "th-2", requestId: 5 },
    });
    const seen: string[] = [];
    dispatcher.setTurnHandlers("t-2", {
      approvals: { commandExecution: () => (calls.push("turn"), { decision: "accept" }) },
    });
    slot.bind("t-2", { push: (n) => (seen.push(n.method), false), fail: () => {} });
    expect(await transport.waitForSent(1)).toEqual({ id: 5, result: { decision: "decline" } });
    expect(calls).toEqual([]);
    // The stream shows both, as it would have live.
    expect(seen).toEqual(["item/commandExecution/requestApproval", "serverRequest/resolved"]);
    expect(dispatcher.stats.inflight).toBe(0);
    expect(router.stats.requestTurns).toBe(0);
  });

  it("reports a review's failed handler in the review's stream", async () => {
    const { transport, router, dispatcher } = setup();
    const seen: RawNotification[] = [];
    const review = { push: (n: RawNotification) => (seen.push(n), false), fail: () => {} };
    dispatcher.setTurnHandlers("review-1", {
      approvals: {
        commandExecution: () => {
          throw new Error("handler broke");
        },
      },
    });
    takeSlot(router, "th-r").bind("review-1", review, { childStart: true });
    transport.deliver(reviewRunStarted);
    transport.deliver(approvalIn(8, "th-r", "run-1"));
    expect(await transport.waitForSent(1)).toEqual({ id: 8, result: { decision: "decline" } });
    expect(seen.map((n) => n.method)).toEqual([
      "turn/started",
      "item/commandExecution/requestApproval",
      "client/handlerError",
    ]);
    expect(seen[2]!.params).toMatchObject({ turnId: "run-1", message: "handler broke" });
  });

  it("aborts the signal of a thread's or the client's handler when the server ends the thread mid-request", async () => {
    const signals: AbortSignal[] = [];
    const waiting = (_params: unknown, context: { signal: AbortSignal }) => {
      signals.push(context.signal);
      return new Promise<never>(() => {});
    };
    const { transport, dispatcher } = setup({ approvals: { commandExecution: waiting } });
    dispatcher.addToThread("th-t", { approvals: { commandExecution: waiting } }, undefined);
    const request = approval(1);
    transport.deliver({ ...request, params: { ...request.params, threadId: "th-t" } });
    transport.deliver({ ...approval(2), params: { ...request.params, threadId: "th-c" } });
    await vi.waitFor(() => expect(signals).toHaveLength(2));
    transport.deliver({ method: "thread/closed", params: { threadId: "th-t" } });
    expect(signals.map((signal) => signal.aborted)).toEqual([true, false]);
    expect(signals[0]!.reason).toEqual(new Error("the thread ended"));
    expect(await transport.waitForSent(1)).toEqual({ id: 1, result: { decision: "decline" } });
    transport.deliver({ method: "thread/archived", params: { threadId: "th-c" } });
    expect(await transport.waitForSent(2)).toEqual({ id: 2, result: { decision: "decline" } });
    expect(dispatcher.stats.inflight).toBe(0);
  });

  it("answers a request waiting on a turn start that fails, with the outer handlers", async () => {
    const { transport, router } = setup({ approvals: approvalPolicies.acceptAll() });
    const slot = takeSlot(router, "th-3");
    transport.deliver(approvalIn(6, "th-3", "t-3"));
    slot.release();
    expect(await transport.waitForSent(1)).toEqual({ id: 6, result: { decision: "accept" } });
    expect(router.stats.startWaiters).toBe(0);
  });

  it("releases a thread's handlers and tools when the server closes, archives or deletes it", () => {
    const { transport, dispatcher } = setup();
    const tool = { name: "t", description: "", inputSchema: {}, handler: () => 1 };
    for (const method of ["thread/closed", "thread/archived", "thread/deleted"]) {
      dispatcher.addToThread("th-x", { approvals: approvalPolicies.acceptAll() }, [tool]);
      expect(dispatcher.stats).toMatchObject({ threadHandlers: 1, threadTools: 1 });
      transport.deliver({ method, params: { threadId: "th-x" } });
      expect(dispatcher.stats).toMatchObject({ threadHandlers: 0, threadTools: 0 });
    }
  });

  it("answers the legacy approvals from the handlers of the thread they name", async () => {
    const { transport, dispatcher } = setup();
    dispatcher.addToThread("conv-1", { approvals: approvalPolicies.acceptAll() }, undefined);
    const legacy = { conversationId: "conv-1", callId: "c", command: ["ls"], cwd: "/" };
    transport.deliver({ id: 1, method: "execCommandApproval", params: legacy });
    transport.deliver({
      id: 2,
      method: "applyPatchApproval",
      params: { ...legacy, fileChanges: {} },
    });
    await transport.waitForSent(2);
    expect(transport.sent).toEqual([
      { id: 1, result: { decision: "approved" } },
      { id: 2, result: { decision: "approved" } },
    ]);
  });

  it("asks the handler once for a request the server sends again in flight, and withdraws it", async () => {
    const signals: AbortSignal[] = [];
    const { transport, dispatcher } = setup({
      approvals: {
        commandExecution: (_params, context) => {
          signals.push(context.signal);
          return new Promise(() => {});
        },
      },
    });
    transport.deliver(approval(77));
    transport.deliver(approval(77));
    await vi.waitFor(() => expect(signals).toHaveLength(1));
    expect(dispatcher.stats.inflight).toBe(1);
    transport.deliver({
      method: "serverRequest/resolved",
      params: { threadId: "th", requestId: 77 },
    });
    expect(signals[0]!.aborted).toBe(true);
    await transport.waitForSent(1);
    expect(dispatcher.stats.inflight).toBe(0);
    expect(signals).toHaveLength(1);
    expect(transport.sent).toEqual([{ id: 77, result: { decision: "decline" } }]);
  });
});

describe("ServerRequestDispatcher: a tool call whose tool is no string", () => {
  it("answers a failed call naming the kind, without running a tool its items would name", async () => {
    const { transport, dispatcher, turnEvents } = setup();
    let ran = false;
    dispatcher.addToThread("th", undefined, [
      { name: "lookup", inputSchema: { type: "object" }, handler: () => ((ran = true), "found") },
    ]);
    // As a string, ["lookup"] is "lookup"; nested 10,000 deep, making it one overflowed the stack
    // and the call was answered with -32603.
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    const calling = (id: number, tool: string) =>
      transport.line(JSON.stringify(toolCall(id, "x")).replace('"tool":"x"', `"tool":${tool}`));
    calling(1, '["lookup"]');
    calling(2, deep);
    const failed = {
      success: false,
      contentItems: [{ type: "inputText", text: "the call names no tool (its tool is an array)" }],
    };
    expect(await transport.waitForSent(1)).toEqual({ id: 1, result: failed });
    expect(await transport.waitForSent(2)).toEqual({ id: 2, result: failed });
    expect(ran).toBe(false);
    expect(turnEvents.map((e) => e.method)).toEqual(["item/tool/call", "item/tool/call"]);
  });
});

describe("ServerRequestDispatcher: what a handler's failure sends", () => {
  // As the client wires them: the connection and the dispatcher share its secrets.
  function withSecrets(secret: string, options: ServerRequestOptions = {}) {
    const transport = new FakeTransport();
    const secrets = new Secrets();
    secrets.add(secret);
    const connection = new Connection(transport, { secrets });
    const router = new Router(connection);
    const dispatcher = new ServerRequestDispatcher(router, options, { secrets });
    connection.setServerRequestHandler(dispatcher.handle);
    const turnEvents: RawNotification[] = [];
    takeSlot(router, "th").bind("turn-1", {
      push: (n) => (turnEvents.push(n), false),
      fail: () => {},
    });
    return { transport, dispatcher, turnEvents };
  }
  const toolCall = (id: number, tool: string) => ({
    id,
    method: "item/tool/call",
    params: { threadId: "th", turnId: "turn-1", callId: "c", tool, arguments: {} },
  });

  it("redacts a key the handler's error quotes, in the answer and in the stream", async () => {
    const key = "sk-handler-secret-0123456789";
    const { transport, dispatcher, turnEvents } = withSecrets(key);
    const tool = {
      name: "fetcher",
      description: "",
      inputSchema: { type: "object" },
      handler: () => {
        throw new Error(`401 for Bearer ${key}`);
      },
    };
    dispatcher.addToThread("th", undefined, [tool]);
    transport.deliver(toolCall(1, "fetcher"));
    const reply = await transport.waitForSent(1);
    expect(JSON.stringify(reply)).toContain("401 for Bearer [redacted]");
    expect(JSON.stringify([reply, turnEvents])).not.toContain(key);
    expect(turnEvents.map((e) => e.method)).toEqual(["item/tool/call", "client/handlerError"]);
  });

  it("redacts a key in the error of a handler that has no default answer", async () => {
    const key = "sk-refresh-secret-0123456789";
    const { transport } = withSecrets(key, {
      onChatgptTokenRefresh: () => {
        throw Object.assign(new Error(`refresh of ${key} failed`), {
          code: -32000,
          data: { tried: [key] },
        });
      },
    });
    transport.deliver({ id: 5, method: "account/chatgptAuthTokens/refresh", params: {} });
    expect(await transport.waitForSent(1)).toEqual({
      id: 5,
      error: {
        code: -32000,
        message: "refresh of [redacted] failed",
        data: { tried: ["[redacted]"] },
      },
    });
  });

  it("sends a handler error's data that holds no secret as JSON writes it", async () => {
    const when = new Date(0);
    const { transport } = withSecrets("sk-unrelated-secret-0123456789", {
      onChatgptTokenRefresh: () => {
        throw Object.assign(new Error("refresh failed"), {
          code: -32000,
          data: { when, url: new URL("https://example.com/a"), list: [1, "two"] },
        });
      },
    });
    transport.deliver({ id: 6, method: "account/chatgptAuthTokens/refresh", params: {} });
    expect(await transport.waitForSent(1)).toEqual({
      id: 6,
      error: {
        code: -32000,
        message: "refresh failed",
        data: { when: when.toJSON(), url: "https://example.com/a", list: [1, "two"] },
      },
    });
  });

  it("leaves out a handler error's data nested deeper than the SDK sends, which the server would drop unread", async () => {
    let data = nested(130);
    const { transport } = withSecrets("sk-unrelated-secret-0123456789", {
      onChatgptTokenRefresh: () => {
        throw Object.assign(new Error("refresh failed"), { code: -32000, data });
      },
    });
    transport.deliver({ id: 1, method: "account/chatgptAuthTokens/refresh", params: {} });
    expect(await transport.waitForSent(1)).toEqual({
      id: 1,
      error: { code: -32000, message: "refresh failed" },
    });
    // At the bound (62 levels, inside the error inside the answer), it goes as it is.
    data = nested(62);
    transport.deliver({ id: 2, method: "account/chatgptAuthTokens/refresh", params: {} });
    expect(await transport.waitForSent(2)).toEqual({
      id: 2,
      error: { code: -32000, message: "refresh failed", data },
    });
  });

  it("sends no lone surrogate, which the server cannot read: the call fails, well-formed", async () => {
    const { transport, dispatcher } = withSecrets("unused-secret-value");
    const cut = "sunny \u{1F324} and warm".slice(0, 7);
    const tools = [
      { name: "cut", description: "", inputSchema: {}, handler: () => cut },
      {
        name: "throws",
        description: "",
        inputSchema: {},
        handler: () => {
          throw new Error(cut);
        },
      },
    ];
    dispatcher.addToThread("th", undefined, tools);
    transport.deliver(toolCall(1, "cut"));
    transport.deliver(toolCall(2, "throws"));
    await transport.waitForSent(2);
    const byId = new Map(transport.sent.map((m) => [m.id, m]));
    expect(byId.get(1)).toMatchObject({ result: { success: false } });
    expect(JSON.stringify(byId.get(1))).toContain("lone surrogate");
    expect(byId.get(2)).toMatchObject({
      result: { success: false, contentItems: [{ text: "tool throws failed: sunny \uFFFD" }] },
    });
    expect(JSON.stringify(transport.sent)).not.toMatch(/\\ud83c/);
  });

  it("sends no answer nested deeper than the SDK sends, which the server would drop unread", async () => {
    const events: RawNotification[] = [];
    let meta = nested(130);
    const { transport } = setup(
      { onElicitation: () => ({ action: "accept", content: null, _meta: meta }) },
      {},
      (n) => events.push(n),
    );
    const ask = async (id: number) => {
      const params = { threadId: "thread-turn-1", turnId: "turn-1" };
      transport.deliver({ id, method: "mcpServer/elicitation/request", params });
      return transport.waitForSent(id);
    };
    // The default answer instead, and the handler's failure in its turn's stream.
    expect(await ask(1)).toEqual({
      id: 1,
      result: { action: "cancel", content: null, _meta: null },
    });
    expect(events.find((n) => n.method === "client/handlerError")?.params).toMatchObject({
      message:
        "the answer nests too deep: the SDK sends at most 64 levels of JSON (the runtime drops " +
        "a line nested 128 levels deep, and would never read the answer)",
    });
    // At the bound (the answer holding `_meta` holding 63 levels), it goes as it is.
    meta = nested(63);
    expect(await ask(2)).toEqual({
      id: 2,
      result: { action: "accept", content: null, _meta: meta },
    });
  });
});

describe("handler and tool options", () => {
  it("refuses an approvals object that names no kind of approval, or is no plain object", () => {
    expect(() => checkHandlers({ approvals: { commandExecutoin: () => ({}) } as never })).toThrow(
      new TypeError(
        "approvals.commandExecutoin is no kind of approval; the kinds are commandExecution, " +
          "fileChange, permissions, execCommand, applyPatch, mcpToolCall",
      ),
    );
    expect(() => checkHandlers({ approvals: [() => ({})] as never })).toThrow(
      "approvals must be an object, got an array",
    );
    // A Map's entries are no properties: every approval would go to the default, declined.
    const map = new Map([["commandExecution", () => ({ decision: "accept" })]]);
    expect(() => checkHandlers({ approvals: map as never })).toThrow(
      "approvals must be a plain object, got a Map",
    );
  });

  it("refuses a tool the runtime would refuse or could not call, naming it", () => {
    const tool = (fields: object) => ({ name: "t", description: "", handler: () => 1, ...fields });
    const refusal = (tools: unknown) => {
      try {
        checkTools(tools);
      } catch (err) {
        return (err as Error).message;
      }
      return "accepted";
    };
    expect(refusal([tool({ name: "a.b" })])).toBe(
      'tools[0].name must be 1 to 128 letters, digits, "_" or "-" (the Responses API\'s rule), got "a.b"',
    );
    expect(refusal([tool({ name: "x".repeat(129) })])).toMatch(
      /^tools\[0\]\.name must be 1 to 128/,
    );
    expect(refusal([tool({}), tool({})])).toBe("tools[1]: two tools are named t");
    // The runtime refuses these names, and the whole thread with them.
    for (const name of ["mcp", "mcp__github__search"]) {
      expect(refusal([tool({ name })])).toBe(
        `tools[0].name ${name} is reserved: the runtime names its MCP servers' tools "mcp__..."`,
      );
    }
    expect(refusal([tool({ name: "mcp_search" })])).toBe("accepted");
    // The runtime's own tool of that name would answer every call.
    expect(refusal([tool({ name: "exec_command" })])).toBe(
      "tools[0].name exec_command is a tool of the runtime's own, which would take its place: " +
        "the handler would never run",
    );
    expect(refusal([tool({ inputSchema: { type: "object", properties: 5 } })])).toBe(
      "tools[0] (t): inputSchema.properties must be an object, got number",
    );
    expect(refusal([tool({ inputSchema: { type: "object", properties: ["a"] } })])).toBe(
      "tools[0] (t): inputSchema.properties must be an object, got an array",
    );
    // What the runtime cannot read deeper in, for which it refuses the thread naming no field.
    const deeper: [object, string][] = [
      [
        { properties: { range: { type: "array", items: [{ type: "number" }] } } },
        'inputSchema.properties["range"].items is a list (a draft-7 tuple), which the runtime ' +
          "cannot read: describe each item with one schema, or make the tuple an object",
      ],
      [
        { properties: { a: { type: "object", properties: [] } } },
        'inputSchema.properties["a"].properties must be an object, got an array',
      ],
      [{ required: "a" }, "inputSchema.required must be a list of property names"],
      [
        { properties: { a: 5 } },
        'inputSchema.properties["a"] must be a schema (an object), got number',
      ],
      [
        { additionalProperties: "x" },
        "inputSchema.additionalProperties must be true, false or a schema, got string",
      ],
      [
        { properties: { a: { enum: 5 } } },
        'inputSchema.properties["a"].enum must be a list of values, got number',
      ],
      [{ type: "null" }, "inputSchema must describe an object of arguments, not null"],
      [
        { type: "string" },
        'inputSchema must describe an object of arguments (type "object"), got type "string"',
      ],
      [
        { type: ["array", "null"] },
        'inputSchema must describe an object of arguments (type "object"), got type ["array","null"]',
      ],
      [
        {
          properties: { f: { anyOf: [{ type: "string" }, { type: "object", properties: ["a"] }] } },
        },
        'inputSchema.properties["f"].anyOf[1].properties must be an object, got an array',
      ],
      [{ oneOf: 5 }, "inputSchema.oneOf must be a list of schemas, got number"],
      [
        { properties: { a: { type: "array", items: 5 } } },
        'inputSchema.properties["a"].items must be a schema (an object), got number',
      ],
    ];
    for (const [schema, message] of deeper) {
      expect(refusal([tool({ inputSchema: { type: "object", ...schema } })])).toBe(
        `tools[0] (t): ${message}`,
      );
    }
    expect(
      refusal([
        tool({
          inputSchema: {
            type: "object",
            properties: { list: { type: "array", items: { type: "string", enum: ["a"] } } },
            required: ["list"],
            additionalProperties: false,
          },
        }),
      ]),
    ).toBe("accepted");
    // The runtime reads a keyword of null as one left out.
    expect(
      refusal([
        tool({
          inputSchema: {
            type: "object",
            properties: { a: { type: "string", enum: null } },
            required: null,
            additionalProperties: null,
          },
        }),
      ]),
    ).toBe("accepted");
    // An object among the types, or no type and a keyword by which the runtime reads an object,
    // is sent.
    for (const inputSchema of [
      { type: ["object"] },
      { properties: {} },
      { required: [], items: {} },
      { type: "object", $ref: "#/$defs/args", $defs: { args: { type: "object" } } },
      { type: "object", anyOf: null, enum: null },
    ]) {
      expect(refusal([tool({ inputSchema })])).toBe("accepted");
    }
    // The model's API refuses a choice at the root of a function's parameters, and a root the
    // runtime sends with no type.
    for (const [inputSchema, keyword] of [
      [{ anyOf: [{ type: "object" }], items: {} }, "anyOf"],
      [{ type: "object", oneOf: [{ type: "object" }] }, "oneOf"],
      [{ allOf: [{ type: "object" }], enum: [{}] }, "allOf"],
      [{ type: "object", enum: [{}] }, "enum"],
      [{ type: "object", const: {} }, "const"],
    ] as const) {
      expect(refusal([tool({ inputSchema })])).toBe(
        `tools[0] (t): inputSchema has "${keyword}" at its root, which the model's API refuses ` +
          "in a function's parameters (every turn of the thread would fail): make the arguments " +
          "an object, with the choice in one of its properties",
      );
    }
    expect(refusal([tool({ inputSchema: { type: ["object", "null"] } })])).toBe(
      'tools[0] (t): inputSchema must describe an object of arguments (type "object"), got type ' +
        '["object","null"]',
    );
    for (const inputSchema of [{}, { $ref: "#/$defs/args", $defs: { args: { type: "object" } } }]) {
      expect(refusal([tool({ inputSchema })])).toBe(
        'tools[0] (t): inputSchema must say it describes an object of arguments: without "type": ' +
          '"object" or properties, the runtime sends it with no type, which the model\'s API ' +
          'refuses (every turn of the thread would fail); write { "type": "object" } for a tool ' +
          "without arguments",
      );
    }
    // Without a type, the runtime reads one from the keywords, and sends that.
    for (const [inputSchema, read] of [
      [{ items: { type: "string" } }, 'an array, by its "items"'],
      [{ prefixItems: [] }, 'an array, by its "prefixItems"'],
      [{ enum: ["a"] }, 'a string, by its "enum"'],
      [{ const: "a" }, 'a string, by its "const"'],
      [{ format: "date" }, 'a string, by its "format"'],
      [{ minimum: 1 }, 'a number, by its "minimum"'],
    ] as const) {
      expect(refusal([tool({ inputSchema })])).toBe(
        `tools[0] (t): inputSchema must describe an object of arguments (type "object"): without a type, the runtime reads it as ${read}`,
      );
    }
    expect(refusal([tool({ description: null })])).toBe(
      "tools[0] (t): description must be a string, got null",
    );
    expect(refusal([tool({ inputSchema: null })])).toMatch(
      /^tools\[0\] \(t\): inputSchema must be/,
    );
    expect(refusal([tool({ description: "cut \ud800" })])).toMatch(
      /^tools\[0\] \(t\): description holds a lone surrogate/,
    );
    expect(refusal([tool({ description: 42 })])).toBe(
      "tools[0] (t): description must be a string, got number",
    );
    expect(refusal([tool({ inputSchema: "nope" })])).toBe(
      "tools[0] (t): inputSchema must be a JSON Schema object, got string",
    );
    expect(refusal([tool({ inputSchema: { max: 10n } })])).toBe(
      "tools[0] (t): inputSchema.max must be a JSON value, got bigint",
    );
    expect(refusal([tool({ handler: "no" })])).toBe(
      "tools[0] (t): handler must be a function, got string",
    );
    // Misspelt, the schema would be dropped and the model would call the tool with no arguments.
    expect(refusal([tool({ input_schema: { type: "object" } })])).toBe(
      'tools[0] (t) has no option "input_schema"; did you mean "inputSchema"?',
    );
    // eslint-disable-next-line no-sparse-arrays -- a hole is a missing tool
    expect(refusal([tool({}), , tool({ name: "u" })])).toBe(
      "tools[1] must be an object, got undefined",
    );
    expect(checkTools([tool({ name: "ok_name-1" })]).specs).toEqual([
      {
        type: "function",
        name: "ok_name-1",
        description: "",
        inputSchema: { type: "object", properties: {} },
      },
    ]);
    // As typed: description and inputSchema may be left out, and a JSON Schema typed by an
    // interface (what z.toJSONSchema gives) is a schema; a string is not.
    interface Schema {
      type: string;
      properties: Record<string, unknown>;
    }
    const schema: Schema = { type: "object", properties: { q: { type: "string" } } };
    const typed: DynamicTool[] = [
      { name: "bare", handler: () => 1 },
      { name: "described", description: "d", inputSchema: schema, handler: () => 1 },
    ];
    expect(
      checkTools(typed).specs.map((spec) => "inputSchema" in spec && spec.inputSchema),
    ).toEqual([{ type: "object", properties: {} }, schema]);
    // @ts-expect-error -- a JSON Schema is an object
    const stringly: DynamicTool = { name: "s", inputSchema: "string", handler: () => 1 };
    expect(refusal([stringly])).toBe(
      "tools[0] (s): inputSchema must be a JSON Schema object, got string",
    );
  });

  it("keeps each tool as checked, a field that is not enumerable or a getter's first value included", () => {
    const handler = () => "ok";
    const hidden = {};
    Object.defineProperty(hidden, "name", { value: "hidden" });
    Object.defineProperty(hidden, "handler", { value: handler });
    let reads = 0;
    const shifting = {
      get name() {
        return ++reads === 1 ? "first" : "later";
      },
      handler,
    };
    const { specs, tools } = checkTools([hidden, shifting]);
    expect(specs.map((spec) => spec.name)).toEqual(["hidden", "first"]);
    const bare = { description: "", inputSchema: { type: "object", properties: {} }, handler };
    expect(tools).toEqual([
      { name: "hidden", ...bare },
      { name: "first", ...bare },
    ]);
    expect(reads).toBe(1);
    // A handler written as a method sees the tool as checked as `this`.
    const method = {
      name: "m",
      description: "looks things up",
      handler(this: { description?: string }) {
        return this.description;
      },
    };
    const [kept] = checkTools([method]).tools;
    expect(kept!.handler.call(kept, {}, {} as never)).toBe("looks things up");
  });
});

/** An array with a gap before `item`, as `[, item]` writes it. */
function gapBefore(item: unknown): unknown[] {
  const list: unknown[] = new Array(2);
  list[1] = item;
  return list;
}

describe("ServerRequestDispatcher: answers checked against the wire types", () => {
  const request = (id: number, method: string, params: object = {}) => ({
    id,
    method,
    params: { threadId: "th", turnId: "turn-1", itemId: "i", ...params },
  });
  const COMMAND = "item/commandExecution/requestApproval";
  const PERMISSIONS = "item/permissions/requestApproval";

  it("sends the default, and reports why, when an inner field of a decision or grant is wrong", async () => {
    const cases: [method: string, answer: unknown, message: RegExp][] = [
      [
        COMMAND,
        { decision: { acceptWithExecpolicyAmendment: {} } },
        /decision\.acceptWithExecpolicyAmendment\.execpolicy_amendment must be an array of strings/,
      ],
      [
        COMMAND,
        {
          decision: {
            applyNetworkPolicyAmendment: {
              network_policy_amendment: { host: "example.com", action: "maybe" },
            },
          },
        },
        /network_policy_amendment\.action must be one of allow, deny, got "maybe"/,
      ],
      [COMMAND, { decision: { acceptWithExecpolicyAmendment: "ls" } }, /must be an object/],
      ["execCommandApproval", { decision: { denied: {} } }, /decision\.denied\.rejection/],
      [
        "applyPatchApproval",
        { decision: { approved_execpolicy_amendment: { proposed_execpolicy_amendment: [1] } } },
        /proposed_execpolicy_amendment must be an array of strings/,
      ],
      [PERMISSIONS, { permissions: { network: "yes" }, scope: "turn" }, /permissions\.network/],
      [
        PERMISSIONS,
        { permissions: { fileSystem: { write: "/tmp" } }, scope: "turn" },
        /permissions\.fileSystem\.write must be an array of strings/,
      ],
      [
        PERMISSIONS,
        {
          permissions: { fileSystem: { entries: [{ path: { type: "disk" }, access: "write" }] } },
          scope: "turn",
        },
        /permissions\.fileSystem\.entries\[0\]\.path\.type must be one of path, glob_pattern, special/,
      ],
      [
        PERMISSIONS,
        {
          permissions: { fileSystem: { entries: [{ path: { type: "path" }, access: "write" }] } },
          scope: "turn",
        },
        /entries\[0\]\.path\.path must be a string, got undefined/,
      ],
      // The runtime refuses a relative path it is granted, and ends the turn.
      [
        PERMISSIONS,
        { permissions: { fileSystem: { read: null, write: ["dist"] } }, scope: "turn" },
        /permissions\.fileSystem\.write\[0\] must be an absolute path, got "dist"/,
      ],
      [
        PERMISSIONS,
        { permissions: { fileSystem: { write: ["\\out"] } }, scope: "turn" },
        /permissions\.fileSystem\.write\[0\] must be an absolute path, got "\\\\out"/,
      ],
      [
        PERMISSIONS,
        { permissions: { fileSystem: { read: ["/srv", ""] } }, scope: "turn" },
        /permissions\.fileSystem\.read\[1\] must be an absolute path, got ""/,
      ],
      [
        PERMISSIONS,
        {
          permissions: {
            fileSystem: { entries: [{ path: { type: "path", path: "rel" }, access: "write" }] },
          },
          scope: "turn",
        },
        /entries\[0\]\.path\.path must be an absolute path, got "rel"/,
      ],
      [
        PERMISSIONS,
        { permissions: { fileSystem: { globScanMaxDepth: 0 } }, scope: "turn" },
        /globScanMaxDepth must be a positive integer/,
      ],
      // A misspelt kind, or a newer runtime's, would be dropped without a word.
      [
        PERMISSIONS,
        { permissions: { network: { enabled: true }, netwrok: { enabled: true } }, scope: "turn" },
        /^permissions holds "netwrok", a kind the runtime does not grant \(the kinds are network, fileSystem\), got an object with keys \[enabled\]$/,
      ],
      // So would a misspelt field of a kind, granting less than meant.
      [
        PERMISSIONS,
        { permissions: { fileSystem: { read: null, wirte: ["/srv/out"] } }, scope: "turn" },
        /^permissions\.fileSystem holds "wirte", a field it does not take \(the fields are read, write, globScanMaxDepth, entries\), got an array$/,
      ],
      [
        PERMISSIONS,
        { permissions: {}, scope: "turn", strictAutoReveiw: true },
        /^the answer holds "strictAutoReveiw", a field it does not take \(the fields are permissions, scope, strictAutoReview\), got true$/,
      ],
      // A misspelt subpath would grant every project root.
      [
        PERMISSIONS,
        {
          permissions: {
            fileSystem: {
              entries: [
                {
                  path: { type: "special", value: { kind: "project_roots", subpth: "docs" } },
                  access: "write",
                },
              ],
            },
          },
          scope: "turn",
        },
        /^permissions\.fileSystem\.entries\[0\]\.path\.value holds "subpth", a field it does not take \(the fields are kind, subpath\), got a string of 4 characters$/,
      ],
      [
        PERMISSIONS,
        {
          permissions: {
            fileSystem: {
              entries: [{ path: { type: "path", path: "/srv" }, access: "read", acces: "write" }],
            },
          },
          scope: "turn",
        },
        /entries\[0\] holds "acces", a field it does not take \(the fields are path, access\)/,
      ],
      [
        PERMISSIONS,
        { permissions: { network: { enabeld: true } }, scope: "turn" },
        /^permissions\.network holds "enabeld", a field it does not take \(the fields are enabled\), got true$/,
      ],
      // A gap in an array is no string and no entry: it would go out as null.
      [
        COMMAND,
        { decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: gapBefore("ls") } } },
        /execpolicy_amendment must be an array of strings/,
      ],
      [
        PERMISSIONS,
        { permissions: { fileSystem: { read: gapBefore("/tmp") } }, scope: "turn" },
        /permissions\.fileSystem\.read must be an array of strings/,
      ],
      [
        PERMISSIONS,
        {
          permissions: {
            fileSystem: {
              entries: gapBefore({ path: { type: "path", path: "/x" }, access: "read" }),
            },
          },
          scope: "turn",
        },
        /entries\[0\] must be an object, got undefined/,
      ],
    ];
    let answer: unknown;
    const { transport, turnEvents } = setup({
      approvals: {
        commandExecution: () => answer as never,
        permissions: () => answer as never,
        execCommand: () => answer as never,
        applyPatch: () => answer as never,
      },
    });
    for (const [i, [method, given]] of cases.entries()) {
      answer = given;
      transport.deliver(request(i, method));
      await transport.waitForSent(i + 1);
    }
    const results = (transport.sent as { result: unknown }[]).map((reply) => reply.result);
    expect(results).toEqual(cases.map(([method]) => DEFAULT_ANSWERS[method as DefaultedMethod]));
    const messages = turnEvents
      .filter((e) => e.method === "client/handlerError")
      .map((e) => (e.params as { message: string }).message);
    expect(messages).toHaveLength(cases.length);
    cases.forEach(([, , message], i) => expect(messages[i]).toMatch(message));
  });

  it("grants with acceptAll() every kind asked for that the pinned runtime grants, and no other", async () => {
    const { transport, turnEvents } = setup({ approvals: approvalPolicies.acceptAll() });
    const asked = { network: { enabled: true }, fileSystem: null, futureKind: { hosts: ["a"] } };
    transport.deliver(request(1, PERMISSIONS, { permissions: asked }));
    expect(await transport.waitForSent(1)).toEqual({
      id: 1,
      result: { permissions: { network: { enabled: true } }, scope: "turn" },
    });
    expect(turnEvents.filter((e) => e.method === "client/handlerError")).toEqual([]);
  });

  it("grants with acceptAll() the parts it knows, leaving out one holding a newer runtime's field", async () => {
    const { transport, turnEvents } = setup({ approvals: approvalPolicies.acceptAll() });
    // `hosts` may narrow the network asked for: granted without it, the grant would be wider.
    const fileSystem = { read: ["/tmp"], write: null };
    const cases = [
      { network: { enabled: true, hosts: ["example.com"] }, fileSystem },
      { network: { enabled: true }, fileSystem: { ...fileSystem, entries: [{ path: {}, at: 1 }] } },
      { fileSystem: { ...fileSystem, mode: "overlay" } },
    ];
    for (const [i, permissions] of cases.entries()) {
      transport.deliver(request(i, PERMISSIONS, { permissions }));
    }
    await transport.waitForSent(cases.length);
    const replies = [...(transport.sent as { id: number; result: unknown }[])];
    expect(replies.sort((a, b) => a.id - b.id).map((reply) => reply.result)).toEqual([
      { permissions: { fileSystem }, scope: "turn" },
      { permissions: { network: { enabled: true } }, scope: "turn" },
      { permissions: {}, scope: "turn" },
    ]);
    expect(turnEvents.filter((e) => e.method === "client/handlerError")).toEqual([]);
  });

  it("sends a valid decision or grant as a copy of its wire fields", async () => {
    let answer: unknown;
    const { transport, turnEvents } = setup({
      approvals: {
        commandExecution: () => answer as never,
        permissions: () => answer as never,
        execCommand: () => answer as never,
      },
    });
    const send = async (id: number, method: string, given: unknown) => {
      answer = given;
      transport.deliver(request(id, method));
      return ((await transport.waitForSent(id + 1)) as { result: unknown }).result;
    };
    const amendment = { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["git", "log"] } };
    expect(await send(0, COMMAND, { decision: amendment })).toEqual({ decision: amendment });
    const denied = { denied: { rejection: "not now", note: "dropped" } };
    expect(await send(1, "execCommandApproval", { decision: denied })).toEqual({
      decision: { denied: { rejection: "not now" } },
    });
    const grant = await send(2, PERMISSIONS, {
      scope: "session",
      permissions: {
        network: null,
        fileSystem: {
          write: ["/tmp/out", "C:\\out"],
          entries: [
            { path: { type: "special", value: { kind: "project_roots" } }, access: "read" },
            { path: { type: "glob_pattern", pattern: "**/*.log" }, access: "deny" },
          ],
        },
      },
    });
    expect(grant).toEqual({
      scope: "session",
      permissions: {
        fileSystem: {
          read: null,
          write: ["/tmp/out", "C:\\out"],
          entries: [
            {
              path: { type: "special", value: { kind: "project_roots", subpath: null } },
              access: "read",
            },
            { path: { type: "glob_pattern", pattern: "**/*.log" }, access: "deny" },
          ],
        },
      },
    });
    // No review asked for: left out, as a null one is.
    const unreviewed = { permissions: {}, scope: "turn", strictAutoReview: null };
    expect(await send(3, PERMISSIONS, unreviewed)).toEqual({ permissions: {}, scope: "turn" });
    expect(turnEvents.filter((e) => e.method === "client/handlerError")).toEqual([]);
  });

  it("holds a grant's paths to the server's platform", async () => {
    let answer: unknown;
    const grant = (write: string[]) => ({ permissions: { fileSystem: { write } }, scope: "turn" });
    for (const [platformFamily, good, bad] of [
      ["unix", "/srv/out", "C:\\out"],
      ["windows", "C:\\out", "/srv/out"],
      ["windows", "\\\\host\\share\\out", "\\out"],
    ] as const) {
      const { transport, turnEvents } = setup(
        { approvals: { permissions: () => answer as never } },
        { platformFamily },
      );
      answer = grant([good]);
      transport.deliver(request(0, PERMISSIONS));
      expect(((await transport.waitForSent(1)) as { result: unknown }).result).toMatchObject({
        permissions: { fileSystem: { write: [good] } },
      });
      answer = grant([bad]);
      transport.deliver(request(1, PERMISSIONS));
      expect(((await transport.waitForSent(2)) as { result: unknown }).result).toEqual(
        DEFAULT_ANSWERS[PERMISSIONS],
      );
      const errors = turnEvents.filter((e) => e.method === "client/handlerError");
      expect(errors.map((e) => (e.params as { message: string }).message)).toEqual([
        expect.stringContaining("permissions.fileSystem.write[0] must be an absolute path"),
      ]);
    }
  });

  it("sends the user's answers as a copy of their wire fields, reading each value once", async () => {
    let reads = 0;
    const answers: Record<string, unknown> = {
      q1: { answers: ["a"], note: "dropped" },
      // Left undefined: not answered, as JSON would leave it out, and q1 is kept.
      q2: undefined,
      ["__proto__"]: { answers: ["b"] },
    };
    Object.defineProperty(answers, "q3", {
      enumerable: true,
      get: () => (reads++ === 0 ? { answers: ["c"] } : 42),
    });
    let answer: unknown = { answers, apiKey: "dropped too" };
    const { transport, turnEvents } = setup({ onUserInput: () => answer as never });
    const questions = ["q1", "q2", "q3", "__proto__", "q"].map((id) => ({ id }));
    const input = (id: number) => request(id, "item/tool/requestUserInput", { questions });
    transport.deliver(input(0));
    const sent = (await transport.waitForSent(1)) as { result: { answers: object } };
    expect(JSON.stringify(sent.result)).toBe(
      '{"answers":{"q1":{"answers":["a"]},"__proto__":{"answers":["b"]},"q3":{"answers":["c"]}}}',
    );
    expect(reads).toBe(1);
    // A gap in a list of answers is no answer: the default goes out, and why is told.
    answer = { answers: { q: { answers: gapBefore("yes") } } };
    transport.deliver(input(1));
    expect(await transport.waitForSent(2)).toEqual({ id: 1, result: { answers: {} } });
    const reported = turnEvents.filter((e) => e.method === "client/handlerError");
    expect(reported.map((e) => (e.params as { message: string }).message)).toEqual([
      expect.stringMatching(/answers\["q"\]\.answers must be an array of strings/),
    ]);
  });

  it("names a misshapen answer to the user's questions by its shape, never its text", async () => {
    // A question may be one the runtime marks `isSecret` (a password): the client is not told.
    const secret = "hunter2-correct-horse-battery-staple";
    let answer: unknown;
    const { transport, turnEvents } = setup({ onUserInput: () => answer as never });
    const shapes = [secret, { answers: { pw: secret } }, { answers: { pw: { answers: secret } } }];
    for (const [i, shape] of shapes.entries()) {
      answer = shape;
      transport.deliver(request(i, "item/tool/requestUserInput", { questions: [] }));
      expect(await transport.waitForSent(i + 1)).toEqual({ id: i, result: { answers: {} } });
    }
    const reported = turnEvents.filter((e) => e.method === "client/handlerError");
    expect(reported.map((e) => (e.params as { message: string }).message)).toEqual([
      "the answer must be { answers: {...} }, got a string of 36 characters",
      'answers["pw"] must be { answers: string[] }, got a string of 36 characters',
      'answers["pw"].answers must be an array of strings, got a string of 36 characters',
    ]);
    expect(JSON.stringify(turnEvents)).not.toContain(secret);
  });

  it("takes form data typed by an interface as an elicitation's content, and refuses what JSON cannot encode", async () => {
    interface Profile {
      name: string;
      age: number;
    }
    const profile: Profile = { name: "Ada", age: 36 };
    const { transport } = setup({
      onElicitation: (params) =>
        params.serverName === "bad"
          ? { action: "accept", content: { big: 1n } }
          : { action: "accept", content: profile },
    });
    transport.deliver(request(0, "mcpServer/elicitation/request", { serverName: "s" }));
    expect(await transport.waitForSent(1)).toEqual({
      id: 0,
      result: { action: "accept", content: { name: "Ada", age: 36 }, _meta: null },
    });
    transport.deliver(request(1, "mcpServer/elicitation/request", { serverName: "bad" }));
    const refused = (await transport.waitForSent(2)) as { result?: { action?: string } };
    // Not sent as given: the check's refusal falls back to the safe answer.
    expect(refused.result?.action).toBe("cancel");
  });

  it("refuses an elicitation's content that JSON would send empty or that is no object", async () => {
    const answers: unknown[] = [
      { action: "accept", content: new Map([["name", "Ada"]]) },
      { action: "accept", content: { tags: new Set(["a"]) } },
      { action: "accept", content: ["Ada"] },
      { action: "accept", _meta: "note" },
      { action: "accept", content: new URLSearchParams("name=Ada") },
      { action: "accept", content: { toJSON: () => "Ada" } },
    ];
    let next = 0;
    const { transport } = setup({ onElicitation: () => answers[next++] as never });
    for (let id = 0; id < answers.length; id++) {
      transport.deliver(request(id, "mcpServer/elicitation/request", { serverName: "s" }));
      const sent = (await transport.waitForSent(id + 1)) as { result?: { action?: string } };
      expect(sent.result?.action, `answer ${id}`).toBe("cancel");
    }
  });

  it("sends the default for an elicitation's answer with a field it does not take, which would be lost", async () => {
    const { transport, turnEvents } = setup({
      onElicitation: () => ({ action: "accept", conten: { name: "x" } }) as never,
    });
    transport.deliver(request(0, "mcpServer/elicitation/request", { serverName: "s" }));
    expect(await transport.waitForSent(1)).toEqual({
      id: 0,
      result: { action: "cancel", content: null, _meta: null },
    });
    const failed = turnEvents.filter((e) => e.method === "client/handlerError");
    expect(failed.map((e) => (e.params as { message: string }).message)).toEqual([
      expect.stringMatching(
        /the answer holds "conten", a field it does not take \(the fields are action, content, _meta\), got an object with keys \[name\]$/,
      ),
    ]);
  });

  it("sends an MCP tool call's approval to approvals.mcpToolCall, any other elicitation to onElicitation", async () => {
    const seen: string[] = [];
    const { transport } = setup({
      approvals: {
        mcpToolCall: () => {
          seen.push("mcpToolCall");
          return { action: "accept", content: {} };
        },
      },
      onElicitation: () => {
        seen.push("onElicitation");
        return { action: "decline" };
      },
    });
    const approval = { codex_approval_kind: "mcp_tool_call", tool_name: "deploy" };
    const ask = (id: number, meta: unknown, form: object = APPROVAL_FORM) =>
      transport.deliver(
        request(id, "mcpServer/elicitation/request", { serverName: "s", ...form, _meta: meta }),
      );
    ask(0, approval);
    ask(1, { codex_approval_kind: "tool_suggestion" });
    ask(2, null);
    // The marker in an MCP server's own question, which the runtime passes on as it is: a page to
    // open, or a form that asks for something, is never a tool call's approval.
    ask(3, approval, { mode: "url", url: "https://shop.example/pay", elicitationId: "e1" });
    ask(4, approval, {
      mode: "form",
      requestedSchema: { type: "object", properties: { card: { type: "string" } } },
    });
    await transport.waitForSent(5);
    const actions = (transport.sent as { id: number; result: { action: string } }[])
      .sort((a, b) => a.id - b.id)
      .map((reply) => reply.result.action);
    expect(actions).toEqual(["accept", "decline", "decline", "decline", "decline"]);
    expect(seen.sort()).toEqual([
      "mcpToolCall",
      "onElicitation",
      "onElicitation",
      "onElicitation",
      "onElicitation",
    ]);
    // The client's mcpToolCall answers before a thread's onElicitation (which is for forms).
    const outer = setup({ approvals: approvalPolicies.acceptAll() });
    outer.dispatcher.addToThread("th", { onElicitation: () => ({ action: "decline" }) }, undefined);
    outer.transport.deliver(
      request(0, "mcpServer/elicitation/request", {
        serverName: "s",
        ...APPROVAL_FORM,
        _meta: { codex_approval_kind: "mcp_tool_call" },
      }),
    );
    outer.transport.deliver(request(1, "mcpServer/elicitation/request", { serverName: "s" }));
    await outer.transport.waitForSent(2);
    expect(
      (outer.transport.sent as { id: number; result: { action: string } }[])
        .sort((a, b) => a.id - b.id)
        .map((reply) => reply.result.action),
    ).toEqual(["accept", "decline"]);
    expect(approvalPolicies.declineAll().mcpToolCall!({} as never, {} as never)).toMatchObject({
      action: "cancel",
    });
  });

  it("names a form answer that is no object by its shape, never the text a user typed", async () => {
    const typed = "hunter2-correct-horse";
    const answers: unknown[] = [
      { action: "accept", content: typed },
      { action: "accept", content: { toJSON: () => typed } },
      { action: "accept", _meta: typed },
    ];
    let next = 0;
    const { log, entries } = captureLog();
    const { transport, turnEvents } = setup(
      { onElicitation: () => answers[next++] as never },
      { log },
    );
    for (let id = 0; id < answers.length; id++) {
      transport.deliver(request(id, "mcpServer/elicitation/request", { serverName: "s" }));
      await transport.waitForSent(id + 1);
    }
    const messages = turnEvents
      .filter((e) => e.method === "client/handlerError")
      .map((e) => (e.params as { message: string }).message);
    expect(messages).toEqual([
      expect.stringMatching(/content must be a plain object, got a string of 21 characters$/),
      expect.stringMatching(/content must be encoded as a JSON object, got a string of 21/),
      expect.stringMatching(/_meta must be a plain object, got a string of 21 characters$/),
    ]);
    expect(entries.filter((entry) => entry.level === "warn")).toHaveLength(3);
    const logged = entries.map(({ message, detail }) => `${message} ${String(detail)}`);
    expect(JSON.stringify([messages, logged])).not.toContain(typed);
  });

  it("sends an elicitation's content as it reads once, whatever its getters do after", async () => {
    let reads = 0;
    const content = {};
    Object.defineProperty(content, "name", {
      enumerable: true,
      get: () => {
        if (reads++ > 0) throw new Error("read twice");
        return "Ada";
      },
    });
    const { transport } = setup({ onElicitation: () => ({ action: "accept", content }) });
    transport.deliver(request(0, "mcpServer/elicitation/request", { serverName: "s" }));
    expect(await transport.waitForSent(1)).toEqual({
      id: 0,
      result: { action: "accept", content: { name: "Ada" }, _meta: null },
    });
  });

  it("reports a tool output with a gap as a failed call", async () => {
    const { transport, dispatcher } = setup();
    dispatcher.addToThread("th", undefined, [
      {
        name: "gap",
        description: "",
        inputSchema: { type: "object" },
        handler: () => gapBefore({ type: "inputText", text: "x" }),
      },
    ]);
    transport.deliver(toolCall(1, "gap"));
    expect(await transport.waitForSent(1)).toEqual({
      id: 1,
      result: {
        success: false,
        contentItems: [
          { type: "inputText", text: expect.stringMatching(/tool output item 0 must have type/) },
        ],
      },
    });
  });

  it("says, of a tool output that is a list of results, what an array is read as and how to send data", async () => {
    const { transport, dispatcher } = setup();
    const [name] = callToolsReturning({ transport, dispatcher }, { search: [{ id: 1 }] });
    expect(await transport.waitForSent(1)).toMatchObject({
      result: {
        success: false,
        contentItems: [
          {
            text:
              `tool ${name} failed: tool output item 0 must have type inputText, inputImage, ` +
              'inputAudio (an array is read as content items, { type: "inputText", text } and ' +
              "the like; to send a list as data, return an object holding it, or its JSON text), " +
              "got an object with keys [id]",
          },
        ],
      },
    });
  });

  it("answers each request with a default of its own: one changed elsewhere changes no answer", async () => {
    const { transport, turnEvents } = setup({
      approvals: {
        commandExecution: () => {
          throw new Error("no");
        },
      },
    });
    const declined = approvalPolicies.declineAll().commandExecution!({} as never, {} as never) as {
      decision: unknown;
    };
    declined.decision = "accept";
    transport.deliver(approval(1));
    await transport.waitForSent(1);
    const reported = turnEvents.find((e) => e.method === "client/handlerError")!;
    (reported.params as { answer: { decision: unknown } }).answer.decision = "accept";
    transport.deliver(approval(2));
    expect(await transport.waitForSent(2)).toEqual({ id: 2, result: { decision: "decline" } });
    expect(transport.sent[0]).toEqual({ id: 1, result: { decision: "decline" } });
  });
});

describe("approvalPolicies.acceptAll and declineAll", () => {
  it("give every kind, each callable from a handler of one's own without a check", async () => {
    const context = {} as never;
    const accepting = approvalPolicies.acceptAll();
    const declining = approvalPolicies.declineAll();
    const kinds = Object.keys(accepting).sort();
    expect(Object.keys(declining).sort()).toEqual(kinds);
    expect(kinds).toEqual(
      Object.keys({
        commandExecution: 0,
        fileChange: 0,
        permissions: 0,
        execCommand: 0,
        applyPatch: 0,
        mcpToolCall: 0,
      } satisfies Record<keyof ApprovalHandlers, 0>).sort(),
    );
    // Typed as given: no `!` before the call.
    expect(await accepting.fileChange({} as never, context)).toEqual({ decision: "accept" });
    expect(await declining.fileChange({} as never, context)).toEqual({ decision: "decline" });
    expect(await accepting.execCommand({} as never, context)).toEqual({ decision: "approved" });
  });
});

describe("approvalPolicies.allowCommands", () => {
  const params = (...commands: string[]) =>
    ({
      command: `/bin/bash -lc '${commands.join(" && ")}'`,
      commandActions: commands.map((command) => ({ type: "unknown", command })),
    }) as unknown as CommandExecutionRequestApprovalParams;
  const decide = (
    rules: Parameters<typeof approvalPolicies.allowCommands>[0],
    p: CommandExecutionRequestApprovalParams,
  ) =>
    (
      approvalPolicies.allowCommands(rules).commandExecution(p, {} as never) as {
        decision: string;
      }
    ).decision;

  it("accepts commands whose every part matches, and declines the rest", () => {
    expect(decide(["git status"], params("git status -s"))).toBe("accept");
    expect(decide(["git status"], params("git status", "rm -rf /"))).toBe("decline");
    expect(decide(["git"], params("gitx"))).toBe("decline");
    expect(decide([/^npm (test|run lint)$/], params("npm test"))).toBe("accept");
  });

  it("judges commands to run only: input for a running one, or a newer runtime's kind, is declined", () => {
    const of = (kind: string | undefined) =>
      ({ ...params("python3"), kind }) as CommandExecutionRequestApprovalParams;
    const always = () => true;
    for (const kind of [undefined, "command", "humanCommand"]) {
      expect(decide(["python3"], of(kind)), String(kind)).toBe("accept");
    }
    // The rules see the running command, never the input that would go to it.
    for (const kind of ["writeStdin", "futureKind"]) {
      expect(decide(["python3", /.*/, always], of(kind)), kind).toBe("decline");
    }
  });

  it("never lets a string rule match a command with shell operators", () => {
    expect(decide(["echo"], params("echo hi; rm -rf /"))).toBe("decline");
    expect(decide(["echo"], params("echo $(whoami)"))).toBe("decline");
  });

  it("lets a string rule match plain words only: no expansion, glob, escape or other character", () => {
    expect(decide(["git log"], params(`git log --format='%h %s' -n 5 -- src/a_b.ts`))).toBe(
      "accept",
    );
    for (const command of [
      // Each runs the `$(...)` stored, escaped, in a variable: no `$(` or backtick is written.
      "git status ${x:=\\$\\(touch\\ pwned\\)} ${x@P}",
      "git status ${y:=a[\\$\\(touch\\ pwned\\)]} ${!y}",
      "git status ${z:=a[\\$\\(touch\\ pwned\\)]} $[z]",
      "git status $HOME",
      "git status ~/x",
      "git status *",
      "git status a?",
      "git status [ab]",
      "git status {a,b}",
      "git status # comment",
      "git status\tx",
      "git status caf\u00e9",
      "git status \\x",
      "git status !x",
    ]) {
      expect(decide(["git status"], params(command)), command).toBe("decline");
      // Judged whole, as the server's parse may not show what it runs.
      expect(commandsOf(params(command))).toEqual([command]);
    }
  });

  it("compares a string rule as text: the same words spaced or quoted otherwise are declined", () => {
    expect(decide(["git status"], params("git status -s"))).toBe("accept");
    for (const command of ["git  status", "git 'status'", 'git "status"', "git statusx"]) {
      expect(decide(["git status"], params(command)), command).toBe("decline");
    }
  });

  it("takes off only the wrapper of a shell of the system's own", () => {
    const raw = (command: string) => ({ command }) as CommandExecutionRequestApprovalParams;
    for (const shell of [
      "/bin/bash -lc",
      "/usr/bin/bash -lc",
      "bash -c",
      "/bin/sh -c",
      "zsh -lc",
    ]) {
      expect(decide(["git status"], raw(`${shell} 'git status'`)), shell).toBe("accept");
    }
    for (const shell of ["./bash -lc", "/tmp/evil/sh -c", "bin/bash -lc"]) {
      expect(decide(["git status"], raw(`${shell} 'git status'`)), shell).toBe("decline");
    }
  });

  it("judges a command whole when its parsed commands have a hole", () => {
    const holed = {
      command: "/bin/bash -lc 'ls; rm -rf /tmp/x'",
      // eslint-disable-next-line no-sparse-arrays -- a JavaScript caller's list can have one
      commandActions: [, { type: "unknown", command: "ls" }],
    } as unknown as CommandExecutionRequestApprovalParams;
    expect(commandsOf({ ...holed, command: "" })).toEqual([]);
    expect(decide(["ls"], { ...holed, command: "ls" })).toBe("accept");
    expect(commandsOf({ ...holed, command: "/bin/bash -lc 'ls x'" })).toEqual(["ls x"]);
  });

  it("reads the parsed commands, not the shell wrapper", () => {
    expect(commandsOf(params("ls -la"))).toEqual(["ls -la"]);
    const raw = (command: string) => ({ command }) as CommandExecutionRequestApprovalParams;
    expect(commandsOf(raw("/bin/bash -lc 'git status'"))).toEqual(["git status"]);
    expect(commandsOf(raw(`/bin/bash -lc "echo 'a'"`))).toEqual([`/bin/bash -lc "echo 'a'"`]);
    expect(commandsOf(raw(""))).toEqual([]);
    // Unquoted, as the runtime writes a word that needs no quoting.
    expect(commandsOf(raw("/bin/bash -lc pwd"))).toEqual(["pwd"]);
    expect(commandsOf(raw("/bin/bash -lc ./build.sh"))).toEqual(["./build.sh"]);
    expect(decide(["pwd"], raw("/bin/bash -lc pwd"))).toBe("accept");
    // Not a word of those characters: judged as written.
    for (const command of ["/bin/bash -lc pwd;ls", "/bin/bash -lc $HOME", "/bin/bash -lc a b"]) {
      expect(commandsOf(raw(command))).toEqual([command]);
    }
  });

  it("judges a command whole when its parsed commands are not all there, and names bad params", () => {
    const command = "/bin/bash -lc 'rm -rf /tmp/x'";
    for (const commandActions of ["rm", [null], [{ type: "unknown" }], [{ command: 5 }]]) {
      const odd = { command, commandActions } as unknown as CommandExecutionRequestApprovalParams;
      expect(commandsOf(odd)).toEqual(["rm -rf /tmp/x"]);
      expect(decide(["rm -rf /tmp/x"], odd)).toBe("accept");
      expect(decide(["rm"], { ...odd, command: "" })).toBe("decline");
    }
    for (const bad of [undefined, null, "ls"]) {
      expect(() => commandsOf(bad as never)).toThrow(
        /^params must be a command approval request's params, got /,
      );
    }
  });

  it("judges a pipeline whole, as the server's parse drops its tail", () => {
    // What the runtime sends for `ls | tee out.txt`: one parsed action, `ls`.
    const piped = {
      command: "/bin/bash -lc 'ls | tee out.txt'",
      commandActions: [{ type: "listFiles", command: "ls", path: null }],
    } as unknown as CommandExecutionRequestApprovalParams;
    expect(commandsOf(piped)).toEqual(["ls | tee out.txt"]);
    expect(decide(["ls"], piped)).toBe("decline");
    expect(decide([/^ls/], piped)).toBe("accept");
    expect(decide([/^ls$/], piped)).toBe("decline");
  });

  it("refuses, when built, a list that is not one of rules, naming the bad rule", () => {
    const build = (allow: unknown) => () => approvalPolicies.allowCommands(allow as never);
    expect(build("git status")).toThrow(
      new TypeError(
        'approvalPolicies.allowCommands: allow must be an array of rules, got "git status"',
      ),
    );
    expect(build(null)).toThrow(/allow must be an array of rules, got null/);
    expect(build([42])).toThrow(
      new TypeError(
        "approvalPolicies.allowCommands: allow[0] must be a non-empty string, a RegExp or a function, got 42",
      ),
    );
    expect(build(["ls", null])).toThrow(/allow\[1\] must be .+, got null/);
    expect(build(["ls", ""])).toThrow(/allow\[1\] must be a non-empty string/);
    // eslint-disable-next-line no-sparse-arrays -- a hole is a missing rule
    expect(build(["ls", , "pwd"])).toThrow(/allow\[1\] .+, got undefined/);
    // A string rule no plain command can match.
    expect(build(["ls", "cat ~/notes"])).toThrow(
      new TypeError(
        'approvalPolicies.allowCommands: allow[1] ("cat ~/notes") holds a character no plain ' +
          "command has: a string rule is letters, digits, spaces and _ . / , : = @ % + - ' \"; " +
          "use a RegExp or a function",
      ),
    );
  });

  it("answers the same command the same way every time, whatever the RegExp's flags", () => {
    const policy = approvalPolicies.allowCommands([/^git status/g, /^npm test$/y]);
    const decisions = ["git status", "git status", "npm test", "npm test"].map(
      (command) =>
        (policy.commandExecution(params(command), {} as never) as { decision: string }).decision,
    );
    expect(decisions).toEqual(["accept", "accept", "accept", "accept"]);
  });

  it("accepts through a function rule only when it returns true", () => {
    expect(decide([(command) => command === "ls"], params("ls"))).toBe("accept");
    expect(decide([() => "yes"] as never, params("ls"))).toBe("decline");
  });

  it("awaits a rule's promise, in order, stopping at each command's first match", async () => {
    const asked: string[] = [];
    const rule = (name: string, answer: (command: string) => boolean, async: boolean) => {
      return (command: string) => {
        asked.push(`${name}:${command}`);
        return async ? Promise.resolve(answer(command)) : answer(command);
      };
    };
    const policy = approvalPolicies.allowCommands([
      rule("sync", (command) => command === "ls", false),
      rule("async", (command) => command.startsWith("git "), true),
      rule("last", () => false, false),
    ]);
    // Plain words, so the server's parse into three commands is taken.
    const parsed = (...commands: string[]) =>
      ({
        command: commands.join(" "),
        commandActions: commands.map((command) => ({ type: "unknown", command })),
      }) as unknown as CommandExecutionRequestApprovalParams;
    const answer = policy.commandExecution(parsed("ls", "git log", "pwd"), {} as never);
    expect(answer).toBeInstanceOf(Promise);
    expect(await answer).toEqual({ decision: "decline" });
    expect(asked).toEqual([
      "sync:ls",
      "sync:git log",
      "async:git log",
      "sync:pwd",
      "async:pwd",
      "last:pwd",
    ]);
    const accepted = policy.commandExecution(parsed("git log", "ls"), {} as never);
    expect(await accepted).toEqual({ decision: "accept" });
    // Only true accepts: a promise of another truthy value does not.
    const truthy = approvalPolicies.allowCommands([async () => "yes"] as never);
    expect(await truthy.commandExecution(params("ls"), {} as never)).toEqual({
      decision: "decline",
    });
  });

  it("declines, and reports, a command whose async rule rejects, leaving no rejection unhandled", async () => {
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      const { transport, turnEvents } = setup({
        approvals: approvalPolicies.allowCommands([
          async (command) => {
            throw new Error(`allow-list service down for ${command}`);
          },
        ]),
      });
      transport.deliver(approval(9));
      expect(await transport.waitForSent(1)).toEqual({ id: 9, result: { decision: "decline" } });
      const failure = turnEvents.find((e) => e.method === "client/handlerError");
      expect((failure?.params as { message: string }).message).toMatch(
        /allow-list service down for ls/,
      );
      // A turn of the event loop, for Node to report a rejection left unhandled.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off("unhandledRejection", unhandled);
    }
  });
});

function unreadableMessage(): Error {
  const error = new Error("x");
  Object.defineProperty(error, "message", {
    get() {
      throw new Error("getter");
    },
  });
  return error;
}

describe("server request handlers that throw odd values", () => {
  it("answer with the default and report client/handlerError, whatever was thrown", async () => {
    const thrown: unknown[] = [
      Object.create(null),
      {
        toString(): string {
          throw new Error("nope");
        },
      },
      unreadableMessage(),
    ];
    let next = 0;
    const { transport, turnEvents } = setup({
      approvals: {
        commandExecution: () => {
          throw thrown[next++];
        },
      },
    });
    for (const id of [1, 2, 3]) {
      transport.deliver(approval(id));
      expect(await transport.waitForSent(id)).toEqual({ id, result: { decision: "decline" } });
    }
    const failures = turnEvents.filter((e) => e.method === "client/handlerError");
    expect(failures.map((e) => (e.params as { message: string }).message)).toEqual([
      "an error that cannot be read",
      "an error that cannot be read",
      "an error that cannot be read",
    ]);
  });

  it("answer with -32603 when the handler has no default and its error's code cannot be read", async () => {
    const { transport } = setup({
      onChatgptTokenRefresh: () => {
        throw {
          message: "refresh failed",
          get code(): number {
            throw new Error("code is not available");
          },
        };
      },
    });
    transport.deliver({ id: 5, method: "account/chatgptAuthTokens/refresh", params: {} });
    expect(await transport.waitForSent(1)).toEqual({
      id: 5,
      error: { code: -32603, message: "refresh failed" },
    });
  });
});

describe("a request of a review's running turn", () => {
  // As setup() wires them, without a turn bound.
  const wired = (options: ServerRequestOptions) => {
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    const router = new Router(connection);
    const dispatcher = new ServerRequestDispatcher(router, options);
    connection.setServerRequestHandler(dispatcher.handle);
    return { transport, router, dispatcher };
  };
  const approvalIn = (id: number, turnId: string) => ({
    id,
    method: "item/commandExecution/requestApproval",
    params: { threadId: "th-r", turnId, itemId: "i", command: "ls", commandActions: [] },
  });
  const runningStarted = {
    method: "turn/started",
    params: { threadId: "th-r", turn: { id: "run-1", rootTurnId: "review-1" } },
  };
  const ended = (id: string) => ({
    method: "turn/completed",
    params: { threadId: "th-r", turn: { id, status: "interrupted", items: [] } },
  });

  it("is withdrawn by the review's end while it waits for a resume's handlers", async () => {
    const asked: string[] = [];
    const { transport, router, dispatcher } = wired({
      approvals: { commandExecution: () => (asked.push("client"), new Promise(() => {})) },
    });
    const review = { push: (n: RawNotification) => n.method === "turn/completed", fail: () => {} };
    dispatcher.setTurnHandlers("review-1", { approvals: approvalPolicies.acceptAll() });
    takeSlot(router, "th-r").bind("review-1", review, { childStart: true });
    transport.deliver(runningStarted);
    const endResume = router.holdRequests("th-r");
    transport.deliver(approvalIn(8, "run-1"));
    transport.deliver(ended("review-1"));
    endResume();
    expect(await transport.waitForSent(1)).toEqual({ id: 8, result: { decision: "decline" } });
    expect(asked).toEqual([]);
    expect(dispatcher.stats).toMatchObject({ inflight: 0, turnHandlers: 0 });
  });

  it("leaves no turn waiting for its answers once answered, handed on to the review", async () => {
    const { transport, router, dispatcher } = wired({ approvals: approvalPolicies.declineAll() });
    const slot = takeSlot(router, "th-r");
    transport.deliver(runningStarted);
    transport.deliver(approvalIn(8, "run-1"));
    await Promise.resolve();
    // Left, then a completion naming the running turn: it waits for the request's answer.
    router.setSubscribed("th-r", false);
    transport.deliver(ended("run-1"));
    dispatcher.setTurnHandlers("review-1", { approvals: approvalPolicies.acceptAll() });
    const sink = { push: () => false, fail: () => dispatcher.endTurn("review-1") };
    expect(slot.bind("review-1", sink, { childStart: true })).toBe("ended");
    expect(await transport.waitForSent(1)).toEqual({ id: 8, result: { decision: "accept" } });
    await vi.waitFor(() => expect(dispatcher.stats.inflight).toBe(0));
    expect(dispatcher.stats).toMatchObject({ turnHandlers: 0, lingering: 0 });
  });
});

describe("tools whose arguments a schema object checks (input)", () => {
  const refusal = (tool: object) => {
    try {
      checkTools([{ name: "t", handler: () => 1, ...tool }]);
    } catch (err) {
      return (err as Error).message;
    }
    return "accepted";
  };

  it("sends the schema's JSON Schema as the tool's, checked as one given would be", () => {
    const { specs } = checkTools([
      defineTool({
        name: "weather",
        input: z.object({ city: z.string(), days: z.number().int().optional() }),
        handler: ({ city }) => city,
      }),
    ]);
    expect(specs[0]).toMatchObject({
      name: "weather",
      inputSchema: {
        type: "object",
        properties: { city: { type: "string" }, days: { type: "integer" } },
        required: ["city"],
      },
    });
    expect(refusal({ input: z.string() })).toBe(
      'tools[0] (t): input (as JSON Schema) must describe an object of arguments (type "object"), ' +
        'got type "string"',
    );
  });

  it("refuses, before any I/O, what is no schema object, or gives no JSON Schema, or comes with inputSchema", () => {
    expect(refusal({ input: z.object({}), inputSchema: { type: "object" } })).toBe(
      "tools[0] (t): give input (a schema object) or inputSchema (JSON Schema), not both",
    );
    expect(refusal({ input: { type: "object" } })).toBe(
      "tools[0] (t): input must be a Standard Schema v1 (a zod 4 schema, for example), got a " +
        "plain object: give a JSON Schema as inputSchema",
    );
    const validateOnly = { "~standard": { version: 1, vendor: "mine", validate: () => ({}) } };
    expect(refusal({ input: validateOnly })).toBe(
      'tools[0] (t): input: this "mine" schema cannot give its JSON Schema (no ' +
        "~standard.jsonSchema); use zod 4.2+, ArkType 2.1.28+, Valibot through " +
        "toStandardJsonSchema(), or give JSON Schema as inputSchema",
    );
    // A date has no JSON Schema: zod says so, and so does the message.
    expect(refusal({ input: z.object({ when: z.date() }) })).toMatch(
      /^tools\[0\] \(t\): input: the schema cannot give its JSON Schema: .*Date/,
    );
  });

  it("hands the handler what the schema validates the arguments to, the tool as `this`", async () => {
    const { transport, dispatcher } = setup();
    const seen: unknown[] = [];
    const { tools } = checkTools([
      {
        name: "shout",
        input: z.object({ word: z.string().transform((w) => w.toUpperCase()) }),
        handler(this: DynamicTool, args: unknown) {
          seen.push(args, this.name, this.input !== undefined);
          return "ok";
        },
      },
    ]);
    dispatcher.addToThread("th", undefined, tools);
    const call = toolCall(1, "shout");
    transport.deliver({ ...call, params: { ...call.params, arguments: { word: "hi" } } });
    expect(await transport.waitForSent(1)).toMatchObject({ id: 1, result: { success: true } });
    expect(seen).toEqual([{ word: "HI" }, "shout", true]);
  });

  it("fails a call whose arguments the schema refuses, naming the issues, and runs no handler", async () => {
    const events: RawNotification[] = [];
    const { transport, dispatcher } = setup({}, {}, (n) => events.push(n));
    let runs = 0;
    const { tools } = checkTools([
      defineTool({
        name: "weather",
        input: z.object({ city: z.string() }),
        handler: () => ++runs,
      }),
      {
        name: "throwing",
        input: {
          "~standard": {
            version: 1,
            vendor: "mine",
            validate: () => {
              throw new Error("validator broke");
            },
            jsonSchema: { input: () => ({ type: "object" }) },
          },
        },
        handler: () => ++runs,
      },
    ]);
    dispatcher.addToThread("th", undefined, tools);
    const call = toolCall(1, "weather");
    transport.deliver({ ...call, params: { ...call.params, arguments: { town: 3 } } });
    transport.deliver(toolCall(2, "throwing"));
    await transport.waitForSent(2);
    const byId = new Map(transport.sent.map((m) => [m.id, m]));
    expect(byId.get(1)).toEqual({
      id: 1,
      result: {
        success: false,
        contentItems: [
          {
            type: "inputText",
            text:
              "tool weather failed: the arguments do not match the tool's input schema: city: " +
              "Invalid input: expected string, received undefined",
          },
        ],
      },
    });
    expect(byId.get(2)).toMatchObject({
      result: {
        success: false,
        contentItems: [
          {
            text:
              "tool throwing failed: the arguments do not match the tool's input schema: the " +
              "schema's validate threw: validator broke",
          },
        ],
      },
    });
    expect(runs).toBe(0);
    // In the turn's stream too, as a handler's failure.
    expect(events.filter((n) => n.method === "client/handlerError")).toHaveLength(2);
  });

  it("refuses a schema whose root the model's API would refuse: a union, a nullable object", () => {
    const add = z.object({ op: z.literal("add"), item: z.string() });
    const remove = z.object({ op: z.literal("remove"), index: z.number() });
    for (const input of [
      z.discriminatedUnion("op", [add, remove]),
      z.union([add, remove]),
      add.nullable(),
    ]) {
      expect(refusal({ input })).toMatch(
        /^tools\[0\] \(t\): input \(as JSON Schema\) has "(anyOf|oneOf)" at its root, which the model's API refuses/,
      );
    }
  });

  it("refuses a tuple, which the runtime would tell the model as another list", () => {
    expect(refusal({ input: z.object({ point: z.tuple([z.number(), z.number()]) }) })).toBe(
      'tools[0] (t): input (as JSON Schema).properties["point"].prefixItems (a tuple) is left ' +
        "out by the runtime, which would tell the model another list: describe each item with " +
        "one schema, or make the tuple an object",
    );
    const list = { type: "array", items: true };
    expect(refusal({ inputSchema: { type: "object", properties: { list } } })).toBe(
      'tools[0] (t): inputSchema.properties["list"].items is true, which the runtime tells the ' +
        "model as a list of strings: describe each item with one schema",
    );
  });

  it("takes a schema with an id, whose root refers to its definition; names what to give for one of no object", () => {
    const { specs } = checkTools([
      { name: "t", input: z.object({ city: z.string() }).meta({ id: "Args" }), handler: () => 1 },
    ]);
    const sent = (specs[0] as { inputSchema: object }).inputSchema;
    expect(sent).toMatchObject({
      type: "object",
      properties: { city: { type: "string" } },
      $defs: { Args: { type: "object" } },
    });
    expect(sent).not.toHaveProperty("$ref");
    expect(refusal({ input: z.unknown() })).toMatch(
      /^tools\[0\] \(t\): input \(as JSON Schema\) must say it describes an object of arguments: .*give an object schema \(z\.object\(\{\}\) for a tool without arguments\)$/,
    );
    // A schema object where the JSON Schema goes.
    expect(refusal({ inputSchema: z.object({}) })).toBe(
      "tools[0] (t): inputSchema must be a JSON Schema object, got a schema object: give it as input",
    );
  });

  it("names the tool when the schema's library has a name that is no text", () => {
    const input = {
      "~standard": { version: 1, vendor: Object.create(null) as object, validate: () => ({}) },
    };
    expect(refusal({ input })).toBe(
      "tools[0] (t): input: this schema cannot give its JSON Schema (no " +
        "~standard.jsonSchema); use zod 4.2+, ArkType 2.1.28+, Valibot through " +
        "toStandardJsonSchema(), or give JSON Schema as inputSchema",
    );
  });

  it("runs no handler once its call was answered while the arguments were validated (timed out, withdrawn)", async () => {
    const { transport, dispatcher } = setup({ serverRequestTimeout: 50 });
    let release!: () => void;
    const validating = new Promise<void>((resolve) => (release = resolve));
    const slow = {
      "~standard": {
        version: 1,
        vendor: "mine",
        // An async check (a lookup, say) that outlasts the bound and the withdrawal.
        validate: async (value: unknown) => {
          await validating;
          return { value };
        },
        jsonSchema: { input: () => ({ type: "object" }) },
      },
    };
    const ran: string[] = [];
    const { tools } = checkTools([
      { name: "send_mail", input: slow, handler: () => ran.push("send_mail") },
      { name: "post", input: slow, handler: () => ran.push("post") },
    ]);
    dispatcher.addToThread("th", undefined, tools);
    transport.deliver(toolCall(1, "send_mail"));
    expect(await transport.waitForSent(1)).toMatchObject({
      id: 1,
      result: { success: false, contentItems: [{ text: expect.stringContaining("timed out") }] },
    });
    transport.deliver(toolCall(2, "post"));
    transport.deliver({
      method: "serverRequest/resolved",
      params: { threadId: "th", requestId: 2 },
    });
    await transport.waitForSent(2);
    // Both calls were answered as failed before their arguments were through: neither runs.
    release();
    await vi.waitFor(() => expect(dispatcher.stats.inflight).toBe(0));
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toEqual([]);
  });

  it("runs the validate it checked, and says the arguments were refused when it names no issue", async () => {
    const { transport, dispatcher } = setup();
    // Read once by the check: a getter read again would give no function.
    const { schema: changing } = validateReadOnce({ type: "object" });
    const silent = {
      "~standard": {
        version: 1,
        vendor: "mine",
        validate: () => ({ issues: [] }),
        jsonSchema: { input: () => ({ type: "object" }) },
      },
    };
    const { tools } = checkTools([
      { name: "changing", input: changing, handler: () => "ran" },
      { name: "silent", input: silent, handler: () => "ran" },
    ] as DynamicTool[]);
    dispatcher.addToThread("th", undefined, tools);
    transport.deliver(toolCall(1, "changing"));
    transport.deliver(toolCall(2, "silent"));
    await transport.waitForSent(2);
    const byId = new Map(transport.sent.map((m) => [m.id, m]));
    expect(byId.get(1)).toMatchObject({ result: { success: true } });
    expect(byId.get(2)).toMatchObject({
      result: {
        success: false,
        contentItems: [
          {
            text:
              "tool silent failed: the arguments do not match the tool's input schema: the " +
              "schema rejected the arguments",
          },
        ],
      },
    });
  });

  it("types the handler's args as the schema's output", () => {
    const tool = defineTool({
      name: "weather",
      input: z.object({ city: z.string(), days: z.coerce.number().default(1) }),
      handler: (args) => {
        expectTypeOf(args).toEqualTypeOf<{ city: string; days: number }>();
        return args.city;
      },
    });
    // Its handler, called directly (as a test may), takes what the schema gives, not raw JSON.
    expectTypeOf(tool.handler).parameter(0).toEqualTypeOf<{ city: string; days: number }>();
    // A thread's tools take it beside tools written in place, whose `args` stay JSON values.
    const tools: ThreadStartOptions["tools"] = [
      tool,
      {
        name: "plain",
        handler: (args) => {
          expectTypeOf(args).toEqualTypeOf<JsonValue>();
          return 1;
        },
      },
    ];
    expect(tools).toHaveLength(2);
    // Without a schema object there is nothing to type by.
    // @ts-expect-error: input is required
    defineTool({ name: "bare", handler: () => 1 });
    // A schema without `types` (they may be left out, or undefined): what its validate gives.
    const handWritten = {
      "~standard": {
        version: 1 as const,
        vendor: "mine",
        types: undefined,
        validate: (value: unknown) => ({ value: value as { city: string } }),
      },
    };
    defineTool({
      name: "hand",
      input: handWritten,
      handler: (args) => {
        expectTypeOf(args).toEqualTypeOf<{ city: string }>();
        return args.city;
      },
    });
    // Written in place, `args` is a JSON value: a schema that gives anything else is refused.
    const inPlace: DynamicTool[] = [
      { name: "json", input: z.object({ city: z.string() }), handler: (args) => args },
      {
        name: "date",
        // @ts-expect-error: a Date is no JSON value; defineTool types it
        input: z.object({ when: z.iso.date().pipe(z.coerce.date()) }),
        handler: () => 1,
      },
    ];
    expect(inPlace).toHaveLength(2);
  });
});
