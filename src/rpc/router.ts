import { CodexError, type TransportClosedError } from "../errors.js";
import { SILENT, type Log } from "../internal/logger.js";
import { NOTIFICATION_ROUTES, type NotificationRoute } from "../generated/index.js";
import type { RequestId } from "../generated/index.js";
import type { Connection, RawNotification } from "./connection.js";

// Logs drop what every reader has passed in batches, so a long turn costs O(1) per event.
const PRUNE_BATCH = 1024;

interface Cursor {
  pos: number;
  wake: (() => void) | undefined;
}

/**
 * An ordered log of events with any number of readers. Events are kept until every open reader
 * has passed them; a reader opened later starts at the oldest event still kept. With no reader
 * open, nothing is dropped, so the first reader sees everything.
 */
export class EventLog<T> {
  #events: T[] = [];
  #head = 0;
  readonly #cursors = new Set<Cursor>();
  #finished = false;
  #failure: Error | undefined;
  readonly #observe: ((event: T) => void) | undefined;
  readonly #retain: boolean;

  /**
   * `observe` sees every event as it is pushed, before any reader. With `retain` false, events
   * only reach the observer and readers see nothing but the end.
   */
  constructor(observe?: (event: T) => void, retain = true) {
    this.#observe = observe;
    this.#retain = retain;
  }

  /** How many events are kept and how many readers are open, for leak checks. */
  get stats(): { kept: number; readers: number } {
    return { kept: this.#events.length, readers: this.#cursors.size };
  }

  push(event: T): void {
    if (this.#finished) return;
    this.#observe?.(event);
    if (!this.#retain) return;
    this.#events.push(event);
    this.#wakeAll();
  }

  /** No more events: readers end after the last one. */
  end(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#wakeAll();
  }

  /** Readers throw `error` after the events already pushed. */
  fail(error: Error): void {
    if (this.#finished) return;
    this.#failure = error;
    this.end();
  }

  /** Opens a reader; leaving a `for await` early closes it. */
  reader(): AsyncIterableIterator<T> {
    const cursor: Cursor = { pos: this.#head, wake: undefined };
    this.#cursors.add(cursor);
    const close = (): IteratorResult<T> => {
      if (this.#cursors.delete(cursor)) this.#prune(true, cursor.pos);
      // A next() still waiting (return() called from elsewhere) ends too.
      cursor.wake?.();
      cursor.wake = undefined;
      return { value: undefined, done: true };
    };
    // The common case, an event already waiting, answers without an async function's overhead.
    const next = (): Promise<IteratorResult<T>> => {
      if (this.#cursors.has(cursor)) {
        const index = cursor.pos - this.#head;
        if (index < this.#events.length) {
          const value = this.#events[index]!;
          cursor.pos++;
          if (cursor.pos - this.#head >= PRUNE_BATCH) this.#prune(false);
          return Promise.resolve({ value, done: false });
        }
      }
      return wait();
    };
    const wait = async (): Promise<IteratorResult<T>> => {
      for (;;) {
        if (!this.#cursors.has(cursor)) return { value: undefined, done: true };
        if (cursor.pos - this.#head < this.#events.length) return next();
        if (this.#finished) {
          close();
          if (this.#failure !== undefined) throw this.#failure;
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => (cursor.wake = resolve));
      }
    };
    return {
      next,
      return: async () => close(),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  #wakeAll(): void {
    for (const cursor of this.#cursors) {
      const wake = cursor.wake;
      if (wake !== undefined) {
        cursor.wake = undefined;
        wake();
      }
    }
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

function routeFor(method: string): NotificationRoute | undefined {
  return (NOTIFICATION_ROUTES as Record<string, NotificationRoute>)[method];
}

/** The turn a notification belongs to, read where the generated route table says. */
export function turnIdOf(notification: RawNotification): string | undefined {
  const params = notification.params as Params | undefined;
  if (typeof params !== "object" || params === null) return undefined;
  const route = routeFor(notification.method);
  const id =
    route === undefined
      ? // Unknown methods are still routed by the usual field names.
        (params.turnId ?? (params.turn as Params | undefined)?.id)
      : route.turnId === "turn.id"
        ? (params.turn as Params | undefined)?.id
        : route.turnId === "turnId"
          ? params.turnId
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

/** Options of {@link PendingTurn.bind}. */
export interface BindOptions {
  /**
   * Also route to this turn the `turn/started` of a turn that names it as `rootTurnId`. A review
   * is answered with one turn id, but its `turn/started` names another (the turn the server runs
   * on the review's behalf); its items and `turn/completed` carry the first.
   */
  readonly childStart?: boolean;
}

/** A `turn/start` in flight: events of the thread's new turn are held until its id is known. */
export interface PendingTurn {
  /** The response named the turn: replay what was held for it, then route live. */
  bind(turnId: string, sink: TurnSink, options?: BindOptions): void;
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
  // Turns that also take the `turn/started` of a child turn (see `BindOptions`), by thread id.
  readonly #childStarts = new Map<string, string>();
  readonly #pendingByThread = new Map<string, RawNotification[]>();
  readonly #queues = new Map<string, Promise<void>>();
  // Threads this client unsubscribed from: the server sends their events to nobody here.
  readonly #unsubscribed = new Set<string>();
  // Server requests of a turn: `serverRequest/resolved` names only the request, not the turn.
  readonly #requestTurns = new Map<RequestId, string>();
  readonly #byMethod = new Map<string, Set<Listener>>();
  // Subscriptions to the notifications of one method that name one key (a process id, say).
  readonly #byKey = new Map<string, { field: string; listeners: Map<string, Set<Listener>> }>();
  readonly #anyListeners = new Set<Listener>();
  #closeError: TransportClosedError | undefined;

  constructor(connection: Connection, log: Log = SILENT) {
    this.#log = log;
    connection.onNotification((n) => this.#dispatch(n));
    connection.onClose((error) => this.#close(error));
  }

  /** The error the connection ended with, if it has. */
  get closeError(): TransportClosedError | undefined {
    return this.#closeError;
  }

  /** Sizes of the tables the router keeps, for leak checks. */
  get stats(): Record<string, number> {
    let byMethod = 0;
    for (const set of this.#byMethod.values()) byMethod += set.size;
    let byKey = 0;
    for (const { listeners } of this.#byKey.values()) byKey += listeners.size;
    return {
      turns: this.#turns.size,
      childStarts: this.#childStarts.size,
      pendingByThread: this.#pendingByThread.size,
      queues: this.#queues.size,
      unsubscribed: this.#unsubscribed.size,
      requestTurns: this.#requestTurns.size,
      methodListeners: byMethod,
      keyListeners: byKey,
      anyListeners: this.#anyListeners.size,
    };
  }

  /** Subscribes to one method; returns the unsubscribe function. */
  on(method: string, listener: Listener): () => void {
    let set = this.#byMethod.get(method);
    if (set === undefined) this.#byMethod.set(method, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#byMethod.get(method) === set) this.#byMethod.delete(method);
    };
  }

  /**
   * Subscribes to the notifications of `method` whose `params[field]` is `key`, at the cost of one
   * lookup per notification however many keys are subscribed; returns the unsubscribe function.
   * Every subscription to one method must name the same field.
   */
  onKey(method: string, field: string, key: string, listener: Listener): () => void {
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
    this.#anyListeners.add(listener);
    return () => this.#anyListeners.delete(listener);
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
      bind: (turnId, sink, options) => {
        release();
        if (this.#closeError !== undefined) return sink.fail(this.#closeError);
        this.#turns.set(turnId, sink);
        if (options?.childStart === true) this.#childStarts.set(turnId, threadId);
        for (const n of held) {
          if (turnIdOf(n) === turnId || this.#childStartOf(n) === turnId) {
            this.#deliverToTurn(turnId, sink, n);
          }
        }
      },
      cancel: release,
    };
  }

  /** Stops routing a turn's events (its handle is done with them). */
  endTurn(turnId: string, sink: TurnSink): void {
    if (this.#turns.get(turnId) !== sink) return;
    this.#turns.delete(turnId);
    this.#childStarts.delete(turnId);
    for (const [requestId, owner] of this.#requestTurns) {
      if (owner === turnId) this.#requestTurns.delete(requestId);
    }
  }

  /**
   * Records whether this client receives a thread's events. A turn on a thread it unsubscribed
   * from would never see them, so `queueTurn` refuses it until the thread is subscribed again.
   */
  setSubscribed(threadId: string, subscribed: boolean): void {
    if (subscribed) this.#unsubscribed.delete(threadId);
    else this.#unsubscribed.add(threadId);
  }

  /**
   * The per-thread turn queue: runs `start` once the thread has no turn of this client in flight,
   * so two turns on one thread never fold into one. `start` resolves with the value and a promise
   * that settles when its turn no longer occupies the thread.
   */
  async queueTurn<T>(
    threadId: string,
    start: () => Promise<{ value: T; done: Promise<unknown> }>,
  ): Promise<T> {
    this.#checkSubscribed(threadId);
    for (;;) {
      const busy = this.#queues.get(threadId);
      if (busy === undefined) break;
      await busy;
    }
    let markIdle!: () => void;
    const idle = new Promise<void>((resolve) => (markIdle = resolve));
    this.#checkSubscribed(threadId);
    this.#queues.set(threadId, idle);
    const finish = () => {
      if (this.#queues.get(threadId) === idle) this.#queues.delete(threadId);
      markIdle();
    };
    try {
      const { value, done } = await start();
      done.then(finish, finish);
      return value;
    } catch (err) {
      finish();
      throw err;
    }
  }

  #checkSubscribed(threadId: string): void {
    if (this.#unsubscribed.has(threadId)) {
      throw new CodexError(
        `this client unsubscribed from thread ${threadId}, so it would never see a turn's ` +
          `events there: subscribe again with codex.threadResume("${threadId}")`,
      );
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
    if (turnId !== undefined && !this.#turns.has(turnId) && this.#childStarts.size > 0) {
      const root = this.#childStartOf(n);
      if (root !== undefined && this.#childStarts.get(root) === threadIdOf(n)) turnId = root;
    }
    if (turnId !== undefined) {
      const sink = this.#turns.get(turnId);
      if (sink !== undefined) this.#deliverToTurn(turnId, sink, n);
      else if (this.#pendingByThread.size > 0) {
        const threadId = threadIdOf(n);
        if (threadId !== undefined) this.#pendingByThread.get(threadId)?.push(n);
      }
    }
    const listeners = this.#byMethod.get(n.method);
    if (listeners !== undefined) for (const l of listeners) this.#call(l, n);
    const keyed = this.#byKey.get(n.method);
    if (keyed !== undefined) {
      const key = (n.params as Params | undefined)?.[keyed.field];
      const set = typeof key === "string" ? keyed.listeners.get(key) : undefined;
      if (set !== undefined) for (const l of set) this.#call(l, n);
    }
    for (const l of this.#anyListeners) this.#call(l, n);
  }

  // The root turn a `turn/started` names, when it is not the started turn itself.
  #childStartOf(n: RawNotification): string | undefined {
    if (n.method !== "turn/started") return undefined;
    const turn = (n.params as Params | undefined)?.turn as Params | undefined;
    const root = turn?.rootTurnId;
    return typeof root === "string" && root !== turn?.id ? root : undefined;
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
    this.#childStarts.clear();
    for (const sink of sinks) sink.fail(error);
    this.#pendingByThread.clear();
    this.#requestTurns.clear();
    this.#byMethod.clear();
    this.#byKey.clear();
    this.#anyListeners.clear();
  }
}
