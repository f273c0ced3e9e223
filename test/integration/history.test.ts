import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clientStats } from "../../src/codex.js";
import { CodexError, type ItemListOptions, type Thread } from "../../src/index.js";
import { inputTexts, sse } from "../../src/testing/index.js";
import type { ThreadItem } from "../../src/types.js";
import { createTestCodex, type TestCodex } from "../../src/testing/test-codex.js";

let t: TestCodex;
beforeEach(async () => {
  t = await createTestCodex();
});
afterEach(async () => {
  await t.close();
});

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

/** A thread with one turn per prompt, each answered `answer <prompt>`. */
async function threadWith(...prompts: string[]): Promise<Thread> {
  const thread = await t.codex.threadStart();
  for (const prompt of prompts) {
    t.mock.enqueueAssistantMessage(`answer ${prompt}`);
    await thread.run(prompt);
  }
  return thread;
}

const textOf = (item: ThreadItem) =>
  item.type === "userMessage"
    ? (item.content[0] as { text?: string } | undefined)?.text
    : item.type === "agentMessage"
      ? item.text
      : undefined;

describe("Thread.turns and Thread.items", () => {
  it("yields every turn page by page, newest first or oldest first", async () => {
    const thread = await threadWith("one", "two", "three");
    const newest = await all(thread.turns({ limit: 1 }));
    expect(newest.map((turn) => textOf(turn.items[0]!))).toEqual(["three", "two", "one"]);
    const oldest = await all(thread.turns({ limit: 2, sortDirection: "asc" }));
    expect(oldest.map((turn) => turn.id)).toEqual(newest.map((turn) => turn.id).reverse());

    const pages = await all(thread.turns({ limit: 2 }).pages());
    expect(pages.map((page) => page.data.length)).toEqual([2, 1]);
    expect(pages.at(-1)?.nextCursor).toBeNull();

    const first = await thread.turnList({ limit: 1, sortDirection: "asc" });
    expect(first.data[0]?.id).toBe(oldest[0]!.id);
    const second = await thread.turnList({
      limit: 1,
      sortDirection: "asc",
      cursor: first.nextCursor,
    });
    expect(second.data[0]?.id).toBe(oldest[1]!.id);
  });

  it("yields every item with its turn id, oldest first", async () => {
    const thread = await threadWith("one", "two");
    const entries = await all(thread.items({ limit: 1 }));
    expect(entries.map((entry) => textOf(entry.item))).toEqual([
      "one",
      "answer one",
      "two",
      "answer two",
    ]);
    const turns = await all(thread.turns({ sortDirection: "asc" }));
    expect(entries.map((entry) => entry.turnId)).toEqual([
      turns[0]!.id,
      turns[0]!.id,
      turns[1]!.id,
      turns[1]!.id,
    ]);
    const ofSecond = await all(thread.items({ turnId: turns[1]!.id }));
    expect(ofSecond.map((entry) => textOf(entry.item))).toEqual(["two", "answer two"]);
  });

  it("yields nothing, and lists empty pages, for a thread without a turn", async () => {
    const thread = await t.codex.threadStart();
    expect(await all(thread.turns())).toEqual([]);
    expect(await all(thread.items())).toEqual([]);
    expect((await thread.turnList()).data).toEqual([]);
    expect((await thread.itemList()).data).toEqual([]);
    // Each caller gets its own page: changing one changes no later answer.
    const page = await thread.turnList();
    page.data.push({ id: "not-a-turn" } as never);
    page.nextCursor = "x";
    expect(await thread.turnList()).toEqual({ data: [], nextCursor: null, backwardsCursor: null });
    expect((await thread.itemList()).data).toEqual([]);
    // Read with its turns, it has none; the runtime then answers its lists -32601 until a turn
    // runs, which says the same.
    const read = await thread.read({ includeTurns: true });
    expect([read.thread.id, read.thread.turns]).toEqual([thread.id, []]);
    expect(await all(thread.turns())).toEqual([]);
    expect(await all(thread.items())).toEqual([]);
    t.mock.enqueueAssistantMessage("answer one");
    await thread.run("one");
    expect((await thread.read({ includeTurns: true })).thread.turns).toHaveLength(1);
    expect(await all(thread.turns())).toHaveLength(1);
  });

  it("still fails for a thread the server does not know", async () => {
    const unknown = t.codex.thread("00000000-0000-7000-8000-000000000000");
    await expect(all(unknown.turns())).rejects.toMatchObject({ name: "InvalidRequestError" });
    await expect(all(unknown.items())).rejects.toMatchObject({ name: "InvalidRequestError" });
  });

  it("rejects the items of an ephemeral thread with the items answer", async () => {
    const thread = await t.codex.threadStart({ ephemeral: true });
    t.mock.enqueueAssistantMessage("answer");
    await thread.run("one");
    // The runtime refuses thread/turns/list on it too: that refusal is no answer to this call.
    for (const list of [() => all(thread.items()), () => thread.itemList()]) {
      await expect(list()).rejects.toMatchObject({
        name: "MethodNotFoundError",
        rpcMessage: expect.stringContaining("thread/items/list"),
      });
    }
  });

  it("leaves a command's saved output out of one turn's items with deferOutput", async () => {
    const thread = await t.codex.threadStart();
    t.mock.enqueue([sse.execCommand("echo deferred-output", { callId: "call-exec" })]);
    t.mock.enqueueAssistantMessage("done");
    const { id: turnId } = await thread.run("run it");
    const outputOf = async (options: ItemListOptions) => {
      const page = await thread.itemList({ turnId, ...options });
      const command = page.data.find((entry) => entry.item.type === "commandExecution")?.item;
      return (command as { aggregatedOutput?: string | null } | undefined)?.aggregatedOutput;
    };
    expect(await outputOf({})).toContain("deferred-output");
    const deferred = await outputOf({ deferOutput: { commandExecution: true } });
    expect(deferred ?? "").not.toContain("deferred-output");
  });

  it("throws on bad options before any I/O", async () => {
    const thread = await t.codex.threadStart();
    expect(() => thread.turns({ limit: -1 })).toThrow(RangeError);
    expect(() => thread.items({ sortDirection: "sideways" as never })).toThrow(TypeError);
    expect(() => t.codex.threads({ timeout: 0 })).toThrow(RangeError);
    await expect(thread.turnList({ limit: 0 })).rejects.toThrow(RangeError);
    await expect(thread.itemList({ cursor: 5 as never })).rejects.toThrow(TypeError);
    expect(clientStats(t.codex)["connection.pending"]).toBe(0);
  });
});

describe("Codex.threads", () => {
  it("yields every stored thread, page by page", async () => {
    const made = [await threadWith("a"), await threadWith("b"), await threadWith("c")];
    const listed = await all(t.codex.threads({ limit: 1 }));
    expect(listed.map((stored) => stored.id).sort()).toEqual(made.map((th) => th.id).sort());
    const first: string[] = [];
    for await (const stored of t.codex.threads({ limit: 1 })) {
      first.push(stored.id);
      break;
    }
    expect(first).toHaveLength(1);
    expect(made.map((th) => th.id)).toContain(first[0]);
  });
});

describe("Thread.revert", () => {
  it("drops a turn and the later ones from the history the model sees", async () => {
    const thread = await threadWith("one", "two", "three");
    const [, second] = await all(thread.turns({ sortDirection: "asc" }));
    const reverted = await thread.revert(second!.id);
    expect(reverted.thread.id).toBe(thread.id);
    expect((await all(thread.turns())).map((turn) => textOf(turn.items[0]!))).toEqual(["one"]);

    t.mock.enqueueAssistantMessage("answer four");
    await thread.run("four");
    const texts = inputTexts(t.mock.responsesRequests.at(-1)!);
    expect(texts).toContain("one");
    expect(texts).toContain("four");
    expect(texts).not.toContain("two");
    expect(texts).not.toContain("three");
  });

  it("waits for this client's turn in flight and rolls back the turns asked for before it", async () => {
    const thread = await threadWith("one", "two");
    const [, second] = await all(thread.turns({ sortDirection: "asc" }));
    const gate = t.mock.gate();
    t.mock.enqueueAssistantMessage("answer three", { gate });
    const three = thread.run("three");
    await gate.reached;
    t.mock.enqueueAssistantMessage("answer four");
    const four = thread.run("four");
    const reverted = thread.revert(second!.id);
    gate.release();
    // Not interrupted by the revert, which came after it, nor run after the revert.
    expect((await three).status).toBe("completed");
    expect((await four).status).toBe("completed");
    await reverted;
    expect((await all(thread.turns())).map((turn) => textOf(turn.items[0]!))).toEqual(["one"]);

    // Unsubscribed, the thread runs no turn of this client: the history still rolls back.
    const [first] = await all(thread.turns());
    await thread.unsubscribe();
    await thread.revert(first!.id);
    expect(await all(thread.turns())).toEqual([]);
  });

  it("still goes when the client leaves the thread while the revert waits behind its turn", async () => {
    const thread = await threadWith("one", "two");
    const [, second] = await all(thread.turns({ sortDirection: "asc" }));
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["working"]), { gate });
    const three = thread.run("three").catch((e: unknown) => e);
    await gate.reached;
    const reverted = thread.revert(second!.id);
    await thread.unsubscribe();
    expect(await three).toBeInstanceOf(CodexError);
    await reverted;
    gate.release();
    const texts = (await all(thread.turns({ sortDirection: "asc" }))).map((turn) =>
      textOf(turn.items[0]!),
    );
    expect(texts[0]).toBe("one");
    expect(texts).not.toContain("two");
  });

  it("refuses a thread without a turn yet, which the runtime would unload for good", async () => {
    const thread = await t.codex.threadStart({
      tools: [{ name: "lookup", inputSchema: { type: "object" }, handler: () => "x" }],
    });
    const err = await thread.revert("no-such-turn").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodexError);
    expect((err as Error).message).toBe(
      `thread ${thread.id} has no turn yet, so none named "no-such-turn" to revert to`,
    );
    // Still loaded, its tools kept, and it takes turns.
    expect(await t.codex.loadedThreads()).toContain(thread.id);
    expect(clientStats(t.codex)["dispatcher.threadTools"]).toBe(1);
    t.mock.enqueueAssistantMessage("answer one");
    expect((await thread.run("one")).finalResponse).toBe("answer one");
  });

  it("rejects an empty turn id before any I/O", async () => {
    const thread = await t.codex.threadStart();
    await expect(thread.revert("")).rejects.toThrow(TypeError);
    await expect(thread.revert(7 as never)).rejects.toThrow(TypeError);
  });
});

describe("Codex.threadDelete and loadedThreads", () => {
  it("deletes the thread, unloads it, and releases its handlers", async () => {
    const thread = await threadWith("one");
    const other = await t.codex.threadStart({
      approvals: { commandExecution: () => ({ decision: "accept" }) },
      tools: [{ name: "t", description: "d", inputSchema: { type: "object" }, handler: () => "" }],
    });
    expect(await t.codex.loadedThreads()).toEqual(expect.arrayContaining([thread.id, other.id]));
    expect(clientStats(t.codex)["dispatcher.threadHandlers"]).toBe(1);
    expect(clientStats(t.codex)["dispatcher.threadTools"]).toBe(1);

    await t.codex.threadDelete(other.id);
    expect(clientStats(t.codex)["dispatcher.threadHandlers"]).toBe(0);
    expect(clientStats(t.codex)["dispatcher.threadTools"]).toBe(0);
    await t.codex.threadDelete(thread.id);
    const loaded = await t.codex.loadedThreads();
    expect(loaded).not.toContain(thread.id);
    await expect(thread.read()).rejects.toMatchObject({ name: "InvalidRequestError" });
    await expect(t.codex.threadDelete("")).rejects.toThrow(TypeError);
  });
});

describe("Thread.unsubscribe", () => {
  it("releases the thread's tools", async () => {
    const tooled = await t.codex.threadStart({
      tools: [{ name: "t", description: "d", inputSchema: { type: "object" }, handler: () => "" }],
    });
    expect(clientStats(t.codex)["dispatcher.threadTools"]).toBe(1);
    await tooled.unsubscribe();
    expect(clientStats(t.codex)["dispatcher.threadTools"]).toBe(0);
  });

  it("refuses a turn on the thread afterwards, until threadResume subscribes again", async () => {
    const thread = await threadWith("one");
    const withHandlers = t.codex.thread(thread.id, { onUserInput: () => ({ answers: {} }) });
    expect(clientStats(t.codex)["dispatcher.threadHandlers"]).toBe(1);
    expect((await thread.unsubscribe()).status).toBe("unsubscribed");
    expect(clientStats(t.codex)["dispatcher.threadHandlers"]).toBe(0);

    for (const start of [
      () => thread.run("two"),
      () => withHandlers.turn("two"),
      () => thread.review({ instructions: "review" }),
      () => thread.review({ instructions: "review" }, { delivery: "detached" }),
      () => thread.runGoal("a goal"),
    ]) {
      const err = await start().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CodexError);
      expect((err as Error).message).toMatch(/unsubscribed.*threadResume/);
    }

    const resumed = await t.codex.threadResume(thread.id);
    t.mock.enqueueAssistantMessage("answer two");
    expect((await resumed.run("two")).finalResponse).toBe("answer two");
    // None of the refused starts reached the model: it saw "one" and this "two" only.
    expect(t.mock.responsesRequests).toHaveLength(2);
    expect(clientStats(t.codex)["router.unsubscribed"]).toBe(0);
  });

  it("resumes by rollout path or history the thread the server names, which takes turns", async () => {
    const thread = await threadWith("one");
    const path = (await thread.read()).thread.path;
    expect(typeof path).toBe("string");
    await thread.unsubscribe();
    // The server ignores the id of a stored thread resumed by its path, and answers the path's.
    const unknown = "019a0000-0000-7000-8000-000000000000";
    const byPath = await t.codex.threadResume(unknown, { path: path! });
    expect(byPath.id).toBe(thread.id);
    expect(clientStats(t.codex)["router.unsubscribed"]).toBe(0);
    t.mock.enqueueAssistantMessage("answer two");
    expect((await byPath.run("two")).finalResponse).toBe("answer two");

    const byHistory = await t.codex.threadResume(unknown, {
      history: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
    });
    expect(byHistory.id).not.toBe(unknown);
    t.mock.enqueueAssistantMessage("answer three");
    expect((await byHistory.run("three")).finalResponse).toBe("answer three");
  });

  it("fails the turn in flight and the one queued when codex.request sends the unsubscribe", async () => {
    const thread = await t.codex.threadStart({ onUserInput: () => ({ answers: {} }) });
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["working"]), { gate });
    const inFlight = thread.run("one").catch((e: unknown) => e);
    await gate.reached;
    const queued = thread.run("two").catch((e: unknown) => e);
    const answer = await t.codex.request("thread/unsubscribe", { threadId: thread.id });
    expect(answer.status).toBe("unsubscribed");
    for (const err of [await inFlight, await queued]) {
      expect(err).toBeInstanceOf(CodexError);
      expect((err as Error).message).toMatch(/unsubscribed from thread .*threadResume/);
    }
    gate.release();
    expect(clientStats(t.codex)).toMatchObject({
      "router.turns": 0,
      "router.queues": 0,
      "router.unsubscribed": 1,
      "dispatcher.threadHandlers": 0,
    });
    // Resumed the same way, it takes turns again.
    await t.codex.request("thread/resume", { threadId: thread.id });
    expect(clientStats(t.codex)["router.unsubscribed"]).toBe(0);
    t.mock.enqueueAssistantMessage("answer three");
    expect((await thread.run("three")).finalResponse).toBe("answer three");
  });

  it("still interrupts the turn the server runs on after the client left the thread", async () => {
    const thread = await t.codex.threadStart();
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["working"]), { gate });
    const turn = await thread.turn("long task");
    await gate.reached;
    const run = turn.run().catch((e: unknown) => e);
    await thread.unsubscribe();
    expect(await run).toBeInstanceOf(CodexError);
    expect(await turn.interrupt()).toEqual({});
    const status = async () => {
      const { thread: read } = await thread.read({ includeTurns: true });
      return read.turns.find((stored) => stored.id === turn.id)?.status;
    };
    await vi.waitFor(async () => expect(await status()).toBe("interrupted"), { timeout: 5_000 });
    gate.release();
  });

  it("forgets the unsubscribe once the thread is archived", async () => {
    const thread = await threadWith("one");
    expect((await thread.unsubscribe()).status).toBe("unsubscribed");
    expect(clientStats(t.codex)["router.unsubscribed"]).toBe(1);
    await t.codex.threadArchive(thread.id);
    expect(clientStats(t.codex)["router.unsubscribed"]).toBe(0);
  });
});
