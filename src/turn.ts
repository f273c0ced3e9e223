import {
  CodexError,
  InvalidRequestError,
  JsonRpcError,
  RequestTimeoutError,
  TransportClosedError,
  TurnAbortedError,
  TurnFailedError,
} from "./errors.js";
import { steerExternalMessage, type SteerTarget } from "./external-message.js";
import type {
  HookRunSummary,
  RequestId,
  ThreadItem,
  ThreadTokenUsage,
  Turn,
  TurnError,
  ServerRequestMap,
  ServerRequestMethod,
  ServerNotificationMap,
  ServerNotificationMethod,
  TurnInterruptResponse,
  TurnStartParams,
  TurnSteerParams,
  TurnSteerResponse,
} from "./generated/index.js";
import { TURN_STEER_PARAMS_FIELDS, TURN_STEER_PARAMS_KEYS } from "./generated/index.js";
import {
  checkTurnContext,
  loneType,
  toToolOutput,
  toUserInputs,
  type ExternalMessageInput,
  type RunInput,
} from "./inputs.js";
import {
  ABORT_WAIT_MS,
  abortError,
  callLeft,
  deadline,
  now,
  timeLeft,
  watchAbort,
} from "./internal/deadline.js";
import { deferred, type Deferred } from "./internal/deferred.js";
import { SILENT, type Log } from "./internal/logger.js";
import { plainText } from "./internal/plain.js";
import {
  checkJson,
  checkNonEmpty,
  checkOptionNames,
  checkSignal,
  dropUndefined,
  optionNames,
  REQUEST_KEYS,
  requestOptions,
  shown,
  splitRequestOptions,
  type WireOptions,
} from "./internal/validate.js";
import type { EventMode } from "./options.js";
import { assembleResult, isItem, isObject, partialResult, type TurnResult } from "./result.js";
import { asOneCall } from "./rpc/bound-wait.js";
import type {
  Connection,
  RawNotification,
  RequestOptions,
  RequestTicket,
  SendOptions,
} from "./rpc/connection.js";
import { sendStop } from "./stop.js";
import {
  EventLog,
  rootTurnOf,
  turnIdOf,
  unsubscribedError,
  type BindOptions,
  type EventReader,
  type Router,
  type TurnSink,
  type TurnSlot,
} from "./rpc/router.js";
import type {
  HandlerErrorEvent,
  ServerRequestDispatcher,
  ServerRequestHandlers,
} from "./server-requests.js";
import { answeredTurnId, startedTurnId } from "./turn-id.js";

/** A server notification, typed by its method. */
export type CodexNotification = {
  [M in ServerNotificationMethod]: {
    /** The notification's method. */
    readonly method: M;
    /** The notification's params, typed by `method`. */
    readonly params: ServerNotificationMap[M];
    /**
     * When the app-server emitted it (Unix milliseconds), before sending it to each client: the
     * pinned runtime always sets it.
     */
    readonly emittedAtMs?: number;
  };
}[ServerNotificationMethod];

/** A request the server sent the client during a turn, shown in the turn's stream. */
export type ServerRequestEvent = {
  [M in ServerRequestMethod]: {
    /** The request's method. */
    readonly method: M;
    /** The request's params, typed by `method`. */
    readonly params: ServerRequestMap[M]["params"];
    /** The JSON-RPC id of the request, as its `serverRequest/resolved` names it. */
    readonly requestId: RequestId;
  };
}[ServerRequestMethod];

/**
 * What `TurnHandle.stream()` yields: the turn's notifications, the server requests it caused
 * (their `serverRequest/resolved` follows, except for a dynamic tool call, which its item's
 * `item/completed` ends), and `client/handlerError` when a handler failed.
 */
export type TurnEvent = CodexNotification | ServerRequestEvent | HandlerErrorEvent;

// The one server request whose end its item's `item/completed` shows, not a `serverRequest/resolved`.
const TOOL_CALL = "item/tool/call";

/** What a collector that keeps no events reads: the turn's start, and what its result needs. */
const RESULT_READS: ReadonlySet<string> = new Set([
  "turn/started",
  "item/completed",
  "hook/completed",
  "thread/tokenUsage/updated",
  "turn/completed",
  "error",
]);

/**
 * @internal
 * Collects a turn's result as its events arrive, so `run()` needs no reader and nothing of the
 * turn is held once it is done. Also knows when the turn is active on the server (its
 * `turn/started`), which `turn/interrupt` and `turn/steer` need. Params come from the peer: a
 * malformed event is logged and dropped, never thrown on.
 *
 * It runs for every event of every turn, so its work is written out in few functions: each one a
 * turn goes through costs time, the client waking cold for each line.
 */
export class TurnCollector implements TurnSink {
  /** Whether the turn is a code review (`review/start`), which the server does not let steer. */
  readonly review: boolean;
  /** What it reads: every event when it keeps them for readers, else what the result needs. */
  readonly reads: ReadonlySet<string> | undefined;
  // The events kept for stream() readers; none for a turn of run(), which has no reader.
  readonly #events: EventLog<RawNotification> | undefined;
  // What the result is built from: the completed items, in order, and the last token usage.
  readonly #items: ThreadItem[] = [];
  #usage: ThreadTokenUsage | null = null;
  // The hook runs completed during the turn; none for most turns.
  #hooks: HookRunSummary[] | undefined;
  readonly #log: Log;
  readonly #onRelease: () => void;
  #startedId: string | undefined;
  // The `clientId` of the turn's first item, a user message, once read (null for any other item,
  // or a message without one), and who waits for it.
  #firstClientId: string | null | undefined;
  #firstRead: Deferred<void> | undefined;
  #result: TurnResult | undefined;
  #error: Error | undefined;
  // The promises below are made when first asked for: a turn that nobody waits on in that way
  // (most turns, for `released` and `active`) costs none of them.
  #completion: Deferred<TurnResult> | undefined;
  #released: Deferred<void> | undefined;
  #isReleased = false;
  // What keeps the thread taken past the turn's end (see `holdThread`).
  #holds = 0;
  #isActive = false;
  #active: Deferred<void> | undefined;
  // Ends the turn should no readable completion follow what ends it for the server: the final
  // error of a turn this client did not see start, or a completion it cannot read.
  #noCompletion: ReturnType<typeof setTimeout> | undefined;
  // The server requests shown to stream() readers whose `serverRequest/resolved` has not come.
  #openRequests: Set<RequestId> | undefined;

  /** `onRelease` is called once the turn no longer occupies its thread. */
  constructor(
    retain: boolean,
    log: Log = SILENT,
    options: { readonly review?: boolean; readonly onRelease?: () => void } = {},
  ) {
    this.#log = log;
    this.review = options.review ?? false;
    this.#onRelease = options.onRelease ?? (() => undefined);
    this.#events = retain ? new EventLog<RawNotification>() : undefined;
    this.reads = retain ? undefined : RESULT_READS;
  }

  /** Resolves with the result at `turn/completed`; rejects when the connection ends first. */
  get completion(): Promise<TurnResult> {
    if (this.#completion === undefined) {
      this.#completion = deferred();
      if (this.#result !== undefined) this.#completion.resolve(this.#result);
      else if (this.#error !== undefined) this.#completion.reject(this.#error);
    }
    return this.#completion.promise;
  }

  /** Resolves when the turn no longer occupies its thread. */
  get released(): Promise<void> {
    if (this.#released === undefined) {
      this.#released = deferred();
      if (this.#isReleased) this.#released.resolve();
    }
    return this.#released.promise;
  }

  /**
   * Keeps the thread taken, should the turn end, until the function returned is called: the
   * next turn queued there must not be sent while a request made for this one may still start a
   * turn of its own. Calls after the first do nothing.
   */
  holdThread(): () => void {
    this.#holds++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      if (--this.#holds === 0 && (this.#result !== undefined || this.#error !== undefined)) {
        this.#release();
      }
    };
  }

  /** A reader of the turn's events (see `TurnHandle.stream`); it ends at once when none are kept. */
  reader(): EventReader<RawNotification> {
    if (this.#events !== undefined) return this.#events.reader();
    const ended = new EventLog<RawNotification>();
    ended.end();
    return ended.reader();
  }

  /** Whether the turn is active (started), done, or the connection ended; see `active`. */
  get isActive(): boolean {
    return this.#isActive;
  }

  /** Resolves once the turn is active (started), done, or the connection ended. */
  get active(): Promise<void> {
    if (this.#isActive) return Promise.resolve();
    this.#active ??= deferred();
    return this.#active.promise;
  }

  /** Whether the turn has completed or failed. */
  get ended(): boolean {
    return this.#result !== undefined || this.#error !== undefined;
  }

  /** The result once the turn completed. */
  get result(): TurnResult | undefined {
    return this.#result;
  }

  /**
   * The id `turn/started` named: the one `turn/interrupt` accepts. It is the turn id, except for
   * a review, whose `turn/started` names the turn the server runs on its behalf.
   */
  get startedId(): string | undefined {
    return this.#startedId;
  }

  /**
   * Whether the turn's first item, once read, is a user message that another client marked: its
   * `clientId` is not this client's. (Not for a message without a `clientId`, which any client
   * may have sent, nor for a first item of another kind: a turn started without input.)
   */
  firstMessageNotFrom(clientId: string): boolean {
    return typeof this.#firstClientId === "string" && this.#firstClientId !== clientId;
  }

  /** Settles once the turn's first item is read, or the turn has ended. */
  firstMessageRead(): Promise<void> {
    if (this.#firstClientId !== undefined || this.ended) return Promise.resolve();
    this.#firstRead ??= deferred<void>();
    return this.#firstRead.promise;
  }

  #noteFirst(item: ThreadItem): void {
    const { clientId } = item as { clientId?: unknown };
    const marked = item.type === "userMessage" && typeof clientId === "string";
    this.#firstClientId = marked ? clientId : null;
    this.#firstReadDone();
  }

  #firstReadDone(): void {
    this.#firstRead?.resolve();
    this.#firstRead = undefined;
  }

  /** What has been collected so far, as a result with status `inProgress`. */
  partial(id: string): TurnResult {
    return partialResult(id, this.#items, this.#usage, this.review, this.#hooks);
  }

  // The server withdraws the requests still open when a turn ends, and says so after the turn's
  // completion, where the stream has ended: each withdrawal is shown before it instead.
  #withdrawOpenRequests(threadId: unknown): void {
    for (const requestId of this.#openRequests!) {
      this.#events!.push({ method: "serverRequest/resolved", params: { threadId, requestId } });
    }
    this.#openRequests = undefined;
  }

  /** Takes one event of the turn; returns true once the turn is done (routing can stop). */
  push(n: RawNotification): boolean {
    const params = n.params as Record<string, unknown> | undefined;
    let result: TurnResult | undefined;
    // A malformed event is dropped whole: a broken `turn/completed` does not end the turn, unless
    // no readable one follows.
    switch (n.method) {
      // The text a stream hands out: a delta that is no string would reach a reader as one.
      case "item/agentMessage/delta":
      case "item/reasoning/textDelta":
      case "item/reasoning/summaryTextDelta":
      case "item/commandExecution/outputDelta":
      case "item/fileChange/outputDelta":
      case "item/plan/delta":
        if (typeof params?.delta !== "string") return this.#malformed(n);
        break;
      case "turn/started": {
        const id = (params?.turn as { id?: unknown } | undefined)?.id;
        if (typeof id === "string") this.#startedId ??= id;
        this.#markActive();
        break;
      }
      // An item without a kind would reach a reader (textStream, say) as one.
      case "item/started": {
        const item = params?.item;
        if (!isItem(item)) return this.#malformed(n);
        if (this.#firstClientId === undefined) this.#noteFirst(item);
        break;
      }
      case "item/completed": {
        const item = params?.item;
        if (!isItem(item)) return this.#malformed(n);
        if (this.#firstClientId === undefined) this.#noteFirst(item);
        this.#items.push(item);
        break;
      }
      case "hook/completed": {
        const run = params?.run;
        if (!isObject(run) || typeof run.status !== "string") return this.#malformed(n);
        (this.#hooks ??= []).push(run as HookRunSummary);
        break;
      }
      case "thread/tokenUsage/updated": {
        const usage = params?.tokenUsage;
        if (!isObject(usage)) return this.#malformed(n);
        this.#usage = usage as ThreadTokenUsage;
        break;
      }
      case "turn/completed": {
        const turn = params?.turn;
        if (!isObject(turn) || typeof turn.id !== "string" || typeof turn.status !== "string") {
          // The server sends no other: waited for without end, the thread's queue would stop.
          const given = isObject(turn) && typeof turn.id === "string" ? turn.id : params?.turnId;
          const id = typeof given === "string" ? given : this.#startedId;
          // The id as the event gave it: in a goal run's turn, never checked by an answer.
          const why = new CodexError(
            `${id === undefined ? "the turn" : `turn ${plainText(id)}`} ended with a turn/completed the ` +
              "SDK cannot read (its turn's id or status is missing or of the wrong type), and no " +
              "readable one followed",
          );
          // Of a turn already ended (given up on, its abort's wait over), it changes nothing.
          if (!this.ended) {
            this.#noCompletion ??= setTimeout(() => this.fail(why), FOLLOW_UP_WAIT_MS);
          }
          return this.#malformed(n);
        }
        const { status } = turn;
        if (status !== "completed" && status !== "interrupted" && status !== "failed") {
          // A newer runtime's: the turn ends all the same, and `run()` resolves with it as given.
          this.#log.warn(
            `turn ${turn.id} ended with a status this SDK does not know (${shown(status)}): ` +
              "run() resolves with it as given",
          );
        }
        result = assembleResult(turn as Turn, this.#items, this.#usage, this.review, this.#hooks);
        if (this.#openRequests !== undefined) this.#withdrawOpenRequests(params?.threadId);
        break;
      }
      case "serverRequest/resolved":
        this.#openRequests?.delete((params as { requestId: RequestId }).requestId);
        break;
      case "error": {
        // A turn the server gives up on before it starts (a review of a directory that is no
        // git repository) gets neither `turn/started` nor `turn/completed`: this is its end.
        const { turnId, error } = params ?? {};
        if (params?.willRetry !== false || this.#isActive || typeof turnId !== "string") break;
        if (!isObject(error) || typeof error.message !== "string") {
          // Its end all the same, should nothing readable follow (a review gets nothing more).
          const why = new CodexError(
            `turn ${plainText(turnId)} ended with a final error the SDK cannot read, and nothing followed`,
          );
          if (!this.ended)
            this.#noCompletion ??= setTimeout(() => this.fail(why), FOLLOW_UP_WAIT_MS);
          return this.#malformed(n);
        }
        result = {
          ...partialResult(turnId, this.#items, this.#usage, this.review, this.#hooks),
          status: "failed",
          error: error as TurnError,
        };
        if (this.review) break;
        // A turn this client joined (its start came before this client followed the thread)
        // fails the same way, and its completion follows: the error ends it if none comes soon.
        this.#markActive();
        this.#events?.push(n);
        const failed = result;
        this.#noCompletion ??= setTimeout(() => this.#end(failed), FOLLOW_UP_WAIT_MS);
        return false;
      }
      default: {
        // A server request shown in the stream (a dynamic tool call's end is its item's).
        const { requestId } = n as { requestId?: RequestId };
        if (requestId !== undefined && this.#events !== undefined && n.method !== TOOL_CALL) {
          (this.#openRequests ??= new Set()).add(requestId);
        }
      }
    }
    this.#events?.push(n);
    if (result === undefined) return false;
    this.#end(result);
    return true;
  }

  #end(result: TurnResult): void {
    if (this.#result !== undefined || this.#error !== undefined) return;
    clearTimeout(this.#noCompletion);
    this.#result = result;
    this.#markActive();
    this.#firstReadDone();
    this.#completion?.resolve(result);
    this.#events?.end();
    this.#release();
  }

  fail(error: Error): void {
    if (this.#result !== undefined || this.#error !== undefined) return;
    clearTimeout(this.#noCompletion);
    this.#error = error;
    this.#events?.fail(error);
    this.#markActive();
    this.#firstReadDone();
    this.#completion?.reject(error);
    this.#release();
  }

  #malformed(n: RawNotification): false {
    this.#log.warn(`dropped a malformed ${n.method} event`, n.params);
    return false;
  }

  // The turn started, ended or was given up on: whoever waits for it to be active waits no more.
  #markActive(): void {
    if (this.#isActive) return;
    this.#isActive = true;
    this.#active?.resolve();
  }

  #release(): void {
    if (this.#isReleased || this.#holds > 0) return;
    this.#isReleased = true;
    this.#released?.resolve();
    this.#onRelease();
  }
}

/**
 * @internal
 * How `run()` ends for a completed turn: a failed one rejects with `TurnFailedError`, and
 * `finish` reads the answer of a turn started with `output`.
 */
export function runResult<R extends TurnResult>(
  result: TurnResult,
  finish: ((result: TurnResult) => Promise<R>) | undefined,
): R | Promise<R> {
  if (result.status === "failed") throw new TurnFailedError(result);
  return finish === undefined ? (result as R) : finish(result);
}

// How long the SDK waits for what the server sends at once after another message, should it come:
// a turn's completion after an interrupt refused as the turn ended, after the final error of a
// turn this client did not see start, or after one it cannot read; a turn's start after the
// answer that named it (which
// steer() and interrupt() wait for before they send all the same).
export const FOLLOW_UP_WAIT_MS = 1_000;

/**
 * @internal
 * What bounds a call that waits in a thread's slot before it sends: the call's `signal`, and its
 * `timeout` counted from `since`; `method` names it in a `RequestTimeoutError`.
 */
export interface SlotCall {
  readonly method: string;
  readonly signal: AbortSignal | undefined;
  readonly timeout: number | undefined;
  readonly since: number;
}

/**
 * @internal
 * Frees the thread and throws when the caller gave up on the call (its signal aborted, or its
 * timeout passed) while it got ready in its slot: nothing is sent then (its timeout names
 * `waitedFor`, when given).
 */
export function checkStillWanted(slot: TurnSlot, call: SlotCall, waitedFor?: string): void {
  const { signal, timeout } = call;
  if (signal?.aborted) {
    slot.release();
    throw abortError(signal);
  }
  if (timeout !== undefined && now() - call.since >= timeout) {
    slot.release();
    throw new RequestTimeoutError(call.method, timeout, { waitedFor });
  }
}

/** @internal A turn's own handlers of server requests; see {@link ownHandlers}. */
export interface OwnHandlers {
  /** Gives them to the turn `turnId` (not to a turn of that id in flight, which keeps its own). */
  readonly adopt: (turnId: string) => void;
  /** Takes them back, once the turn no longer occupies the thread. */
  readonly drop: () => void;
}

/**
 * @internal The handlers a turn or review was given for itself, answering its requests from the
 * moment its id is known, whether its caller still waits for it or gave up on it; `undefined`
 * without any.
 */
export function ownHandlers(
  context: { readonly router: Router; readonly dispatcher: ServerRequestDispatcher },
  handlers: ServerRequestHandlers | undefined,
): OwnHandlers | undefined {
  if (handlers === undefined) return undefined;
  let owner: string | undefined;
  return {
    adopt: (turnId) => {
      // A turn given the id of one in flight fails as it binds: that turn's handlers stay.
      if (owner !== undefined || context.router.routes(turnId)) return;
      owner = turnId;
      context.dispatcher.setTurnHandlers(turnId, handlers);
    },
    drop: () => {
      if (owner !== undefined) context.dispatcher.endTurn(owner);
    },
  };
}

// How long a `turn/start` refused as the thread's turn takes no input waits before it is sent
// again, should no completion or status change of the thread come first: the first wait, doubled
// at each refusal up to the last.
const BUSY_FIRST_WAIT_MS = 500;
const BUSY_LAST_WAIT_MS = 8_000;

/**
 * @internal A `turn/start` in flight, and the turn the server ran on the thread as it was last
 * sent (another client's, which the answer may name).
 */
export interface SentTurnStart {
  readonly answer: Promise<unknown>;
  readonly runningId: string | undefined;
  /**
   * The ticket of the request last sent (see {@link PendingStart.ticket}); none for a first
   * request that nothing can give up on (no signal, no timeout).
   */
  readonly ticket: RequestTicket | undefined;
}

/**
 * @internal
 * Sends `turn/start`, and sends it again each time the server refuses it because the turn it runs
 * on the thread takes no input (a compaction or a review, which this client's queue did not hold
 * for: one sent through `codex.request`, or one running as the client resumed the thread), or
 * none with another output schema (another client's turn, joined by a turn with `output`). While
 * a user's shell command runs there in a turn of its own, which would take the input and never
 * ask the model, it is not sent until that turn ends. It
 * waits for a completion or a status change on the thread, or a while should neither come (a
 * thread this client does not follow). The call's signal and timeout end the wait with their
 * error, and nothing more is sent, as do the thread's end and the client leaving it; a closed
 * connection ends it, and the send after.
 */
export function sendTurnStart(
  context: TurnContext,
  slot: TurnSlot,
  params: TurnStartParams,
  call: SlotCall,
): SentTurnStart {
  const { connection, router, log } = context;
  const { threadId, rootTurnId } = params;
  // Work done on behalf of a turn running on another thread: this client's own, not a
  // sub-agent's (see `ServerRequestDispatcher`).
  if (typeof rootTurnId === "string") router.noteDelegation(rootTurnId);
  const sent = {
    answer: undefined as unknown as Promise<unknown>,
    runningId: undefined as string | undefined,
    ticket: undefined as RequestTicket | undefined,
  };
  // A turn whose start was read before the answer is another client's, which the input joined
  // (the start of this one's own comes after the answer, maybe in the same read), even one that
  // started after the request was sent. The one a caller giving up withdraws, too.
  sent.ticket = {
    onAnswer: () => {
      const atAnswer = runningIdOf(router, threadId);
      if (atAnswer !== undefined) sent.runningId = atAnswer;
    },
  };
  const send = (options?: SendOptions) => {
    slot.sending();
    sent.runningId = runningIdOf(router, threadId);
    const answer = connection.request("turn/start", params, options);
    if (!router.runsUnseen(threadId)) return answer;
    // A turn whose start this client did not see runs there: unless a turn started or completed
    // there meanwhile, the answer names it, which the input joined.
    return answer.then((value) => {
      if (router.runsUnseen(threadId)) sent.runningId = answeredTurnId(value);
      return value;
    });
  };
  const resend = async (refusal: unknown): Promise<unknown> => {
    let error = refusal;
    for (
      let wait = BUSY_FIRST_WAIT_MS;
      isNotSteerable(error);
      wait = Math.min(wait * 2, BUSY_LAST_WAIT_MS)
    ) {
      if (wait === BUSY_FIRST_WAIT_MS) {
        log.debug(
          `turn/start on ${threadId} waits for the turn running there, which does not take ` +
            "its input (a compaction, a review, a turn refusing input with an output schema, " +
            "or a shell command, which would not ask the model)",
        );
      }
      await untilThreadMoves(context, slot, threadId, wait, call);
      checkCanGoOn(slot, call);
      slot.holdAgain();
      if (router.runsShell(threadId)) {
        error = SHELL_RUNS;
        continue;
      }
      try {
        // Sent as the thread came free, when another client waiting there may send too: a turn
        // whose start was read before this answer is theirs, which the input joined, not this
        // one's (the start of this one's own comes after the answer, maybe in the same read).
        let atAnswer: string | undefined;
        const onAnswer = () => void (atAnswer = runningIdOf(router, threadId));
        // The one a caller giving up withdraws while it still waits for a place.
        sent.ticket = { onAnswer };
        const answer = await send({ ticket: sent.ticket });
        if (atAnswer !== undefined) sent.runningId = atAnswer;
        return answer;
      } catch (err) {
        error = err;
      }
    }
    throw error;
  };
  // A user's shell command running there would take the input and never ask the model: waited
  // for as a turn that takes no input.
  sent.answer = (
    router.runsShell(threadId) ? Promise.reject(SHELL_RUNS) : send({ ticket: sent.ticket })
  ).catch(resend);
  return sent;
}

// What a turn/start meets, unsent, while a user's shell command runs in a turn of its own there.
const SHELL_RUNS = Symbol("a shell command runs");

// The id of the turn the client last read start on the thread and not end, if any.
function runningIdOf(router: Router, threadId: string): string | undefined {
  const running = router.runningStart(threadId);
  return running === undefined ? undefined : turnIdOf(running);
}

// The server's refusal of input to the turn it runs, which takes none (`ActiveTurnNotSteerable`)
// or none of this kind (`ActiveTurnOutputSchemaMismatch`: input with an output schema other than
// that turn's), as the pinned runtime words it, or as its error data may name it; or a shell
// command's turn, to which nothing was sent.
function isNotSteerable(err: unknown): boolean {
  if (err === SHELL_RUNS) return true;
  return (
    err instanceof JsonRpcError &&
    refusedAs(
      err,
      ["ActiveTurnNotSteerable", "ActiveTurnOutputSchemaMismatch"],
      ["activeTurnNotSteerable", "activeTurnOutputSchemaMismatch"],
    )
  );
}

// The server's refusal of a steer because its turn is not the thread's active one (none is, or
// another): the pinned runtime's `NoActiveTurn` and `ExpectedTurnMismatch`.
function notYetActive(err: JsonRpcError): boolean {
  return refusedAs(
    err,
    ["no active turn", "expected active turn"],
    ["noActiveTurn", "expectedTurnMismatch"],
  );
}

// Whether the server's refusal is of one of the kinds its message words (`wordings`) or its
// error data names (`codexErrorInfo` keys).
function refusedAs(
  err: JsonRpcError,
  wordings: readonly string[],
  infoKeys: readonly string[],
): boolean {
  if (wordings.some((words) => err.rpcMessage.includes(words))) return true;
  const info = (err.data as { codexErrorInfo?: unknown } | null | undefined)?.codexErrorInfo;
  return isObject(info) && infoKeys.some((key) => key in info);
}

// Throws, freeing the slot, when the caller gave up (see `checkStillWanted`) or the thread can no
// longer run a turn (it ended, or the client left it).
function checkCanGoOn(slot: TurnSlot, call: SlotCall, waitedFor?: string): void {
  checkStillWanted(slot, call, waitedFor);
  const ended = slot.ended();
  if (ended === undefined) return;
  slot.release();
  throw ended;
}

// Resolves with true when a turn of the thread completes or its status changes, or the
// connection closes, with false when `wait` ms pass first or the call's signal aborts. It holds
// the thread meanwhile, so that its end or the client leaving it rejects at once, and rejects when
// the time left of the call's timeout runs out first, freeing the slot either way (its
// `waitedFor` given when nothing was sent).
function untilThreadMoves(
  context: TurnContext,
  slot: TurnSlot,
  threadId: string,
  wait: number,
  call: SlotCall,
  waitedFor?: string,
): Promise<boolean> {
  const { signal, timeout } = call;
  const { router, connection } = context;
  let wake!: (moved: boolean) => void;
  let left: Error | undefined;
  const moved = new Promise<boolean>((resolve) => (wake = resolve));
  const holder = {
    fail: (error: Error) => {
      left = error;
      wake(true);
    },
  };
  if (!slot.hold(holder)) {
    slot.release();
    return Promise.reject(left);
  }
  // The turn running there goes on meanwhile: its events and requests are not this one's to hold.
  slot.pauseHold();
  const onMove = () => wake(true);
  const offs = [
    router.onKey("turn/completed", "threadId", threadId, onMove),
    router.onKey("thread/status/changed", "threadId", threadId, onMove),
    connection.onClose(onMove),
  ];
  const done = () => {
    for (const off of offs) off();
    slot.unhold(holder);
  };
  // Checked by the timer, not the clock: a timer may fire a fraction of a millisecond early.
  const rest = timeout === undefined ? Infinity : timeLeft(timeout, call.since);
  const bounds = {
    signal,
    timeout: Math.min(wait, rest),
    onTimeout: () => {
      if (rest <= wait) throw new RequestTimeoutError(call.method, timeout!, { waitedFor });
      return false;
    },
    onAbort: () => false,
  };
  return deadline(moved, bounds).then(
    (result) => {
      done();
      if (left === undefined) return result;
      slot.release();
      throw left;
    },
    (err: unknown) => {
      done();
      slot.release();
      throw err;
    },
  );
}

// What a call kept from stopping another client's turn waited for when its bound ended.
const FOREIGN_TURN_WAIT = "the turn running on the thread to end";

/**
 * @internal
 * Waits, in the thread's slot, while the server runs a turn there that this client did not wait
 * for in its queue (another client's, or a goal's it does not run), as far as it knows (it saw the
 * turn start, or a resume's answer said the thread was active): a compaction or an inline review
 * sent then would interrupt it. The wait is that of `sendTurnStart` between its
 * sends; a wait that no event ends asks the thread's status, and a thread that runs nothing has
 * its turn forgotten (its completion was lost). Ends, freeing the slot, with the slot's error once
 * the thread ended or the client left it, and with the call's signal's or timeout's.
 * `undefined` when no such turn runs: nothing to wait for.
 */
export function untilForeignTurnEnds(
  context: TurnContext,
  slot: TurnSlot,
  threadId: string,
  call: SlotCall,
): Promise<void> | undefined {
  if (!runsForeignTurn(context.router, threadId)) return undefined;
  return waitForeignTurn(context, slot, threadId, call);
}

function runsForeignTurn(router: Router, threadId: string): boolean {
  return router.runningStart(threadId) !== undefined || router.runsUnseen(threadId);
}

async function waitForeignTurn(
  context: TurnContext,
  slot: TurnSlot,
  threadId: string,
  call: SlotCall,
): Promise<void> {
  const { router, log } = context;
  const { signal, timeout } = call;
  log.debug(`${call.method} on ${threadId} waits for the turn running there, which it would stop`);
  const readBounds = (): RequestOptions => ({
    signal,
    timeout:
      timeout === undefined
        ? ABORT_WAIT_MS
        : Math.min(ABORT_WAIT_MS, timeLeft(timeout, call.since)),
  });
  if (router.runningStart(threadId) === undefined) {
    // Known from a resume's answer alone, which the runtime also gives for an idle thread (one that
    // ran an inline review): its status is asked first.
    await forgetIfIdle(context, threadId, undefined, readBounds());
    checkCanGoOn(slot, call, FOREIGN_TURN_WAIT);
  }
  for (
    let wait = BUSY_FIRST_WAIT_MS;
    runsForeignTurn(router, threadId);
    wait = Math.min(wait * 2, BUSY_LAST_WAIT_MS)
  ) {
    const running = router.runningStart(threadId);
    const moved = await untilThreadMoves(context, slot, threadId, wait, call, FOREIGN_TURN_WAIT);
    if (!moved && router.runningStart(threadId) === running) {
      const id = running === undefined ? undefined : turnIdOf(running);
      await forgetIfIdle(context, threadId, id, readBounds());
    }
    checkCanGoOn(slot, call, FOREIGN_TURN_WAIT);
  }
  slot.holdAgain();
}

/**
 * @internal
 * Forgets that the server runs `turnId` (`undefined`: a turn this client did not see start) on
 * the thread when the server says the thread runs nothing: the turn's completion never came. A
 * status that cannot be read (in `call`'s bounds) changes nothing.
 */
export async function forgetIfIdle(
  context: Pick<TurnContext, "connection" | "router" | "log">,
  threadId: string,
  turnId: string | undefined,
  call: RequestOptions = { timeout: ABORT_WAIT_MS },
): Promise<void> {
  const { connection, router, log } = context;
  try {
    const params = { threadId, includeTurns: false };
    const { thread } = await connection.request("thread/read", params, call);
    const status = (thread as { status?: { type?: unknown } } | undefined)?.status?.type;
    if (status !== "active") router.forgetRunning(threadId, turnId);
  } catch (err) {
    const turn = turnId === undefined ? "a turn this client did not see start" : `turn ${turnId}`;
    log.debug(`could not read the status of ${threadId}, which ran ${turn}`, err);
  }
}

/** @internal What {@link awaitTurnStart} waits for, and what a turn started late needs. */
export interface PendingStart {
  readonly answer: Promise<unknown>;
  readonly method: string;
  readonly slot: TurnSlot;
  readonly collector: TurnCollector;
  readonly bindOptions?: BindOptions | undefined;
  /** Gives the turn its own handlers, if it has any, before it binds. */
  readonly adopt?: ((turnId: string) => void) | undefined;
  readonly context: TurnContext;
  readonly threadId: string;
  readonly signal: AbortSignal | undefined;
  readonly timeout: number | undefined;
  /**
   * The ticket the request took: given up on while it still waits for a place (more than 64
   * requests in flight), it is withdrawn, never sent, and no turn starts.
   */
  readonly ticket?: RequestTicket | undefined;
  /**
   * The id of the turn the server ran on the thread as the request was sent (another client's,
   * which the answer may name): not this call's to stop.
   */
  readonly runningId?: string | undefined;
}

/**
 * @internal
 * Waits for the answer that starts a turn for as long as `signal` and `timeout` allow, and
 * resolves with the turn's id. A failed start frees the thread. A caller that stops waiting
 * leaves the thread taken until the answer comes, when the turn it started is interrupted at
 * once, or until `ABORT_WAIT_MS` passed: the server may be starting the turn, and the next turn
 * must not run beside it.
 */
export function awaitTurnStart(start: PendingStart): Promise<string> {
  const { slot, signal, timeout, method } = start;
  const turnId = start.answer.then((answer) => startedTurnId(answer, method));
  turnId.catch(() => slot.release());
  const giveUp = (error: Error): never => {
    // Withdrawn, its answer rejects, which frees the thread.
    const { ticket, context } = start;
    if (ticket === undefined || !context.connection.withdraw(ticket)) stopLateTurn(turnId, start);
    throw error;
  };
  return deadline(turnId, {
    signal,
    timeout,
    onAbort: () => giveUp(abortError(signal!)),
    onTimeout: () => giveUp(new RequestTimeoutError(method, timeout!)),
  });
}

/**
 * @internal Stops a turn this client started but does not follow (it was given up on, or its
 * thread was left or ended before the turn was bound), without waiting for its end: no handle
 * names it, so nothing else could. A review's turn goes by the id its start names. Refused before
 * its start was read (the server had not started it: see `TurnHandle.interrupt`), the interrupt
 * goes again once it starts, within the same bound. A failure is logged.
 */
export async function interruptUnfollowed(
  context: { readonly connection: Connection; readonly router: Router; readonly log: Log },
  threadId: string,
  turnId: string,
): Promise<void> {
  const { connection, router, log } = context;
  const since = now();
  const stop = (id: string) =>
    sendStop(
      connection,
      (left) => connection.request("turn/interrupt", { threadId, turnId: id }, left),
      timeLeft(ABORT_WAIT_MS, since),
    );
  const named = (n: RawNotification) => turnIdOf(n) === turnId || rootTurnOf(n) === turnId;
  const running = router.runningStart(threadId);
  if (running !== undefined && named(running)) {
    await stop(turnIdOf(running)!).catch((err: unknown) => unfollowedFailed(log, turnId, err));
    return;
  }
  // Watched from the first send: the start may come while the refusal travels. Its completion,
  // another turn's start there (it will not start then), or the connection's end ends the wait.
  const moved = deferred<string | undefined>();
  const offs = [
    router.onKey("turn/started", "threadId", threadId, (n) => {
      moved.resolve(named(n) ? turnIdOf(n) : undefined);
    }),
    router.onKey("turn/completed", "threadId", threadId, (n) => {
      if (named(n)) moved.resolve(undefined);
    }),
    connection.onClose(() => moved.resolve(undefined)),
  ];
  try {
    try {
      await stop(turnId);
    } catch (err) {
      if (!(err instanceof InvalidRequestError)) throw err;
      const timeout = timeLeft(ABORT_WAIT_MS, since);
      const started = await deadline(moved.promise, { timeout, onTimeout: () => undefined });
      if (started === undefined) throw err;
      await stop(started);
    }
  } catch (err) {
    unfollowedFailed(log, turnId, err);
  } finally {
    for (const off of offs) off();
  }
}

function unfollowedFailed(log: Log, turnId: string, err: unknown): void {
  log.debug(`could not stop turn ${turnId}, which no one follows`, err);
}

function stopLateTurn(turnId: Promise<string>, start: PendingStart): void {
  const { slot, collector, context, method } = start;
  // A review's answer names the review: the interrupt goes by the turn its start names.
  const interrupt = (id: string) => {
    if (id !== start.runningId) void interruptUnfollowed(context, start.threadId, id);
  };
  const failed = (err: unknown) =>
    context.log.debug(`${method} failed after the caller gave up on it`, err);
  deadline(turnId, { timeout: ABORT_WAIT_MS, onTimeout: () => undefined }).then((id) => {
    if (id === undefined) {
      context.log.warn(`no answer to ${method} within ${ABORT_WAIT_MS} ms of giving up on it`);
      slot.release();
      // Should the answer still come, the turn it names is stopped, the thread no longer held.
      turnId.then(interrupt, failed);
      return;
    }
    // The turn that ran there before (another client's): the input joined it, and it is not this
    // call's to stop; the thread is free again.
    if (id === start.runningId) return slot.release();
    // Its requests are answered by its own handlers until it ends, not the thread's.
    start.adopt?.(id);
    const bound = slot.bind(id, collector, start.bindOptions);
    // Not routed as the client unsubscribed (or the thread ended) meanwhile: stopped all the same.
    // (An id of a turn in flight names that turn, which goes on.)
    // A review's: the turn the server runs for it, once its start is known, is the one to stop.
    if (bound === "ended") return interrupt(collector.startedId ?? id);
    if (bound === "duplicate") return;
    // An aborted signal stops the turn at once; its completion frees the thread.
    new TurnHandle(context, start.threadId, id, collector, AbortSignal.abort());
  }, failed);
}

/**
 * Options of `TurnHandle.steer`: the wire's `turn/steer` params besides the input
 * (`additionalContext`, `responsesapiClientMetadata`, `responsesapiClientMetadataPatch`,
 * `clientUserMessageId`), and the call's `signal` and `timeout`.
 */
export type SteerOptions = WireOptions<
  Omit<TurnSteerParams, "threadId" | "expectedTurnId" | "input">
> &
  RequestOptions;

const STEER_NAMES = optionNames<SteerOptions>()({
  // additionalContext: a wire field, checked where it is read, naming what its entries take.
  own: [...REQUEST_KEYS, "additionalContext"],
  wire: TURN_STEER_PARAMS_KEYS,
  fields: TURN_STEER_PARAMS_FIELDS,
  omit: ["threadId", "expectedTurnId", "input"],
});

/** @internal What a handle needs from its thread. */
export interface TurnContext {
  readonly connection: Connection;
  readonly router: Router;
  readonly log: Log;
  readonly events: EventMode;
  /** The server's system (`initialize`'s `platformFamily`), to which its paths are held. */
  readonly platformFamily?: string;
}

/** Options of `TurnHandle.stream` and `TurnHandle.textStream`. */
export interface TurnStreamOptions {
  /**
   * Aborting interrupts the turn (as `run({ signal })` does) and makes the loop throw
   * `TurnAbortedError`; an abort after the turn completed changes nothing, and the loop reads the
   * rest of its events. Without one, the loop throws it after the completion of a turn that the
   * signal it was started with stopped.
   */
  readonly signal?: AbortSignal | undefined;
}

const STREAM_NAMES = optionNames<TurnStreamOptions>()({ own: ["signal"] });

// The end of a watch that never began.
const NO_WATCH = (): void => undefined;

/** Options of `TurnHandle.run`. */
export interface TurnRunOptions {
  /**
   * Aborting interrupts the turn and rejects with `TurnAbortedError` carrying the partial result;
   * an abort once the turn completed changes nothing, but for a turn with `output`, whose answer's
   * check it still bounds. Without one, a turn that the signal it was started with stopped
   * rejects with it too.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Milliseconds the turn may take; then it is interrupted like an abort, and the
   * `TurnAbortedError`'s cause is a `TimeoutError`.
   */
  readonly timeout?: number | undefined;
}

/**
 * A turn in flight (or done): stream its events, steer it, interrupt it, or wait for its result.
 * `R` is what `run()` resolves with: `StructuredTurnResult<T>` for a turn started with `output`.
 */
export class TurnHandle<R extends TurnResult = TurnResult> {
  readonly #context: TurnContext;
  readonly #collector: TurnCollector;
  readonly #finish: ((result: TurnResult) => Promise<R>) | undefined;
  // Whether the answer's check (of a turn with `output`) has ended: an abort then changes nothing.
  #parsedOnce = false;
  // The signal the turn was started with, and, once its abort stopped the turn (before its
  // completion), that signal: `run()` and `stream()` without a signal of their own then end aborted.
  readonly #signal: AbortSignal | undefined;
  #stoppedBy: AbortSignal | undefined;
  #aborting: Promise<void> | undefined;
  // Interrupts asked for and not yet sent (or given up on before they were), and whether one was
  // sent: an external message sent after an interrupt would start a turn of its own.
  #stopsAsked = 0;
  #interruptSent = false;
  // The turns its external messages started in its place, and their stops (see `SteerTarget`).
  #messageTurns: Map<string, Promise<void>> | undefined;
  // The abort watches of its streams still open, each dropped as its stream ends (a reopened
  // stream leaves nothing behind); those left once the turn frees its thread, all at once then.
  // Null from then on: a stream opened later watches nothing.
  #streamWatches: Set<() => void> | null | undefined;

  /** @internal Created by `Thread.turn`. */
  constructor(
    context: TurnContext,
    /** The thread the turn belongs to. */
    readonly threadId: string,
    /** The turn id. */
    readonly id: string,
    collector: TurnCollector,
    signal?: AbortSignal,
    /** Reads a completed turn's answer (the `output` schema's parse). */
    finish?: (result: TurnResult) => Promise<R>,
  ) {
    this.#context = context;
    this.#collector = collector;
    // Read once: every run() gives the same parsed result (or the same error), and a schema's
    // validate runs once.
    let parsed: Promise<R> | undefined;
    const read = (result: TurnResult) =>
      finish!(result).finally(() => {
        this.#parsedOnce = true;
      });
    this.#finish = finish && ((result) => (parsed ??= read(result)));
    this.#signal = signal;
    if (signal !== undefined) this.#interruptOnAbort(signal);
  }

  /**
   * Serializes as `{ id, threadId }`, keeping the client out of logs.
   * @property __type.id The turn id.
   * @property __type.threadId The id of the turn's thread.
   */
  toJSON(): { id: string; threadId: string } {
    return { id: this.id, threadId: this.threadId };
  }

  /** Whether `turn/completed` has arrived. */
  get completed(): boolean {
    return this.#collector.result !== undefined;
  }

  /**
   * This turn's notifications, in order, ending after its own `turn/completed`. Events are kept
   * from the moment `turn/start` was sent until every open stream has read them, so streams
   * opened before reading starts each see every event. Leaving the loop early closes the stream.
   */
  stream(options?: TurnStreamOptions): AsyncIterableIterator<TurnEvent> {
    const signal = checkSignal(checkOptionNames(options, STREAM_NAMES).signal);
    const reader = this.#collector.reader() as EventReader<TurnEvent>;
    if (signal !== undefined) return this.#abortable(reader, signal);
    return this.#signal === undefined ? reader : this.#abortedAtEnd(reader);
  }

  // A reader of a turn started with a signal: after the completion of a turn that signal stopped,
  // the loop throws `TurnAbortedError`, as `run()` rejects.
  #abortedAtEnd(reader: EventReader<TurnEvent>): AsyncIterableIterator<TurnEvent> {
    // Ended by its reader, a read waiting ends too, as any stream's does.
    let returned = false;
    return {
      next: async () => {
        const step = await reader.next();
        return returned ? step : this.#ended(step);
      },
      return: () => {
        returned = true;
        return reader.return();
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  // The end of a stream of a turn the signal it was started with stopped: aborted.
  #ended(step: IteratorResult<TurnEvent>): IteratorResult<TurnEvent> {
    if (step.done === true && this.#stoppedBy !== undefined) {
      throw new TurnAbortedError(this.#collector.result ?? null, abortError(this.#stoppedBy));
    }
    return step;
  }

  /**
   * Only the text the agent writes, as it streams (`item/agentMessage/delta`, and the text of a
   * message read from its start that completes without deltas for all of it), ending when the
   * turn ends; throws `TurnFailedError` after the text of a turn that failed. `signal` works as
   * in `stream()`. `return()` ends it at once, also while a read waits for the server. Reads asked
   * together are answered in the order they were asked.
   */
  textStream(options?: TurnStreamOptions): AsyncIterableIterator<string> {
    // Bad options throw at the call, as stream()'s do, and the events are read from the call on,
    // as a stream()'s are: one read first misses none of them.
    checkSignal(checkOptionNames(options, STREAM_NAMES).signal);
    const events = this.#context.events === "results" ? undefined : this.stream(options);
    // Not an async generator: its `return()` would wait behind a read waiting for the server.
    let ended = false;
    const end = (): IteratorResult<string> => {
      ended = true;
      return { value: undefined, done: true };
    };
    // What the deltas of each agent message in progress gave, and the messages whose start this
    // stream read: only of those can it tell what their completed text adds.
    const streamed = new Map<string, string>();
    const whole = new Set<string>();
    const read = async (): Promise<IteratorResult<string>> => {
      if (ended) return end();
      try {
        if (events === undefined) {
          throw new TypeError(
            'textStream() needs the text deltas, which a client started with events: "results" ' +
              'does not receive: start it with events: "all", or use run() for the text',
          );
        }
        for (;;) {
          const step = await events.next();
          if (ended) return end();
          if (step.done === true) break;
          const event = step.value;
          if (event.method === "item/agentMessage/delta") {
            const { itemId, delta } = event.params;
            streamed.set(itemId, (streamed.get(itemId) ?? "") + delta);
            return { value: delta, done: false };
          }
          if (event.method === "item/started" && event.params.item.type === "agentMessage") {
            whole.add(event.params.item.id);
          } else if (
            event.method === "item/completed" &&
            event.params.item.type === "agentMessage"
          ) {
            const { id, text } = event.params.item;
            const given = streamed.get(id) ?? "";
            streamed.delete(id);
            // Read from its start, and the deltas its beginning (a redacted text is not): the rest
            // is what they left out. Otherwise what they gave is all this stream can tell.
            if (
              whole.delete(id) &&
              typeof text === "string" &&
              text.length > given.length &&
              text.startsWith(given)
            ) {
              return { value: text.slice(given.length), done: false };
            }
          }
        }
      } catch (err) {
        end();
        throw err;
      }
      end();
      const result = this.#collector.result;
      if (result?.status === "failed") throw new TurnFailedError(result);
      return { value: undefined, done: true };
    };
    // A read asked while another is unanswered runs after it: each read may skip events.
    let queued: Promise<IteratorResult<string>> | undefined;
    const next = (): Promise<IteratorResult<string>> => {
      const answer = queued === undefined ? read() : queued.then(read, read);
      queued = answer;
      const done = () => {
        if (queued === answer) queued = undefined;
      };
      answer.then(done, done);
      return answer;
    };
    return {
      next,
      return: async () => {
        const result = end();
        await events?.return?.();
        return result;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  // A reader whose signal interrupts the turn (also between reads) and makes the loop throw
  // `TurnAbortedError`, as `run({ signal })` rejects; so does the turn's own signal, as for a
  // reader without one. One listener serves the whole stream: it
  // closes the reader, which ends a read waiting for the server, and that read then throws too.
  // A read adds no listener of its own, and one that finds its event kept takes it at once.
  #abortable(
    reader: EventReader<TurnEvent>,
    signal: AbortSignal,
  ): AsyncIterableIterator<TurnEvent> {
    // An abort after the turn ended (completed, or failed: its thread ended, say) changes
    // nothing: what is kept of it is read to its end, and a failure after it.
    let stopped = signal.aborted && !this.#collector.ended;
    // Aborted already: the turn is stopped now, read or not, as `run({ signal })` stops it.
    if (stopped) void this.#stop();
    // Ended by its reader, a read waiting ends too, whatever stopped the turn: one waiting for
    // the stop an abort made is done at once.
    let returned = false;
    let whenReturned: Promise<void> | undefined;
    let endReturned: (() => void) | undefined;
    const onAbort = () => {
      if (this.#collector.ended) return;
      stopped = true;
      void reader.return();
      void this.#stop();
    };
    const off = signal.aborted ? NO_WATCH : this.#watchStream(signal, onAbort);
    const abort = async (): Promise<IteratorResult<TurnEvent>> => {
      off();
      await reader.return();
      if (!returned) {
        whenReturned ??= new Promise<void>((resolve) => (endReturned = resolve));
        await Promise.race([this.#stop(), whenReturned]);
      }
      if (returned) return { done: true, value: undefined };
      const partial = this.#collector.result ?? this.#collector.partial(this.id);
      throw new TurnAbortedError(partial, abortError(signal));
    };
    return {
      next: () => {
        if (stopped) return abort();
        const kept = reader.poll();
        if (kept !== undefined) return Promise.resolve(kept);
        return reader
          .next()
          .then((result) => (returned ? result : stopped ? abort() : this.#ended(result)));
      },
      return: async () => {
        returned = true;
        endReturned?.();
        off();
        return reader.return();
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /**
   * Waits for the turn to complete and returns its result. A `failed` turn rejects with
   * `TurnFailedError`; an interrupted one resolves with `status: "interrupted"`. Aborting
   * `signal` interrupts the turn and rejects with `TurnAbortedError` carrying the partial result.
   * A turn started with `output` resolves with `parsed` too, or rejects with
   * `StructuredOutputError` when the answer does not validate.
   */
  async run(options?: TurnRunOptions): Promise<R> {
    const { signal, timeout } = requestOptions(options) ?? {};
    if (signal === undefined && timeout === undefined) {
      return this.#checked(await this.#collector.completion);
    }
    return this.runWithin(signal, timeout, timeout);
  }

  /**
   * @internal `run()` bounded by `signal` or by what is `left` of a call's `timeout`, which its
   * `TimeoutError` names: `thread.run()` has spent part of it on the thread's queue and the start.
   */
  runWithin(
    signal: AbortSignal | undefined,
    left: number | undefined,
    timeout: number | undefined,
  ): Promise<R> {
    // The bound covers the reading of the answer too: a schema's validation may be async.
    const work = this.#collector.completion.then((result) => this.#checked(result));
    return deadline(work, {
      signal,
      timeout: left,
      // An abort once the turn ended changes nothing, as for `stream({ signal })`, but for
      // the check of a completed turn's `output` answer, which it still bounds (a schema's may
      // never end).
      onAbort: () =>
        this.#collector.ended && (!this.completed || this.#finish === undefined || this.#parsedOnce)
          ? work
          : this.#abort(abortError(signal!)),
      onTimeout: () =>
        this.#abort(new DOMException(`The turn took longer than ${timeout} ms`, "TimeoutError")),
    });
  }

  // `#outcome`, with the check of the answer of a turn with `output` bounded by the turn's own
  // signal, as thread.run's is; one aborted before the check began has had its say there.
  #checked(result: TurnResult): R | Promise<R> {
    const own = this.#signal;
    if (this.#finish === undefined || own === undefined || own.aborted)
      return this.#outcome(result);
    return deadline(
      Promise.resolve(result).then((completed) => this.#outcome(completed)),
      { signal: own, onAbort: () => this.#abort(abortError(own)) },
    );
  }

  // What `run()` gives for the completed turn: aborted, if the signal it was started with stopped
  // it; else its result, read by the `output` schema's parse if it has one.
  #outcome(result: TurnResult): R | Promise<R> {
    const stoppedBy = this.#stoppedBy;
    if (stoppedBy !== undefined) throw new TurnAbortedError(result, abortError(stoppedBy));
    return runResult(result, this.#finish);
  }

  /**
   * Adds input to this turn while it runs (`turn/steer` with `expectedTurnId`); an external
   * message joins it through `turn/start` instead. Sent once the turn is active on the server,
   * so it works from the moment the handle exists.
   */
  async steer(input: RunInput, options?: SteerOptions): Promise<TurnSteerResponse> {
    const { call, rest } = splitRequestOptions(options, STEER_NAMES);
    // Copied as checked, as the steer waits for the turn to be active: what was checked is sent.
    const given = checkJson(dropUndefined(rest), "options");
    const wireOptions = Object.keys(given).length > 0;
    if (wireOptions) {
      checkTurnContext(given);
      if (typeof given.clientUserMessageId === "string") {
        checkNonEmpty(given.clientUserMessageId, "clientUserMessageId");
      }
    }
    if (this.#collector.review) {
      // The server refuses it too, but only once the review is active; say so before any I/O.
      throw new InvalidRequestError(
        -32600,
        "cannot steer a review turn: start a new review",
        undefined,
        { method: "turn/steer" },
      );
    }
    // Read once: a getter that answers differently again changes nothing checked.
    const type = loneType(input);
    if (type === "externalMessage") {
      if (wireOptions) {
        throw new TypeError(
          "an external message joins the turn through turn/start, which takes no steer options",
        );
      }
      // Checked before the wait for the turn to be active, as a text input is.
      const toolOutput = toToolOutput(input as ExternalMessageInput);
      return asOneCall(
        this.#whenActive("turn/start", call).then((left) => {
          const { router } = this.#context;
          // Left, the thread may still run the turn; but should it not, the message would start
          // one this client could neither see nor stop. (A turn that completed, or was asked to
          // stop, is refused as such below, and one whose connection closed as every call is.)
          const over =
            this.#collector.result !== undefined || this.#interruptSent || this.#stopsAsked > 0;
          const closed = this.#context.connection.closeError !== undefined;
          if (!over && !closed && !router.subscribed(this.threadId)) {
            throw unsubscribedError(this.threadId);
          }
          const target: SteerTarget = {
            threadId: this.threadId,
            id: this.id,
            ended: this.#collector.ended || this.#interruptSent || this.#stopsAsked > 0,
            holdThread: () => this.#collector.holdThread(),
            runningId: () => runningIdOf(router, this.threadId),
            stopStarted: (turnId) => interruptUnfollowed(this.#context, this.threadId, turnId),
            stopping: (this.#messageTurns ??= new Map()),
          };
          return steerExternalMessage(this.#context.connection, target, toolOutput, left);
        }),
        "turn/start",
        call?.timeout,
      );
    }
    const wire = toUserInputs(input, { type }, this.#context.platformFamily);
    const params: TurnSteerParams = {
      ...given,
      threadId: this.threadId,
      expectedTurnId: this.id,
      input: wire,
    };
    return asOneCall(this.#steer(params, call), "turn/steer", call?.timeout);
  }

  async #steer(
    params: TurnSteerParams,
    call: RequestOptions | undefined,
  ): Promise<TurnSteerResponse> {
    const left = await this.#whenActive("turn/steer", call);
    const seenActive = this.#collector.isActive;
    const t0 = left?.timeout === undefined ? 0 : now();
    const { connection } = this.#context;
    try {
      return await connection.request("turn/steer", params, left);
    } catch (err) {
      // Refused before the turn was seen active, as no turn or another one is active there: the
      // server has not started it yet (see `#interrupt`), and the steer goes again once it has.
      // A turn that ended meanwhile takes no input, and a refusal for any other reason (the input,
      // a turn that takes none) stands at once.
      if (seenActive || !(err instanceof InvalidRequestError) || !notYetActive(err)) throw err;
      if ((await this.#startedOrEnded(left, t0, false)) !== "active") throw err;
      return connection.request("turn/steer", params, callLeft(left, t0));
    }
  }

  // After a refusal of a request sent at `t0` within `left`: whether the turn then became active
  // (`seenActive`: it was already, so only its end is awaited) or ended, within the bound of a
  // refusal's wait and what is left of the caller's; undefined when neither came in time.
  async #startedOrEnded(
    left: RequestOptions | undefined,
    t0: number,
    seenActive: boolean,
  ): Promise<"active" | "ended" | undefined> {
    // A connection that ends first leaves the turn's end unknown: the call fails as any would.
    const ended = this.#collector.completion.then(
      () => "ended" as const,
      (why: unknown) => {
        if (why instanceof TransportClosedError) throw why;
        return "ended" as const;
      },
    );
    const started = this.#collector.active.then(() => "active" as const);
    const bound = seenActive ? FOLLOW_UP_WAIT_MS : ABORT_WAIT_MS;
    const timeout =
      left?.timeout === undefined ? bound : Math.min(bound, timeLeft(left.timeout, t0));
    return deadline<"active" | "ended" | undefined>(
      seenActive ? ended : Promise.race([ended, started]),
      { signal: left?.signal, timeout, onTimeout: () => undefined },
    );
  }

  /**
   * Asks the server to stop this turn; it then completes with status `interrupted`. Sent once
   * the turn is active on the server, so it works from the moment the handle exists.
   */
  async interrupt(options?: RequestOptions): Promise<TurnInterruptResponse> {
    const call = requestOptions(options);
    this.#stopsAsked++;
    return asOneCall(this.#interrupt(call), "turn/interrupt", call?.timeout);
  }

  async #interrupt(call: RequestOptions | undefined): Promise<TurnInterruptResponse> {
    let left: RequestOptions | undefined;
    try {
      left = await this.#whenActive("turn/interrupt", call);
    } finally {
      // Given up on unsent, or sent in this same step (`#sendInterrupt` notes it).
      this.#stopsAsked--;
    }
    // It may have completed as it became active (both in one read): nothing is left to stop. One
    // that ended here without its completion (this client left the thread, or gave up waiting
    // for it) may still run on the server: the request goes, and fails if the connection ended.
    if (this.completed) return {};
    const seenActive = this.#collector.isActive;
    const t0 = left?.timeout === undefined ? 0 : now();
    try {
      return await this.#sendInterrupt(left);
    } catch (err) {
      if (!(err instanceof InvalidRequestError)) throw err;
      // Refused ("no active turn to interrupt"): the turn ended as the request travelled, and its
      // completion comes next; or, not yet seen active, the server has not started it: under load
      // its `turn/started` can come seconds after the answer to `turn/start`, past the wait for
      // it. Then the request goes again once the turn is active.
      const outcome = await this.#startedOrEnded(left, t0, seenActive);
      if (outcome === "ended" || this.completed) return {};
      if (outcome === "active") return this.#sendInterrupt(callLeft(left, t0));
      throw err;
    }
  }

  #sendInterrupt(call: RequestOptions | undefined): Promise<TurnInterruptResponse> {
    this.#interruptSent = true;
    // A review's `turn/started` names the turn the server accepts here; see `TurnCollector`.
    const turnId = this.#collector.startedId ?? this.id;
    return this.#context.connection.request(
      "turn/interrupt",
      { threadId: this.threadId, turnId },
      call,
    );
  }

  // Waits until the turn is active on the server, within `call`; resolves with what is left of it
  // for the request `method` that follows. A turn this client joined (one the server already
  // ran, whose start came before this client followed the thread) never shows its start here,
  // and the server accepts the id it answered: after FOLLOW_UP_WAIT_MS (a review, whose running
  // turn the server names only at its start: ABORT_WAIT_MS) the request goes all the same, if the
  // caller's timeout leaves time for it; else that timeout ends the call, with nothing sent.
  async #whenActive(
    method: string,
    call: RequestOptions | undefined,
  ): Promise<RequestOptions | undefined> {
    const timeout = call?.timeout;
    const t0 = now();
    const bound = this.#collector.review ? ABORT_WAIT_MS : FOLLOW_UP_WAIT_MS;
    const own = timeout !== undefined && timeout <= bound;
    await deadline(this.#collector.active, {
      signal: call?.signal,
      timeout: own ? timeout : bound,
      onTimeout: () => {
        if (own) throw new RequestTimeoutError(method, timeout);
      },
    });
    return callLeft(call, t0);
  }

  // Watches a stream's signal until the stream ends or the turn frees its thread; returns the
  // end of the watch, which does nothing after the first call.
  #watchStream(signal: AbortSignal, onAbort: () => void): () => void {
    let watches = this.#streamWatches;
    if (watches === null) return NO_WATCH;
    if (watches === undefined) {
      const open = (watches = this.#streamWatches = new Set());
      const endAll = () => {
        this.#streamWatches = null;
        for (const end of open) end();
      };
      this.#collector.released.then(endAll, endAll);
    }
    const open = watches;
    const unwatch = watchAbort(signal, onAbort);
    const end = () => {
      if (open.delete(end)) unwatch();
    };
    open.add(end);
    return end;
  }

  // An aborted signal of `thread.turn(...)`/`run(...)`: stop the turn on the server.
  #interruptOnAbort(signal: AbortSignal): void {
    const onAbort = () => {
      if (!this.completed) this.#stoppedBy ??= signal;
      void this.#stop();
    };
    if (signal.aborted) return onAbort();
    const off = watchAbort(signal, onAbort);
    this.#collector.released.then(off, off);
  }

  // Interrupts on the server (once) and waits, bounded, for the interrupted completion. If none
  // comes, the turn is given up on: its waiters reject, and the thread is freed so the next turn
  // does not queue behind this one.
  #stop(): Promise<void> {
    this.#aborting ??= (async () => {
      if (this.completed || this.#context.connection.closeError !== undefined) return;
      const { log } = this.#context;
      sendStop(this.#context.connection, (left) => this.interrupt(left), ABORT_WAIT_MS).catch(
        (err: unknown) => log.warn(`could not interrupt turn ${this.id}`, err),
      );
      const settled = this.#collector.completion.then(
        () => true,
        () => true,
      );
      const done = await deadline(settled, { timeout: ABORT_WAIT_MS, onTimeout: () => false });
      if (done) return;
      const message = `turn ${this.id} did not complete within ${ABORT_WAIT_MS} ms of its interrupt`;
      log.warn(message);
      const cause = new DOMException(message, "TimeoutError");
      this.#collector.fail(new TurnAbortedError(this.#collector.partial(this.id), cause));
      // Not awaited: the waiters reject now, not after another round trip. The turn stays noted
      // as the one the server runs on the thread until its completion, which may never come.
      void forgetIfIdle(this.#context, this.threadId, this.#collector.startedId ?? this.id);
    })();
    return this.#aborting;
  }

  async #abort(cause: Error): Promise<never> {
    await this.#stop();
    throw new TurnAbortedError(this.#collector.result ?? this.#collector.partial(this.id), cause);
  }
}
