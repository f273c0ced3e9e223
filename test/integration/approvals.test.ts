import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ApprovalMode,
  Codex,
  Sandbox,
  approvalPolicies,
  defineTool,
  type ApprovalHandlers,
  type ServerRequestHandlers,
  type TurnEvent,
} from "../../src/index.js";
import {
  clientStats,
  customToolCallOutputs,
  functionCallOutputs,
  sse,
} from "../../src/testing/index.js";
import { createTestCodex, type TestCodex } from "../../src/testing/test-codex.js";
import { DEFAULT_RUNTIME_TOOLS, RUNTIME_TOOL_NAMES } from "../../src/server-requests.js";
import { lookupTool } from "../support/lookup-tool.js";

let t: TestCodex | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const MADE = "made_by_codex.txt";
const MCP_TOOL_SERVER = fileURLToPath(new URL("../support/mcp-tool-server.mjs", import.meta.url));

// The names of the runtime's own function and freeform tools in a model request's tool list.
function runtimeTools(tools: readonly { type: string; name?: string }[]): string[] {
  return tools
    .filter((tool) => ["function", "custom"].includes(tool.type) && tool.name !== "lookup_weather")
    .map((tool) => tool.name!);
}

/** Queues a model turn that asks to run an escalated command, then a closing message. */
function queueEscalatedCommand(mock: TestCodex["mock"], cmd = `touch ${MADE}`) {
  mock.enqueue(
    sse.functionCall(
      "exec_command",
      {
        cmd,
        sandbox_permissions: "require_escalated",
        justification: "need to write",
      },
      { callId: "call_cmd" },
    ),
  );
  mock.enqueueAssistantMessage("finished");
}

async function runCommandTurn(
  approvals?: ApprovalHandlers,
  clientApprovals?: ApprovalHandlers,
  cmd?: string,
  read?: (event: TurnEvent) => void,
) {
  t = await createTestCodex(clientApprovals ? { approvals: clientApprovals } : {});
  queueEscalatedCommand(t.mock, cmd);
  const thread = await t.codex.threadStart({
    approvalMode: ApprovalMode.askUser,
    sandbox: Sandbox.readOnly,
  });
  const turn = await thread.turn("make a file", approvals ? { approvals } : {});
  const events: TurnEvent[] = [];
  for await (const event of turn.stream()) {
    read?.(event);
    events.push(event);
  }
  const result = await turn.run();
  await t.mock.waitForRequests(2);
  const output = functionCallOutputs(t.mock.responsesRequests[1]!)[0];
  return { result, events, output: JSON.stringify(output?.output ?? ""), t };
}

describe("command execution approvals", () => {
  it("accepted: the command runs and its output reaches the model's next request", async () => {
    const seen: string[] = [];
    const { result, events, output } = await runCommandTurn({
      commandExecution: (params, context) => {
        seen.push(`${params.reason}|${context.turnId !== undefined}`);
        return { decision: "accept" };
      },
    });
    expect(result.status).toBe("completed");
    expect(seen).toEqual(["need to write|true"]);
    expect(existsSync(path.join(t!.workDir, MADE))).toBe(true);
    expect(output).toMatch(/exit code 0|Process exited with code 0/i);
    // The request and its resolution are visible in the turn's stream.
    const methods = events.map((e) => e.method);
    const asked = methods.indexOf("item/commandExecution/requestApproval");
    expect(asked).toBeGreaterThan(-1);
    expect(methods.indexOf("serverRequest/resolved")).toBeGreaterThan(asked);
  });

  it("declined: nothing runs and the model is told", async () => {
    const { output } = await runCommandTurn(approvalPolicies.declineAll());
    expect(existsSync(path.join(t!.workDir, MADE))).toBe(false);
    expect(output).toMatch(/rejected|declined|denied/i);
  });

  it("with no handler the request is declined", async () => {
    const { result, output } = await runCommandTurn();
    expect(result.status).toBe("completed");
    expect(existsSync(path.join(t!.workDir, MADE))).toBe(false);
    expect(output).toMatch(/rejected|declined|denied/i);
  });

  it("a throwing handler declines, the error shows on the stream, and the turn completes", async () => {
    const { result, events, output } = await runCommandTurn({
      commandExecution: () => {
        throw new Error("handler exploded");
      },
    });
    expect(result.status).toBe("completed");
    expect(existsSync(path.join(t!.workDir, MADE))).toBe(false);
    expect(output).toMatch(/rejected|declined|denied/i);
    const failure = events.find((e) => e.method === "client/handlerError");
    expect(failure?.params).toMatchObject({
      requestMethod: "item/commandExecution/requestApproval",
      message: "handler exploded",
      answer: { decision: "decline" },
    });
  });

  it("sends the default that a failed handler's event shows, whatever its reader changes there", async () => {
    const { output } = await runCommandTurn(
      {
        commandExecution: () => {
          throw new Error("policy service unavailable");
        },
      },
      undefined,
      undefined,
      (event) => {
        // A reader that edits what it is handed, as a logger annotating events might.
        if (event.method === "client/handlerError") {
          (event.params.answer as { decision: string }).decision = "accept";
        }
      },
    );
    expect(existsSync(path.join(t!.workDir, MADE))).toBe(false);
    expect(output).toMatch(/rejected|declined|denied/i);
  });

  it("lets a handler judge the command the server asked for, whatever a reader of the request changes", async () => {
    // The documented pattern: the handler waits on a user interface, which shows the stream and
    // rewrites, in place, what it shows; then the policy decides.
    let shown!: () => void;
    const prompted = new Promise<void>((resolve) => (shown = resolve));
    const allowLs = approvalPolicies.allowCommands(["ls"]);
    const { output } = await runCommandTurn(
      {
        commandExecution: async (params, context) => {
          await prompted;
          return allowLs.commandExecution(params, context);
        },
      },
      undefined,
      undefined,
      (event) => {
        if (event.method === "item/commandExecution/requestApproval") {
          event.params.commandActions = [{ type: "unknown", command: "ls" }];
          shown();
        }
      },
    );
    expect(existsSync(path.join(t!.workDir, MADE))).toBe(false);
    expect(output).toMatch(/rejected|declined|denied/i);
  });

  it("turn handlers override the client's, and allowCommands accepts what matches", async () => {
    const { output } = await runCommandTurn(
      approvalPolicies.allowCommands(["touch"]),
      approvalPolicies.declineAll(),
    );
    expect(existsSync(path.join(t!.workDir, MADE))).toBe(true);
    expect(output).not.toMatch(/rejected/i);
  });

  it("allowCommands declines a pipeline whose tail the server's parse leaves out", async () => {
    // The runtime parses `ls | tee FILE` as the one action `ls`.
    let actions: string[] = [];
    const allowLs = approvalPolicies.allowCommands(["ls"]);
    const { output } = await runCommandTurn(
      {
        commandExecution: (params, context) => {
          actions = (params.commandActions ?? []).map((action) => action.command);
          return allowLs.commandExecution(params, context);
        },
      },
      undefined,
      `ls | tee ${MADE}`,
    );
    expect(actions).toEqual(["ls"]);
    expect(existsSync(path.join(t!.workDir, MADE))).toBe(false);
    expect(output).toMatch(/rejected|declined|denied/i);
  });

  it("allowCommands declines a command whose expansion runs code without $( or a backtick", async () => {
    // `${x@P}` evaluates the `$(...)` stored, escaped, in x: the script holds no `$(` itself.
    const { output } = await runCommandTurn(
      approvalPolicies.allowCommands(["git status"]),
      undefined,
      `git status \${x:=\\$\\(touch\\ ${MADE}\\)} \${x@P}`,
    );
    expect(existsSync(path.join(t!.workDir, MADE))).toBe(false);
    expect(output).toMatch(/rejected|declined|denied/i);
  });
});

describe("an approval withdrawn as its turn ends", () => {
  it("is followed by serverRequest/resolved in the turn's stream, before its turn/completed", async () => {
    t = await createTestCodex();
    let asked!: () => void;
    const prompted = new Promise<void>((resolve) => (asked = resolve));
    const thread = await t.codex.threadStart({
      approvalMode: ApprovalMode.askUser,
      sandbox: Sandbox.readOnly,
      approvals: {
        // A prompt waiting for its user, who never answers: the interrupt withdraws it.
        commandExecution: (_params, { signal }) =>
          new Promise((resolve) => {
            asked();
            signal.addEventListener("abort", () => resolve({ decision: "decline" }));
          }),
      },
    });
    queueEscalatedCommand(t.mock);
    const turn = await thread.turn("make a file");
    // The server's own withdrawal comes after the turn's completion: to codex.on, not the stream.
    const withdrawn = new Promise<unknown>((resolve) => {
      const off = t!.codex.on("serverRequest/resolved", (params) => {
        off();
        resolve(params.requestId);
      });
    });
    const events: TurnEvent[] = [];
    const streamed = (async () => {
      for await (const event of turn.stream()) events.push(event);
    })();
    await prompted;
    await turn.interrupt();
    await streamed;
    expect((await turn.run()).status).toBe("interrupted");
    const methods = events.map((event) => event.method);
    const asking = events.find((event) => event.method === "item/commandExecution/requestApproval");
    const requestId = (asking as { requestId: unknown }).requestId;
    const resolved = events.filter(
      (event) => event.method === "serverRequest/resolved" && event.params.requestId === requestId,
    );
    expect(resolved).toEqual([
      { method: "serverRequest/resolved", params: { threadId: thread.id, requestId } },
    ]);
    expect(methods.indexOf("serverRequest/resolved")).toBe(methods.length - 2);
    expect(methods.at(-1)).toBe("turn/completed");
    expect(await withdrawn).toBe(requestId);
  });
});

describe("a sub-agent's approvals", () => {
  /**
   * Runs a turn whose model spawns a sub-agent; the parent's next request and the sub-agent's
   * first both get an escalated command (the first of them held until both have asked, as the
   * two race), then a closing message each. The handler accepting them is given at `level`.
   */
  async function spawnAndApprove(level: "thread" | "turn") {
    const asked: string[] = [];
    const approvals: ApprovalHandlers = {
      commandExecution: (params) => {
        asked.push(params.threadId);
        return { decision: "accept" };
      },
    };
    t = await createTestCodex();
    t.mock.enqueueFunctionCall(
      "spawn_agent",
      { message: "make the file" },
      { namespace: "multi_agent_v1", callId: "call_spawn" },
    );
    const held = t.mock.gate();
    const escalated = (callId: string) =>
      sse.functionCall(
        "exec_command",
        { cmd: `touch ${MADE}`, sandbox_permissions: "require_escalated", justification: "write" },
        { callId },
      );
    t.mock.enqueue(escalated("call_a"), { gate: held });
    t.mock.enqueue(escalated("call_b"));
    t.mock.enqueueAssistantMessage("done");
    t.mock.enqueueAssistantMessage("done");
    const thread = await t.codex.threadStart({
      approvalMode: ApprovalMode.askUser,
      sandbox: Sandbox.readOnly,
      ...(level === "thread" ? { approvals } : {}),
    });
    const completed = new Set<string>();
    let bothDone!: () => void;
    const done = new Promise<void>((resolve) => (bothDone = resolve));
    const off = t.codex.on("turn/completed", ({ threadId }) => {
      completed.add(threadId);
      if (completed.size === 2) bothDone();
    });
    const statuses: string[] = [];
    const offItems = t.codex.on("item/completed", ({ item }) => {
      if (item.type === "commandExecution") statuses.push(item.status);
    });
    const run = thread.run("spawn a helper", level === "turn" ? { approvals } : {});
    await t.mock.waitForRequests(3);
    held.release();
    expect((await run).status).toBe("completed");
    await done;
    off();
    offItems();
    const child = [...completed].find((id) => id !== thread.id);
    expect(child).toBeDefined();
    // Named by the thread each request came from: the parent's and the sub-agent's.
    expect(new Set(asked)).toEqual(new Set([thread.id, child]));
    expect(statuses).toEqual(["completed", "completed"]);
  }

  for (const level of ["thread", "turn"] as const) {
    it(`are answered by the handlers of the ${level} that spawned it`, () =>
      spawnAndApprove(level));
  }

  const NS = { namespace: "multi_agent_v1" } as const;

  it("keep no link to a sub-agent its parent closed, once the runtime unloaded it", async () => {
    t = await createTestCodex();
    const thread = await t.codex.threadStart({});
    const before = clientStats(t.codex);
    for (let round = 0; round < 2; round++) {
      // Spawn: the parent's follow-up and the sub-agent's first request race, so both get the same
      // (and a spare, for the parent's extra request when the sub-agent's report comes mid-turn).
      t.mock.enqueueFunctionCall(
        "spawn_agent",
        { message: "say hi" },
        { ...NS, callId: `spawn_${round}` },
      );
      for (let i = 0; i < 3; i++) t.mock.enqueueAssistantMessage("x");
      let childDone!: () => void;
      const childEnded = new Promise<void>((resolve) => (childDone = resolve));
      const offDone = t.codex.on("turn/completed", ({ threadId }) => {
        if (threadId !== thread.id) childDone();
      });
      const spawned = await thread.run("spawn a helper");
      await childEnded;
      offDone();
      t.mock.clearQueue();
      const call = spawned.items.find((item) => item.type === "collabAgentToolCall");
      const child = (call as { receiverThreadIds: string[] }).receiverThreadIds[0]!;
      // Close it: the runtime shuts the sub-agent down and unloads its thread.
      let unloaded!: () => void;
      const childUnloaded = new Promise<void>((resolve) => (unloaded = resolve));
      const offStatus = t.codex.on("thread/status/changed", ({ threadId, status }) => {
        if (threadId === child && status.type === "notLoaded") unloaded();
      });
      t.mock.enqueueFunctionCall(
        "close_agent",
        { target: child },
        { ...NS, callId: `close_${round}` },
      );
      t.mock.enqueueAssistantMessage("closed");
      expect((await thread.run("close the helper")).status).toBe("completed");
      await childUnloaded;
      offStatus();
      expect((await t.codex.thread(child).read()).thread.status.type).toBe("notLoaded");
    }
    // The parent thread is still open, with nothing of its own kept; both sub-agents are gone.
    expect(clientStats(t.codex)).toEqual(before);
  }, 30_000);

  it("report a failed handler of the spawning turn in that turn's stream", async () => {
    t = await createTestCodex();
    t.mock.enqueueFunctionCall(
      "spawn_agent",
      { message: "make the file" },
      { ...NS, callId: "call_spawn" },
    );
    // The parent's follow-up and the sub-agent's first request (in either order) each run an
    // escalated command, then close with a message.
    const escalated = (callId: string) =>
      sse.functionCall(
        "exec_command",
        { cmd: "touch made.txt", sandbox_permissions: "require_escalated", justification: "write" },
        { callId },
      );
    t.mock.enqueue(escalated("call_a"));
    t.mock.enqueue(escalated("call_b"));
    // Spares: a sub-agent's report reaching the parent mid-turn makes it ask the model again.
    for (let i = 0; i < 4; i++) t.mock.enqueueAssistantMessage("done");
    const thread = await t.codex.threadStart({
      approvalMode: ApprovalMode.askUser,
      sandbox: Sandbox.readOnly,
    });
    let childAsked!: (threadId: string) => void;
    const askedByChild = new Promise<string>((resolve) => (childAsked = resolve));
    const approvals: ApprovalHandlers = {
      commandExecution: async (params) => {
        if (params.threadId !== thread.id) {
          childAsked(params.threadId);
          throw new Error("the approval service is down");
        }
        // The parent's own request waits for the sub-agent's, so the turn still runs as it asks.
        await askedByChild;
        return { decision: "decline" };
      },
    };
    const turn = await thread.turn("spawn a helper", { approvals });
    const events: TurnEvent[] = [];
    for await (const event of turn.stream()) events.push(event);
    expect((await turn.run()).status).toBe("completed");
    const child = await askedByChild;
    const failures = events.filter((event) => event.method === "client/handlerError");
    // The turn's own handler failed: the stream of that turn says so, as for the turn's own requests.
    expect(failures).toEqual([
      expect.objectContaining({
        method: "client/handlerError",
        params: expect.objectContaining({
          requestMethod: "item/commandExecution/requestApproval",
          threadId: child,
          message: expect.stringContaining("the approval service is down"),
        }),
      }),
    ]);
  }, 30_000);
});

/** The statuses of the next `count` turns completed on threads other than `threadId`. */
function turnsCompletedBesides(codex: Codex, threadId: string, count: number): Promise<string[]> {
  const statuses: string[] = [];
  return new Promise((resolve) => {
    const off = codex.on("turn/completed", (params) => {
      if (params.threadId === threadId) return;
      statuses.push(params.turn.status);
      if (statuses.length < count) return;
      off();
      resolve(statuses);
    });
  });
}

describe("a turn started on behalf of another thread's turn (rootTurnId)", () => {
  /**
   * Thread A accepts every command and runs a turn held open; thread B, with no handlers (nor
   * has the client), runs a turn naming A's as its root, as the protocol has for delegated work.
   */
  async function delegate() {
    t = await createTestCodex();
    const asked: string[] = [];
    const a = await t.codex.threadStart({
      approvalMode: ApprovalMode.askUser,
      sandbox: Sandbox.readOnly,
      approvals: {
        commandExecution: (params) => {
          asked.push(params.threadId);
          return { decision: "accept" };
        },
      },
    });
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["working"]), { gate });
    const turnA = await a.turn("long task");
    await gate.reached;
    const b = await t.codex.threadStart({
      approvalMode: ApprovalMode.askUser,
      sandbox: Sandbox.readOnly,
    });
    const { mock, codex } = t;
    // Ends A's turn: A's handler was never asked, and what was noted of the work done for that
    // turn goes with it.
    const endLendingNothing = async () => {
      gate.release();
      await turnA.run();
      expect(asked).toEqual([]);
      expect(clientStats(codex)).toMatchObject({
        "dispatcher.parents": 0,
        "router.delegations": 0,
      });
    };
    return { asked, b, turnA, gate, mock, codex, endLendingNothing };
  }

  it("is no sub-agent of it: the other thread's handlers never answer its requests", async () => {
    const { asked, b, turnA, gate, mock, codex } = await delegate();
    queueEscalatedCommand(mock);
    const result = await b.run("do it", { parentTurnId: turnA.id, rootTurnId: turnA.id });
    gate.release();
    await turnA.run();
    // Declined, the safe default of a thread with no handlers: A's handler was never asked.
    expect(asked).toEqual([]);
    expect(result.items.find((item) => item.type === "commandExecution")).toMatchObject({
      status: "declined",
    });
    expect(clientStats(codex)["dispatcher.parents"]).toBe(0);
  }, 30_000);

  for (const givenUp of [false, true]) {
    it(`is no sub-agent of it either when sent through codex.request${givenUp ? ", given up on once sent" : ""}`, async () => {
      const { b, turnA, mock, codex, endLendingNothing } = await delegate();
      queueEscalatedCommand(mock);
      const completed = turnsCompletedBesides(codex, turnA.threadId, 1);
      const controller = new AbortController();
      const sent = codex.request(
        "turn/start",
        {
          threadId: b.id,
          input: [{ type: "text", text: "do it", text_elements: [] }],
          parentTurnId: turnA.id,
          rootTurnId: turnA.id,
        },
        { signal: controller.signal },
      );
      // Written already: the server still starts the turn.
      if (givenUp) controller.abort();
      await (givenUp ? expect(sent).rejects.toThrow() : sent);
      expect(await completed).toEqual(["completed"]);
      await endLendingNothing();
    }, 30_000);
  }

  it("lends the other thread's handlers to no sub-agent the delegated work spawns", async () => {
    const { b, turnA, mock, codex, endLendingNothing } = await delegate();
    // B's model spawns a sub-agent, whose turns the runtime names with A's turn as their root.
    mock.enqueueFunctionCall(
      "spawn_agent",
      { message: "make the file" },
      { namespace: "multi_agent_v1", callId: "call_spawn" },
    );
    // B's turn and its sub-agent's.
    const bothDone = turnsCompletedBesides(codex, turnA.threadId, 2);
    queueEscalatedCommand(mock);
    queueEscalatedCommand(mock);
    mock.enqueueAssistantMessage("done");
    mock.enqueueAssistantMessage("done");
    await b.run("spawn a helper", { parentTurnId: turnA.id, rootTurnId: turnA.id });
    await bothDone;
    await endLendingNothing();
  }, 60_000);

  it("leaves no link behind for the thread's later turns", async () => {
    const { asked, b, turnA, gate, mock, codex } = await delegate();
    mock.enqueueAssistantMessage("noted");
    await b.run("note it", { parentTurnId: turnA.id, rootTurnId: turnA.id });
    gate.release();
    await turnA.run();
    queueEscalatedCommand(mock);
    const result = await b.run("do it");
    expect(asked).toEqual([]);
    expect(result.items.find((item) => item.type === "commandExecution")).toMatchObject({
      status: "declined",
    });
    expect(clientStats(codex)["dispatcher.parents"]).toBe(0);
  }, 30_000);
});

describe("an approval sent again", () => {
  it("asks the handler once when the server sends it again on the thread's resume", async () => {
    let resent!: () => void;
    const sentAgain = new Promise<void>((resolve) => (resent = resolve));
    const logger = {
      debug: (message: string) => {
        if (message.includes("requestApproval (id 0) again")) resent();
      },
      info: () => {},
      warn: () => {},
      error: () => {},
    };
    let answer!: (decision: { decision: "accept" }) => void;
    const signals: AbortSignal[] = [];
    t = await createTestCodex({
      logger,
      logLevel: "debug",
      approvals: {
        commandExecution: (_params, context) => {
          // A second call is what the request sent again must not make.
          if (signals.push(context.signal) > 1) resent();
          return new Promise((resolve) => (answer = resolve));
        },
      },
    });
    queueEscalatedCommand(t.mock);
    const thread = await t.codex.threadStart({
      approvalMode: ApprovalMode.askUser,
      sandbox: Sandbox.readOnly,
    });
    const turn = await thread.turn("make a file");
    for await (const event of turn.stream()) {
      if (event.method === "item/commandExecution/requestApproval") break;
    }
    await thread.unsubscribe();
    await expect(turn.run()).rejects.toThrow(/unsubscribed/);
    await t.codex.threadResume(thread.id);
    await sentAgain;
    expect(signals).toHaveLength(1);
    answer({ decision: "accept" });
    // The answer reached the server: the command ran, and the model was asked again.
    await t.mock.waitForRequests(2);
    expect(existsSync(path.join(t.workDir, MADE))).toBe(true);
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true);
  });

  it("lets a turn's own handler still deciding as the client unsubscribes answer, as a client's does", async () => {
    let answer!: (decision: { decision: "accept" }) => void;
    const signals: AbortSignal[] = [];
    const approvals: ApprovalHandlers = {
      commandExecution: (_params, context) => {
        signals.push(context.signal);
        return new Promise((resolve) => (answer = resolve));
      },
    };
    t = await createTestCodex();
    queueEscalatedCommand(t.mock);
    const thread = await t.codex.threadStart({
      approvalMode: ApprovalMode.askUser,
      sandbox: Sandbox.readOnly,
    });
    const turn = await thread.turn("make a file", { approvals });
    for await (const event of turn.stream()) {
      if (event.method === "item/commandExecution/requestApproval") break;
    }
    await thread.unsubscribe();
    await expect(turn.run()).rejects.toThrow(/unsubscribed/);
    // The server's turn goes on, waiting for this answer: it is not declined for the handler.
    expect(signals[0]!.aborted).toBe(false);
    answer({ decision: "accept" });
    await t.codex.threadResume(thread.id);
    await t.mock.waitForRequests(2);
    expect(existsSync(path.join(t.workDir, MADE))).toBe(true);
  });
});

describe("file change approvals", () => {
  const patch = (name: string) =>
    `*** Begin Patch\n*** Add File: ${name}\n+hello from the patch\n*** End Patch\n`;

  async function runPatchTurn(decision: "accept" | "decline") {
    t = await createTestCodex();
    t.mock.enqueue(sse.applyPatch(patch("patched.txt"), { callId: "call_patch" }));
    t.mock.enqueueAssistantMessage("patched");
    const thread = await t.codex.threadStart({
      approvalMode: ApprovalMode.askUser,
      sandbox: Sandbox.readOnly,
      approvals: { fileChange: () => ({ decision }) },
    });
    const result = await thread.run("add a file");
    await t.mock.waitForRequests(2);
    const output = JSON.stringify(customToolCallOutputs(t.mock.responsesRequests[1]!));
    return { result, output, file: path.join(t.workDir, "patched.txt") };
  }

  it("accepted: the patch is applied", async () => {
    const { result, file } = await runPatchTurn("accept");
    expect(result.status).toBe("completed");
    expect(existsSync(file)).toBe(true);
  });

  it("declined: the file is not written and the model is told", async () => {
    const { file, output } = await runPatchTurn("decline");
    expect(existsSync(file)).toBe(false);
    expect(output).toMatch(/rejected|declined|denied/i);
  });
});

describe("MCP tool call approvals", () => {
  // The model calls the MCP server's `deploy` tool, which the runtime asks to approve as an
  // elicitation; returns what the MCP server ran and what the model was told.
  async function runDeployTurn(handlers: ServerRequestHandlers) {
    t = await createTestCodex({
      configOverrides: {
        mcp_servers: { deployer: { command: process.execPath, args: [MCP_TOOL_SERVER] } },
      },
    });
    const thread = await t.codex.threadStart({
      approvalMode: ApprovalMode.askUser,
      sandbox: Sandbox.readOnly,
      ...handlers,
    });
    t.mock.enqueue(sse.functionCall("deploy", {}, { namespace: "mcp__deployer" }));
    t.mock.enqueueAssistantMessage("done");
    const result = await thread.run("deploy the site");
    await t.mock.waitForRequests(2);
    const told = JSON.stringify(functionCallOutputs(t.mock.responsesRequests[1]!));
    return { result, told };
  }

  it("go to approvals.mcpToolCall, and acceptAll() runs the tool", async () => {
    const asked: unknown[] = [];
    const accept = approvalPolicies.acceptAll().mcpToolCall!;
    const { result, told } = await runDeployTurn({
      approvals: {
        mcpToolCall: (params, context) => {
          asked.push(params._meta);
          return accept(params, context);
        },
      },
      onElicitation: () => {
        throw new Error("not an approval's handler");
      },
    });
    expect(asked).toEqual([expect.objectContaining({ codex_approval_kind: "mcp_tool_call" })]);
    expect(result.status).toBe("completed");
    // What the MCP server answered once it ran the tool.
    expect(told).toContain("deployed");
  });

  it("without that handler, go to onElicitation, whose default cancels the call", async () => {
    const { result, told } = await runDeployTurn({});
    expect(result.status).toBe("completed");
    expect(told).not.toContain("deployed");
    expect(told).toMatch(/cancel/i);
  });
});

describe("dynamic tools", () => {
  it("runs the JavaScript function and sends its result to the model", async () => {
    t = await createTestCodex();
    t.mock.enqueue(sse.functionCall("lookup_weather", { city: "Paris" }, { callId: "call_w" }));
    t.mock.enqueueAssistantMessage("It is sunny in Paris.");
    const calls: unknown[] = [];
    const thread = await t.codex.threadStart({
      tools: [
        {
          name: "lookup_weather",
          description: "Current weather for a city",
          inputSchema: {
            type: "object",
            properties: { city: { type: "string" } },
            required: ["city"],
          },
          handler: (args) => {
            calls.push(args);
            return { city: "Paris", sky: "sunny", celsius: 21 };
          },
        },
      ],
    });
    const result = await thread.run("What's the weather in Paris?");
    expect(result.finalResponse).toBe("It is sunny in Paris.");
    expect(calls).toEqual([{ city: "Paris" }]);
    const body = t.mock.responsesRequests[0]!.body as { tools: { type: string; name?: string }[] };
    expect(body.tools.some((tool) => tool.name === "lookup_weather")).toBe(true);
    const output = JSON.stringify(functionCallOutputs(t.mock.responsesRequests[1]!));
    expect(output).toContain("sunny");
    // The runtime's own tools, which a client's tool of the same name cannot be: the SDK's list
    // of them is the pinned runtime's.
    expect(runtimeTools(body.tools).sort()).toEqual([...DEFAULT_RUNTIME_TOOLS].sort());
  });

  it("tells the model a schema object's JSON Schema, and hands the handler the arguments it validated, refusing others", async () => {
    t = await createTestCodex();
    const calls: unknown[] = [];
    const weather = defineTool({
      name: "weather",
      description: "Current weather for a city",
      input: z.object({
        city: z.string().transform((city) => city.toUpperCase()),
        days: z.number().int().optional(),
      }),
      handler: ({ city, days }) => {
        calls.push({ city, days });
        return `sunny in ${city}`;
      },
    });
    const thread = await t.codex.threadStart({ tools: [weather] });
    t.mock.enqueue([
      sse.functionCall("weather", { city: "paris" }, { callId: "call_ok" }),
      sse.functionCall("weather", { town: "paris" }, { callId: "call_bad" }),
    ]);
    t.mock.enqueueAssistantMessage("done");
    const turn = await thread.turn("What's the weather in Paris?");
    const failures: unknown[] = [];
    for await (const event of turn.stream()) {
      if (event.method === "client/handlerError") failures.push(event.params.message);
    }
    expect((await turn.run()).finalResponse).toBe("done");
    const body = t.mock.responsesRequests[0]!.body as { tools: { name?: string }[] };
    expect(body.tools.find((tool) => tool.name === "weather")).toMatchObject({
      parameters: {
        type: "object",
        properties: { city: { type: "string" }, days: { type: "integer" } },
        required: ["city"],
      },
    });
    expect(calls).toEqual([{ city: "PARIS", days: undefined }]);
    const outputs = functionCallOutputs(t.mock.responsesRequests[1]!);
    expect(outputs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ call_id: "call_ok", output: "sunny in PARIS" }),
        expect.objectContaining({
          call_id: "call_bad",
          output:
            "tool weather failed: the arguments do not match the tool's input schema: city: " +
            "Invalid input: expected string, received undefined",
        }),
      ]),
    );
    expect(failures).toEqual([
      "the arguments do not match the tool's input schema: city: Invalid input: expected " +
        "string, received undefined",
    ]);
  });

  it("knows the names of the tools the runtime adds for MCP servers and permission requests", async () => {
    t = await createTestCodex({
      configOverrides: {
        features: { request_permissions_tool: true },
        mcp_servers: { deployer: { command: process.execPath, args: [MCP_TOOL_SERVER] } },
      },
    });
    const thread = await t.codex.threadStart();
    t.mock.enqueueAssistantMessage("hi");
    await thread.run("hello");
    const body = t.mock.responsesRequests[0]!.body as { tools: { type: string; name?: string }[] };
    const offered = runtimeTools(body.tools);
    expect(offered.sort()).toEqual([...RUNTIME_TOOL_NAMES].sort());
    await expect(
      t.codex.threadStart({ tools: [{ name: "read_mcp_resource", handler: () => "" }] }),
    ).rejects.toThrow("is a tool of the runtime's own");
  });

  it("sends a tool's image given as a data: URL, and fails a call whose image is a remote URL or a path, or whose sound the runtime would leave out", async () => {
    t = await createTestCodex();
    const png =
      "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    const chart = (imageUrl: string) => [
      { type: "inputText", text: "Sales rose 12%." },
      { type: "inputImage", imageUrl },
    ];
    const thread = await t.codex.threadStart({
      tools: [
        { name: "inline", handler: () => chart(png) },
        { name: "remote", handler: () => chart("https://example.com/chart.png") },
        { name: "path", handler: () => chart("/tmp/chart.png") },
        // A sound of a type the runtime would replace with a note.
        {
          name: "flac",
          handler: () => [{ type: "inputAudio", audioUrl: "data:audio/flac;base64,ZkxhQw==" }],
        },
      ],
    });
    t.mock.enqueue([
      sse.functionCall("inline", {}, { callId: "c_inline" }),
      sse.functionCall("remote", {}, { callId: "c_remote" }),
      sse.functionCall("path", {}, { callId: "c_path" }),
      sse.functionCall("flac", {}, { callId: "c_flac" }),
    ]);
    t.mock.enqueueAssistantMessage("done");
    const turn = await thread.turn("show the charts");
    const errors: string[] = [];
    for await (const event of turn.stream()) {
      if (event.method === "client/handlerError") errors.push(event.params.message);
    }
    const outputs = functionCallOutputs(t.mock.responsesRequests[1]!);
    const byCall = new Map(
      outputs.map((output) => [output.call_id, JSON.stringify(output.output)]),
    );
    expect(byCall.get("c_inline")).toContain(png);
    for (const call of ["c_remote", "c_path"]) {
      expect(byCall.get(call)).toContain(
        "tool output item 1's imageUrl must be a base64 data: URL",
      );
      expect(byCall.get(call)).not.toContain("Sales rose");
    }
    expect(byCall.get("c_flac")).toContain(
      'tool output item 0\'s audioUrl names the media type \\"audio/flac\\"',
    );
    expect(errors).toHaveLength(3);
    const items = (await turn.run()).items.filter((item) => item.type === "dynamicToolCall");
    // In the order the calls completed.
    expect(Object.fromEntries(items.map((item) => [item.tool, item.success]))).toEqual({
      inline: true,
      remote: false,
      path: false,
      flac: false,
    });
  });

  it("answers a fork's calls and approvals with the source thread's functions and handlers", async () => {
    t = await createTestCodex();
    const calls: unknown[] = [];
    const asked: string[] = [];
    const thread = await t.codex.threadStart({
      approvalMode: ApprovalMode.askUser,
      sandbox: Sandbox.readOnly,
      approvals: {
        commandExecution: ({ reason }) => {
          asked.push(reason ?? "");
          return { decision: "decline" };
        },
      },
      tools: [lookupTool(calls)],
    });
    t.mock.enqueueAssistantMessage("hi");
    await thread.run("hello");
    // The runtime gives the fork the source's tools and policy; nothing given here for it.
    const fork = await t.codex.threadFork(thread.id);
    t.mock.enqueue(sse.functionCall("lookup", { q: "x" }, { callId: "call_l" }));
    queueEscalatedCommand(t.mock);
    await fork.run("use the tool, then make a file");
    expect(calls).toEqual([{ q: "x" }]);
    expect(asked).toEqual(["need to write"]);
  });

  it("answers a fork with what its options give, and the source's handlers and tools for the rest", async () => {
    t = await createTestCodex();
    const seen: string[] = [];
    const lookup = (who: string) => ({
      name: "lookup",
      description: "Looks a word up",
      inputSchema: { type: "object", properties: { q: { type: "string" } } },
      handler: () => {
        seen.push(`lookup by ${who}`);
        return "found";
      },
    });
    const thread = await t.codex.threadStart({
      approvalMode: ApprovalMode.askUser,
      sandbox: Sandbox.readOnly,
      approvals: {
        commandExecution: () => {
          seen.push("command by the source");
          return { decision: "decline" };
        },
      },
      tools: [lookup("the source")],
    });
    t.mock.enqueueAssistantMessage("hi");
    await thread.run("hello");
    // A handler of another kind and a function by the same name: the source's command handler
    // still answers, and the fork's lookup is its own.
    const fork = await t.codex.threadFork(thread.id, {
      approvals: { fileChange: () => ({ decision: "decline" }) },
      tools: [lookup("the fork")],
    });
    t.mock.enqueue(sse.functionCall("lookup", { q: "x" }, { callId: "call_l" }));
    queueEscalatedCommand(t.mock);
    await fork.run("use the tool, then make a file");
    expect(seen).toEqual(["lookup by the fork", "command by the source"]);
    // The source's own functions are as they were.
    t.mock.enqueue(sse.functionCall("lookup", { q: "y" }, { callId: "call_m" }));
    t.mock.enqueueAssistantMessage("done");
    await thread.run("look y up");
    expect(seen.at(-1)).toBe("lookup by the source");
  });
});

describe("handlers given again for a thread", () => {
  it.each(["thread", "threadResume"] as const)(
    "codex.%s adds them by kind and name, and the thread's others stay",
    async (how) => {
      t = await createTestCodex();
      const seen: string[] = [];
      const tool = (name: string, who: string) => ({
        name,
        description: `Looks a word up (${name})`,
        inputSchema: { type: "object", properties: { q: { type: "string" } } },
        handler: () => {
          seen.push(`${name} by ${who}`);
          return "found";
        },
      });
      const thread = await t.codex.threadStart({
        approvalMode: ApprovalMode.askUser,
        sandbox: Sandbox.readOnly,
        approvals: {
          commandExecution: () => {
            seen.push("command by the start");
            return { decision: "decline" };
          },
        },
        tools: [tool("lookup", "the start"), tool("define", "the start")],
      });
      t.mock.enqueueAssistantMessage("hi");
      await thread.run("hello");
      const given = {
        approvals: { fileChange: () => ({ decision: "decline" as const }) },
        tools: [tool("define", "the new handlers")],
      };
      const again =
        how === "thread"
          ? t.codex.thread(thread.id, given)
          : await t.codex.threadResume(thread.id, given);
      t.mock.enqueue(sse.functionCall("lookup", { q: "x" }, { callId: "call_l" }));
      t.mock.enqueue(sse.functionCall("define", { q: "y" }, { callId: "call_d" }));
      queueEscalatedCommand(t.mock);
      await again.run("use the tools, then make a file");
      expect(seen).toEqual([
        "lookup by the start",
        "define by the new handlers",
        "command by the start",
      ]);
    },
  );
});

describe("dynamic tools after a restart", () => {
  it("threadResume({ tools }) gives the functions back to a thread started by another client", async () => {
    t = await createTestCodex();
    const tool = (answer: string) => ({
      name: "lookup_weather",
      description: "Current weather for a city",
      inputSchema: { type: "object", properties: { city: { type: "string" } } } as const,
      handler: () => answer,
    });
    t.mock.enqueueAssistantMessage("ready");
    const first = await t.codex.threadStart({ tools: [tool("from the first client")] });
    await first.run("hello");
    await t.codex.close();

    await using codex = await Codex.start({ cwd: t.workDir, env: t.home.env });
    t.mock.enqueue(sse.functionCall("lookup_weather", { city: "Oslo" }));
    t.mock.enqueueAssistantMessage("snowing");
    const resumed = await codex.threadResume(first.id, { tools: [tool("from the second client")] });
    await resumed.run("weather?");
    const output = JSON.stringify(functionCallOutputs(t.mock.responsesRequests.at(-1)!));
    expect(output).toContain("from the second client");
  });
});

describe("user input requests", () => {
  const PLAN = {
    mode: "plan" as const,
    settings: { model: "mock-model", reasoning_effort: null, developer_instructions: null },
  };
  const askColour = () =>
    sse.functionCall("request_user_input", {
      questions: [
        {
          id: "colour",
          header: "Colour",
          question: "Favourite colour?",
          options: [
            { label: "blue", description: "calm" },
            { label: "red", description: "bold" },
          ],
        },
      ],
    });

  it("sends the onUserInput handler's answers to the model", async () => {
    const asked: string[] = [];
    t = await createTestCodex({
      onUserInput: (params) => {
        asked.push(...params.questions.map((q) => q.question));
        return { answers: { colour: { answers: ["blue"] } } };
      },
    });
    t.mock.enqueue(askColour());
    t.mock.enqueueAssistantMessage("blue it is");
    const thread = await t.codex.threadStart();
    await thread.run("pick a colour", { collaborationMode: PLAN });
    expect(asked).toEqual(["Favourite colour?"]);
    const output = JSON.stringify(functionCallOutputs(t.mock.responsesRequests[1]!));
    expect(output).toContain("blue");
  });

  it("refuses an answer to a question not asked: the default goes, and the slip is reported", async () => {
    // "color" for "colour": the runtime would pass it on, the question left unanswered.
    t = await createTestCodex({
      onUserInput: () => ({ answers: { color: { answers: ["blue"] } } }),
    });
    t.mock.enqueue(askColour());
    t.mock.enqueueAssistantMessage("ok");
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("pick a colour", { collaborationMode: PLAN });
    const failures: string[] = [];
    for await (const event of turn.stream()) {
      if (event.method === "client/handlerError") {
        failures.push(`${event.params.requestMethod}: ${event.params.message}`);
      }
    }
    expect(failures).toEqual([
      'item/tool/requestUserInput: answers["color"] answers no question asked (their ids are colour)',
    ]);
    const output = JSON.stringify(functionCallOutputs(t.mock.responsesRequests[1]!));
    expect(output).not.toContain("color");
    expect(output).toContain('\\"answers\\":{}');
  });

  it("without a handler the request is cancelled with no answers", async () => {
    t = await createTestCodex();
    t.mock.enqueue(askColour());
    t.mock.enqueueAssistantMessage("no answer then");
    const thread = await t.codex.threadStart();
    const result = await thread.run("pick a colour", { collaborationMode: PLAN });
    expect(result.status).toBe("completed");
    const output = JSON.stringify(functionCallOutputs(t.mock.responsesRequests[1]!));
    expect(output).toContain('\\"answers\\":{}');
  });
});
