// Properties of Router and EventLog. The router is driven through a Connection over the fake
// transport, with the lines cut into arbitrary chunks by the real LineDecoder: whatever the
// interleaving of threads and turns, and wherever a turn's `turn/start` answer binds it, each
// turn's sink sees exactly its own events, in order, once each.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Connection, type RawNotification } from "../../src/rpc/connection.js";
import { EventLog, Router, type TurnSink, type TurnSlot } from "../../src/rpc/router.js";
import { LineDecoder } from "../../src/transport/lines.js";
import { FakeTransport } from "../support/fake-transport.js";
import { takeSlot } from "../support/turn-slot.js";

async function drain<T>(reader: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of reader) out.push(value);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Router
// ---------------------------------------------------------------------------------------------

/** One step of a thread's script. Events are lines from the server; the rest is client work. */
type Step =
  | { readonly kind: "event"; readonly n: RawNotification; readonly turn: string | undefined }
  | { readonly kind: "begin"; readonly turn: string }
  | { readonly kind: "bind"; readonly turn: string }
  | { readonly kind: "cancel"; readonly turn: string }
  | { readonly kind: "openReader"; readonly turn: string };

/** How one turn of a thread goes; `failed` is a `turn/start` that errored (no events of its own). */
interface TurnPlan {
  readonly deltas: number;
  readonly items: number;
  /** Where the turn/start answer binds the turn: index among its events (0 = before any). */
  readonly bindAt: number;
  /** Where readers of the turn's stream open, as indexes among its events. */
  readonly readersAt: readonly number[];
  /** Lines of other turns (ids no turn of ours has) and thread-level lines, by position. */
  readonly noiseAt: readonly number[];
  readonly failed: boolean;
}

const turnPlan: fc.Arbitrary<TurnPlan> = fc.record({
  deltas: fc.integer({ min: 0, max: 5 }),
  items: fc.integer({ min: 0, max: 2 }),
  bindAt: fc.nat({ max: 20 }),
  readersAt: fc.array(fc.nat({ max: 20 }), { maxLength: 2 }),
  noiseAt: fc.array(fc.nat({ max: 20 }), { maxLength: 3 }),
  failed: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
});

function turnEvents(threadId: string, turnId: string, plan: TurnPlan): RawNotification[] {
  const events: RawNotification[] = [
    { method: "turn/started", params: { threadId, turn: { id: turnId, status: "inProgress" } } },
  ];
  for (let i = 0; i < plan.items; i++) {
    const item = { id: `${turnId}-item${i}`, type: "agentMessage", text: "" };
    events.push({ method: "item/started", params: { threadId, turnId, item } });
  }
  for (let i = 0; i < plan.deltas; i++) {
    events.push({
      method: "item/agentMessage/delta",
      params: { threadId, turnId, itemId: `${turnId}-item0`, delta: `${turnId}:${i}` },
    });
  }
  events.push({
    method: "turn/completed",
    params: { threadId, turn: { id: turnId, status: "completed", items: [] } },
  });
  return events;
}

/** The steps of one thread: its turns one after another, as a client serialises them. */
function threadSteps(threadId: string, plans: readonly TurnPlan[]): Step[] {
  const steps: Step[] = [];
  plans.forEach((plan, k) => {
    const turnId = `${threadId}-turn${k}`;
    steps.push({ kind: "begin", turn: turnId });
    const noise = (i: number): Step[] =>
      plan.noiseAt
        .filter((at) => at === i)
        .flatMap((_, j) => [
          {
            kind: "event" as const,
            turn: undefined,
            n: {
              method: "item/agentMessage/delta",
              params: {
                threadId,
                turnId: `ghost-${turnId}-${i}-${j}`,
                itemId: "x",
                delta: "ghost",
              },
            },
          },
          {
            kind: "event" as const,
            turn: undefined,
            n: { method: "kit/threadNote", params: { threadId, note: `${turnId}-${i}-${j}` } },
          },
        ]);
    if (plan.failed) {
      // turn/start errored: whatever was held is let go, and the thread moves on.
      steps.push(...noise(0), { kind: "cancel", turn: turnId });
      return;
    }
    const events = turnEvents(threadId, turnId, plan);
    const bindAt = plan.bindAt % (events.length + 1);
    for (let i = 0; i <= events.length; i++) {
      for (const at of plan.readersAt) {
        if (at % (events.length + 1) === i) steps.push({ kind: "openReader", turn: turnId });
      }
      if (i === bindAt) steps.push({ kind: "bind", turn: turnId });
      steps.push(...noise(i));
      if (i < events.length) steps.push({ kind: "event", n: events[i]!, turn: turnId });
    }
  });
  return steps;
}

/** Interleaves the threads' steps, keeping each thread's order, as picked by `picks`. */
function interleave(scripts: Step[][], picks: readonly number[]): Step[] {
  const queues = scripts.map((s) => [...s]);
  const out: Step[] = [];
  let p = 0;
  for (;;) {
    const live = queues.filter((q) => q.length > 0);
    if (live.length === 0) return out;
    out.push(live[(picks[p++] ?? 0) % live.length]!.shift()!);
  }
}

const scenario = fc
  .array(fc.array(turnPlan, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 })
  .chain((threads) => {
    const scripts = threads.map((plans, t) => threadSteps(`thr${t}`, plans));
    const total = scripts.reduce((sum, s) => sum + s.length, 0);
    const steps = fc
      .array(fc.nat({ max: 1000 }), { minLength: total, maxLength: total })
      .map((picks) => interleave(scripts, picks));
    return steps.chain((merged) => {
      const bytes = Buffer.from(
        merged.flatMap((s) => (s.kind === "event" ? [JSON.stringify(s.n) + "\n"] : [])).join(""),
      );
      const cuts = fc
        .uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }), { maxLength: 30 })
        .map((c) => c.filter((x) => x < bytes.length).sort((a, b) => a - b));
      return fc.tuple(fc.constant(merged), fc.constant(bytes), cuts);
    });
  });

/** A turn's sink as the SDK makes one: an EventLog that ends after the turn's own completion. */
function turnSink(): { sink: TurnSink; log: EventLog<RawNotification> } {
  const log = new EventLog<RawNotification>();
  return {
    log,
    sink: {
      push(n) {
        log.push(n);
        if (n.method !== "turn/completed") return false;
        log.end();
        return true;
      },
      fail: (error) => log.fail(error),
    },
  };
}

async function runScenario(merged: readonly Step[], bytes: Buffer, cuts: readonly number[]) {
  const transport = new FakeTransport();
  const router = new Router(new Connection(transport));
  const anySeen: RawNotification[] = [];
  router.onAny((n) => anySeen.push(n));
  const deltasSeen: RawNotification[] = [];
  router.on("item/agentMessage/delta", (n) => deltasSeen.push(n));

  const turns = new Map<string, ReturnType<typeof turnSink>>();
  const slots = new Map<string, TurnSlot>();
  const readers = new Map<string, Array<AsyncIterableIterator<RawNotification>>>();
  const sinkOf = (turn: string) => {
    let entry = turns.get(turn);
    if (entry === undefined) turns.set(turn, (entry = turnSink()));
    return entry;
  };
  const openReader = (turn: string) => {
    const list = readers.get(turn) ?? [];
    list.push(sinkOf(turn).log.reader());
    readers.set(turn, list);
  };

  // Client steps are anchored between lines: they run once the lines before them are delivered.
  const anchored: Array<Array<Exclude<Step, { kind: "event" }>>> = [[]];
  for (const step of merged) {
    if (step.kind === "event") anchored.push([]);
    else anchored.at(-1)!.push(step);
  }
  const runClientSteps = (delivered: number) => {
    for (const step of anchored[delivered] ?? []) {
      const threadId = step.turn.slice(0, step.turn.indexOf("-"));
      // A thread's turns come one after another: the one before has completed, or failed to
      // start, so it has let the thread go.
      if (step.kind === "begin") {
        slots.get(threadId)?.release();
        slots.set(threadId, takeSlot(router, threadId));
      } else if (step.kind === "bind") slots.get(threadId)!.bind(step.turn, sinkOf(step.turn).sink);
      else if (step.kind === "cancel") slots.get(threadId)!.release();
      else if (step.kind === "openReader") openReader(step.turn);
    }
  };
  let delivered = 0;
  const decoder = new LineDecoder(
    (line) => {
      transport.line(line);
      runClientSteps(++delivered);
    },
    () => expect.unreachable("no line here is too long to hold"),
  );
  runClientSteps(0);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    decoder.push(bytes.subarray(from, cut));
    from = cut;
  }
  decoder.end();

  // Late readers open after every line is in, before anyone reads.
  for (const turn of turns.keys()) openReader(turn);
  const seen = new Map<string, RawNotification[][]>();
  for (const [turn, list] of readers) seen.set(turn, await Promise.all(list.map(drain)));
  return { anySeen, deltasSeen, seen, turns, delivered };
}

describe("Router properties", () => {
  it("gives each turn exactly its own events, in order, however lines interleave and chunk", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ([merged, bytes, cuts]) => {
        const events = merged.flatMap((s) => (s.kind === "event" ? [s] : []));
        const { anySeen, deltasSeen, seen, turns, delivered } = await runScenario(
          merged,
          bytes,
          cuts,
        );
        expect(delivered).toBe(events.length);
        // Client-wide listeners see every line, in arrival order.
        expect(anySeen).toEqual(events.map((e) => e.n));
        expect(deltasSeen).toEqual(
          events.filter((e) => e.n.method === "item/agentMessage/delta").map((e) => e.n),
        );
        const bound = new Set(merged.flatMap((s) => (s.kind === "bind" ? [s.turn] : [])));
        for (const turn of turns.keys()) {
          const own = events.filter((e) => e.turn === turn).map((e) => e.n);
          // A turn never bound (its start failed) gets nothing; a bound one gets all of its own.
          const expected = bound.has(turn) ? own : [];
          for (const readerSaw of seen.get(turn) ?? []) expect(readerSaw).toEqual(expected);
          if (bound.has(turn)) expect(own.at(-1)?.method).toBe("turn/completed");
        }
      }),
      { numRuns: 150 },
    );
  });

  it("fails every bound turn's stream, after its events, when the connection ends", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(turnPlan, { minLength: 1, maxLength: 3 }), async (plans) => {
        const transport = new FakeTransport();
        const router = new Router(new Connection(transport));
        const logs: Array<{ log: EventLog<RawNotification>; sent: RawNotification[] }> = [];
        plans.forEach((plan, t) => {
          const threadId = `thr${t}`;
          const turnId = `${threadId}-turn0`;
          const { log, sink } = turnSink();
          const slot = takeSlot(router, threadId);
          // Everything but the completion arrives; half are in before the bind.
          const sent = turnEvents(threadId, turnId, plan).slice(0, -1);
          const half = plan.bindAt % (sent.length + 1);
          for (const n of sent.slice(0, half)) transport.deliver(n);
          slot.bind(turnId, sink);
          for (const n of sent.slice(half)) transport.deliver(n);
          logs.push({ log, sent });
        });
        transport.end();
        for (const { log, sent } of logs) {
          const got: RawNotification[] = [];
          let failure: unknown;
          try {
            for await (const n of log.reader()) got.push(n);
          } catch (err) {
            failure = err;
          }
          expect(got).toEqual(sent);
          expect((failure as Error | undefined)?.name).toBe("TransportClosedError");
        }
      }),
      { numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// EventLog
// ---------------------------------------------------------------------------------------------

type LogOp =
  | { readonly op: "push"; readonly count: number }
  | { readonly op: "open" }
  | { readonly op: "read"; readonly reader: number; readonly count: number }
  | { readonly op: "close"; readonly reader: number };

const logOps: fc.Arbitrary<LogOp[]> = fc.array(
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant("push" as const),
        count: fc.integer({ min: 1, max: 5 }),
      }),
    },
    // Now and then enough to make the log drop a batch of what every reader has read.
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("push" as const),
        count: fc.integer({ min: 500, max: 1500 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("open" as const) }) },
    {
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant("read" as const),
        reader: fc.nat(),
        count: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 500, max: 1500 })),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("close" as const), reader: fc.nat() }) },
  ),
  { maxLength: 30 },
);

interface ReaderState {
  readonly iterator: AsyncIterableIterator<number>;
  readonly values: number[];
  /** The most this reader's start may be: what the log must still have kept when it opened. */
  readonly maxStart: number;
  open: boolean;
}

describe("EventLog properties", () => {
  it("every reader sees one unbroken run to the end; a late reader starts no later than what is kept", async () => {
    await fc.assert(
      fc.asyncProperty(logOps, fc.boolean(), async (ops, failAtEnd) => {
        const log = new EventLog<number>();
        const readers: ReaderState[] = [];
        let pushed = 0;
        // Events pushed since the last time no reader was open are all kept.
        let keptSinceEmpty = 0;
        // Where a reader is, or at most is (before its first value, its start is only bounded).
        const position = (r: ReaderState) =>
          r.values.length > 0 ? r.values.at(-1)! + 1 : r.maxStart;

        for (const op of ops) {
          if (op.op === "push") {
            for (let i = 0; i < op.count; i++) log.push(pushed++);
          } else if (op.op === "open") {
            const open = readers.filter((r) => r.open);
            const maxStart =
              open.length === 0 ? keptSinceEmpty : Math.min(...open.map((r) => position(r)));
            readers.push({ iterator: log.reader(), values: [], maxStart, open: true });
          } else if (readers.length > 0) {
            const r = readers[op.reader % readers.length]!;
            if (!r.open) continue;
            if (op.op === "close") {
              await r.iterator.return!();
              r.open = false;
              if (readers.every((x) => !x.open)) keptSinceEmpty = pushed;
            } else {
              // Only reads an event known to be there, so next() never waits.
              for (let i = 0; i < op.count && position(r) < pushed; i++) {
                const result = await r.iterator.next();
                expect(result.done).toBe(false);
                r.values.push(result.value as number);
              }
            }
          }
        }
        const failure = new Error("log failed");
        if (failAtEnd) log.fail(failure);
        else log.end();

        for (const r of readers) {
          if (r.open) {
            let thrown: unknown;
            try {
              for (;;) {
                const result = await r.iterator.next();
                if (result.done) break;
                r.values.push(result.value);
              }
            } catch (err) {
              thrown = err;
            }
            expect(thrown).toBe(failAtEnd ? failure : undefined);
          }
          const start = r.values[0] ?? (r.open ? pushed : r.maxStart);
          expect(start).toBeLessThanOrEqual(r.maxStart);
          // One unbroken run: nothing lost, reordered or repeated.
          expect(r.values).toEqual(Array.from({ length: r.values.length }, (_, i) => start + i));
          if (r.open) expect(start + r.values.length).toBe(pushed);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("answers the reads of one reader in the order they were asked, however they overlap", async () => {
    type Step =
      | { readonly op: "push"; readonly count: number }
      | { readonly op: "ask"; readonly count: number; readonly chain: boolean }
      | { readonly op: "flush" };
    const steps: fc.Arbitrary<Step[]> = fc.array(
      fc.oneof(
        fc.record({ op: fc.constant("push" as const), count: fc.integer({ min: 1, max: 3 }) }),
        fc.record({
          op: fc.constant("ask" as const),
          count: fc.integer({ min: 1, max: 3 }),
          // The consumer of each of these reads asks for one more as soon as it is answered.
          chain: fc.boolean(),
        }),
        fc.record({ op: fc.constant("flush" as const) }),
      ),
      { maxLength: 25 },
    );
    const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
    await fc.assert(
      fc.asyncProperty(steps, async (plan) => {
        const log = new EventLog<number>();
        const reader = log.reader();
        // What each read was answered with, by the order it was asked in.
        const answers: (number | undefined)[] = [];
        const ask = (chain: boolean) => {
          const slot = answers.length;
          answers.push(undefined);
          void reader.next().then((result) => {
            if (!result.done) answers[slot] = result.value;
            if (chain && !result.done) ask(false);
          });
        };
        let pushed = 0;
        for (const step of plan) {
          if (step.op === "push") for (let i = 0; i < step.count; i++) log.push(pushed++);
          else if (step.op === "ask") for (let i = 0; i < step.count; i++) ask(step.chain);
          else await flush();
        }
        log.end();
        await flush();
        const answered = answers.filter((value) => value !== undefined);
        expect(answered).toEqual(Array.from({ length: answered.length }, (_, i) => i));
        // Every read asked before the end got an event while there were events to give.
        expect(answered.length).toBe(Math.min(answers.length, pushed));
      }),
      { numRuns: 300 },
    );
  });
});
