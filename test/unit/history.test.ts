import { afterEach, describe, expect, it, vi } from "vitest";
import { Codex, clientStats } from "../../src/codex.js";
import {
  CodexError,
  InvalidRequestError,
  MethodNotFoundError,
  RequestTimeoutError,
  TransportClosedError,
} from "../../src/errors.js";
import { Connection } from "../../src/rpc/connection.js";
import {
  allPages,
  itemPage,
  itemPages,
  reviewStartOf,
  threadPages,
  turnPage,
  turnPages,
} from "../../src/history.js";
import { captureLog } from "../support/capture-log.js";
import { FakeTransport } from "../support/fake-transport.js";
import { startStandin, type ClientLine } from "../support/fault/standin.js";

afterEach(() => {
  vi.useRealTimers();
});

/**
 * A fake server answering each list request with the page its cursor names, and with an error
 * once it has answered `limit` requests.
 */
function pagedServer(
  pages: Record<string, { data: unknown[]; nextCursor: string | null }>,
  limit = Number.POSITIVE_INFINITY,
) {
  const transport = new FakeTransport();
  const connection = new Connection(transport);
  let answered = 0;
  const serve = async () => {
    for (;;) {
      const request = await transport.waitForSent(answered + 1);
      answered++;
      const cursor = (request.params as { cursor?: string }).cursor ?? "";
      const page = answered > limit ? undefined : pages[cursor];
      transport.deliver(
        page === undefined
          ? { id: request.id, error: { code: -32600, message: `no page ${cursor}` } }
          : { id: request.id, result: { ...page, backwardsCursor: null } },
      );
    }
  };
  void serve();
  return { transport, connection };
}

const PAGES = {
  "": { data: ["a", "b"], nextCursor: "c1" },
  c1: { data: ["c"], nextCursor: "c2" },
  c2: { data: ["d"], nextCursor: null },
};

describe("Paginated", () => {
  it("fetches nothing until read, then page after page", async () => {
    const { transport, connection } = pagedServer(PAGES);
    const turns = turnPages(connection, "th", { limit: 2 });
    expect(transport.sent).toHaveLength(0);
    const seen: unknown[] = [];
    for await (const turn of turns) seen.push(turn);
    expect(seen).toEqual(["a", "b", "c", "d"]);
    expect(transport.sent.map((m) => m.params)).toEqual([
      { threadId: "th", limit: 2 },
      { threadId: "th", limit: 2, cursor: "c1" },
      { threadId: "th", limit: 2, cursor: "c2" },
    ]);
  });

  it("fetches no further page after a break on the first element", async () => {
    const { transport, connection } = pagedServer(PAGES);
    const seen: unknown[] = [];
    for await (const item of itemPages(connection, "th", undefined)) {
      seen.push(item);
      break;
    }
    expect(seen).toEqual(["a"]);
    // Give a stray fetch the chance to show up.
    await new Promise((resolve) => setImmediate(resolve));
    expect(transport.sent).toHaveLength(1);
    expect(transport.sent[0]!.method).toBe("thread/items/list");
  });

  it("yields whole pages from pages(), and starts over on each loop", async () => {
    const { transport, connection } = pagedServer(PAGES);
    const threads = threadPages(connection, { limit: 2, timeout: 5_000 });
    const cursors: Array<string | null> = [];
    for await (const page of threads.pages()) cursors.push(page.nextCursor);
    expect(cursors).toEqual(["c1", "c2", null]);
    const again: unknown[] = [];
    for await (const thread of threads) again.push(thread);
    expect(again).toEqual(["a", "b", "c", "d"]);
    expect(transport.sent).toHaveLength(6);
    // signal and timeout stay off the wire.
    expect(transport.sent[0]!.params).toEqual({ limit: 2 });
  });

  it("stops with an error when the server hands back the cursor it was given", async () => {
    const { connection } = pagedServer({
      "": { data: ["a"], nextCursor: "loop" },
      loop: { data: [], nextCursor: "loop" },
    });
    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const turn of turnPages(connection, "th", undefined)) seen.push(turn);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["a"]);
    expect(err).toMatchObject({ message: expect.stringMatching(/same page cursor/) });
  });

  it("refuses thread filters the runtime refuses: an empty thread id, filters of one another", () => {
    const { transport, connection } = pagedServer(PAGES);
    for (const name of ["parentThreadId", "ancestorThreadId", "attachedToThreadId"]) {
      expect(() => threadPages(connection, { [name]: "" })).toThrow(
        new TypeError(`${name} must be a non-empty string, got an empty string`),
      );
    }
    for (const name of ["includedThreadIds", "excludedThreadIds"]) {
      expect(() => threadPages(connection, { [name]: ["th", ""] })).toThrow(
        new TypeError(`${name}[1] must be a non-empty string, got an empty string`),
      );
    }
    expect(() =>
      threadPages(connection, {
        parentThreadId: "a",
        ancestorThreadId: "b",
        attachedToThreadId: null,
      }),
    ).toThrow(
      new TypeError("parentThreadId and ancestorThreadId cannot be combined: give one of them"),
    );
    expect(() =>
      threadPages(connection, { attachedToThreadId: "a", ancestorThreadId: "b" }),
    ).toThrow(
      new TypeError("ancestorThreadId and attachedToThreadId cannot be combined: give one of them"),
    );
    for (const sectionId of [undefined, null]) {
      expect(() => threadPages(connection, { sortKey: "section_position", sectionId })).toThrow(
        new TypeError(
          'sortKey "section_position" needs a sectionId: the runtime sorts one section',
        ),
      );
    }
    expect(() =>
      threadPages(connection, { sortKey: "section_position", sectionId: "s", parentThreadId: "a" }),
    ).not.toThrow();
    expect(transport.sent).toHaveLength(0);
  });

  it("checks options when the iterable is made, before any I/O", () => {
    const { transport, connection } = pagedServer(PAGES);
    expect(() => turnPages(connection, "th", { limit: 0 })).toThrow(RangeError);
    expect(() => turnPages(connection, "th", { limit: 1.5 })).toThrow(RangeError);
    expect(() => turnPages(connection, "th", { limit: 1e20 })).toThrow(
      "limit must be an integer from 1 to 4294967295, got 100000000000000000000",
    );
    expect(() => itemPages(connection, "th", { limit: 2 ** 32 })).toThrow(RangeError);
    expect(() => threadPages(connection, { limit: 2 ** 32 })).toThrow(RangeError);
    expect(() => threadPages(connection, { limit: 2 ** 32 - 1 })).not.toThrow();
    expect(() => turnPages(connection, "th", { cursor: 3 as never })).toThrow(TypeError);
    for (const list of [
      () => turnPages(connection, "th", { cursor: "" }),
      () => itemPages(connection, "th", { cursor: "" }),
      () => threadPages(connection, { cursor: "" }),
    ]) {
      expect(list).toThrow("cursor must be a non-empty string");
    }
    expect(() => turnPages(connection, "th", { sortDirection: "up" as never })).toThrow(TypeError);
    expect(() => itemPages(connection, "th", { timeout: -1 })).toThrow(RangeError);
    expect(() => threadPages(connection, { signal: {} as never })).toThrow(TypeError);
    // A hole is refused, naming its index.
    const holed = ["/a", "/b"];
    delete holed[0];
    expect(() => threadPages(connection, { cwd: holed as never })).toThrow(
      "cwd[0] must be a string, got undefined",
    );
    expect(() => threadPages(connection, { archived: new Date(0) as never })).toThrow(
      "archived must be a boolean or null, got a Date",
    );
    // An item anchor is `{ type: "item", itemId }`: the server's refusal of another names nothing.
    for (const [cursor, message] of [
      [{ itemId: "x" }, 'cursor.type of an item anchor must be "item", got undefined'],
      [{ type: "item", itemId: NaN }, "cursor.itemId must be a non-empty string, got NaN"],
      [{ type: "item", itemId: "" }, "cursor.itemId must be a non-empty string, got an empty"],
      [{ type: "item", itemId: "x", turnId: "t" }, 'cursor has no field "turnId"'],
    ] as const) {
      expect(() => itemPages(connection, "th", { cursor: cursor as never })).toThrow(message);
    }
    // The runtime finds an anchor within one turn only: without it, its refusal comes after I/O.
    for (const turnId of [undefined, null]) {
      expect(() =>
        itemPages(connection, "th", { turnId, cursor: { type: "item", itemId: "x" } }),
      ).toThrow("an item anchor cursor needs turnId: the runtime finds it in one turn only");
    }
    expect(() =>
      itemPages(connection, "th", { turnId: "t1", cursor: { type: "item", itemId: "x" } }),
    ).not.toThrow();
    // Which outputs to leave out: a misspelt kind would be ignored without a word.
    for (const [deferOutput, message] of [
      [{ commandExecutions: true }, 'deferOutput has no kind "commandExecutions"'],
      [true, "deferOutput must be an object such as { commandExecution: true }, got boolean"],
      [{ mcpToolCall: "yes" }, "deferOutput.mcpToolCall must be a boolean"],
    ] as const) {
      const options = { turnId: "t1", deferOutput: deferOutput as never };
      expect(() => itemPages(connection, "th", options)).toThrow(message);
    }
    // Without a turn the runtime defers nothing, without a word.
    expect(() => itemPages(connection, "th", { deferOutput: { commandExecution: true } })).toThrow(
      "deferOutput needs turnId: the runtime defers output within one turn only",
    );
    // Each wire field takes the kinds of value the runtime's types give it, and no other.
    const refusals: Array<[() => unknown, string]> = [
      [
        () => threadPages(connection, { archived: "yes" as never }),
        "archived must be a boolean or null, got a string",
      ],
      [
        () => threadPages(connection, { useStateDbOnly: null as never }),
        "useStateDbOnly must be a boolean, got null",
      ],
      [
        () => threadPages(connection, { cwd: 5 as never }),
        "cwd must be a string, an array of strings or null, got 5",
      ],
      [
        () => threadPages(connection, { includedThreadIds: "x" as never }),
        "includedThreadIds must be an array of strings or null, got a string",
      ],
      [
        () => threadPages(connection, { sortKey: "name" as never }),
        'sortKey must be one of "created_at", "updated_at", "recency_at", "section_position" or null, got "name"',
      ],
      [
        () => threadPages(connection, { sourceKinds: ["cli", "web"] as never }),
        'sourceKinds[1] must be one of "cli", "vscode", "exec", "appServer", "subAgent", "subAgentReview", "subAgentCompact", "subAgentThreadSpawn", "subAgentOther", "unknown", got "web"',
      ],
      [
        () => threadPages(connection, { cwd: ["/a", 5] as never }),
        "cwd[1] must be a string, got 5",
      ],
      // An empty directory would select the server's own.
      [
        () => threadPages(connection, { cwd: "" }),
        "cwd must be a non-empty string, got an empty string",
      ],
      [
        () => threadPages(connection, { cwd: ["/a", " "] }),
        "cwd[1] must be a non-empty string, got only white space",
      ],
      [
        () => turnPages(connection, "th", { sortDirection: "up" as never }),
        'sortDirection must be one of "asc", "desc" or null, got "up"',
      ],
      [
        () => turnPages(connection, "th", { itemsView: "all" as never }),
        'itemsView must be one of "notLoaded", "summary", "full" or null, got "all"',
      ],
      [
        () => itemPages(connection, "th", { turnId: 5 as never }),
        "turnId must be a string or null, got 5",
      ],
      [
        () => itemPages(connection, "th", { turnId: "" }),
        "turnId must be a non-empty string, got an empty string",
      ],
    ];
    for (const [make, message] of refusals) expect(make).toThrow(new TypeError(message));
    expect(() =>
      threadPages(connection, { archived: null, cwd: ["/a"], sourceKinds: ["cli"] }),
    ).not.toThrow();
    expect(transport.sent).toHaveLength(0);
  });
});

/** Pages whose cursors come round again: "" -> A -> B -> A. */
const CYCLE = {
  "": { data: ["a"], nextCursor: "A" },
  A: { data: ["b"], nextCursor: "B" },
  B: { data: ["c"], nextCursor: "A" },
};

describe("Paginated with cursors that come round again", () => {
  it("shows a repeated cursor plain in its error: nothing a terminal would run", async () => {
    const hostile = "\u001b]0;pwned\u0007\rX";
    const { connection } = pagedServer({
      "": { data: ["a"], nextCursor: hostile },
      [hostile]: { data: ["b"], nextCursor: hostile },
    });
    const err = await (async () => {
      for await (const thread of threadPages(connection, undefined)) void thread;
    })().catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      "thread/list: the server returned the same page cursor twice ( ]0;pwned X)",
    );
  });

  it("stops with a CodexError naming the method, after one request per distinct cursor", async () => {
    // The limit turns a missing check into a failure rather than an endless loop.
    const { transport, connection } = pagedServer(CYCLE, 10);
    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const thread of threadPages(connection, undefined)) seen.push(thread);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodexError);
    expect((err as Error).message).toBe(
      "thread/list: the server returned the same page cursor twice (A)",
    );
    expect(seen).toEqual(["a", "b", "c"]);
    expect(transport.sent).toHaveLength(3);
  });

  it("stops thread.turns and thread.items the same way", async () => {
    for (const [pages, method] of [
      [turnPages, "thread/turns/list"],
      [itemPages, "thread/items/list"],
    ] as const) {
      const { transport, connection } = pagedServer(CYCLE, 10);
      const err = await (async () => {
        for await (const entry of pages(connection, "th", undefined)) void entry;
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CodexError);
      expect((err as Error).message).toBe(
        `${method}: the server returned the same page cursor twice (A)`,
      );
      expect(transport.sent).toHaveLength(3);
    }
  });
});

describe("Paginated from a cursor the caller gives", () => {
  it("stops when the server gives that cursor back, before yielding its page twice", async () => {
    const echo = { S: { data: ["s"], nextCursor: "S" } };
    for (const [pages, method] of [
      [turnPages, "thread/turns/list"],
      [itemPages, "thread/items/list"],
      [
        (connection: Connection, _: string, options: object) => threadPages(connection, options),
        "thread/list",
      ],
    ] as const) {
      const { transport, connection } = pagedServer(echo, 10);
      const seen: unknown[] = [];
      const err = await (async () => {
        for await (const entry of pages(connection, "th", { cursor: "S" })) seen.push(entry);
      })().catch((e: unknown) => e);
      expect((err as Error).message).toBe(
        `${method}: the server returned the same page cursor twice (S)`,
      );
      expect(seen).toEqual(["s"]);
      expect(transport.sent).toHaveLength(1);
    }
  });
});

describe("pages the server gets wrong", () => {
  it("end the loop with a CodexError naming the method, never a loop or a bare TypeError", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ data: "abc", nextCursor: null }, "the server answered with a page whose data is no array"],
      [{ nextCursor: null }, "the server answered with a page whose data is no array"],
      [
        { data: [], nextCursor: { turnId: "x" } },
        "the server answered with a nextCursor that is no string",
      ],
      [{ data: [], nextCursor: 3 }, "the server answered with a nextCursor that is no string"],
      // Sent back, it would fail the check of a caller's cursor, as if the caller had given it.
      [{ data: [], nextCursor: "" }, "the server answered with an empty nextCursor"],
      [{ data: [], nextCursor: " \n" }, "the server answered with a blank nextCursor"],
    ];
    for (const [page, message] of cases) {
      for (const [pages, method] of [
        [(c: Connection) => threadPages(c, undefined), "thread/list"],
        [(c: Connection) => turnPages(c, "th", undefined), "thread/turns/list"],
        [(c: Connection) => itemPages(c, "th", undefined), "thread/items/list"],
      ] as const) {
        const transport = new FakeTransport();
        const connection = new Connection(transport);
        const looping = (async () => {
          for await (const entry of pages(connection)) void entry;
        })().catch((e: unknown) => e);
        const request = await transport.waitForSent(1);
        transport.deliver({ id: request.id, result: page });
        const err = await looping;
        expect(err).toBeInstanceOf(CodexError);
        expect((err as Error).message).toBe(`${method}: ${message}`);
        expect(transport.sent).toHaveLength(1);
      }
    }
  });

  it("find where an inline review started past entries without a turn's id, never sending one", async () => {
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    const finding = reviewStartOf(connection, "th", "review", undefined);
    const request = await transport.waitForSent(1);
    const data = [
      null,
      { id: "review", rootTurnId: "review" },
      { id: ["t2"], rootTurnId: "review" },
      { id: "", rootTurnId: "review" },
      { id: "t1", rootTurnId: "review" },
      7,
      { id: "t0", rootTurnId: "t0" },
    ];
    transport.deliver({ id: request.id, result: { data, nextCursor: null } });
    await expect(finding).resolves.toBe("t1");
    // Without a readable turn run for the review, there is none.
    const none = reviewStartOf(connection, "th", "review", undefined);
    const again = await transport.waitForSent(2);
    transport.deliver({ id: again.id, result: { data: [null, { id: 5 }], nextCursor: null } });
    await expect(none).resolves.toBeUndefined();
  });

  it("tells an empty thread from a bad turns answer when items cannot be listed", async () => {
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    const listing = itemPage(connection, "th", undefined).catch((e: unknown) => e);
    const items = await transport.waitForSent(1);
    transport.deliver({ id: items.id, error: { code: -32601, message: "not here" } });
    const turns = await transport.waitForSent(2);
    transport.deliver({ id: turns.id, result: {} });
    expect(await listing).toMatchObject({
      name: "CodexError",
      message: "thread/turns/list: the server answered with a page whose data is no array",
    });
  });

  it("rejects with the check's word on the thread as the answer to thread/items/list", async () => {
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    const listing = itemPage(connection, "th", undefined).catch((e: unknown) => e);
    const items = await transport.waitForSent(1);
    transport.deliver({ id: items.id, error: { code: -32601, message: "not supported yet" } });
    const turns = await transport.waitForSent(2);
    transport.deliver({ id: turns.id, error: { code: -32600, message: "thread not loaded: th" } });
    const err = (await listing) as InvalidRequestError;
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect(err.method).toBe("thread/items/list");
    expect(err.message).toBe("JSON-RPC error -32600 (thread/items/list): thread not loaded: th");
    expect((err.cause as InvalidRequestError).method).toBe("thread/turns/list");
  });

  it("rejects with the items answer when the thread cannot list its turns either", async () => {
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    const listing = itemPage(connection, "th", undefined).catch((e: unknown) => e);
    const items = await transport.waitForSent(1);
    const unsupported = "thread/items/list is not supported yet";
    transport.deliver({ id: items.id, error: { code: -32601, message: unsupported } });
    const turns = await transport.waitForSent(2);
    transport.deliver({
      id: turns.id,
      error: { code: -32600, message: "ephemeral threads do not support thread/turns/list" },
    });
    const err = await listing;
    expect(err).toBeInstanceOf(MethodNotFoundError);
    expect((err as MethodNotFoundError).rpcMessage).toBe(unsupported);
  });
});

describe("the check of a thread without a turn yet", () => {
  const NOT_YET = { code: -32601, message: "thread/turns/list is not supported yet" };
  // Answers the list request with "not supported yet", then its check (thread/read) with `check`,
  // or not at all; returns the check.
  async function refuse(transport: FakeTransport, listed: number, check?: object) {
    const list = await transport.waitForSent(listed);
    transport.deliver({ id: list.id, error: NOT_YET });
    const read = await transport.waitForSent(listed + 1);
    expect(read.method).toBe("thread/read");
    if (check !== undefined) transport.deliver({ id: read.id, ...check });
  }
  const broke = { error: { code: -32603, message: "the check broke" } };

  it("times out as the call, with the call's timeout", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    const listing = turnPage(connection, "th", { timeout: 300 }).catch((e: unknown) => e);
    await refuse(transport, 1);
    await vi.advanceTimersByTimeAsync(300);
    const err = await listing;
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err).toMatchObject({ method: "thread/turns/list", timeoutMs: 300 });
  });

  it("leaves the call's refusal standing when it fails, and logs its failure", async () => {
    const transport = new FakeTransport();
    const { log, entries } = captureLog();
    const connection = new Connection(transport);
    const listing = turnPage(connection, "th", undefined, log).catch((e: unknown) => e);
    await refuse(transport, 1, broke);
    const err = await listing;
    expect(err).toBeInstanceOf(MethodNotFoundError);
    expect((err as MethodNotFoundError).rpcMessage).toBe(NOT_YET.message);
    expect(entries.map((e) => e.message)).toContain(
      "codex-app-server-sdk: thread/turns/list: the check of whether the thread has a turn failed",
    );
    // An item listing, whose check lists the turns, keeps its own refusal the same way.
    const items = itemPage(connection, "th", undefined, log).catch((e: unknown) => e);
    const unsupported = "thread/items/list is not supported yet";
    const itemsRequest = await transport.waitForSent(3);
    transport.deliver({ id: itemsRequest.id, error: { code: -32601, message: unsupported } });
    await refuse(transport, 4, broke);
    expect(((await items) as MethodNotFoundError).rpcMessage).toBe(unsupported);
  });

  it("leaves the call's refusal standing when its answer holds no thread, and logs that", async () => {
    for (const result of [{}, { thread: null }, { thread: { preview: 3 } }]) {
      const transport = new FakeTransport();
      const { log, entries } = captureLog();
      const connection = new Connection(transport);
      const listing = turnPage(connection, "th", undefined, log).catch((e: unknown) => e);
      await refuse(transport, 1, { result });
      const err = await listing;
      expect(err).toBeInstanceOf(MethodNotFoundError);
      expect((err as MethodNotFoundError).rpcMessage).toBe(NOT_YET.message);
      expect(entries.map((e) => e.message)).toContain(
        "codex-app-server-sdk: thread/turns/list: the check of whether the thread has a turn read no preview",
      );
    }
  });

  it("rejects with TransportClosedError when the server exits during it", async () => {
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    const listing = turnPage(connection, "th", undefined).catch((e: unknown) => e);
    await refuse(transport, 1);
    transport.end();
    // Not the refusal the check was about, as if the server had answered it.
    expect(await listing).toBeInstanceOf(TransportClosedError);
  });
});

describe("one timeout for a call of several requests", () => {
  it("bounds every page of allPages together, and names the call's method and timeout", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    const given: Array<number | undefined> = [];
    const all = allPages("thread/loaded/list", { timeout: 400 }, (cursor, call) => {
      given.push(call?.timeout);
      return connection.request("thread/loaded/list", cursor === undefined ? {} : { cursor }, call);
    }).catch((e: unknown) => e);
    const first = await transport.waitForSent(1);
    await vi.advanceTimersByTimeAsync(300);
    transport.deliver({ id: first.id, result: { data: ["a"], nextCursor: "c1" } });
    await transport.waitForSent(2);
    await vi.advanceTimersByTimeAsync(100);
    const err = await all;
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err).toMatchObject({ method: "thread/loaded/list", timeoutMs: 400 });
    expect(given).toEqual([400, 100]);
  });

  it("gives the check of an item listing what is left of its timeout", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const transport = new FakeTransport();
    const connection = new Connection(transport);
    const listing = itemPage(connection, "th", { timeout: 400 }).catch((e: unknown) => e);
    const items = await transport.waitForSent(1);
    await vi.advanceTimersByTimeAsync(300);
    transport.deliver({ id: items.id, error: { code: -32601, message: "not here" } });
    await transport.waitForSent(2);
    await vi.advanceTimersByTimeAsync(100);
    const err = await listing;
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err).toMatchObject({ method: "thread/items/list", timeoutMs: 400 });
  });
});

describe("Codex.loadedThreads", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("follows every page, and rejects with a CodexError when a cursor comes round again", async () => {
    let pages: Record<string, { data: unknown[]; nextCursor: string | null }> = PAGES;
    let answered = 0;
    const page = (request: ClientLine) => {
      if (++answered > 10) return { error: { code: -32600, message: "too many pages" } };
      const cursor = (request.message?.params as { cursor?: string } | undefined)?.cursor;
      return { result: pages[cursor ?? ""]! };
    };
    const s = await startStandin({ replies: { "thread/loaded/list": page } });
    cleanups.push(() => s.close());
    const codex = await Codex.start({ launchArgs: s.launchArgs });
    cleanups.push(() => codex.close());
    expect(await codex.loadedThreads()).toEqual(["a", "b", "c", "d"]);

    pages = CYCLE;
    const err: unknown = await codex.loadedThreads().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodexError);
    expect((err as Error).message).toBe(
      "thread/loaded/list: the server returned the same page cursor twice (A)",
    );
    expect(s.received.filter((line) => line.method === "thread/loaded/list")).toHaveLength(6);

    pages = { "": { data: ["a", 1, null], nextCursor: null } };
    await expect(codex.loadedThreads()).rejects.toThrow(
      "thread/loaded/list: the server listed a thread id that is no string",
    );
  });

  it("bounds all its pages by one timeout, as codex.mcpServers does", async () => {
    // Each page comes after 200 ms: under a 300 ms timeout for each, the call would take 400.
    const page = (request: ClientLine) => {
      const cursor = (request.message?.params as { cursor?: string } | undefined)?.cursor;
      return { delayMs: 200, result: { data: [cursor ?? "a"], nextCursor: cursor ? null : "b" } };
    };
    const s = await startStandin({
      replies: { "thread/loaded/list": page, "mcpServerStatus/list": page },
    });
    cleanups.push(() => s.close());
    const codex = await Codex.start({ launchArgs: s.launchArgs });
    cleanups.push(() => codex.close());
    expect(await codex.loadedThreads()).toEqual(["a", "b"]);
    for (const [call, method] of [
      [() => codex.loadedThreads({ timeout: 300 }), "thread/loaded/list"],
      [() => codex.mcpServers({ timeout: 300 }), "mcpServerStatus/list"],
    ] as const) {
      const err: unknown = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RequestTimeoutError);
      expect(err).toMatchObject({ method, timeoutMs: 300 });
    }
  });

  it("checks the page codex.threadList returns, as the other list calls do", async () => {
    const s = await startStandin({ replies: { "thread/list": () => ({ result: null }) } });
    cleanups.push(() => s.close());
    const codex = await Codex.start({ launchArgs: s.launchArgs });
    cleanups.push(() => codex.close());
    const err: unknown = await codex.threadList().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodexError);
    expect((err as Error).message).toBe(
      "thread/list: the server answered with a page whose data is no array",
    );
  });
});

describe("Codex.threadArchive and threadDelete", () => {
  it("release what the client kept for the thread by the time they resolve, its notification yet to come", async () => {
    const s = await startStandin({
      replies: {
        "thread/start": { result: { thread: { id: "t1" } } },
        "thread/archive": { result: {} },
        "thread/delete": { result: {} },
      },
    });
    const codex = await Codex.start({ launchArgs: s.launchArgs });
    try {
      const tools = [{ name: "t", inputSchema: { type: "object" as const }, handler: () => "" }];
      const approvals = { commandExecution: () => ({ decision: "accept" as const }) };
      for (const end of [codex.threadArchive, codex.threadDelete]) {
        await codex.threadStart({ tools, approvals });
        expect(clientStats(codex)).toMatchObject({
          "dispatcher.threadHandlers": 1,
          "dispatcher.threadTools": 1,
        });
        // The stand-in sends no thread/archived or thread/deleted.
        await end.call(codex, "t1");
        expect(clientStats(codex)).toMatchObject({
          "dispatcher.threadHandlers": 0,
          "dispatcher.threadTools": 0,
        });
      }
    } finally {
      await codex.close();
      await s.close();
    }
  });
});
