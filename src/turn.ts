import { pickFinalMessage } from "./message-display.js";
import { TurnAbortedError, TurnFailedError, abortError, unlessAborted } from "./errors.js";
import type { HandlerErrorEvent } from "./approvals.js";
import type {
  RequestId,
  ServerRequestMap,
  ServerRequestMethod,
  ServerNotificationMap,
  ServerNotificationMethod,
  ThreadItem,
  ThreadTokenUsage,
  Turn,
  TurnError,
  TurnInterruptResponse,
  TurnStatus,
  TurnSteerResponse,
} from "./generated/index.js";
import { steerExternalMessage } from "./external-message.js";
import { isExternalMessage, toUserInputs, type RunInput } from "./inputs.js";
import { redactText } from "./login.js";
import type { Connection, RawNotification, RequestOptions } from "./rpc/connection.js";
import { EventLog, type TurnSink } from "./rpc/router.js";

/** A server notification, typed by its method. */
export type CodexNotification = {
  [M in ServerNotificationMethod]: {
    readonly method: M;
    readonly params: ServerNotificationMap[M];
  };
}[ServerNotificationMethod];

/** A request the server sent the client during a turn, shown in the turn's stream. */
export type ServerRequestEvent = {
  [M in ServerRequestMethod]: {
    readonly method: M;
    readonly params: ServerRequestMap[M]["params"];
    readonly requestId: RequestId;
  };
}[ServerRequestMethod];

/**
 * What `TurnHandle.stream()` yields: the turn's notifications, the server requests it caused
 * (their `serverRequest/resolved` follows), and `client/handlerError` when a handler failed.
 */
export type TurnEvent = CodexNotification | ServerRequestEvent | HandlerErrorEvent;

/** What a finished turn produced. */
export interface TurnResult {
  readonly id: string;
  readonly status: TurnStatus;
  readonly error: TurnError | null;
  /** Unix seconds. */
  readonly startedAt: number | null;
  /** Unix seconds. */
  readonly completedAt: number | null;
  readonly durationMs: number | null;
  /** The answer: the latest `final_answer` message, else the latest message without a phase. */
  readonly finalResponse: string | null;
  /** Completed items, in the order they completed. */
  readonly items: ThreadItem[];
  /** The last token usage reported for the turn. */
  readonly usage: ThreadTokenUsage | null;
}

/** The answer of a turn: the latest `final_answer`, else the latest phase-less message. */
export function pickFinalResponse(items: readonly ThreadItem[]): string | null {
  return pickFinalMessage(items)?.text ?? null;
}

/** Builds a result from the collected items and usage and the completed `Turn`. */
export function assembleResult(
  turn: Turn,
  items: ThreadItem[],
  usage: ThreadTokenUsage | null,
): TurnResult {
  // When item events were lost but the completion carries the agent's messages, use those.
  const hasMessage = items.some((item) => item.type === "agentMessage");
  const completionItems = Array.isArray(turn.items) ? turn.items : [];
  const source =
    !hasMessage && completionItems.some((item) => item.type === "agentMessage")
      ? completionItems
      : items;
  return {
    id: turn.id,
    status: turn.status,
    error: turn.error ?? null,
    startedAt: turn.startedAt ?? null,
    completedAt: turn.completedAt ?? null,
    durationMs: turn.durationMs ?? null,
    finalResponse: pickFinalResponse(source),
    items: source,
    usage,
  };
}

/**
 * Collects a turn's result as its events arrive, so `run()` needs no reader and nothing of the
 * turn is held once it is done.
 */
class TurnCollector implements TurnSink {
  readonly log: EventLog<RawNotification>;
  readonly completion: Promise<TurnResult>;
  private readonly items: ThreadItem[] = [];
  private usage: ThreadTokenUsage | null = null;
  private settle!: { resolve(result: TurnResult): void; reject(error: Error): void };
  private resultValue: TurnResult | undefined;

  constructor(retain: boolean) {
    this.log = new EventLog<RawNotification>((n) => this.observe(n), retain);
    this.completion = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // Nobody may ever call run(); a failure then must not surface as an unhandled rejection.
    this.completion.catch(() => {});
  }

  /** The result once the turn completed. */
  get result(): TurnResult | undefined {
    return this.resultValue;
  }

  /** What has been collected so far, as a result with status `inProgress`. */
  partial(id: string): TurnResult {
    return {
      id,
      status: "inProgress",
      error: null,
      startedAt: null,
      completedAt: null,
      durationMs: null,
      finalResponse: pickFinalResponse(this.items),
      items: [...this.items],
      usage: this.usage,
    };
  }

  push(n: RawNotification): void {
    this.log.push(n);
    if (n.method === "turn/completed") this.log.end();
  }

  fail(error: Error): void {
    this.log.fail(error);
    this.settle.reject(error);
  }

  private observe(n: RawNotification): void {
    switch (n.method) {
      case "item/completed":
        this.items.push((n.params as ServerNotificationMap["item/completed"]).item);
        break;
      case "thread/tokenUsage/updated":
        this.usage = (n.params as ServerNotificationMap["thread/tokenUsage/updated"]).tokenUsage;
        break;
      case "turn/completed": {
        const { turn } = n.params as ServerNotificationMap["turn/completed"];
        this.resultValue = assembleResult(turn, this.items, this.usage);
        this.settle.resolve(this.resultValue);
        break;
      }
    }
  }
}

// A provider's 401 may quote the key it was given; keep it out of what run() throws.
function redactResult(result: TurnResult, secrets: ReadonlySet<string>): TurnResult {
  const error = result.error;
  if (error === null || secrets.size === 0) return result;
  const list = [...secrets];
  const clean = <T>(text: T): T => (typeof text === "string" ? redactText(text, list) : text) as T;
  return {
    ...result,
    error: {
      ...error,
      message: clean(error.message)!,
      additionalDetails: clean(error.additionalDetails),
    },
  };
}

/** What a handle needs from its thread: the connection and how turns are routed. */
export interface TurnContext {
  readonly connection: Connection;
  /** Keys and tokens given to the server, kept out of `TurnFailedError`. */
  readonly secrets: ReadonlySet<string>;
}

/** A turn in flight (or done): stream its events, steer it, interrupt it, or wait for its result. */
export class TurnHandle {
  /** @internal */
  readonly collector: TurnCollector;

  /** @internal Created by `Thread.turn`. */
  constructor(
    private readonly context: TurnContext,
    /** The thread the turn belongs to. */
    readonly threadId: string,
    /** The turn id. */
    readonly id: string,
    collector: TurnCollector,
  ) {
    this.collector = collector;
  }

  /** @internal A collector to register before `turn/start` is sent. */
  static collector(retain: boolean): TurnCollector {
    return new TurnCollector(retain);
  }

  /** Serializes as `{ id, threadId }`, keeping the client out of logs. */
  toJSON(): { id: string; threadId: string } {
    return { id: this.id, threadId: this.threadId };
  }

  /** Whether `turn/completed` has arrived. */
  get completed(): boolean {
    return this.collector.result !== undefined;
  }

  /**
   * This turn's notifications, in order, ending after its own `turn/completed`. Events are kept
   * from the moment `turn/start` was sent until every open stream has read them, so streams
   * opened before reading starts each see every event. Leaving the loop early closes the stream.
   */
  stream(): AsyncIterableIterator<TurnEvent> {
    return this.collector.log.reader() as AsyncIterableIterator<TurnEvent>;
  }

  /**
   * Waits for the turn to complete and returns its result. A `failed` turn rejects with
   * `TurnFailedError`; an interrupted one resolves with `status: "interrupted"`. Aborting
   * `signal` interrupts the turn and rejects with `TurnAbortedError` carrying the partial result.
   */
  async run(options: { signal?: AbortSignal } = {}): Promise<TurnResult> {
    const result = await this.waitForCompletion(options.signal);
    if (result.status === "failed")
      throw new TurnFailedError(redactResult(result, this.context.secrets));
    return result;
  }

  /**
   * Adds input to this turn while it runs (`turn/steer` with `expectedTurnId`); an external
   * message joins it through `turn/start` instead.
   */
  async steer(input: RunInput, options?: RequestOptions): Promise<TurnSteerResponse> {
    if (isExternalMessage(input)) {
      return steerExternalMessage(this.context.connection, this, input, options);
    }
    const wire = toUserInputs(input);
    return this.context.connection.request(
      "turn/steer",
      { threadId: this.threadId, expectedTurnId: this.id, input: wire },
      options,
    );
  }

  /** Asks the server to stop this turn; it then completes with status `interrupted`. */
  interrupt(options?: RequestOptions): Promise<TurnInterruptResponse> {
    return this.context.connection.request(
      "turn/interrupt",
      { threadId: this.threadId, turnId: this.id },
      options,
    );
  }

  private waitForCompletion(signal: AbortSignal | undefined): Promise<TurnResult> {
    return unlessAborted(this.collector.completion, signal, () => this.abort(signal!));
  }

  // Interrupts on the server, waits (bounded) for the interrupted completion, then rejects.
  private async abort(signal: AbortSignal): Promise<never> {
    if (!this.completed) {
      await this.interrupt().catch(() => {});
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.collector.completion.catch(() => {}),
        new Promise((resolve) => (timer = setTimeout(resolve, 10_000))),
      ]);
      clearTimeout(timer);
    }
    throw new TurnAbortedError(
      this.collector.result ?? this.collector.partial(this.id),
      abortError(signal),
    );
  }
}
