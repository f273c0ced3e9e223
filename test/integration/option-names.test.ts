// An option the SDK does not know is refused by name before any I/O: misspelt, it would otherwise
// be dropped, or sent to a server that ignores unknown fields, and do nothing without a word.
import { afterEach, describe, expect, it } from "vitest";
import { Codex, externalMessage } from "../../src/index.js";
import { createTestCodex, sse, startMockResponsesServer } from "../../src/testing/index.js";
import { startStandin, type Standin } from "../support/fault/standin.js";

const TURN = { id: "u1", items: [], status: "inProgress", error: null };
const running: (Standin | Codex)[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) {
    if (item instanceof Codex) await item.close();
    else await item[Symbol.asyncDispose]();
  }
});

async function standinClient() {
  const s = await startStandin({ replies: { "turn/start": { result: { turn: TURN } } } });
  running.push(s);
  const codex = await Codex.start({ launchArgs: s.launchArgs });
  running.push(codex);
  // Everything the client sent after start-up.
  const sent = async () => {
    await s.sync();
    return s.received.map((line) => line.method).filter((m) => m !== "initialized");
  };
  return { s, codex, sent };
}

const misspelt = (key: string, near?: string) =>
  expect.objectContaining({
    name: "TypeError",
    message: expect.stringMatching(
      new RegExp(
        `has no option "${key}"${near === undefined ? "$" : `; did you mean "${near}"\\?`}`,
      ),
    ),
  });

describe("options with a name the SDK does not know", () => {
  it("are refused by every call, naming the option and the one it is likely a slip for", async () => {
    const { codex, sent } = await standinClient();
    const thread = codex.thread("t1");
    const calls: [() => Promise<unknown>, string, string?][] = [
      [() => codex.threadStart({ modle: "gpt" } as never), "modle", "model"],
      [() => codex.threadResume("t1", { timeut: 5 } as never), "timeut", "timeout"],
      [() => codex.threadFork("t1", { Sandbox: "readOnly" } as never), "Sandbox", "sandbox"],
      [() => codex.threadList({ limt: 2 } as never), "limt", "limit"],
      [() => codex.threadArchive("t1", { signl: undefined } as never), "signl", "signal"],
      [() => codex.request("thread/list", {}, { timeOut: 5 } as never), "timeOut", "timeout"],
      [() => codex.models({ includeHiden: true } as never), "includeHiden", "includeHidden"],
      [() => codex.rateLimits({ bogus: true } as never), "bogus"],
      [() => codex.usage({ thread: "t1" } as never), "thread", "threadId"],
      [() => codex.config.read({ includeLayer: true } as never), "includeLayer", "includeLayers"],
      [() => codex.config.write("model", "x", { merge: "upsert" } as never), "merge"],
      [
        () => codex.config.batchWrite([{ keyPath: "model", value: "x", merge: "upsert" } as never]),
        "merge",
      ],
      [() => codex.mcpServers({ cursor: "c" } as never), "cursor"],
      [() => codex.mcpLogin("docs", { name: "docs" } as never), "name"],
      [() => codex.skills({ cwd: "/tmp" } as never), "cwd", "cwds"],
      [() => codex.exec(["ls"], { stdinn: true } as never), "stdinn", "stdin"],
      [
        () => codex.loginApiKey("sk-test-0123456789", { persistt: true } as never),
        "persistt",
        "persist",
      ],
      [() => codex.account({ refresh: true } as never), "refresh"],
      [() => thread.run("hi", { outputschema: {} } as never), "outputschema", "outputSchema"],
      [() => thread.turn("hi", { threadId: "t2" } as never), "threadId"],
      [
        () => thread.review("uncommittedChanges", { deliver: "inline" } as never),
        "deliver",
        "delivery",
      ],
      [() => thread.runGoal("ship it", { budget: 5 } as never), "budget"],
      [
        () => thread.setGoal("ship it", { tokenBudgett: 5 } as never),
        "tokenBudgett",
        "tokenBudget",
      ],
      [() => thread.read({ includeTurn: true } as never), "includeTurn", "includeTurns"],
      [() => thread.turnList({ sort: "asc" } as never), "sort"],
      [() => thread.itemList({ turn: "u1" } as never), "turn"],
      [() => thread.compact({ wait: true } as never), "wait"],
    ];
    for (const [call, key, near] of calls)
      await expect(call()).rejects.toEqual(misspelt(key, near));
    // A wire field the SDK sets from a preset: the option to give instead is named.
    await expect(codex.threadStart({ approvalPolicy: "never" } as never)).rejects.toThrow(
      'options has no option "approvalPolicy": the SDK sets that wire field from the "approvalMode" option (a preset); give that instead',
    );
    expect(() => codex.thread("t1", { tool: [] } as never)).toThrow(misspelt("tool", "tools"));
    expect(() => externalMessage("search", "found", { nameSpace: "web" } as never)).toThrow(
      misspelt("nameSpace", "namespace"),
    );
    expect(() => thread.turns({ cursr: "c" } as never)).toThrow(misspelt("cursr", "cursor"));
    expect(() => codex.threads({ x: 1 } as never)).toThrow(misspelt("x"));
    expect(await sent()).toEqual(["initialize"]);
  });

  it("are refused by a turn handle's calls", async () => {
    const { codex, sent } = await standinClient();
    const turn = await codex.thread("t1").turn("hi");
    expect(await sent()).toEqual(["initialize", "turn/start"]);
    expect(() => turn.stream({ timeout: 5 } as never)).toThrow(misspelt("timeout"));
    await expect(turn.run({ timeOut: 5 } as never)).rejects.toEqual(misspelt("timeOut", "timeout"));
    await expect(turn.interrupt({ signa: undefined } as never)).rejects.toEqual(
      misspelt("signa", "signal"),
    );
    await expect(turn.steer("more", { expectedTurnId: "u1" } as never)).rejects.toEqual(
      misspelt("expectedTurnId"),
    );
    expect(await sent()).toEqual(["initialize", "turn/start"]);
  });

  it("are refused by Codex.start and Codex.connect before anything is spawned or dialled", async () => {
    await expect(Codex.start({ codexbin: "/nonexistent/codex" } as never)).rejects.toEqual(
      misspelt("codexbin", "codexBin"),
    );
    await expect(Codex.start({ clientInfo: { nam: "app" } } as never)).rejects.toThrow(
      'clientInfo has no option "nam"; did you mean "name"?',
    );
    await expect(Codex.connect("ws://127.0.0.1:1", { tokn: "t" } as never)).rejects.toEqual(
      misspelt("tokn", "token"),
    );
    // A key too long to quote whole is cut.
    await expect(Codex.start({ ["k".repeat(100)]: 1 } as never)).rejects.toThrow(
      `options has no option "${"k".repeat(64)}..."`,
    );
  });

  it("are refused by the testing entry", async () => {
    await expect(createTestCodex({ mocks: {} } as never)).rejects.toEqual(
      misspelt("mocks", "mock"),
    );
    // Codex.start's option, which the mock's provider does not read: refused, not ignored.
    await expect(createTestCodex({ baseUrl: "https://x.test/v1" } as never)).rejects.toThrow(
      "createTestCodex takes no baseUrl: the model's requests go to the mock",
    );
    await expect(startMockResponsesServer({ waitTimeout: 5 } as never)).rejects.toEqual(
      misspelt("waitTimeout", "waitTimeoutMs"),
    );
    expect(() => sse.assistantMessage("hi", { phse: "final_answer" } as never)).toThrow(
      misspelt("phse", "phase"),
    );
    expect(() => sse.execCommand("ls", { workDir: "/tmp" } as never)).toThrow(
      misspelt("workDir", "workdir"),
    );
    expect(() => sse.completed({ usage: undefined, tokens: 1 } as never)).toThrow(
      misspelt("tokens"),
    );
    // The wire's snake_case name, given where the mock takes camelCase: 0 would be reported.
    expect(() => sse.completed({ usage: { input_tokens: 5 } } as never)).toThrow(
      'usage has no option "input_tokens"; did you mean "inputTokens"?',
    );
    const mock = await startMockResponsesServer();
    try {
      expect(() => mock.enqueueAssistantMessage("hi", { delay: 5 } as never)).toThrow(
        misspelt("delay", "delayMs"),
      );
      expect(() =>
        mock.enqueueFailure("down", undefined, { phase: "final_answer" } as never),
      ).toThrow(misspelt("phase"));
      await expect(mock.waitForRequests(0, { timeout: 5 } as never)).rejects.toEqual(
        misspelt("timeout", "timeoutMs"),
      );
      expect(() =>
        mock.enqueueAssistantMessage("hi", { usage: { output_tokens: 5 } } as never),
      ).toThrow('options.usage has no option "output_tokens"; did you mean "outputTokens"?');
      expect(mock.pending).toBe(0);
    } finally {
      await mock.close();
    }
  });
});
