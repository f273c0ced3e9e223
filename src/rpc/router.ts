import type { TransportClosedError } from "../errors.js";
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
  private events: T[] = [];
  private head = 0;
  private readonly cursors = new Set<Cursor>();
  private finished = false;
  private failure: Error | undefined;

  constructor(
    /** Sees every event as it is pushed, before any reader. */
    private readonly observe?: (event: T) => void,
    /** When false, events only reach the observer and readers see nothing but the end. */
    private readonly retain = true,
  ) {}

  push(event: T): void {
    if (this.finished) return;
    this.observe?.(event);
    if (!this.retain) return;
    this.events.push(event);
    this.wakeAll();
  }

  /** No more events: readers end after the last one. */
  end(): void {
    if (this.finished) return;
    this.finished = true;
    this.wakeAll();
  }

  /** Readers throw `error` after the events already pushed. */
  fail(error: Error): void {
    if (this.finished) return;
    this.failure = error;
    this.end();
  }

  /** Opens a reader; leaving a `for await` early closes it. */
  reader(): AsyncIterableIterator<T> {
    const cursor: Cursor = { pos: this.head, wake: undefined };
    this.cursors.add(cursor);
    const close = (): IteratorResult<T> => {
      if (this.cursors.delete(cursor)) this.prune(true);
      // A next() still waiting (return() called from elsewhere) ends too.
      cursor.wake?.();
      cursor.wake = undefined;
      return { value: undefined, done: true };
    };
    // The common case, an event already waiting, answers without an async function's overhead.
    const next = (): Promise<IteratorResult<T>> => {
      if (this.cursors.has(cursor)) {
        const index = cursor.pos - this.head;
        if (index < this.events.length) {
          const value = this.events[index]!;
          cursor.pos++;
          if (cursor.pos - this.head >= PRUNE_BATCH) this.prune(false);
          return Promise.resolve({ value, done: false });
        }
      }
      return wait();
    };
    const wait = async (): Promise<IteratorResult<T>> => {
      for (;;) {
        if (!this.cursors.has(cursor)) return { value: undefined, done: true };
        if (cursor.pos - this.head < this.events.length) return next();
        if (this.finished) {
          close();
          if (this.failure !== undefined) throw this.failure;
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

  private wakeAll(): void {
    for (const cursor of this.cursors) {
      const wake = cursor.wake;
      if (wake !== undefined) {
        cursor.wake = undefined;
        wake();
      }
    }
  }

  private prune(force: boolean): void {
    let min = Infinity;
    for (const cursor of this.cursors) min = Math.min(min, cursor.pos);
    // The last reader leaving takes what it read with it.
    if (min === Infinity) min = force ? this.head + this.events.length : this.head;
    const drop = min - this.head;
    if (drop > 0 && (force || drop >= PRUNE_BATCH)) {
      this.events.splice(0, drop);
      this.head = min;
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
  push(notification: RawNotification): void;
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
 * client-wide listener. Only the router knows turn ids.
 */
export class Router {
  private readonly turns = new Map<string, TurnSink>();
  private readonly pendingByThread = new Map<string, RawNotification[]>();
  private readonly idleWaiters = new Map<string, Promise<void>>();
  // Server requests of a turn: `serverRequest/resolved` names only the request, not the turn.
  private readonly requestTurns = new Map<RequestId, string>();
  private readonly byMethod = new Map<string, Set<Listener>>();
  private readonly anyListeners = new Set<Listener>();
  private closedError: TransportClosedError | undefined;

  constructor(connection: Connection) {
    connection.onNotification((n) => this.dispatch(n));
    connection.onClose((error) => this.close(error));
  }

  /** The error the connection ended with, if it has. */
  get closed(): TransportClosedError | undefined {
    return this.closedError;
  }

  /** Subscribes to one method; returns the unsubscribe function. */
  on(method: string, listener: Listener): () => void {
    let set = this.byMethod.get(method);
    if (set === undefined) this.byMethod.set(method, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byMethod.get(method) === set) this.byMethod.delete(method);
    };
  }

  /** Subscribes to every notification; returns the unsubscribe function. */
  onAny(listener: Listener): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  /**
   * Starts holding the events of `threadId`'s next turn. Call before sending `turn/start`, so
   * nothing that arrives before its response is lost.
   */
  beginTurn(threadId: string): PendingTurn {
    const held: RawNotification[] = [];
    this.pendingByThread.set(threadId, held);
    const release = () => {
      if (this.pendingByThread.get(threadId) === held) this.pendingByThread.delete(threadId);
    };
    return {
      bind: (turnId, sink) => {
        release();
        if (this.closedError !== undefined) return sink.fail(this.closedError);
        this.turns.set(turnId, sink);
        for (const n of held) {
          if (turnIdOf(n) === turnId) this.deliverToTurn(turnId, sink, n);
        }
      },
      cancel: release,
    };
  }

  /** Stops routing a turn's events. */
  private detachTurn(turnId: string, sink: TurnSink): void {
    if (this.turns.get(turnId) === sink) this.turns.delete(turnId);
  }

  /**
   * Runs `start` once the thread has no turn of this client in flight, so two turns on one
   * thread never fold into one. `start` resolves with the turn's completion promise.
   */
  async serialize<T>(
    threadId: string,
    start: () => Promise<{ value: T; done: Promise<unknown> }>,
  ): Promise<T> {
    for (;;) {
      const busy = this.idleWaiters.get(threadId);
      if (busy === undefined) break;
      await busy;
    }
    let markIdle!: () => void;
    const idle = new Promise<void>((resolve) => (markIdle = resolve));
    this.idleWaiters.set(threadId, idle);
    const finish = () => {
      if (this.idleWaiters.get(threadId) === idle) this.idleWaiters.delete(threadId);
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

  /**
   * Shows a server request in its turn's stream, and routes the `serverRequest/resolved` that
   * will name it to the same turn.
   */
  trackServerRequest(requestId: RequestId, turnId: string, event: RawNotification): void {
    this.requestTurns.set(requestId, turnId);
    this.injectTurnEvent(turnId, event);
  }

  /** Adds an event of the SDK's own to a turn's stream, if the turn is routed. */
  injectTurnEvent(turnId: string | undefined, event: RawNotification): void {
    const sink = turnId === undefined ? undefined : this.turns.get(turnId);
    sink?.push(event);
  }

  private dispatch(n: RawNotification): void {
    let turnId = turnIdOf(n);
    if (n.method === "serverRequest/resolved") {
      const requestId = (n.params as { requestId: RequestId }).requestId;
      turnId = this.requestTurns.get(requestId);
      this.requestTurns.delete(requestId);
    }
    if (turnId !== undefined) {
      const sink = this.turns.get(turnId);
      if (sink !== undefined) this.deliverToTurn(turnId, sink, n);
      else if (this.pendingByThread.size > 0) {
        const threadId = threadIdOf(n);
        if (threadId !== undefined) this.pendingByThread.get(threadId)?.push(n);
      }
    }
    const listeners = this.byMethod.get(n.method);
    if (listeners !== undefined) for (const l of listeners) safely(l, n);
    for (const l of this.anyListeners) safely(l, n);
  }

  private deliverToTurn(turnId: string, sink: TurnSink, n: RawNotification): void {
    sink.push(n);
    if (n.method === "turn/completed") {
      this.detachTurn(turnId, sink);
      for (const [requestId, owner] of this.requestTurns) {
        if (owner === turnId) this.requestTurns.delete(requestId);
      }
    }
  }

  private close(error: TransportClosedError): void {
    this.closedError = error;
    for (const sink of this.turns.values()) sink.fail(error);
    this.turns.clear();
    this.pendingByThread.clear();
    this.requestTurns.clear();
    for (const set of this.byMethod.values()) set.clear();
    this.byMethod.clear();
    this.anyListeners.clear();
  }
}

// A user's listener that throws must not stop delivery to the SDK's own consumers.
function safely(listener: Listener, n: RawNotification): void {
  try {
    listener(n);
  } catch (err) {
    process.emitWarning(err instanceof Error ? err : new Error(String(err)), {
      code: "CODEX_LISTENER_ERROR",
    });
  }
}
