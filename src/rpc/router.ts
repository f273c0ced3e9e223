import type { TransportClosedError } from "../errors.js";
import { SILENT, type Log } from "../internal/logger.js";
import { NOTIFICATION_ROUTES, type NotificationRoute } from "../generated/index.js";
import type { RequestId } from "../generated/index.js";
import type { Connection, RawNotification } from "./connection.js";

// Logs drop what every reader has passed in batches, so a long turn costs O(1) per event.
const PRUNE_BATCH = 1024;

interface Cursor<T> {
  pos: number;
  open: boolean;
  /** Set while a `next()` waits: the next event pushed settles it directly. */
  waiting: Promise<IteratorResult<T>> | undefined;
  resolve: ((result: IteratorResult<T>) => void) | undefined;
  reject: ((error: unknown) => void) | undefined;
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

  push(event: T): void {
    if (this.#finished) return;
    this.#events.push(event);
    const cursors = this.#cursors;
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

  /** Readers throw `error` after the events already pushed. */
  fail(error: Error): void {
    if (this.#finished) return;
    this.#failure = error;
    this.end();
  }

  /** Opens a reader; leaving a `for await` early closes it. */
  reader(): AsyncIterableIterator<T> {
    const cursor: Cursor<T> = {
      pos: this.#head,
      open: true,
      waiting: undefined,
      resolve: undefined,
      reject: undefined,
    };
    this.#cursors = [...this.#cursors, cursor];
    return {
      next: () => this.#next(cursor),
      return: () => Promise.resolve(this.#close(cursor)),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  #next(cursor: Cursor<T>): Promise<IteratorResult<T>> {
    if (!cursor.open) return Promise.resolve(done());
    // Reads are answered in order: one asked while another waits comes after it.
    if (cursor.waiting !== undefined) return cursor.waiting.then(() => this.#next(cursor));
    const index = cursor.pos - this.#head;
    if (index < this.#events.length) {
      const value = this.#events[index]!;
      cursor.pos++;
      if (cursor.pos - this.#head >= PRUNE_BATCH) this.#prune(false);
      return Promise.resolve({ value, done: false });
    }
    if (this.#finished) {
      this.#close(cursor);
      return this.#failure === undefined ? Promise.resolve(done()) : Promise.reject(this.#failure);
    }
    const waiting = new Promise<IteratorResult<T>>((resolve, reject) => {
      cursor.resolve = resolve;
      cursor.reject = reject;
    });
    cursor.waiting = waiting;
    return waiting;
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
 * Where each method of the protocol carries its turn id (`null`: it names no turn). A `Map`, as
 * method names come off the wire as fresh strings, which a `Map` looks up by hash while an object
 * property lookup would first have to intern them.
 */
const TURN_ID_FIELDS: ReadonlyMap<string, "turnId" | "turn.id" | null> = new Map(
  Object.entries(NOTIFICATION_ROUTES as Record<string, NotificationRoute>).map(
    ([method, route]) => [method, route.turnId ?? null],
  ),
);

/** The turn a notification belongs to, read where the generated route table says. */
export function turnIdOf(notification: RawNotification): string | undefined {
  const params = notification.params as Params | undefined;
  if (typeof params !== "object" || params === null) return undefined;
  const field = TURN_ID_FIELDS.get(notification.method);
  const id =
    field === "turnId"
      ? params.turnId
      : field === "turn.id"
        ? (params.turn as Params | undefined)?.id
        : field === undefined
          ? // Unknown methods are still routed by the usual field names.
            (params.turnId ?? (params.turn as Params | undefined)?.id)
          : undefined;
  return typeof id === "string" ? id : undefined;
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
  /** Takes one event; returns true when the turn is done and needs no more. */
  push(notification: RawNotification): boolean;
  fail(error: Error): void;
}

/** A `turn/start` in flight: events of the thread's new turn are held until its id is known. */
export interface PendingTurn {
  /** The response named the turn: replay what was held for it, then route live. */
  bind(turnId: string, sink: TurnSink): void;
  /** The start failed: drop what was held. */
  cancel(): void;
}

type Listener = (notification: RawNotification) => void;

/**
 * Sends each notification where it belongs: to its turn's sink, to login waiters, and to every
 * client-wide listener. Only the router knows turn ids. Params come from the peer: routing reads
 * them defensively, and a sink or listener that throws is logged, not propagated.
 */
export class Router {
  readonly #log: Log;
  readonly #turns = new Map<string, TurnSink>();
  readonly #pendingByThread = new Map<string, RawNotification[]>();
  // Threads with a turn of this client in flight, each with the turns waiting for it.
  readonly #queues = new Map<string, (() => void)[]>();
  // Server requests of a turn: `serverRequest/resolved` names only the request, not the turn.
  readonly #requestTurns = new Map<RequestId, string>();
  // Listener lists are replaced, never changed in place, on (un)subscribe: delivery walks them
  // without a copy.
  readonly #byMethod = new Map<string, readonly Listener[]>();
  #anyListeners: readonly Listener[] = [];
  #closeError: TransportClosedError | undefined;

  constructor(connection: Connection, log: Log = SILENT) {
    this.#log = log;
    connection.onNotification(this.#dispatch.bind(this));
    connection.onClose((error) => this.#close(error));
  }

  /** The error the connection ended with, if it has. */
  get closeError(): TransportClosedError | undefined {
    return this.#closeError;
  }

  /** Sizes of the tables the router keeps, for leak checks. */
  get stats(): Record<string, number> {
    let byMethod = 0;
    for (const list of this.#byMethod.values()) byMethod += list.length;
    return {
      turns: this.#turns.size,
      pendingByThread: this.#pendingByThread.size,
      queues: this.#queues.size,
      requestTurns: this.#requestTurns.size,
      methodListeners: byMethod,
      anyListeners: this.#anyListeners.length,
    };
  }

  /** Subscribes to one method; returns the unsubscribe function. */
  on(method: string, listener: Listener): () => void {
    const list = this.#byMethod.get(method) ?? [];
    if (!list.includes(listener)) this.#byMethod.set(method, [...list, listener]);
    return () => {
      const rest = (this.#byMethod.get(method) ?? []).filter((l) => l !== listener);
      if (rest.length > 0) this.#byMethod.set(method, rest);
      else this.#byMethod.delete(method);
    };
  }

  /** Subscribes to every notification; returns the unsubscribe function. */
  onAny(listener: Listener): () => void {
    if (!this.#anyListeners.includes(listener)) {
      this.#anyListeners = [...this.#anyListeners, listener];
    }
    return () => {
      this.#anyListeners = this.#anyListeners.filter((l) => l !== listener);
    };
  }

  /**
   * Starts holding the events of `threadId`'s next turn. Call before sending `turn/start`, so
   * nothing that arrives before its response is lost.
   */
  beginTurn(threadId: string): PendingTurn {
    const held: RawNotification[] = [];
    this.#pendingByThread.set(threadId, held);
    const release = () => {
      if (this.#pendingByThread.get(threadId) === held) this.#pendingByThread.delete(threadId);
    };
    return {
      bind: (turnId, sink) => {
        release();
        if (this.#closeError !== undefined) return sink.fail(this.#closeError);
        this.#turns.set(turnId, sink);
        for (const n of held) {
          if (turnIdOf(n) === turnId) this.#deliverToTurn(turnId, sink, n);
        }
      },
      cancel: release,
    };
  }

  /** Stops routing a turn's events (its handle is done with them). */
  endTurn(turnId: string, sink: TurnSink): void {
    if (this.#turns.get(turnId) !== sink) return;
    this.#turns.delete(turnId);
    for (const [requestId, owner] of this.#requestTurns) {
      if (owner === turnId) this.#requestTurns.delete(requestId);
    }
  }

  /**
   * The per-thread turn queue: runs `start` once the thread has no turn of this client in flight,
   * so two turns on one thread never fold into one. `start` must call `release` once its turn no
   * longer occupies the thread, and also when it fails to start one. A thread with no turn in
   * flight starts at once, with no promise of the queue's own.
   */
  queueTurn<T>(threadId: string, start: (release: () => void) => Promise<T>): Promise<T> {
    const waiting = this.#queues.get(threadId);
    if (waiting !== undefined) {
      // Woken when the turn in flight is done, it tries again behind the turns woken before it.
      return new Promise<void>((resolve) => waiting.push(resolve)).then(() =>
        this.queueTurn(threadId, start),
      );
    }
    const waiters: (() => void)[] = [];
    this.#queues.set(threadId, waiters);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (this.#queues.get(threadId) === waiters) this.#queues.delete(threadId);
      for (const wake of waiters) wake();
    };
    try {
      return start(release);
    } catch (err) {
      release();
      return Promise.reject(err as Error);
    }
  }

  /**
   * Shows a server request in its turn's stream, and routes the `serverRequest/resolved` that
   * will name it to the same turn.
   */
  trackServerRequest(requestId: RequestId, turnId: string, event: RawNotification): void {
    if (!this.#turns.has(turnId)) return;
    this.#requestTurns.set(requestId, turnId);
    this.injectTurnEvent(turnId, event);
  }

  /** Adds an event of the SDK's own to a turn's stream, if the turn is routed. */
  injectTurnEvent(turnId: string | undefined, event: RawNotification): void {
    const sink = turnId === undefined ? undefined : this.#turns.get(turnId);
    if (sink !== undefined) this.#push(sink, event);
  }

  #dispatch(n: RawNotification): void {
    let turnId = turnIdOf(n);
    if (n.method === "serverRequest/resolved") {
      const requestId = (n.params as { requestId?: RequestId } | undefined)?.requestId;
      turnId = requestId === undefined ? undefined : this.#requestTurns.get(requestId);
      if (turnId !== undefined) this.#requestTurns.delete(requestId!);
    }
    if (turnId !== undefined) {
      const sink = this.#turns.get(turnId);
      if (sink !== undefined) {
        // #deliverToTurn, written out: this runs for every event of every turn.
        let done = false;
        try {
          done = sink.push(n);
        } catch (err) {
          this.#log.error(`a turn failed to take ${n.method}`, err);
        }
        if (done) this.endTurn(turnId, sink);
      } else if (this.#pendingByThread.size > 0) {
        const threadId = threadIdOf(n);
        if (threadId !== undefined) this.#pendingByThread.get(threadId)?.push(n);
      }
    }
    const listeners = this.#byMethod.get(n.method);
    if (listeners !== undefined)
      for (let i = 0; i < listeners.length; i++) this.#call(listeners[i]!, n);
    const any = this.#anyListeners;
    for (let i = 0; i < any.length; i++) this.#call(any[i]!, n);
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

  #close(error: TransportClosedError): void {
    this.#closeError = error;
    const sinks = [...this.#turns.values()];
    this.#turns.clear();
    for (const sink of sinks) sink.fail(error);
    this.#pendingByThread.clear();
    this.#requestTurns.clear();
    this.#byMethod.clear();
    this.#anyListeners = [];
  }
}
