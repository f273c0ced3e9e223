import { CodexError, RequestTimeoutError, type TransportClosedError } from "../errors.js";
import { deadline } from "../internal/deadline.js";
import { SILENT, type Log } from "../internal/logger.js";
import type { RequestId } from "../generated/index.js";
import type { Connection, RawNotification } from "./connection.js";

// Logs drop what every reader has passed in batches, so a long turn costs O(1) per event. A log
// with one reader that keeps up drops each event as soon as it is read, so none outlives a young
// garbage collection.
const PRUNE_BATCH = 1024;

interface Cursor<T> {
  pos: number;
  open: boolean;
  /** Set while a `next()` waits: the next event pushed settles it directly. */
  waiting: Promise<IteratorResult<T>> | undefined;
  /** The last of the reads asked while another was unanswered, until its turn comes. */
  queued: Promise<IteratorResult<T>> | undefined;
  /** True while a queued read, whose turn came, is asked. */
  turn: boolean;
  resolve: ((result: IteratorResult<T>) => void) | undefined;
  reject: ((error: unknown) => void) | undefined;
}

/**
 * A reader of an `EventLog`. `poll()` takes the next event when it is already kept and no read
 * waits before it, without a promise; else it returns undefined and `next()` is the way to wait.
 */
export interface EventReader<T> extends AsyncIterableIterator<T> {
  poll(): IteratorResult<T> | undefined;
  /** Closes the reader; a read still waiting ends. */
  return(): Promise<IteratorResult<T>>;
}

const NO_OP = (): void => {};

/**
 * @internal
 * What a call queued behind this client's turn on the thread waited for when its bound ended
 * (`RequestTimeoutError.waitedFor`).
 */
export const OWN_TURN_WAIT = "this client's turn on the thread to end";

// Iterators a program dropped without leaving its loop (no `break`, no `return()`): once
// collected, each releases what fed it.
const dropped = new FinalizationRegistry<() => void>((release) => release());

/**
 * `reader` as an iterator that calls `release` (what stops feeding its log) when it returns or,
 * dropped by a program without leaving its loop, once it is collected: a log read by nobody
 * would otherwise keep every event. A loop still waiting for an event holds its iterator (a read
 * that waits holds it through the closures here), so it goes on. `release` must not hold the
 * iterator: made in another function, as closures made in one share what they capture.
 */
export function droppableReader<T>(
  reader: EventReader<T>,
  release: () => void,
): AsyncIterableIterator<T> {
  const held = (result: IteratorResult<T>) => result;
  const iterator: AsyncIterableIterator<T> = {
    next: () => reader.next().then(held),
    return: () => {
      dropped.unregister(iterator);
      release();
      return reader.return();
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  dropped.register(iterator, release, iterator);
  return iterator;
}

function done<T>(): IteratorResult<T> {
  return { value: undefined, done: true };
}

/**
 * An ordered log of events with any number of readers. Events are kept until every open reader
 * has passed them; a reader opened later starts at the oldest event still kept. With no reader
 * open, nothing is dropped, so the first reader sees everything. A reader that waits is handed
 * the next event as it is pushed.
 */
export class EventLog<T> {
  #events: T[] = [];
  #head = 0;
  // Replaced, never changed in place, when a reader opens or closes.
  #cursors: readonly Cursor<T>[] = [];
  #finished = false;
  #failure: Error | undefined;

  /** How many events are kept and how many readers are open, for leak checks. */
  get stats(): { kept: number; readers: number } {
    return { kept: this.#events.length, readers: this.#cursors.length };
  }

  /** Whether a reader is open. */
  get reading(): boolean {
    return this.#cursors.length > 0;
  }

  push(event: T): void {
    if (this.#finished) return;
    const cursors = this.#cursors;
    const only = cursors.length === 1 ? cursors[0]! : undefined;
    if (only?.resolve !== undefined) {
      // The one reader waits, so it has read everything kept: the event goes straight to it and
      // nothing stays behind, so an event dies young instead of outliving garbage collections.
      const resolve = only.resolve;
      only.waiting = only.resolve = only.reject = undefined;
      this.#head = ++only.pos;
      if (this.#events.length > 0) this.#events = [];
      resolve({ value: event, done: false });
      return;
    }
    this.#events.push(event);
    for (let i = 0; i < cursors.length; i++) {
      const cursor = cursors[i]!;
      const resolve = cursor.resolve;
      // A reader that waits has read everything before this event.
      if (resolve === undefined) continue;
      cursor.waiting = cursor.resolve = cursor.reject = undefined;
      cursor.pos++;
      if (cursor.pos - this.#head >= PRUNE_BATCH) this.#prune(false);
      resolve({ value: event, done: false });
    }
  }

  /** No more events: readers end after the last one. */
  end(): void {
    if (this.#finished) return;
    this.#finished = true;
    for (const cursor of this.#cursors) {
      const { resolve, reject } = cursor;
      if (resolve === undefined) continue;
      cursor.waiting = cursor.resolve = cursor.reject = undefined;
      this.#close(cursor);
      if (this.#failure === undefined) resolve(done());
      else reject!(this.#failure);
    }
  }

  /** No reader will read any more (nor open): ends them, and drops what is kept. */
  discard(): void {
    this.end();
    for (const cursor of this.#cursors) this.#close(cursor);
    this.#events = [];
  }

  /** Readers throw `error` after the events already pushed. */
  fail(error: Error): void {
    if (this.#finished) return;
    this.#failure = error;
    this.end();
  }

  /** Opens a reader; leaving a `for await` early closes it. */
  reader(): EventReader<T> {
    const cursor: Cursor<T> = {
      pos: this.#head,
      open: true,
      waiting: undefined,
      queued: undefined,
      turn: false,
      resolve: undefined,
      reject: undefined,
    };
    this.#cursors = [...this.#cursors, cursor];
    // A read is this one function (and #take): it runs for every event a stream reads, and each
    // function a hot path goes through is one more for V8 to optimize.
    const next = (): Promise<IteratorResult<T>> => {
      if (!cursor.open) return Promise.resolve(done());
      // Reads are answered in order: one asked while another is unanswered (waiting, or queued
      // behind one that waits) comes after it. A `for await` loop never asks two at once.
      const before = cursor.turn ? undefined : (cursor.queued ?? cursor.waiting);
      if (before !== undefined) return this.#queue(cursor, before, next);
      const kept = this.#take(cursor);
      if (kept !== undefined) return Promise.resolve(kept);
      if (this.#finished) {
        this.#close(cursor);
        return this.#failure === undefined
          ? Promise.resolve(done())
          : Promise.reject(this.#failure);
      }
      // The one reader has caught up: drop what it read now, not a batch later.
      if (this.#cursors.length === 1 && this.#events.length > 0) {
        this.#events = [];
        this.#head = cursor.pos;
      }
      const waiting = new Promise<IteratorResult<T>>((resolve, reject) => {
        cursor.resolve = resolve;
        cursor.reject = reject;
      });
      cursor.waiting = waiting;
      return waiting;
    };
    return {
      next,
      poll: () => (cursor.queued === undefined ? this.#take(cursor) : undefined),
      return: () => Promise.resolve(this.#close(cursor)),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  // A read asked while `before` is unanswered: asked again once `before` is answered.
  #queue(
    cursor: Cursor<T>,
    before: Promise<IteratorResult<T>>,
    next: () => Promise<IteratorResult<T>>,
  ): Promise<IteratorResult<T>> {
    // Its turn: the read before it is answered, and none waits.
    const read = (): Promise<IteratorResult<T>> => {
      if (cursor.queued === queued) cursor.queued = undefined;
      cursor.turn = true;
      try {
        return next();
      } finally {
        cursor.turn = false;
      }
    };
    const queued = before.then(read, read);
    cursor.queued = queued;
    return queued;
  }

  // The reader's next kept event, if there is one and no read of this reader waits before it.
  #take(cursor: Cursor<T>): IteratorResult<T> | undefined {
    if (!cursor.open || cursor.waiting !== undefined) return undefined;
    const index = cursor.pos - this.#head;
    if (index >= this.#events.length) return undefined;
    const value = this.#events[index]!;
    cursor.pos++;
    if (cursor.pos - this.#head >= PRUNE_BATCH) this.#prune(false);
    return { value, done: false };
  }

  // Closes a reader; a `next()` still waiting (return() called from elsewhere) ends too.
  #close(cursor: Cursor<T>): IteratorResult<T> {
    if (cursor.open) {
      cursor.open = false;
      this.#cursors = this.#cursors.filter((c) => c !== cursor);
      this.#prune(true, cursor.pos);
    }
    const resolve = cursor.resolve;
    cursor.waiting = cursor.resolve = cursor.reject = undefined;
    resolve?.(done());
    return done();
  }

  #prune(force: boolean, leaving?: number): void {
    let min = Infinity;
    for (const cursor of this.#cursors) min = Math.min(min, cursor.pos);
    // The last reader leaving takes what it read with it; what it did not read stays for the next.
    if (min === Infinity) min = leaving ?? this.#head;
    const drop = min - this.#head;
    if (drop > 0 && (force || drop >= PRUNE_BATCH)) {
      this.#events.splice(0, drop);
      this.#head = min;
    }
  }
}

type Params = Record<string, unknown>;

/**
 * The turn a notification belongs to: its `turnId`, else the id of its `turn`. The generated route
 * table (`NOTIFICATION_ROUTES`) names exactly these fields for every method that carries a turn,
 * so they are read directly, with no table lookup per event; a method of a newer runtime is routed
 * the same way.
 */
export function turnIdOf(notification: RawNotification): string | undefined {
  const params = notification.params as Params | undefined;
  if (typeof params !== "object" || params === null) return undefined;
  const id = params.turnId ?? (params.turn as Params | null | undefined)?.id;
  return typeof id === "string" ? id : undefined;
}

/**
 * The root turn a `turn/started` names, when it is not the started turn itself: a review's turn,
 * whose events and completion carry the root's id, or work done for a turn of another thread.
 */
export function rootTurnOf(n: RawNotification): string | undefined {
  if (n.method !== "turn/started") return undefined;
  const turn = (n.params as Params | undefined)?.turn as Params | undefined;
  const root = turn?.rootTurnId;
  return typeof root === "string" && root !== turn?.id ? root : undefined;
}

/** The thread a notification belongs to (`threadId`, or `thread.id`). */
export function threadIdOf(notification: RawNotification): string | undefined {
  const params = notification.params as Params | undefined;
  if (typeof params !== "object" || params === null) return undefined;
  const id = params.threadId ?? (params.thread as Params | undefined)?.id;
  return typeof id === "string" ? id : undefined;
}

/** Receives the notifications of one turn. */
export interface TurnSink {
  /**
   * The methods it reads, when it reads only some (a turn of `run()`, whose result needs a few);
   * `undefined` when it keeps every event (for `stream()` readers). The others may go unparsed
   * when nothing else listens to them.
   */
  readonly reads?: ReadonlySet<string> | undefined;
  /** Takes one event; returns true when the turn is done and needs no more. */
  push(notification: RawNotification): boolean;
  fail(error: Error): void;
}

/** Options of {@link TurnSlot.bind}. */
export interface BindOptions {
  /**
   * Also route to this turn the `turn/started` of a turn that names it as `rootTurnId`. A review
   * is answered with one turn id, but its `turn/started` names another (the turn the server runs
   * on the review's behalf); its items and `turn/completed` carry the first.
   */
  readonly childStart?: boolean;
  /**
   * The turn is another client's, which the `turn/start` joined (it ran there as it was sent):
   * not this client's to stop as it leaves a server that outlives it (see `Router.ownWork`).
   */
  readonly joined?: boolean;
  /**
   * Asked as the client leaves a server that outlives it: whether the turn, bound as this
   * client's own, turned out to be another client's that the input joined (their two starts
   * raced, and the answer came before the other's `turn/started`); it may wait to tell.
   */
  readonly joinedAfterAll?: () => Promise<boolean>;
}

/**
 * A turn's hold on its thread (see {@link Router.queueTurn}), from when the thread's queue lets it
 * start until it no longer occupies the thread. Until `bind`, the thread's events are held for it:
 * they may arrive before the `turn/start` response names the turn.
 */
export interface TurnSlot {
  /**
   * The response named the turn: replay what was held for it, then route live. A turn that cannot
   * be routed fails `sink`, and the result says why: `"ended"` when the connection or the thread
   * ended or the client unsubscribed from it, `"duplicate"` when the id is that of a turn in
   * flight.
   */
  bind(turnId: string, sink: TurnSink, options?: BindOptions): "bound" | "ended" | "duplicate";
  /**
   * Names what occupies the thread without routing a turn to it (a goal run, which follows its
   * own turns): it fails when the client unsubscribes from the thread, as a bound turn does. When
   * the thread can no longer go on (unsubscribed, or the connection ended, while the run got
   * ready) it fails at once, and `hold` returns false: start nothing.
   */
  hold(holder: QueueHolder): boolean;
  /**
   * Takes back `holder`'s hold, if it still holds the thread (a wait done, its turn not yet
   * bound): an end of the thread is then recorded for the turn's `bind`, as before the hold.
   */
  unhold(holder: QueueHolder): void;
  /**
   * The turn's start (`turn/start`, `review/start`) is sent now: until it is bound, holds the
   * thread or is given up, a closing client waits for it (see `Router.startsSettled`).
   */
  sending(): void;
  /**
   * Stops holding the thread's events and server requests for the turn while it waits to be sent
   * (another turn runs there, whose requests must be answered meanwhile); `holdAgain` starts again
   * just before it is sent. Neither does anything for a slot that holds no events, or once bound.
   */
  pauseHold(): void;
  holdAgain(): void;
  /**
   * Why nothing can start on the thread any more (the connection or the thread ended, or the
   * client unsubscribed from it), if that is so.
   */
  ended(): Error | undefined;
  /**
   * Frees the thread for the next turn queued on it, drops what was held and stops routing the
   * bound turn's events; called once the turn is done or given up on, and also when it failed to
   * start. Later calls do nothing.
   */
  release(): void;
}

/** A `turn/started` of `turnId` made for a turn whose start was not read. */
export function madeStart(threadId: string, turnId: string): RawNotification {
  const turn = { id: turnId, status: "inProgress", items: [], error: null };
  return { method: "turn/started", params: { threadId, turn } };
}

/** An answer, with the threads that ended while it was awaited (see {@link Router.whileAnswered}). */
export interface WatchedAnswer<T> {
  readonly answer: T;
  /** How `threadId` ended (`thread/closed`, `thread/archived` or `thread/deleted`), if it did. */
  ended(threadId: string): string | undefined;
}

// What the server sends when a thread ends for every client: nothing more comes from it.
const THREAD_ENDS = ["thread/closed", "thread/archived", "thread/deleted"];

// How many turns whose completion came before their start are remembered per thread.
const ENDED_FIRST_KEPT = 8;
// How many of the latest completed turns are remembered, across threads.
const COMPLETED_KEPT = 32;
// How many turns that this client started work for on other threads are remembered.
const DELEGATIONS_KEPT = 1024;

/** How long a turn may wait in its thread's queue (see {@link Router.queueTurn}). */
export interface QueueWait {
  /** The request that starts the turn, which a timeout names. */
  readonly method: string;
  /** Aborting it takes the turn out of the queue, which rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
  /** Milliseconds; then the turn leaves the queue, which rejects with `RequestTimeoutError`. */
  readonly timeout?: number | undefined;
  /**
   * What the turn prepares while it waits (a converted schema, checks made by a module loaded on
   * first use): if it fails, the turn leaves the queue at once, which rejects with its error.
   */
  readonly prepared?: Promise<unknown> | undefined;
  /**
   * `false` for a request that only has to keep its place among the thread's turns (a revert):
   * it goes on when the client no longer receives the thread's events, which a turn is refused
   * for, as no turn of this client runs there then.
   */
  readonly needsEvents?: false | undefined;
}

type Listener = (notification: RawNotification) => void;

/** What occupies a thread's queue, told when it can no longer go on. */
export interface QueueHolder {
  fail(error: Error): void;
  /**
   * Ends with `error` as the client leaves a server that outlives it, and stops what it started
   * there (a goal run pauses its goal and interrupts its turns). Never rejects.
   */
  leave?(error: Error): Promise<void>;
}

/** Work of this client's that holds a thread (see {@link Router.ownWork}). */
export interface OwnWork {
  readonly threadId: string;
  /** The turn's id, for a turn of this client's (a review's: the one its answer named). */
  readonly turnId: string | undefined;
  readonly holder: QueueHolder;
  /** See {@link BindOptions.joinedAfterAll}. */
  readonly joinedAfterAll?: (() => Promise<boolean>) | undefined;
}

interface ThreadQueue {
  readonly waiting: (() => void)[];
  holder: QueueHolder | undefined;
  // The turn the holder is, when it is this client's own (not one it joined).
  ownTurn?: string | undefined;
  // Whether that turn turned out to be another client's after all (see `BindOptions`).
  joinedAfterAll?: (() => Promise<boolean>) | undefined;
  // Set while the thread's turn has its start on its way (not yet bound, holding or given up),
  // and who waits for that to end (see `Router.startsSettled`).
  starting?: boolean;
  settled?: (() => void) | undefined;
  // The thread ended (closed, archived, deleted) while its turn was starting, before it had a
  // holder to fail: the turn fails as it binds.
  ended?: Error | undefined;
}

/**
 * Sends each notification where it belongs: to its turn's sink, to login waiters, and to every
 * client-wide listener. Only the router knows turn ids. Params come from the peer: routing reads
 * them defensively, and a sink or listener that throws is logged, not propagated.
 */
export class Router {
  readonly #log: Log;
  readonly #turns = new Map<string, TurnSink>();
  // Turns that also take the `turn/started` of a child turn (see `BindOptions`), by thread id.
  readonly #childStarts = new Map<string, string>();
  // The turn the server runs for a routed review (the id its turn/started names), to the review.
  readonly #childTurns = new Map<string, string>();
  readonly #pendingByThread = new Map<string, RawNotification[]>();
  // Per thread whose turn is being started: what waits for that turn to be bound or given up.
  readonly #startWaiters = new Map<string, Array<() => void>>();
  // Threads being resumed with handlers of their own: their server requests wait for the resume
  // to be answered, and its handlers set. How many resumes there are, and the wait they share.
  readonly #resuming = new Map<string, { count: number; done: Promise<void>; end: () => void }>();
  // Threads with a turn of this client in flight: the turns waiting for the thread, each handed
  // it in its turn, first come first served, and the sink of the turn holding it once bound.
  readonly #queues = new Map<string, ThreadQueue>();
  // Threads this client unsubscribed from: the server sends their events to nobody here.
  readonly #unsubscribed = new Set<string>();
  // The turns this client started work for on other threads (`rootTurnId`; see `delegates`):
  // kept until the turn completes or its thread ends, the oldest dropped past DELEGATIONS_KEPT
  // (a turn whose end this client never reads).
  readonly #delegations = new Set<string>();
  // The starts noted for turns answered before their start was read (see `noteTurnAnswered`).
  readonly #madeStarts = new WeakSet<RawNotification>();
  // The threads ended while an answer naming a thread was awaited (see `whileAnswered`).
  readonly #endWatches = new Set<Map<string, string>>();
  // Per thread, the `turn/started` of the turn the server runs there, until a `turn/completed`
  // there: a turn/start sent while a turn this client did not start runs (a goal's, another
  // client's) is answered with that turn, whose start came before anything was held for it.
  readonly #running = new Map<string, RawNotification>();
  // Threads a resume's answer said run a turn whose start this client did not see: a compaction
  // or review waits there as for a turn it saw start, and that turn's completion is not taken for
  // one that overtook its start. Until a turn starts or completes there, or the thread ends.
  readonly #runningUnseen = new Set<string>();
  // Per thread, the first item of the running turn that this client does not route, and whether
  // it is a user's shell command (`thread/shellCommand` on an idle thread): such a turn takes a
  // turn/start's input but never asks the model, so a turn waits for its end instead of joining
  // it. Until a turn completes there, the thread goes idle or ends, or the client leaves it.
  readonly #firstItems = new Map<string, { readonly turnId: string; readonly shell: boolean }>();
  // Listens for the status of threads running a shell command's turn, while there are any.
  #offShellStatus: (() => void) | undefined;
  // Per thread, the turns whose completion came before their start (or whose start this client
  // never saw), the latest few: a start of one, should it come after all, runs nothing. Each is
  // kept until its start comes or the thread ends, the oldest dropped past ENDED_FIRST_KEPT.
  readonly #endedFirst = new Map<string, Set<string>>();
  // The latest turns completed (the id their start named, else their completion's, to its thread),
  // however many threads ran them: a start of one sent again runs nothing. The oldest dropped past
  // COMPLETED_KEPT.
  readonly #completed = new Map<string, string>();
  // Server requests of a turn: `serverRequest/resolved` names only the request, not the turn.
  readonly #requestTurns = new Map<RequestId, string>();
  // The server requests kept in their place among the events held for a turn being started, each
  // with what to tell once it is known which turn of this client it is of.
  readonly #heldRequests = new WeakMap<RawNotification, (turnId: string) => void>();
  // Listener lists are replaced, never changed in place, on (un)subscribe: delivery walks them
  // without a copy.
  readonly #byMethod = new Map<string, readonly Listener[]>();
  #anyListeners: readonly Listener[] = [];
  // Listeners of every notification that names a thread (a goal run's), by its id: one lookup an
  // event, where a listener of every notification would be called for every thread's.
  readonly #byThread = new Map<string, readonly Listener[]>();
  // Subscriptions to the notifications of one method that name one key (a process id, say).
  readonly #byKey = new Map<string, { field: string; listeners: Map<string, Set<Listener>> }>();
  // What the routed turns read: how many keep every event, and how many read each set of methods
  // (turns of `run()` share one set, so this holds one entry however many run).
  #turnsReadingAll = 0;
  readonly #turnReads = new Map<ReadonlySet<string>, number>();
  #closeError: TransportClosedError | undefined;

  constructor(connection: Connection, log: Log = SILENT) {
    this.#log = log;
    connection.onNotification(this.#dispatch);
    connection.setInterest(this.#wants);
    connection.onClose((error) => this.#close(error));
    this.#watchThreadEnds();
    this.#watchRunningTurns();
  }

  #watchRunningTurns(): void {
    // A thread the runtime unloads runs nothing, and may be told of by its status alone, without
    // `thread/closed` (a sub-agent its parent closed): a turn whose completion was lost, or a
    // completion that came before its start, is recorded no more.
    this.on("thread/status/changed", (n) => {
      const status = (n.params as { status?: { type?: unknown } } | undefined)?.status;
      const threadId = threadIdOf(n);
      if (status?.type === "notLoaded" && threadId !== undefined) this.#forgetTurns(threadId);
    });
    this.on("turn/started", (n) => {
      const threadId = threadIdOf(n);
      const id = turnIdOf(n);
      if (threadId === undefined || id === undefined) return this.#unnamed(n);
      const endedFirst = this.#endedFirst.get(threadId);
      if (endedFirst !== undefined) {
        // A review's completion names the root its start names.
        const ended = endedFirst.has(id) ? id : rootTurnOf(n);
        if (ended !== undefined && endedFirst.delete(ended)) {
          if (endedFirst.size === 0) this.#endedFirst.delete(threadId);
          return;
        }
      }
      // By its own id only: a new turn may name a completed one as its root (`rootTurnId`).
      if (this.#completed.get(id) === threadId) return;
      this.#running.set(threadId, n);
      this.#runningUnseen.delete(threadId);
    });
    // The completion names the started turn, or, for a review, the root its start named.
    this.on("turn/completed", (n) => {
      const threadId = threadIdOf(n);
      const id = turnIdOf(n);
      if (threadId === undefined || id === undefined) return this.#unnamed(n);
      const started = this.#running.get(threadId);
      const startedId = started === undefined ? undefined : turnIdOf(started)!;
      // The id its start named (a review's running turn), as its start may come again.
      this.#noteCompleted(
        startedId !== undefined && id === rootTurnOf(started!) ? startedId : id,
        threadId,
      );
      this.#forgetFirstItem(threadId);
      if (this.#delegations.size > 0) this.#delegations.delete(id);
      if (started !== undefined && (id === startedId || id === rootTurnOf(started))) {
        this.#dropRunning(threadId);
      } else if (!this.#runningUnseen.delete(threadId)) {
        const endedFirst = this.#endedFirst.get(threadId) ?? new Set<string>();
        if (endedFirst.size === 0) this.#endedFirst.set(threadId, endedFirst);
        endedFirst.add(id);
        if (endedFirst.size > ENDED_FIRST_KEPT)
          endedFirst.delete(endedFirst.values().next().value!);
      }
    });
  }

  // An item started in a turn this client does not route: as its first, a user's shell command
  // makes it a shell command's turn (see `runsShell`); later, one joins a turn that asks the model.
  #noteFirstItem(n: RawNotification, turnId: string): void {
    const threadId = threadIdOf(n);
    if (threadId === undefined || this.#firstItems.get(threadId)?.turnId === turnId) return;
    const item = (n.params as { item?: { type?: unknown; source?: unknown } } | undefined)?.item;
    // Of a turn that ran as the client resumed the thread, the first item seen may be a later one.
    const shell =
      item?.type === "commandExecution" &&
      item.source === "userShell" &&
      !this.#runningUnseen.has(threadId);
    this.#firstItems.set(threadId, { turnId, shell });
    if (shell) this.#offShellStatus ??= this.on("thread/status/changed", this.#onShellStatus);
  }

  // A thread running a shell command's turn that goes idle runs it no more, whatever else is
  // heard (its completion is).
  readonly #onShellStatus = (n: RawNotification): void => {
    const status = (n.params as { status?: { type?: unknown } } | undefined)?.status;
    const threadId = threadIdOf(n);
    if (threadId !== undefined && status?.type !== "active") this.#forgetFirstItem(threadId);
  };

  #forgetFirstItem(threadId: string): void {
    if (!this.#firstItems.delete(threadId) || this.#offShellStatus === undefined) return;
    for (const first of this.#firstItems.values()) if (first.shell) return;
    this.#offShellStatus();
    this.#offShellStatus = undefined;
  }

  // Whether a thread runs a turn this client does not route, whose items tell whether it is a
  // shell command's.
  #runsOthers(): boolean {
    if (this.#runningUnseen.size > 0) return true;
    for (const started of this.#running.values()) {
      if (!this.#turns.has(turnIdOf(started)!)) return true;
    }
    return false;
  }

  #noteCompleted(turnId: string, threadId: string): void {
    this.#completed.delete(turnId);
    this.#completed.set(turnId, threadId);
    if (this.#completed.size > COMPLETED_KEPT) {
      this.#completed.delete(this.#completed.keys().next().value!);
    }
  }

  // A thread the server closed, archived or deleted is no longer one this client unsubscribed
  // from: what was recorded for it goes. And the server runs and tells nothing more there, so
  // the turn or goal run holding it fails, freeing the turns queued behind.
  #watchThreadEnds(): void {
    for (const method of THREAD_ENDS) {
      const how = method.slice("thread/".length);
      this.on(method, (n) => {
        const threadId = threadIdOf(n);
        if (threadId === undefined) return;
        for (const watch of this.#endWatches) watch.set(threadId, method);
        this.#unsubscribed.delete(threadId);
        this.#forgetTurns(threadId);
        const queue = this.#queues.get(threadId);
        if (queue === undefined) return;
        const error = new CodexError(`thread ${threadId} was ${how} while this client ran there`);
        if (queue.holder === undefined) queue.ended = error;
        else queue.holder.fail(error);
      });
    }
  }

  // What was recorded of the turns a thread ran, when it runs them no more.
  #forgetTurns(threadId: string): void {
    this.#dropRunning(threadId);
    this.#runningUnseen.delete(threadId);
    this.#forgetFirstItem(threadId);
    this.#endedFirst.delete(threadId);
  }

  // Whether anyone here reads a notification of `method`: a listener, or a turn in flight that
  // reads it. A turn/start awaiting its answer may read anything (its sink is not known yet). An
  // item's start is read while a thread runs a turn not routed here (a shell command's?).
  readonly #wants = (method: string): boolean =>
    this.#turnsReadingAll > 0 ||
    this.#pendingByThread.size > 0 ||
    this.#turnsRead(method) ||
    this.#byMethod.has(method) ||
    this.#anyListeners.length > 0 ||
    this.#byThread.size > 0 ||
    this.#byKey.has(method) ||
    (method === "serverRequest/resolved" && this.#requestTurns.size > 0) ||
    (method === "item/started" && this.#runsOthers());

  #addReader(sink: TurnSink, step: 1 | -1): void {
    const reads = sink.reads;
    if (reads === undefined) {
      this.#turnsReadingAll += step;
      return;
    }
    const count = (this.#turnReads.get(reads) ?? 0) + step;
    if (count > 0) this.#turnReads.set(reads, count);
    else this.#turnReads.delete(reads);
  }

  #turnsRead(method: string): boolean {
    for (const reads of this.#turnReads.keys()) if (reads.has(method)) return true;
    return false;
  }

  /** The error the connection ended with, if it has. */
  get closeError(): TransportClosedError | undefined {
    return this.#closeError;
  }

  /** Sizes of the tables the router keeps, for leak checks. */
  get stats(): Record<string, number> {
    let byMethod = 0;
    for (const list of this.#byMethod.values()) byMethod += list.length;
    let byKey = 0;
    for (const { listeners } of this.#byKey.values()) byKey += listeners.size;
    let queued = 0;
    for (const { waiting } of this.#queues.values()) queued += waiting.length;
    let threadListeners = 0;
    for (const list of this.#byThread.values()) threadListeners += list.length;
    return {
      turns: this.#turns.size,
      childStarts: this.#childStarts.size,
      childTurns: this.#childTurns.size,
      pendingByThread: this.#pendingByThread.size,
      delegations: this.#delegations.size,
      startWaiters: this.#startWaiters.size,
      resuming: this.#resuming.size,
      queues: this.#queues.size,
      queued,
      unsubscribed: this.#unsubscribed.size,
      endWatches: this.#endWatches.size,
      running: this.#running.size + this.#runningUnseen.size + this.#firstItems.size,
      endedFirst: this.#endedFirst.size,
      requestTurns: this.#requestTurns.size,
      turnReads: this.#turnsReadingAll + this.#turnReads.size,
      methodListeners: byMethod,
      keyListeners: byKey,
      anyListeners: this.#anyListeners.length,
      threadListeners,
    };
  }

  /**
   * Subscribes to one method; returns the unsubscribe function. Once the connection is closed
   * nothing more can come, so nothing is kept (as with `onKey` and `onAny`).
   */
  on(method: string, listener: Listener): () => void {
    if (this.#closeError !== undefined) return NO_OP;
    const list = this.#byMethod.get(method) ?? [];
    if (!list.includes(listener)) this.#byMethod.set(method, [...list, listener]);
    return () => {
      const rest = (this.#byMethod.get(method) ?? []).filter((l) => l !== listener);
      if (rest.length > 0) this.#byMethod.set(method, rest);
      else this.#byMethod.delete(method);
    };
  }

  /**
   * Subscribes to the notifications of `method` whose `params[field]` is `key`, at the cost of one
   * lookup per notification however many keys are subscribed; returns the unsubscribe function.
   * Every subscription to one method must name the same field.
   */
  onKey(method: string, field: string, key: string, listener: Listener): () => void {
    if (this.#closeError !== undefined) return NO_OP;
    let table = this.#byKey.get(method);
    if (table === undefined) this.#byKey.set(method, (table = { field, listeners: new Map() }));
    if (table.field !== field) {
      throw new Error(`${method} is already routed by ${table.field}, not ${field}`);
    }
    const { listeners } = table;
    let set = listeners.get(key);
    if (set === undefined) listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && listeners.get(key) === set) listeners.delete(key);
      if (listeners.size === 0 && this.#byKey.get(method) === table) this.#byKey.delete(method);
    };
  }

  /** Subscribes to every notification; returns the unsubscribe function. */
  onAny(listener: Listener): () => void {
    if (this.#closeError !== undefined) return NO_OP;
    if (!this.#anyListeners.includes(listener)) {
      this.#anyListeners = [...this.#anyListeners, listener];
    }
    return () => {
      this.#anyListeners = this.#anyListeners.filter((l) => l !== listener);
    };
  }

  /**
   * Subscribes to every notification that names `threadId` (see `threadIdOf`); returns the
   * unsubscribe function.
   */
  onThread(threadId: string, listener: Listener): () => void {
    if (this.#closeError !== undefined) return NO_OP;
    this.#byThread.set(threadId, [...(this.#byThread.get(threadId) ?? []), listener]);
    return () => {
      const rest = this.#byThread.get(threadId)?.filter((l) => l !== listener);
      if (rest === undefined) return;
      if (rest.length === 0) this.#byThread.delete(threadId);
      else this.#byThread.set(threadId, rest);
    };
  }

  /** Stops routing a turn's events (its handle is done with them). */
  endTurn(turnId: string, sink: TurnSink): void {
    if (this.#turns.get(turnId) !== sink) return;
    this.#turns.delete(turnId);
    this.#addReader(sink, -1);
    if (this.#childStarts.delete(turnId) && this.#childTurns.size > 0) {
      for (const [child, root] of this.#childTurns) {
        if (root === turnId) this.#childTurns.delete(child);
      }
    }
    if (this.#requestTurns.size === 0) return;
    for (const [requestId, owner] of this.#requestTurns) {
      if (owner === turnId) this.#requestTurns.delete(requestId);
    }
  }

  /**
   * Forgets the turns of a thread whose completion came first, as its user is done with it; not
   * while a turn of this client is in flight or queued there, which the record serves. The turn
   * the server runs there stays known (one per thread, until its completion): a later turn, goal
   * or join on the thread needs it.
   */
  forgetEndedFirst(threadId: string): void {
    if (!this.#queues.has(threadId)) this.#endedFirst.delete(threadId);
  }

  /** Whether this client receives a thread's events: false once it unsubscribed from it. */
  subscribed(threadId: string): boolean {
    return !this.#unsubscribed.has(threadId);
  }

  /**
   * Records whether this client receives a thread's events. A turn on a thread it unsubscribed
   * from would never see them, so `queueTurn` refuses it until the thread is subscribed again.
   */
  setSubscribed(threadId: string, subscribed: boolean): void {
    if (subscribed) return void this.#unsubscribed.delete(threadId);
    this.#unsubscribed.add(threadId);
    // Nothing more is heard from the thread, its turn's completion included.
    this.#dropRunning(threadId);
    this.#runningUnseen.delete(threadId);
    this.#forgetFirstItem(threadId);
    this.#endedFirst.delete(threadId);
    // The turn in flight there would never see its completion: it fails, freeing the thread.
    this.#queues.get(threadId)?.holder?.fail(unsubscribedError(threadId));
  }

  /**
   * Awaits `answer` (of a request just sent), noting the threads that end (closed, archived or
   * deleted) meanwhile: a thread an answer names may have ended in the read that brought it,
   * before the answer's await resumed, and what would be kept for it then would never be let go.
   * Rejects as `answer` does.
   */
  async whileAnswered<T>(answer: Promise<T>): Promise<WatchedAnswer<T>> {
    const ends = new Map<string, string>();
    this.#endWatches.add(ends);
    try {
      return { answer: await answer, ended: (threadId) => ends.get(threadId) };
    } finally {
      this.#endWatches.delete(ends);
    }
  }

  /**
   * Marks the thread unsubscribed once `answer` (to `thread/unsubscribe`) says so, failing what
   * holds it; unless the server closed, archived or deleted the thread meanwhile. Such an end may
   * be read before the answer's await resumes, and there is then nothing left to mark.
   */
  async unsubscribeOn<R extends { status?: unknown }>(
    threadId: string,
    answer: Promise<R>,
  ): Promise<R> {
    let ended = false;
    const offs = THREAD_ENDS.map((method) =>
      this.onKey(method, "threadId", threadId, () => (ended = true)),
    );
    try {
      const response = await answer;
      if (!ended && response.status !== "notLoaded") this.setSubscribed(threadId, false);
      return response;
    } finally {
      for (const off of offs) off();
    }
  }

  /**
   * The per-thread turn queue: runs `start` once the thread has no turn of this client in flight,
   * so two turns on one thread never fold into one, with the thread's slot. From then on the
   * thread's events are held for the slot until `bind` names its turn (unless `holdEvents` is
   * false: a goal run follows its turns itself); call `start` just before sending the request
   * that starts the turn. `start` must see that `slot.release()` is called once its turn no longer
   * occupies the thread, and also when it fails to start one. A thread with no turn in flight
   * starts at once, with no promise of the queue's own; a turn that has to wait leaves the queue
   * when `wait` says so (its signal, its timeout, or what it prepares failing).
   */
  queueTurn<T>(
    threadId: string,
    start: (slot: TurnSlot) => Promise<T>,
    holdEvents = true,
    wait?: QueueWait,
  ): Promise<T> {
    if (this.#unsubscribed.has(threadId) && wait?.needsEvents !== false) {
      return Promise.reject(unsubscribedError(threadId));
    }
    const queue = this.#queues.get(threadId);
    if (queue === undefined) {
      this.#queues.set(threadId, { waiting: [], holder: undefined });
      return this.#occupy(threadId, start, holdEvents, wait);
    }
    const { waiting } = queue;
    let handed = false;
    let enter!: () => void;
    const turnCame = new Promise<void>((resolve, reject) => {
      enter = () => {
        handed = true;
        resolve();
      };
      wait?.prepared?.then(undefined, reject);
    });
    waiting.push(enter);
    return deadline(turnCame, {
      signal: wait?.signal,
      timeout: wait?.timeout,
      onTimeout: () => {
        throw new RequestTimeoutError(wait!.method, wait!.timeout!, {
          waitedFor: OWN_TURN_WAIT,
        });
      },
    }).then(
      () => this.#occupy(threadId, start, holdEvents, wait),
      (err: unknown) => {
        // It gives up waiting: out of the queue, or, if the thread came to it meanwhile, on to
        // the next turn.
        if (handed) this.#handOn(threadId);
        else waiting.splice(waiting.indexOf(enter), 1);
        throw err;
      },
    );
  }

  // Gives the thread to a turn: the slot through which it binds its turn and frees the thread.
  #occupy<T>(
    threadId: string,
    start: (slot: TurnSlot) => Promise<T>,
    holdEvents: boolean,
    wait: QueueWait | undefined,
  ): Promise<T> {
    if (this.#unsubscribed.has(threadId) && wait?.needsEvents !== false) {
      this.#handOn(threadId);
      return Promise.reject(unsubscribedError(threadId));
    }
    let held: RawNotification[] | undefined;
    if (holdEvents) this.#pendingByThread.set(threadId, (held = []));
    let released = false;
    let boundId: string | undefined;
    let boundSink: TurnSink | undefined;
    // One object a turn, with the two functions every turn calls.
    const slot: TurnSlot = {
      bind: (turnId, sink, options) => {
        const replay = held;
        held = undefined;
        if (replay !== undefined) this.#stopHolding(threadId, replay);
        // Unsubscribed, or the thread ended, while its turn/start was answered: it would never
        // see its events. What was read before the end is its own all the same: a completion
        // among it stands.
        const ended = this.#closeError ?? this.#endOf(threadId);
        if (ended !== undefined) {
          if (replay !== undefined && this.#replayEnded(turnId, sink, replay, options)) {
            return "bound";
          }
          sink.fail(ended);
          return "ended";
        }
        if (this.#turns.has(turnId)) {
          const message = `the server gave this turn the id of a turn still in flight (${turnId})`;
          sink.fail(new CodexError(message));
          return "duplicate";
        }
        boundId = turnId;
        boundSink = sink;
        const queue = this.#queues.get(threadId);
        if (queue !== undefined) {
          queue.holder = sink;
          queue.ownTurn = options?.joined === true ? undefined : turnId;
          queue.joinedAfterAll = options?.joinedAfterAll;
          settle(queue);
        }
        this.#turns.set(turnId, sink);
        this.#addReader(sink, 1);
        if (options?.childStart === true) this.#childStarts.set(turnId, threadId);
        // The server answered with the turn it already runs there: its start came before the
        // hold, and the turn is active from the start.
        const running = this.#running.get(threadId);
        if (
          running !== undefined &&
          turnIdOf(running) === turnId &&
          !replay?.includes(running) &&
          !this.#madeStarts.has(running)
        ) {
          this.#deliverToTurn(turnId, sink, running);
        }
        if (replay === undefined) return "bound";
        const childStart = options?.childStart === true;
        for (const n of replay) {
          // Ended by an earlier event (its completion): what follows is not the turn's, as live.
          if (this.#turns.get(turnId) !== sink) break;
          if (this.#heldFor(turnId, n, childStart)) this.#deliverToTurn(turnId, sink, n);
        }
        return "bound";
      },
      hold: (holder) => {
        const ended = this.#closeError ?? this.#endOf(threadId);
        if (ended !== undefined) {
          holder.fail(ended);
          return false;
        }
        const queue = this.#queues.get(threadId);
        if (queue !== undefined && !released) {
          queue.holder = holder;
          settle(queue);
        }
        return true;
      },
      pauseHold: () => {
        if (held === undefined) return;
        this.#stopHolding(threadId, held);
        held = undefined;
      },
      holdAgain: () => {
        if (!holdEvents || released || boundId !== undefined || held !== undefined) return;
        this.#pendingByThread.set(threadId, (held = []));
      },
      unhold: (holder) => {
        const queue = this.#queues.get(threadId);
        if (queue?.holder === holder) queue.holder = undefined;
      },
      sending: () => {
        const queue = this.#queues.get(threadId);
        if (!released && boundId === undefined && queue?.holder === undefined && queue) {
          queue.starting = true;
        }
      },
      ended: () => this.#closeError ?? this.#endOf(threadId),
      release: () => {
        if (released) return;
        released = true;
        // Released unbound (its start failed): what was held for it goes.
        if (held !== undefined) this.#stopHolding(threadId, held);
        held = undefined;
        // Given up on before its completion: its events go nowhere from now on.
        if (boundId !== undefined) this.endTurn(boundId, boundSink!);
        const queue = this.#queues.get(threadId);
        if (queue !== undefined) settle(queue);
        this.#handOn(threadId);
      },
    };
    try {
      return start(slot);
    } catch (err) {
      slot.release();
      return Promise.reject(err as Error);
    }
  }

  // Hands a turn answered after its thread ended (or was left) the events held for it, unrouted;
  // returns whether they completed it.
  #replayEnded(
    turnId: string,
    sink: TurnSink,
    replay: readonly RawNotification[],
    options: BindOptions | undefined,
  ): boolean {
    // Taken as #heldFor takes them, without routing anything: a review's running turn, and the
    // requests (and their withdrawals) of either.
    let child: string | undefined;
    const requests = new Set<RequestId>();
    for (const n of replay) {
      let mine: boolean;
      if (n.method === "serverRequest/resolved") {
        const requestId = (n.params as { requestId?: RequestId } | undefined)?.requestId;
        mine = requestId !== undefined && requests.delete(requestId);
      } else {
        const own = turnIdOf(n);
        const assign = this.#heldRequests.get(n);
        if (assign !== undefined) {
          mine = own !== undefined && (own === turnId || own === child);
          if (mine) {
            requests.add((n as { requestId?: RequestId }).requestId!);
            assign(turnId);
          }
        } else if (own === turnId) mine = true;
        else if (own === undefined) mine = n.method === "turn/completed";
        // The running turn's events (a hook's) but its completion, as live routing takes them.
        else if (child !== undefined && own === child) mine = n.method !== "turn/completed";
        else {
          mine = options?.childStart === true && own !== undefined && rootTurnOf(n) === turnId;
          if (mine) child = own;
        }
      }
      if (mine && this.#push(sink, n)) return true;
    }
    return false;
  }

  // Whether an event held before its turn's start answer is the turn's, bound as `turnId`, as live
  // routing would take it: one naming it, a review's running turn's start (naming it as the root),
  // a server request of either, or the withdrawal of such a request.
  #heldFor(turnId: string, n: RawNotification, childStart: boolean): boolean {
    if (n.method === "serverRequest/resolved") {
      const requestId = (n.params as { requestId?: RequestId } | undefined)?.requestId;
      if (requestId === undefined || this.#requestTurns.get(requestId) !== turnId) return false;
      this.#requestTurns.delete(requestId);
      return true;
    }
    const own = turnIdOf(n);
    // A completion naming no turn, held for the thread: of the turn it runs, as live routing reads it.
    if (own === undefined) return n.method === "turn/completed";
    const assign = this.#heldRequests.get(n);
    if (assign !== undefined) {
      if (own !== turnId && this.#childTurns.get(own) !== turnId) return false;
      this.#requestTurns.set((n as { requestId?: RequestId }).requestId!, turnId);
      assign(turnId);
      return true;
    }
    // The running turn's events but its completion: the review ends with its own.
    if (own === turnId) return true;
    if (n.method !== "turn/completed" && this.#childTurns.get(own) === turnId) return true;
    if (!childStart || rootTurnOf(n) !== turnId) return false;
    this.#childTurns.set(own, turnId);
    return true;
  }

  // The turn holding the thread is done with it: the next one waiting takes it.
  #handOn(threadId: string): void {
    const queue = this.#queues.get(threadId);
    const next = queue?.waiting.shift();
    if (next === undefined) return void this.#queues.delete(threadId);
    queue!.holder = undefined;
    queue!.ownTurn = undefined;
    queue!.joinedAfterAll = undefined;
    queue!.ended = undefined;
    next();
  }

  // Why a turn starting on the thread can no longer go on there, if it cannot.
  #endOf(threadId: string): Error | undefined {
    if (this.#unsubscribed.has(threadId)) return unsubscribedError(threadId);
    return this.#queues.get(threadId)?.ended;
  }

  // Stops holding the thread's events for `held` (a holder set since is left alone), and lets
  // what waited for the turn's start go on.
  #stopHolding(threadId: string, held: RawNotification[]): void {
    if (this.#pendingByThread.get(threadId) === held) this.#pendingByThread.delete(threadId);
    const waiters = this.#startWaiters.get(threadId);
    if (waiters === undefined) return;
    this.#startWaiters.delete(threadId);
    for (const resume of waiters) resume();
  }

  /**
   * While a turn of this client is being started on the thread (its `turn/start` unanswered),
   * keeps `request`, a server request of a turn there, in its place among the events held for the
   * turn: the turn's stream shows it in the order read once the turn is bound, and the
   * `serverRequest/resolved` naming it goes to the same turn. `assign` is told, as the turn binds,
   * which turn the request is of (a review's, for its running turn's). Returns a promise that
   * settles once the turn is bound (its handlers set, so they answer the request) or given up on;
   * `undefined`, keeping nothing, when no turn is being started there.
   */
  holdRequest(
    threadId: string,
    request: RawNotification & { requestId: RequestId },
    assign: (turnId: string) => void,
  ): Promise<void> | undefined {
    const held = this.#pendingByThread.get(threadId);
    if (held === undefined) return undefined;
    held.push(request);
    this.#heldRequests.set(request, assign);
    return this.#startBound(threadId);
  }

  /**
   * While a turn of this client is being started on the thread (its `turn/start` unanswered, or
   * answered in the chunk being read), a promise that settles once the turn is bound (its
   * handlers set) or given up on; `undefined` when none is. A sub-agent's request read with the
   * answer that starts the turn it works for waits on it so, and that turn's handlers answer it.
   */
  startSettled(threadId: string): Promise<void> | undefined {
    return this.#pendingByThread.has(threadId) ? this.#startBound(threadId) : undefined;
  }

  #startBound(threadId: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const waiters = this.#startWaiters.get(threadId);
      if (waiters === undefined) this.#startWaiters.set(threadId, [resolve]);
      else waiters.push(resolve);
    });
  }

  /**
   * Holds the server requests that name `threadId` until the returned function is called (every
   * one of them, if several holds overlap): a resume gives the thread's handlers only once its
   * answer is read, and the server sends the requests still pending there right after it.
   */
  holdRequests(threadId: string): () => void {
    let hold = this.#resuming.get(threadId);
    if (hold === undefined) {
      let end!: () => void;
      const done = new Promise<void>((resolve) => (end = resolve));
      this.#resuming.set(threadId, (hold = { count: 0, done, end }));
    }
    hold.count++;
    const held = hold;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--held.count > 0) return;
      this.#resuming.delete(threadId);
      held.end();
    };
  }

  /** While {@link holdRequests} holds a thread's requests, a promise that settles when it ends. */
  requestsHeld(threadId: string): Promise<void> | undefined {
    return this.#resuming.get(threadId)?.done;
  }

  /**
   * Shows a server request in its turn's stream, and routes the `serverRequest/resolved` that
   * will name it to the same turn.
   */
  trackServerRequest(requestId: RequestId, turnId: string, event: RawNotification): void {
    const routed = this.turnFor(turnId);
    if (!this.#turns.has(routed)) return;
    this.#requestTurns.set(requestId, routed);
    this.injectTurnEvent(routed, event);
  }

  /** The `turn/started` of the turn the server runs on a thread, as far as this client saw. */
  runningStart(threadId: string): RawNotification | undefined {
    return this.#running.get(threadId);
  }

  /**
   * Whether the server runs a turn on the thread that this client did not see start: a resume's
   * answer said the thread was active, and no turn started or completed there since.
   */
  runsUnseen(threadId: string): boolean {
    return this.#runningUnseen.has(threadId);
  }

  /**
   * Whether the server runs a user's shell command on the thread (`thread/shellCommand`) in a turn
   * of its own: a turn/start sent now would join it, and the model would not read its input.
   */
  runsShell(threadId: string): boolean {
    return this.#firstItems.get(threadId)?.shell === true;
  }

  /** Notes that a resume's answer said the thread runs a turn, unless this client saw it start. */
  noteRunningUnseen(threadId: string): void {
    if (!this.#running.has(threadId) && !this.#unsubscribed.has(threadId)) {
      this.#runningUnseen.add(threadId);
    }
  }

  /**
   * Notes that the server answered a `turn/start` this client sent by other means than a turn
   * handle (`codex.request`) with `turnId`: it runs, though its start may not be read yet (the
   * runtime answers first), unless its start or completion was read already.
   */
  noteTurnAnswered(threadId: string, turnId: string): void {
    if (this.#running.has(threadId) || this.#unsubscribed.has(threadId)) return;
    if (this.#completed.get(turnId) === threadId) return;
    if (this.#endedFirst.get(threadId)?.has(turnId) === true) return;
    // Taken for started (a status read now may still say idle): its start, when read, takes
    // this one's place, and its completion ends it. Made here, it is no event to hand a turn.
    const start = madeStart(threadId, turnId);
    this.#madeStarts.add(start);
    this.#running.set(threadId, start);
    this.#runningUnseen.delete(threadId);
  }

  /**
   * Notes that this client sends a `turn/start` on behalf of turn `rootTurnId` (delegated work on
   * another thread), before it is sent: a thread naming that root may then be that work's, or a
   * sub-agent's it spawned, not a sub-agent of the root's thread (see `ServerRequestDispatcher`).
   * Kept, whatever becomes of the request (a request given up on may still start its turn), until
   * that root turn completes or its thread ends here; nothing for a root turn seen completed.
   */
  noteDelegation(rootTurnId: string): void {
    if (this.#closeError !== undefined || this.#completed.has(rootTurnId)) return;
    // Noted again, it moves to the end: the newest are kept.
    this.#delegations.delete(rootTurnId);
    this.#delegations.add(rootTurnId);
    if (this.#delegations.size > DELEGATIONS_KEPT) {
      this.#delegations.delete(this.#delegations.values().next().value!);
    }
  }

  /** Whether this client started work on another thread on behalf of turn `rootTurnId`. */
  delegates(rootTurnId: string): boolean {
    return this.#delegations.has(rootTurnId);
  }

  // No turn runs on the thread any more, as far as this client knows: nor is work done for it.
  #dropRunning(threadId: string): void {
    const started = this.#running.get(threadId);
    if (started === undefined) return;
    this.#running.delete(threadId);
    if (this.#delegations.size > 0) this.#delegations.delete(turnIdOf(started)!);
  }

  /** The thread on which the server runs `turnId`, as far as this client saw. */
  threadRunning(turnId: string): string | undefined {
    for (const [threadId, started] of this.#running) {
      if (turnIdOf(started) === turnId) return threadId;
    }
    return undefined;
  }

  /**
   * Forgets that the server runs `turnId` (or the turn it runs for that review) on the thread, and
   * a turn there that this client did not see start, as the server says it runs none: a turn
   * given up on, whose completion never came.
   */
  forgetRunning(threadId: string, turnId: string | undefined): void {
    this.#runningUnseen.delete(threadId);
    this.#forgetFirstItem(threadId);
    if (turnId === undefined) return;
    const started = this.#running.get(threadId);
    if (started !== undefined && (turnIdOf(started) === turnId || rootTurnOf(started) === turnId)) {
      this.#dropRunning(threadId);
    }
  }

  /** Whether a turn of this id is bound and not yet over. */
  routes(turnId: string): boolean {
    return this.#turns.has(turnId);
  }

  /**
   * The routed turn a turn id belongs to: itself, or the review whose running turn it is (a
   * review is answered with one id, and runs under another).
   */
  turnFor(turnId: string): string {
    return this.#childTurns.size === 0 ? turnId : (this.#childTurns.get(turnId) ?? turnId);
  }

  /** Adds an event of the SDK's own to a turn's stream, if the turn is routed. */
  injectTurnEvent(turnId: string | undefined, event: RawNotification): void {
    const sink = turnId === undefined ? undefined : this.#turns.get(turnId);
    if (sink !== undefined) this.#push(sink, event);
  }

  // A field, not a method: the connection calls it as it is, with no binding layer per event.
  readonly #dispatch = (n: RawNotification): void => {
    // Who listens to every notification as it arrives: one added while it is delivered (a loop
    // opened by a listener) starts with the next.
    const anyBefore = this.#anyListeners;
    // So with those listening by key, taken before anyone is called (a `codex.on` listener that
    // sends a resume subscribes by key, and must not take this notification for one to come).
    const keyed = this.#byKey.size === 0 ? undefined : this.#keyedListeners(n);
    const keyedBefore = keyed === undefined ? undefined : Array.from(keyed);
    const threadId = this.#byThread.size === 0 ? undefined : threadIdOf(n);
    const ofThread = threadId === undefined ? undefined : this.#byThread.get(threadId);
    let turnId = turnIdOf(n);
    if (n.method === "serverRequest/resolved") {
      const requestId = (n.params as { requestId?: RequestId } | undefined)?.requestId;
      if (typeof requestId !== "string" && typeof requestId !== "number") this.#unnamed(n);
      turnId = requestId === undefined ? undefined : this.#requestTurns.get(requestId);
      if (turnId !== undefined) this.#requestTurns.delete(requestId!);
      // Its request may be held for a turn being started: so is its withdrawal, after it.
      else if (this.#pendingByThread.size > 0) {
        const threadId = threadIdOf(n);
        if (threadId !== undefined) this.#pendingByThread.get(threadId)?.push(n);
      }
    }
    if (turnId !== undefined) {
      let sink = this.#turns.get(turnId);
      if (sink === undefined && this.#childTurns.size > 0 && n.method !== "turn/completed") {
        // An event of the turn a review runs under (a hook's, which names that turn); the review
        // ends with its own completion, which names the review.
        const root = this.#childTurns.get(turnId);
        if (root !== undefined) {
          turnId = root;
          sink = this.#turns.get(root);
        }
      }
      if (sink === undefined && this.#childStarts.size > 0) {
        // A review's running turn names the review's thread: one naming none is no review's.
        const root = rootTurnOf(n);
        const reviewThread = root === undefined ? undefined : this.#childStarts.get(root);
        if (root !== undefined && reviewThread !== undefined && reviewThread === threadIdOf(n)) {
          this.#childTurns.set(turnId, root);
          turnId = root;
          sink = this.#turns.get(root);
        }
      }
      if (sink !== undefined) {
        // #deliverToTurn, written out: this runs for every event of every turn.
        let done = false;
        try {
          done = sink.push(n);
        } catch (err) {
          this.#log.error(`a turn failed to take ${n.method}`, err);
        }
        if (done) this.endTurn(turnId, sink);
      } else {
        if (n.method === "item/started") this.#noteFirstItem(n, turnId);
        if (this.#pendingByThread.size > 0) {
          const threadId = threadIdOf(n);
          if (threadId !== undefined) this.#pendingByThread.get(threadId)?.push(n);
        }
      }
    } else if (n.method === "turn/completed") this.#completedUnnamed(n);
    const listeners = this.#byMethod.get(n.method);
    if (listeners !== undefined) {
      for (let i = 0; i < listeners.length; i++) {
        const listener = listeners[i]!;
        // One an earlier listener unsubscribed is called no more, this notification included.
        const current = this.#byMethod.get(n.method);
        if (current === listeners || current?.includes(listener) === true) this.#call(listener, n);
      }
    }
    if (keyedBefore !== undefined) {
      for (let i = 0; i < keyedBefore.length; i++) {
        const listener = keyedBefore[i]!;
        // One unsubscribed by an earlier listener is called no more.
        if (keyed!.has(listener)) this.#call(listener, n);
      }
    }
    if (ofThread !== undefined) {
      for (let i = 0; i < ofThread.length; i++) {
        const listener = ofThread[i]!;
        // One unsubscribed by an earlier listener is called no more.
        const current = this.#byThread.get(threadId!);
        if (current === ofThread || current?.includes(listener) === true) this.#call(listener, n);
      }
    }
    const now = this.#anyListeners;
    const any = now === anyBefore ? now : now.filter((l) => anyBefore.includes(l));
    for (let i = 0; i < any.length; i++) this.#call(any[i]!, n);
  };

  // The listeners subscribed by key to a notification, if any.
  #keyedListeners(n: RawNotification): Set<Listener> | undefined {
    const table = this.#byKey.get(n.method);
    if (table === undefined) return undefined;
    const key = (n.params as Params | undefined)?.[table.field];
    return typeof key === "string" ? table.listeners.get(key) : undefined;
  }

  // A turn's start or end that names no thread or no turn, or a withdrawal that names no request,
  // tells nothing this client can follow: still delivered to whoever reads it, and logged.
  #unnamed(n: RawNotification): void {
    this.#log.warn(
      n.method === "serverRequest/resolved"
        ? "serverRequest/resolved without a requestId: no request is taken as withdrawn"
        : `${n.method} without both a threadId and a turn id: no turn is taken as ${
            n.method === "turn/started" ? "started" : "ended"
          }`,
    );
  }

  // A completion that names no turn (a fault of the server's) ends the turn the thread runs: the
  // turn of this client bound there takes it, and fails unless a readable completion follows; one
  // being started there takes it once bound (see `#heldFor`).
  #completedUnnamed(n: RawNotification): void {
    const threadId = threadIdOf(n);
    if (threadId === undefined) return;
    const holder = this.#queues.get(threadId)?.holder;
    if (holder !== undefined && "push" in holder) this.#push(holder as TurnSink, n);
    else this.#pendingByThread.get(threadId)?.push(n);
  }

  #deliverToTurn(turnId: string, sink: TurnSink, n: RawNotification): void {
    if (this.#push(sink, n)) this.endTurn(turnId, sink);
  }

  #push(sink: TurnSink, n: RawNotification): boolean {
    try {
      return sink.push(n);
    } catch (err) {
      this.#log.error(`a turn failed to take ${n.method}`, err);
      return false;
    }
  }

  // A user's listener that throws must not stop delivery to the SDK's own consumers.
  #call(listener: Listener, n: RawNotification): void {
    try {
      listener(n);
    } catch (err) {
      this.#log.error(`a listener of ${n.method} threw`, err);
    }
  }

  /**
   * A promise for each thread whose turn has its start on its way, settled once the turn is
   * bound, holds the thread, or is given up: what `ownWork` then lists.
   */
  startsSettled(): Promise<void>[] {
    const waits: Promise<void>[] = [];
    for (const queue of this.#queues.values()) {
      if (queue.starting !== true) continue;
      waits.push(
        new Promise<void>((resolve) => {
          const before = queue.settled;
          queue.settled = () => {
            before?.();
            resolve();
          };
        }),
      );
    }
    return waits;
  }

  /**
   * What this client started that holds a thread now: a turn of its own, or a holder that can
   * leave (a goal run). A turn this client joined, another's, is not among them.
   */
  ownWork(): OwnWork[] {
    const work: OwnWork[] = [];
    for (const [threadId, { holder, ownTurn, joinedAfterAll }] of this.#queues) {
      if (holder === undefined) continue;
      if (ownTurn !== undefined) {
        work.push({ threadId, turnId: ownTurn, holder, joinedAfterAll });
      } else if (holder.leave !== undefined) {
        work.push({ threadId, turnId: undefined, holder });
      }
    }
    return work;
  }

  #close(error: TransportClosedError): void {
    this.#closeError = error;
    const sinks = [...this.#turns.values()];
    this.#turns.clear();
    this.#turnsReadingAll = 0;
    this.#turnReads.clear();
    this.#childStarts.clear();
    this.#childTurns.clear();
    for (const sink of sinks) sink.fail(error);
    this.#pendingByThread.clear();
    const waiters = [...this.#startWaiters.values()];
    this.#startWaiters.clear();
    for (const list of waiters) for (const resume of list) resume();
    this.#requestTurns.clear();
    this.#running.clear();
    this.#runningUnseen.clear();
    this.#firstItems.clear();
    this.#offShellStatus = undefined;
    this.#endedFirst.clear();
    this.#unsubscribed.clear();
    this.#delegations.clear();
    this.#byMethod.clear();
    this.#byKey.clear();
    this.#anyListeners = [];
    this.#byThread.clear();
  }
}

// The thread's turn is started (bound, holding, or given up): who waited for that goes on.
function settle(queue: ThreadQueue): void {
  if (queue.starting !== true) return;
  queue.starting = false;
  const settled = queue.settled;
  queue.settled = undefined;
  settled?.();
}

/** @internal A turn on a thread this client unsubscribed from would never see its events. */
export function unsubscribedError(threadId: string): CodexError {
  return new CodexError(
    `this client unsubscribed from thread ${threadId}, so it would never see a turn's ` +
      `events there: subscribe again with codex.threadResume("${threadId}") (which the ` +
      `runtime refuses for a thread left before its first turn, as it stores nothing until then)`,
  );
}
