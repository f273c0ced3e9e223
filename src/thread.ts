import { CodexError, JsonRpcError, RequestTimeoutError } from "./errors.js";
import type { GoalResult, RunGoalOptions } from "./goal.js";
import {
  isStartless,
  itemPage,
  itemPages,
  reviewStartOf,
  turnPage,
  turnPages,
  turnlessRecord,
  TURN_STARTED,
  type ItemListOptions,
  type Paginated,
  type TurnListOptions,
} from "./history.js";
import type {
  ThreadGoal,
  ThreadGoalClearParams,
  ThreadGoalMutationOrigin,
  ThreadGoalSetParams,
  ThreadGoalStatus,
  ThreadCompactStartResponse,
  ThreadItemEntry,
  ThreadItemsListResponse,
  ThreadReadResponse,
  ThreadRevertResponse,
  ThreadSetNameResponse,
  ThreadTurnsListResponse,
  ThreadUnsubscribeResponse,
  Turn,
  TurnStartParams,
} from "./generated/index.js";
import {
  TURN_START_PARAMS_FIELDS,
  TURN_START_PARAMS_KEYS,
  type ModeKind,
} from "./generated/index.js";
import { checkTurnContext, textInput, toTurnInput, type RunInput } from "./inputs.js";
import {
  ABORT_WAIT_MS,
  abortError,
  callLeft,
  deadline,
  now,
  signalWithin,
  timeLeft,
} from "./internal/deadline.js";
import type { Log } from "./internal/logger.js";
import {
  checkJson,
  checkNonEmpty,
  checkObjective,
  checkOptionNames,
  checkOptions,
  checkSignal,
  checkTimeout,
  checkTokenBudget,
  checkWellFormed,
  trimAsRuntime,
  describe,
  dropUndefined,
  isPlainObject,
  objectKind,
  snapshot,
  optionalBoolean,
  optionNames,
  REQUEST_KEYS,
  requestOptions,
  refuseOtherFields,
  shown,
  splitRequestOptions,
  type WireOptions,
} from "./internal/validate.js";
import {
  approvalFields,
  checkGoalStatus,
  goalOf,
  SANDBOX_KEYS,
  checkSettingStrings,
  sandboxPolicy,
  type ApprovalMode,
  type EventMode,
  type Sandbox,
} from "./options.js";
import type { TurnResult } from "./result.js";
import {
  prepareOutput,
  type OutputOf,
  type PreparedOutput,
  type OutputSchema,
  type StructuredTurnResult,
} from "./structured-output.js";
import type { ReviewOptions, ReviewTarget } from "./review.js";
import { asOneCall, boundWait } from "./rpc/bound-wait.js";
import type { Connection, RequestOptions, RequestTicket } from "./rpc/connection.js";
import {
  OWN_TURN_WAIT,
  rootTurnOf,
  turnIdOf,
  type BindOptions,
  type QueueHolder,
  type Router,
  type TurnSlot,
} from "./rpc/router.js";
import {
  HANDLER_KEYS,
  pickHandlers,
  type ServerRequestDispatcher,
  type ServerRequestHandlers,
} from "./server-requests.js";
import {
  FOLLOW_UP_WAIT_MS,
  TurnCollector,
  TurnHandle,
  awaitTurnStart,
  interruptUnfollowed,
  checkStillWanted,
  forgetIfIdle,
  ownHandlers,
  runResult,
  sendTurnStart,
  untilForeignTurnEnds,
} from "./turn.js";
import { startedTurnId } from "./turn-id.js";

/**
 * Options of `Thread.turn` and `Thread.run`. The wire options that set the thread's settings
 * (`model`, `effort`, `cwd`, ...) apply to this turn and the ones after it; `outputSchema`,
 * `serviceTierForTurn` and those that describe this turn (`clientUserMessageId`, `turnTrigger`,
 * `parentTurnId`, `rootTurnId`, `additionalContext`, `cyberAccessProgram`) to this turn only.
 */
export type TurnOptions = Omit<
  WireOptions<TurnStartParams>,
  | "threadId"
  | "input"
  | "approvalPolicy"
  | "approvalsReviewer"
  | "sandboxPolicy"
  | "outputSchema"
  // Sent with no input, which a turn cannot have: an `externalMessage` input sends it.
  | "toolOutput"
  // Narrowed below to the values the runtime reads (the others are refused).
  | "personality"
  | "multiAgentMode"
> & {
  /** `"none"` alone changes anything: the runtime ignores its other (deprecated) styles. */
  readonly personality?: "none" | null | undefined;
  /**
   * The runtime always runs `"explicitRequestOnly"` (its other modes are deprecated): give
   * effort `"ultra"` for proactive multi-agent work.
   */
  readonly multiAgentMode?: "explicitRequestOnly" | null | undefined;
} & ServerRequestHandlers & {
    /** Approval preset for this and later turns; omitted keeps the thread's policy. */
    readonly approvalMode?: ApprovalMode | undefined;
    /**
     * Sandbox preset for this and later turns, sent as the full `sandboxPolicy` object: it
     * replaces the thread's policy, so network access and extra writable directories are off
     * unless `networkAccess` and `additionalDirectories` give them.
     */
    readonly sandbox?: Sandbox | undefined;
    /** With `sandbox` `readOnly` or `workspaceWrite`: commands may reach the network. */
    readonly networkAccess?: boolean | undefined;
    /** With `sandbox: "workspaceWrite"`: more directories commands may write to (absolute paths). */
    readonly additionalDirectories?: readonly string[] | undefined;
    /**
     * Aborting interrupts the turn, and rejects `run` (or, for `turn`, the handle's `run()` and
     * `stream()` that have no signal of their own) with `TurnAbortedError`; an already-aborted
     * signal sends nothing. Before the `turn/start` answer names the turn, the call rejects with
     * the signal's reason, and the turn is interrupted once named.
     */
    readonly signal?: AbortSignal | undefined;
    /**
     * Milliseconds: for `run`, how long the whole turn may take, from the call on (then it is
     * interrupted as by an abort); for `turn`, how long starting it may take. Both count the wait
     * for this client's turn in flight on the thread; a turn not started in time rejects with
     * `RequestTimeoutError`.
     */
    readonly timeout?: number | undefined;
  } & (
    | {
        /**
         * JSON Schema (an object, `z.toJSONSchema(schema)` say) the final answer must follow;
         * this turn only.
         */
        readonly outputSchema?: object | null | undefined;
        /** Not with `outputSchema`: give one of the two. */
        readonly output?: undefined;
      }
    | {
        /**
         * A schema object (zod 4, or Standard Schema with JSON Schema) the answer must follow;
         * this turn only. Sent in strict form; the result's `parsed` is the answer it validated.
         */
        readonly output?: OutputSchema | undefined;
        /** Not with `output`: give one of the two. */
        readonly outputSchema?: undefined;
      }
  );

/** Options of a turn with a schema object as `output`: its result carries `parsed`. */
export type StructuredTurnOptions<S extends OutputSchema> = Omit<
  TurnOptions,
  "output" | "outputSchema"
> & {
  /** The schema the answer must follow; the result's `parsed` has its output type. */
  readonly output: S;
  /** Not with `output`: give one of the two. */
  readonly outputSchema?: undefined;
};

const TURN_NAMES = optionNames<TurnOptions>()({
  own: [
    ...HANDLER_KEYS,
    ...REQUEST_KEYS,
    ...SANDBOX_KEYS,
    "approvalMode",
    "outputSchema",
    "output",
    // A wire field, checked where it is read, naming what its entries take.
    "additionalContext",
  ],
  wire: TURN_START_PARAMS_KEYS,
  fields: TURN_START_PARAMS_FIELDS,
  omit: [
    "threadId",
    "input",
    "approvalPolicy",
    "approvalsReviewer",
    "sandboxPolicy",
    "outputSchema",
    "toolOutput",
  ],
});

// A copy, each option read once, the lists and objects inside them too: what is checked is what
// is sent and used. A schema object given as `output` is the caller's own (a library's, which
// may read itself), taken as it is.
function turnOptions(options: TurnOptions | undefined): TurnOptions | undefined {
  if (options === undefined) return undefined;
  const { output, ...rest } = { ...checkOptions(options) };
  const copy = snapshot(rest);
  const given = (output === undefined ? copy : { ...copy, output }) as TurnOptions;
  return checkOptionNames(given, TURN_NAMES);
}
const REVIEW_NAMES = optionNames<ReviewOptions>()({
  own: [...HANDLER_KEYS, ...REQUEST_KEYS, "delivery"],
});
const GOAL_NAMES = optionNames<RunGoalOptions>()({ own: ["tokenBudget", "signal", "timeout"] });
// The options of `read()` and `setGoal()`.
const READ_NAMES = optionNames<{ includeTurns?: boolean } & RequestOptions>()({
  own: [...REQUEST_KEYS, "includeTurns"],
});
/** Options of the goal edits: who made the change, as the runtime tells the model. */
export interface GoalEditOptions extends RequestOptions {
  /**
   * `"user"` for a change its user made (the runtime shows the model a goal set by its user),
   * `"automatic"` for one a program made on its own; default none, as the runtime takes it.
   */
  readonly origin?: ThreadGoalMutationOrigin | undefined;
}

const GOAL_EDIT_NAMES = optionNames<GoalEditOptions>()({ own: [...REQUEST_KEYS, "origin"] });
const SET_GOAL_NAMES = optionNames<
  GoalEditOptions & { status?: ThreadGoalStatus; tokenBudget?: number | null }
>()({
  own: [...REQUEST_KEYS, "origin", "status", "tokenBudget"],
});
const ORIGINS: readonly ThreadGoalMutationOrigin[] = ["user", "automatic"];

// The goal edit's params with the origin given, checked.
function withOrigin<P extends object>(params: P, origin: unknown): P {
  if (origin === undefined) return params;
  if (!(ORIGINS as readonly unknown[]).includes(origin)) {
    throw new TypeError(`origin must be "user" or "automatic"; got ${shown(origin)}`);
  }
  return { ...params, origin };
}

/** @internal What a thread needs from its client. */
export interface ThreadContext {
  readonly connection: Connection;
  readonly router: Router;
  readonly dispatcher: ServerRequestDispatcher;
  readonly log: Log;
  /** Whether the server sends per-token deltas on this connection. */
  readonly events: EventMode;
  /** The server's system (`initialize`'s `platformFamily`), to which its paths are held. */
  readonly platformFamily?: string;
  /**
   * Whether the server outlives the client (`Codex.connect`), which stops its own turns as it
   * leaves: other clients may run turns on its threads, which a turn's start may join.
   */
  readonly shared?: boolean;
}

/** @internal The requests that change whether this client follows a thread. */
export const FOLLOW_METHODS: ReadonlySet<string> = new Set([
  "thread/unsubscribe",
  "thread/resume",
  "thread/archive",
  "thread/delete",
]);

/**
 * @internal Sends one of the `FOLLOW_METHODS` and follows its answer. Once sent, it goes
 * without the caller's bounds, which bound only the wait: the server acts on it whatever the
 * caller does, and an answer that comes after the caller gave up must still keep the client's
 * record true (an unsubscribe given up on, then not followed, left the next turn waiting for
 * ever). Given up on while it still waits for a place, it is withdrawn, never sent. `sending`,
 * given, sends it (and sees the answer itself, which settles whether the caller waits or not).
 */
export function sendFollowed<R>(
  context: Pick<ThreadContext, "connection" | "router" | "dispatcher" | "log">,
  method: string,
  threadId: string,
  params: unknown,
  call: RequestOptions | undefined,
  sending?: <T>(send: () => Promise<T>) => Promise<T>,
  ticket?: RequestTicket,
): Promise<R> {
  if (call?.signal?.aborted) return Promise.reject(abortError(call.signal));
  const held: RequestTicket = ticket ?? {};
  const send = () => context.connection.request(method, params, { ticket: held }) as Promise<R>;
  const answer = sending === undefined ? send() : sending(send);
  // Not sent yet (more than 64 requests in flight): withdrawn, it changes nothing there.
  const withdraw = () => void context.connection.withdraw(held);
  return boundWait(followAnswer(context, method, threadId, answer), method, call, withdraw);
}

/**
 * Keeps what the client knows of the threads it follows true once `answer`, to one of the
 * `FOLLOW_METHODS`, comes, whether a typed method or `codex.request` sent it. Unsubscribed,
 * the thread refuses turns (and fails the one in flight) and its handlers are released; resumed,
 * archived or deleted, it takes turns again (archived or deleted, its handlers are released too).
 */
async function followAnswer<R>(
  context: Pick<ThreadContext, "connection" | "router" | "dispatcher" | "log">,
  method: string,
  threadId: string,
  answer: Promise<R>,
): Promise<R> {
  const { router, dispatcher } = context;
  if (method === "thread/unsubscribe") {
    const response = await router.unsubscribeOn(threadId, answer as Promise<{ status?: unknown }>);
    dispatcher.release(threadId);
    return response as R;
  }
  // A turn that completes there while a resume travels may be the one its answer says runs.
  let completed = false;
  const off =
    method === "thread/resume"
      ? router.onKey("turn/completed", "threadId", threadId, () => (completed = true))
      : undefined;
  let response: R;
  try {
    response = await answer;
  } catch (err) {
    if (method === "thread/delete" && err instanceof JsonRpcError) {
      await noteUnloaded(context, threadId, err);
    }
    throw err;
  } finally {
    off?.();
  }
  // Archived or deleted, it is unloaded: whether this client unsubscribed from it no longer matters.
  // Resumed by `path` or `history`, the thread is the answer's, whatever `threadId` said.
  const followed = method === "thread/resume" ? answeredId(response, threadId) : threadId;
  router.setSubscribed(followed, true);
  // Resumed as a turn runs there, whose start this client did not see. The runtime also answers
  // `active` for an idle thread that ran an inline review: its status is asked at once, and an
  // idle one clears the note.
  if (off !== undefined && !completed && statusOf(response) === "active") {
    router.noteRunningUnseen(followed);
    void forgetIfIdle(context, followed, undefined);
  }
  // The server unloads it, and its `thread/archived` or `thread/deleted` may come after the answer:
  // what this client kept for it goes by the time the call resolves.
  if (method === "thread/delete" || method === "thread/archive") dispatcher.release(threadId);
  return response;
}

// How long a check made after a refusal waits for its answer.
const ABORT_BOUND = { timeout: ABORT_WAIT_MS };

/**
 * The runtime refuses to delete a thread whose history a fork still reads (a detached review's
 * fork too), and unloads it all the same: what this client keeps for it goes, and `refusal` says
 * that the thread takes no turn until it is resumed.
 */
async function noteUnloaded(
  context: Pick<ThreadContext, "connection" | "dispatcher" | "log">,
  threadId: string,
  refusal: JsonRpcError,
): Promise<void> {
  let status: unknown;
  try {
    const read = context.connection.request("thread/read", { threadId }, ABORT_BOUND);
    status = statusOf(await read);
  } catch (err) {
    context.log.debug(`could not read thread ${threadId} after its delete was refused`, err);
    return;
  }
  if (status !== "notLoaded") return;
  context.dispatcher.release(threadId);
  refusal.message +=
    ` (the thread is not loaded on the server, which unloads it as it refuses: ` +
    `codex.threadResume("${threadId}") loads it again)`;
}

// The status type of the thread an answer holds, if it holds one.
function statusOf(response: unknown): unknown {
  return (response as { thread?: { status?: { type?: unknown } } } | null | undefined)?.thread
    ?.status?.type;
}

// The id of the thread an answer names, or `fallback` if it names none.
function answeredId(response: unknown, fallback: string): string {
  const id = (response as { thread?: { id?: unknown } } | null | undefined)?.thread?.id;
  return typeof id === "string" && id !== "" ? id : fallback;
}

/**
 * Sends `thread/compact/start` holding the thread's slot until the compaction is over: the turn
 * (one started since the request) whose item is a `contextCompaction` completes, or every turn
 * started on the thread since the request has completed without one (a compaction that failed
 * early, or hooks that stopped it), or the thread or the connection ends, or no turn starts
 * within `ABORT_WAIT_MS` of the answer (or of the caller giving up, while there is no answer). A
 * refused request frees it at once.
 * The request goes without the caller's bounds, which bound only the wait: a compaction given up
 * on once sent still runs, and holds the thread as long. A thread this client can no longer run
 * on (unsubscribed) is refused before anything is sent.
 */
function holdForCompaction(
  connection: Connection,
  router: Router,
  threadId: string,
  slot: TurnSlot,
  log: Log,
  call: RequestOptions | undefined,
): Promise<ThreadCompactStartResponse> {
  if (call?.signal?.aborted) {
    slot.release();
    return Promise.reject(abortError(call.signal));
  }
  // The compaction's turn, once its item names it; until then, the turns started since the
  // request (another client's may be among them), by each id their completion may name (a
  // review's names its root) to their own.
  let turnId: string | undefined;
  const started = new Map<string, string>();
  // Turns whose completion came first: a start that follows it runs nothing to wait for.
  const completed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let refused: Error | undefined;
  const offs: (() => unknown)[] = [];
  const done = () => {
    clearTimeout(timer);
    for (const off of offs.splice(0)) off();
    slot.release();
  };
  offs.push(
    router.onKey("turn/started", "threadId", threadId, (n) => {
      const id = turnIdOf(n);
      if (turnId !== undefined || id === undefined || completed.has(id)) return;
      const root = rootTurnOf(n);
      if (root !== undefined) {
        if (completed.has(root)) return;
        started.set(root, id);
      }
      started.set(id, id);
      clearTimeout(timer);
    }),
    router.onKey("item/started", "threadId", threadId, (n) => {
      const { item } = n.params as { item?: { type?: unknown } };
      if (turnId !== undefined || item?.type !== "contextCompaction") return;
      // Only a turn started since the request: one named otherwise would never complete here.
      const id = turnIdOf(n);
      if (id !== undefined && started.has(id)) turnId = id;
    }),
    router.onKey("turn/completed", "threadId", threadId, (n) => {
      const id = turnIdOf(n);
      if (id === undefined) {
        // One that names no turn (a fault of the server's) ends the turn running there, which
        // may be the compaction's: freed unless a readable completion follows (as a turn fails).
        if (turnId === undefined && started.size === 0) return;
        clearTimeout(timer);
        timer = setTimeout(() => {
          log.warn(
            `a turn/completed on ${threadId} named no turn: the compaction is taken as over`,
          );
          done();
        }, FOLLOW_UP_WAIT_MS);
        return;
      }
      if (id === turnId) return done();
      if (turnId !== undefined) return;
      const own = started.get(id);
      if (own === undefined) return void completed.add(id);
      for (const [key, turn] of started) if (turn === own) started.delete(key);
      if (started.size === 0) done();
    }),
    connection.onClose(done),
  );
  const held = slot.hold({
    fail: (error) => {
      refused = error;
      done();
    },
  });
  if (!held) return Promise.reject(refused!);
  const ticket: RequestTicket = {};
  const answer = connection.request("thread/compact/start", { threadId }, { ticket });
  let answered = false;
  answer.then(() => {
    answered = true;
    clearTimeout(timer);
    if (turnId !== undefined || started.size > 0 || offs.length === 0) return;
    timer = setTimeout(() => {
      log.debug(`no compaction started on ${threadId}; the thread is free again`);
      done();
    }, ABORT_WAIT_MS);
  }, done);
  // Given up on before the answer, as a turn is: a server that never answers, and starts no
  // turn, holds the thread no longer than `ABORT_WAIT_MS` after that.
  const onGiveUp = () => {
    // Not sent yet (more than 64 requests in flight): withdrawn, its refusal frees the thread.
    if (connection.withdraw(ticket)) return;
    if (answered || started.size > 0 || offs.length === 0) return;
    timer = setTimeout(() => {
      log.warn(`no answer to thread/compact/start within ${ABORT_WAIT_MS} ms of giving up on it`);
      done();
    }, ABORT_WAIT_MS);
  };
  return boundWait(answer, "thread/compact/start", call, onGiveUp);
}

/** A conversation with the agent. Creating one does no I/O; every method talks to the server. */
export class Thread {
  readonly #context: ThreadContext;

  /** @internal Created by `Codex`. */
  constructor(
    context: ThreadContext,
    /** The thread id. */
    readonly id: string,
  ) {
    this.#context = context;
  }

  /**
   * Serializes as `{ id }`, keeping the client out of logs.
   * @property __type.id The thread id.
   */
  toJSON(): { id: string } {
    return { id: this.id };
  }

  /**
   * Runs one turn to completion and returns its result. A failed turn rejects with
   * `TurnFailedError`; an interrupted one resolves with `status: "interrupted"`. With `output`,
   * the result's `parsed` is the validated answer, else it rejects with `StructuredOutputError`
   * (an interrupted turn too, when interrupted before its answer).
   */
  run<S extends OutputSchema>(
    input: RunInput,
    options: StructuredTurnOptions<S>,
  ): Promise<StructuredTurnResult<OutputOf<S>>>;
  run(input: RunInput, options?: TurnOptions): Promise<TurnResult>;
  async run(input: RunInput, options?: TurnOptions): Promise<TurnResult> {
    const checked = turnOptions(options);
    const signal = checked?.signal;
    const timeout = checked?.timeout;
    // Nothing to abort or time out: the turn's result is all there is to wait for.
    if (signal === undefined && timeout === undefined) {
      // #startTurn checks the rest, before any I/O.
      const started = await this.#startTurn(input, checked, false, undefined);
      return runResult(await started.collector.completion, started.parse);
    }
    // The timeout bounds the whole call: the wait for the thread, the start and the turn.
    const t0 = now();
    const started = await this.#startTurn(input, checked, false, checkTimeout(timeout));
    const left = timeout === undefined ? undefined : timeLeft(timeout, t0);
    return this.#handle(started).runWithin(signal, left, timeout);
  }

  /**
   * Starts a turn and returns its handle at once, to stream, steer or interrupt it. A second
   * turn on the same thread waits until this client's previous turn there has completed.
   */
  turn<S extends OutputSchema>(
    input: RunInput,
    options: StructuredTurnOptions<S>,
  ): Promise<TurnHandle<StructuredTurnResult<OutputOf<S>>>>;
  turn(input: RunInput, options?: TurnOptions): Promise<TurnHandle>;
  async turn(input: RunInput, options?: TurnOptions): Promise<TurnHandle> {
    const checked = turnOptions(options);
    const started = await this.#startTurn(input, checked, true, checkTimeout(checked?.timeout));
    // Answered as the client closes, which stops the turn: the call rejects as pending ones do.
    const closing = this.#context.connection.closingError;
    if (closing !== undefined) throw closing;
    return this.#handle(started);
  }

  /**
   * Starts a code review of `target` and returns its handle: stream it, interrupt it, or `run()`
   * it for a result whose `review` holds the findings. The runtime refuses to steer a review.
   */
  async review(target: ReviewTarget, options?: ReviewOptions): Promise<TurnHandle> {
    // Checked once its module has loaded: read as they were at the call.
    [target, options] = snapshot([target, options] as const);
    // Loaded on first use: most clients never ask for a review.
    const review = import("./review.js");
    const checked = checkOptionNames(options, REVIEW_NAMES);
    // A review takes its place in this thread's queue at the call, as a turn does, while the
    // module loads and checks it; what it refuses rejects at once and leaves the queue.
    const signal = checkSignal(checked.signal);
    const timeout = checkTimeout(checked.timeout);
    if (signal?.aborted) {
      // What is wrong with the target is named first, as every call names bad input.
      (await review).checkReview(target, options);
      throw abortError(signal);
    }
    const since = now();
    if (checked.delivery === "detached") {
      // Its fork is made in this thread's queue, of what the turns before it left; the review
      // then runs in the fork's own queue.
      const steps = review.then(({ detachedReview }) =>
        detachedReview(this.#context, this.id, target, checked, since),
      );
      const forked = this.#context.router.queueTurn(
        this.id,
        async (slot) => {
          const { fork } = await inSlot(slot, steps);
          // Given up on while its module loaded, or in the queue: no fork is made.
          checkStillWanted(slot, { method: "review/start", signal, timeout, since });
          try {
            return await fork();
          } finally {
            slot.release();
          }
        },
        false,
        { method: "review/start", signal, timeout, prepared: steps },
      );
      const [{ review: startOnFork }, forkId] = await Promise.all([
        steps,
        asOneCall(forked, "review/start", timeout),
      ]);
      return startOnFork(forkId);
    }
    const start = review.then(({ inlineReview }) =>
      inlineReview(this.#context, this.id, target, checked, since),
    );
    const queued = this.#context.router.queueTurn(
      this.id,
      async (slot) => (await inSlot(slot, start))(slot),
      true,
      { method: "review/start", signal, timeout, prepared: start },
    );
    return (await Promise.all([start, asOneCall(queued, "review/start", timeout)]))[1];
  }

  /** The thread's turns, newest first unless `sortDirection: "asc"`, fetched page by page. */
  turns(options?: TurnListOptions): Paginated<Turn, ThreadTurnsListResponse> {
    return turnPages(this.#context.connection, this.id, options, this.#context.log);
  }

  /** One page of the thread's turns (`thread/turns/list`); empty for a thread without a turn. */
  async turnList(options?: TurnListOptions): Promise<ThreadTurnsListResponse> {
    return turnPage(this.#context.connection, this.id, options, this.#context.log);
  }

  /** The thread's items with their turn ids, oldest first, fetched page by page. */
  items(options?: ItemListOptions): Paginated<ThreadItemEntry, ThreadItemsListResponse> {
    return itemPages(this.#context.connection, this.id, options, this.#context.log);
  }

  /** One page of the thread's items (`thread/items/list`); empty for a thread without a turn. */
  async itemList(options?: ItemListOptions): Promise<ThreadItemsListResponse> {
    return itemPage(this.#context.connection, this.id, options, this.#context.log);
  }

  /**
   * Rolls the stored history back to before `beforeTurnId`: that turn and every later one leave
   * the history the model sees from now on. Files the turns changed stay as they are. It waits
   * for this client's turn in flight on the thread, and for another client's it saw start there
   * (either would be interrupted), and goes before the turns asked for after it.
   * A thread without a turn yet is refused with `CodexError` (the runtime would unload it).
   */
  async revert(beforeTurnId: string, options?: RequestOptions): Promise<ThreadRevertResponse> {
    checkWellFormed(checkNonEmpty(beforeTurnId, "beforeTurnId"), "beforeTurnId");
    const call = requestOptions(options);
    const { connection } = this.#context;
    const params = { threadId: this.id, beforeTurnId };
    // After this client's turn in flight, which the revert would interrupt, and another client's
    // running there, and before the ones asked for after it; on a thread the client left, where
    // it runs no turn, it goes at once.
    return this.#inQueue(
      "thread/revert",
      call,
      async (slot, left) => {
        try {
          const t0 = now();
          // Another client's turn running there, which the revert would interrupt too: waited
          // for, as a compaction waits.
          const running = untilForeignTurnEnds(this.#context, slot, this.id, {
            method: "thread/revert",
            signal: left?.signal,
            timeout: left?.timeout,
            since: t0,
          });
          if (running !== undefined) await running;
          await this.#checkHasTurn(beforeTurnId, callLeft(left, t0));
          try {
            return await connection.request("thread/revert", params, callLeft(left, t0));
          } catch (err) {
            // An inline review's id, as its handle and result name it: reverted from the turn it
            // ran in, which the runtime takes.
            if (!isStartless(err)) throw err;
            const { log } = this.#context;
            const start = await reviewStartOf(
              connection,
              this.id,
              beforeTurnId,
              callLeft(left, t0),
              log,
            );
            if (start === undefined) throw err;
            const again = { threadId: this.id, beforeTurnId: start };
            return await connection.request("thread/revert", again, callLeft(left, t0));
          }
        } finally {
          slot.release();
        }
      },
      false,
    );
  }

  // The runtime answers a revert of a stored thread without a turn yet by unloading it, for good
  // (it finds no history to rewrite, nor then to resume): refused first. A failed check (the
  // turn list of an ephemeral thread, which the runtime refuses) leaves it to the revert's answer.
  async #checkHasTurn(beforeTurnId: string, call: RequestOptions | undefined): Promise<void> {
    const { connection, log } = this.#context;
    let page: ThreadTurnsListResponse;
    try {
      page = await turnPage(connection, this.id, { limit: 1, ...call }, log);
    } catch (err) {
      if (err instanceof RequestTimeoutError || call?.signal?.aborted) throw err;
      return log.debug(`thread/revert: the check of whether ${this.id} has a turn failed`, err);
    }
    if (page.data.length === 0) {
      throw new CodexError(
        `thread ${this.id} has no turn yet, so none named ${shown(beforeTurnId)} to revert to`,
      );
    }
  }

  /**
   * Stops this client receiving the thread's events (`thread/unsubscribe`) and releases what it
   * keeps for the thread (see `release`). A turn, review or goal on the thread then rejects at
   * once, as its events would never arrive, until `codex.threadResume(id)` subscribes again
   * (which the runtime refuses for a thread left before its first turn).
   */
  async unsubscribe(options?: RequestOptions): Promise<ThreadUnsubscribeResponse> {
    const call = requestOptions(options);
    const params = { threadId: this.id };
    return sendFollowed(this.#context, "thread/unsubscribe", this.id, params, call);
  }

  /** Reads the thread, with its turns when `includeTurns` is set. */
  async read(
    options?: { readonly includeTurns?: boolean | undefined } & RequestOptions,
  ): Promise<ThreadReadResponse> {
    const { call, rest } = splitRequestOptions(options, READ_NAMES);
    const includeTurns = optionalBoolean(rest.includeTurns, false, "includeTurns");
    const { connection } = this.#context;
    const params = { threadId: this.id, includeTurns };
    const t0 = now();
    try {
      return await connection.request("thread/read", params, call);
    } catch (err) {
      if (!includeTurns) throw err;
      // A thread without a turn yet has none to give, which the runtime does not say as such.
      const read = async () => {
        const check = { method: "thread/read", call, since: t0, log: this.#context.log };
        const turnless = await turnlessRecord(connection, this.id, err, check);
        if (turnless === undefined) throw err;
        if (turnless !== TURN_STARTED) return turnless;
        // Its first turn started as the refusal came: asked again, once.
        return connection.request("thread/read", params, callLeft(call, t0));
      };
      return asOneCall(read(), "thread/read", call?.timeout);
    }
  }

  /** Renames the thread. */
  async setName(name: string, options?: RequestOptions): Promise<ThreadSetNameResponse> {
    if (typeof name !== "string") {
      throw new TypeError(`name must be a string, got ${describe(name)}`);
    }
    // The server trims the name, and refuses one left empty.
    if (trimAsRuntime(name) === "") {
      throw new TypeError("name must not be empty or only white space");
    }
    checkWellFormed(name, "name");
    const call = requestOptions(options);
    return this.#context.connection.request("thread/name/set", { threadId: this.id, name }, call);
  }

  /**
   * Gives the thread a fresh goal (its earlier one is cleared first, whose budget and tokens
   * used would carry over) and waits until it is reached: the server runs turns on its own,
   * one after another, until the model marks the goal complete (or it is paused, blocked or out
   * of budget). Resolves with every turn's result; a last turn that failed rejects with
   * `TurnFailedError`. Aborting `signal` pauses the goal (unless it already left `active`) and
   * interrupts its turn. A turn of it interrupted from elsewhere (another client) ends the run
   * once the server has started no other turn within 1 s: it resolves, the last turn
   * `interrupted` and the goal still `active`. A compaction or an inline review sent from
   * elsewhere interrupts the goal's turn too, but the server runs it as a turn, then goes on with
   * the goal: the run follows those turns until the goal leaves `active`. A thread this server has
   * not loaded is refused before anything changes, and a goal whose first turn does not start
   * within 30 s is paused, rejecting with `CodexError`.
   */
  async runGoal(objective: string, options?: RunGoalOptions): Promise<GoalResult> {
    const trimmed = checkObjective(objective);
    const tokenBudget = checkTokenBudget(checkOptionNames(options, GOAL_NAMES).tokenBudget);
    const given = checkSignal(options?.signal);
    const timeout = checkTimeout(options?.timeout);
    if (given?.aborted) throw abortError(given);
    // The timeout is an abort of the whole run: the wait for the thread, the activation, and
    // every turn of the goal.
    let timedOut: Error | undefined;
    const bound = signalWithin(given, timeout, () => {
      timedOut = new DOMException(`The goal run took longer than ${timeout} ms`, "TimeoutError");
      return timedOut;
    });
    let entered = false;
    try {
      return await this.#runGoal(trimmed, tokenBudget, bound.signal, () => (entered = true));
    } catch (err) {
      // While it waited for the thread or the activation's answer, as `run()` times out while it
      // waits for `turn/start`'s.
      if (err === timedOut && timedOut !== undefined) {
        const unsent = entered ? undefined : { waitedFor: OWN_TURN_WAIT };
        throw new RequestTimeoutError("thread/goal/set", timeout!, unsent);
      }
      throw err;
    } finally {
      bound.dispose();
    }
  }

  async #runGoal(
    trimmed: string,
    tokenBudget: number | undefined,
    signal: AbortSignal | undefined,
    onSlot: () => void,
  ): Promise<GoalResult> {
    // Loaded on first use (most clients never run a goal), while the run already holds its place
    // in the thread's queue, in call order.
    const goal = import("./goal.js");
    const { connection, router, log } = this.#context;
    // The goal run follows the thread's turns itself: nothing is held for it.
    const run = await router.queueTurn(
      this.id,
      async (slot) => {
        onSlot();
        const { GoalRun } = await inSlot(slot, goal);
        if (signal?.aborted) {
          slot.release();
          throw abortError(signal);
        }
        const goalRun = new GoalRun(connection, router, this.id, log);
        goalRun.done.then(slot.release, slot.release);
        // Unsubscribing from the thread ends the run: its events would no longer come. Should
        // that have happened while the run got ready, it fails now and activates nothing.
        const holder: QueueHolder = {
          fail: (error) => goalRun.finish(error),
          leave: (error) => goalRun.leave(error),
        };
        if (!slot.hold(holder)) return goalRun;
        try {
          await goalRun.start(trimmed, tokenBudget, signal);
        } catch (err) {
          // Given up on while its activation was on the way: the server may have activated it,
          // and the thread stays taken until the abort has stopped what it started.
          if (signal?.aborted && goalRun.asked) {
            goalRun
              .abort(err as Error)
              .catch((e: unknown) => log.debug(`goal on ${this.id} stopped after its abort`, e));
          } else goalRun.finish(err as Error);
          throw err;
        }
        return goalRun;
      },
      false,
      { method: "thread/goal/set", signal },
    );
    return deadline(run.done, { signal, onAbort: () => run.abort(abortError(signal!)) });
  }

  /** The thread's goal, or `null` when it has none. */
  async goal(options?: RequestOptions): Promise<ThreadGoal | null> {
    const call = requestOptions(options);
    const { goal } = await this.#context.connection.request(
      "thread/goal/get",
      { threadId: this.id },
      call,
    );
    return goal === null ? null : goalOf(goal, "thread/goal/get");
  }

  /**
   * Sets the thread's goal without waiting for it (`status` defaults to `"active"`, which makes
   * the server start working on it); follow it with `codex.on` or use `runGoal`. An existing
   * goal is edited: its token budget (unless given; `null` removes it) and the tokens it used
   * stay, so a goal that ran out of budget stays `budgetLimited`; `clearGoal()` first to start
   * afresh, as `runGoal` does.
   */
  async setGoal(
    objective: string,
    options?: GoalEditOptions & {
      readonly status?: ThreadGoalStatus | undefined;
      readonly tokenBudget?: number | null | undefined;
    },
  ): Promise<ThreadGoal> {
    const trimmed = checkObjective(objective);
    const { call, rest } = splitRequestOptions(options, SET_GOAL_NAMES);
    const status = checkGoalStatus(rest.status === undefined ? "active" : rest.status);
    const tokenBudget = rest.tokenBudget === null ? null : checkTokenBudget(rest.tokenBudget);
    let params: ThreadGoalSetParams = { threadId: this.id, objective: trimmed, status };
    if (tokenBudget !== undefined) params.tokenBudget = tokenBudget;
    params = withOrigin(params, rest.origin);
    const { goal } = await this.#context.connection.request("thread/goal/set", params, call);
    return goalOf(goal, "thread/goal/set");
  }

  /** Changes the goal's status (for example `"paused"` to stop, `"active"` to go on). */
  async setGoalStatus(status: ThreadGoalStatus, options?: GoalEditOptions): Promise<ThreadGoal> {
    checkGoalStatus(status);
    const { call, rest } = splitRequestOptions(options, GOAL_EDIT_NAMES);
    const params: ThreadGoalSetParams = withOrigin({ threadId: this.id, status }, rest.origin);
    const { goal } = await this.#context.connection.request("thread/goal/set", params, call);
    return goalOf(goal, "thread/goal/set");
  }

  /** Removes the thread's goal; resolves with whether there was one. */
  async clearGoal(options?: GoalEditOptions): Promise<boolean> {
    const { call, rest } = splitRequestOptions(options, GOAL_EDIT_NAMES);
    const params: ThreadGoalClearParams = withOrigin({ threadId: this.id }, rest.origin);
    const { cleared } = await this.#context.connection.request("thread/goal/clear", params, call);
    if (typeof cleared !== "boolean") {
      throw new CodexError("the answer to thread/goal/clear does not say whether it cleared one");
    }
    return cleared;
  }

  /**
   * Asks the server to compact the thread's context; resolves once accepted, not when done. The
   * server runs the compaction as a turn of the thread, which a turn started meanwhile would
   * interrupt or be refused by: the request waits in the thread's queue like a turn of this
   * client (behind its turn or goal run in flight, and another client's turn running there, which
   * the compaction would interrupt, when this client saw it start or resumed the thread as it
   * ran), and the turns queued after it wait until the
   * compaction completes, even when the call was given up on once the request was sent.
   */
  async compact(options?: RequestOptions): Promise<ThreadCompactStartResponse> {
    const call = requestOptions(options);
    const context = this.#context;
    const { connection, router, log } = context;
    const method = "thread/compact/start";
    return this.#inQueue(method, call, async (slot, left) => {
      const since = now();
      const { signal, timeout } = left ?? {};
      const running = untilForeignTurnEnds(context, slot, this.id, {
        method,
        signal,
        timeout,
        since,
      });
      if (running !== undefined) await running;
      return holdForCompaction(connection, router, this.id, slot, log, callLeft(left, since));
    });
  }

  // Runs `send` in the thread's turn queue, with what the wait left of the call's timeout;
  // `needsEvents: false` lets it go on a thread the client left (see `QueueWait`).
  #inQueue<T>(
    method: string,
    call: RequestOptions | undefined,
    send: (slot: TurnSlot, left: RequestOptions | undefined) => Promise<T>,
    needsEvents?: false,
  ): Promise<T> {
    const t0 = now();
    const timeout = call?.timeout;
    const queued = this.#context.router.queueTurn(
      this.id,
      (slot) => send(slot, callLeft(call, t0)),
      false,
      { method, signal: call?.signal, timeout, needsEvents },
    );
    return asOneCall(queued, method, timeout);
  }

  /**
   * Forgets the handlers and tools this client keeps for the thread, without telling the
   * server. It happens by itself when the server reports the thread closed, archived or deleted;
   * call it when you are done with a thread that stays open, so a long-lived client's memory
   * stays flat (the turns the client noted as completed before their start go too, unless a
   * turn of this client is in flight or queued there). The server may still call a tool of the
   * thread: the model is then told no such tool is registered.
   */
  release(): void {
    this.#context.dispatcher.release(this.id);
    this.#context.router.forgetEndedFirst(this.id);
  }

  // Not async: its callers are, so what it throws is their rejection; a turn without `output`
  // then costs no promise of its own before the queue's.
  #handle(started: StartedTurn): TurnHandle {
    const { turnId, collector, signal, parse } = started;
    return new TurnHandle(this.#context, this.id, turnId, collector, signal, parse);
  }

  // `options` is the copy `checkOptionNames` made of the caller's.
  #startTurn(
    input: RunInput,
    options: TurnOptions | undefined,
    retain: boolean,
    startTimeout: number | undefined,
  ): Promise<StartedTurn> {
    // The common turn, plain text with no options, has nothing to check and skips the checks:
    // each function a turn runs costs time, the client waking cold for each line.
    if (options === undefined && typeof input === "string") {
      const plain = { threadId: this.id, input: textInput(input) } as TurnStartParams;
      return this.#queueTurn(plain, undefined, undefined, retain, startTimeout, undefined);
    }
    const params = turnParams(this.id, input, options ?? {}, this.#context.platformFamily);
    const handlers = pickHandlers(options);
    const signal = checkSignal(options?.signal);
    checkTimeout(options?.timeout);
    if (options?.output === undefined) {
      return this.#queueTurn(params, handlers, signal, retain, startTimeout, undefined);
    }
    // The turn takes its place in the thread's queue now, in call order, while its schema is
    // converted (a module loaded on first use); a schema that cannot be converted rejects at once.
    // (An aborted signal is refused first: nothing would then wait on the conversion.)
    if (signal?.aborted) throw abortError(signal);
    const output = prepareOutput(options.output, options.outputSchema);
    const queued = this.#queueTurn(params, handlers, signal, retain, startTimeout, output);
    return Promise.all([output, queued]).then(([, started]) => started);
  }

  #queueTurn(
    params: TurnStartParams,
    handlers: ServerRequestHandlers | undefined,
    signal: AbortSignal | undefined,
    retain: boolean,
    timeout: number | undefined,
    output: Promise<PreparedOutput> | undefined,
  ): Promise<StartedTurn> {
    if (signal?.aborted) throw abortError(signal);
    const context = this.#context;
    const { router, log } = context;
    const limited = signal !== undefined || timeout !== undefined;
    const t0 = timeout === undefined ? 0 : now();
    const start = async (slot: TurnSlot): Promise<StartedTurn> => {
      const call = { method: "turn/start", signal, timeout, since: t0 };
      if (limited) checkStillWanted(slot, call);
      let prepared: PreparedOutput | undefined;
      if (output !== undefined) {
        prepared = await inSlot(slot, output);
        // Given up on while the schema converted: nothing is sent.
        checkStillWanted(slot, call);
        params.outputSchema = prepared.schema as TurnStartParams["outputSchema"];
      }
      const own = ownHandlers(context, handlers);
      // It frees the thread when the turn ends (or is given up on), and drops its handlers.
      const onRelease =
        own === undefined
          ? slot.release
          : () => {
              slot.release();
              own.drop();
            };
      const collector = new TurnCollector(retain, log, { onRelease });
      // On a shared server, the input is marked as this client's: a turn whose first user
      // message is not (another client's, whose start raced this one) is not this one's to stop.
      // (A turn without input, an external message's, has no message of its own to mark.)
      const marks = params.input.length > 0;
      if (context.shared === true && marks) params.clientUserMessageId ??= crypto.randomUUID();
      const marker = marks ? params.clientUserMessageId : undefined;
      // A turn running there as it is sent (another client's) is not this one's to stop.
      const sent = sendTurnStart(context, slot, params, call);
      let turnId: string;
      if (limited) {
        turnId = await awaitTurnStart({
          answer: sent.answer,
          get ticket() {
            return sent.ticket;
          },
          method: "turn/start",
          slot,
          collector,
          adopt: own?.adopt,
          context,
          threadId: this.id,
          signal,
          timeout: timeout === undefined ? undefined : timeLeft(timeout, t0),
          get runningId() {
            return sent.runningId;
          },
        });
      } else {
        try {
          turnId = startedTurnId(await sent.answer, "turn/start");
        } catch (err) {
          slot.release();
          throw err;
        }
      }
      own?.adopt(turnId);
      // Not routed as the client unsubscribed (or the thread ended) while the answer came: the
      // call rejects, and the turn, which nothing could reach, is stopped (unless it is the one
      // that ran there before, which its own client follows).
      const bound = slot.bind(
        turnId,
        collector,
        turnId === sent.runningId
          ? JOINED
          : marker == null
            ? undefined
            : {
                joinedAfterAll: async () => {
                  await collector.firstMessageRead();
                  return collector.firstMessageNotFrom(marker);
                },
              },
      );
      if (bound === "ended" && turnId !== sent.runningId) {
        interruptUnfollowed(context, this.id, turnId);
      }
      return { turnId, collector, signal, parse: prepared?.parse };
    };
    // A turn whose schema cannot be converted leaves the queue at once, with its timer and
    // listener, instead of when the thread comes free.
    if (!limited && output === undefined) return router.queueTurn(this.id, start);
    const queued = router.queueTurn(this.id, start, true, {
      method: "turn/start",
      signal,
      timeout,
      prepared: output,
    });
    return asOneCall(queued, "turn/start", timeout);
  }
}

/**
 * What a turn, review or goal run prepared while it waited in the queue (a converted schema, a
 * lazily loaded module); if it failed, the thread goes on to the next turn.
 */
async function inSlot<T>(slot: TurnSlot, prepared: Promise<T>): Promise<T> {
  try {
    return await prepared;
  } catch (err) {
    slot.release();
    throw err;
  }
}

// A turn/start answered with the turn another client runs there, which the input joined.
const JOINED: BindOptions = { joined: true };

/** A turn the server accepted: what its handle, or run() alone, is made of. */
interface StartedTurn {
  readonly turnId: string;
  readonly collector: TurnCollector;
  readonly signal: AbortSignal | undefined;
  /** Reads the answer of a turn started with `output`. */
  readonly parse: ((result: TurnResult) => Promise<TurnResult>) | undefined;
}

/** @internal Builds `turn/start` params; validates everything before any I/O. */
export function turnParams(
  threadId: string,
  input: RunInput,
  options: TurnOptions,
  platformFamily?: string,
): TurnStartParams {
  const { input: wireInput, toolOutput } = toTurnInput(input, platformFamily);
  // The common turn, a plain input and no options, needs none of the checks below.
  if (toolOutput === undefined && Object.keys(options).length === 0) {
    return { threadId, input: wireInput } as TurnStartParams;
  }
  const { outputSchema } = options;
  if (outputSchema !== undefined && outputSchema !== null && !isPlainObject(outputSchema)) {
    // A zod or other Standard Schema (an object of a class, or a function as ArkType's) is
    // `output`'s, which checks the answer against it. (A plain object may carry `~standard` too:
    // what z.toJSONSchema gives does.)
    if (
      (typeof outputSchema === "object" || typeof outputSchema === "function") &&
      "~standard" in outputSchema
    ) {
      throw new TypeError(
        "outputSchema takes a plain JSON Schema object; give a zod or other Standard Schema as output",
      );
    }
    const kind =
      typeof outputSchema === "object" && !Array.isArray(outputSchema)
        ? objectKind(outputSchema)
        : describe(outputSchema);
    throw new TypeError(`outputSchema must be a plain JSON Schema object, got ${kind}`);
  }
  const {
    approvalMode,
    sandbox,
    networkAccess,
    additionalDirectories,
    signal: _signal,
    timeout: _timeout,
    approvals: _a,
    onUserInput: _u,
    onElicitation: _e,
    output: _output,
    ...rest
  } = options;
  // The wire fields go out as JSON: a value JSON would change (NaN, a hole, a Date) is refused.
  // Copied as checked, as the turn may wait for the thread: what was checked is sent.
  const given = checkJson(dropUndefined(rest), "options");
  checkSettingStrings(given, TURN_NON_EMPTY_KEYS, platformFamily);
  checkCollaborationMode(given.collaborationMode);
  checkTurnContext(given);
  const params = { ...given, threadId, input: wireInput } as TurnStartParams;
  if (toolOutput !== undefined) params.toolOutput = toolOutput;
  if (approvalMode !== undefined) Object.assign(params, approvalFields(approvalMode));
  const policy = sandboxPolicy({ sandbox, networkAccess, additionalDirectories }, platformFamily);
  if (policy !== undefined) {
    if (given.permissions !== undefined && given.permissions !== null) {
      throw new TypeError("permissions and sandbox cannot be combined: give one of them");
    }
    params.sandboxPolicy = policy;
  }
  return params;
}

// The modes of a collaboration mode, every one of the runtime's (checked by the compiler).
const MODE_KINDS = ["plan", "default"] as const;
const _modeKinds: [ModeKind] extends [(typeof MODE_KINDS)[number]] ? true : false = true;

const SETTINGS_FIELDS = ["model", "reasoning_effort", "developer_instructions"] as const;

// A turn's collaboration mode, whose model the runtime takes before `model`, for this turn and
// the ones after it: an empty one would be sent to the model provider as the model's name.
function checkCollaborationMode(given: unknown): void {
  if (given === undefined || given === null) return;
  const name = "collaborationMode";
  if (!isPlainObject(given)) {
    throw new TypeError(`${name} must be an object { mode, settings }, got ${describe(given)}`);
  }
  // A misspelt field (`developerInstructions`, say: the wire's are snake_case) would be dropped.
  refuseOtherFields(given, ["mode", "settings"], name, false);
  const { mode, settings } = given as { mode?: unknown; settings?: unknown };
  if (!(MODE_KINDS as readonly unknown[]).includes(mode)) {
    throw new TypeError(`${name}.mode must be one of ${MODE_KINDS.join(", ")}, got ${shown(mode)}`);
  }
  if (!isPlainObject(settings)) {
    throw new TypeError(
      `${name}.settings must be an object { model, reasoning_effort, developer_instructions }, ` +
        `got ${describe(settings)}`,
    );
  }
  refuseOtherFields(settings, SETTINGS_FIELDS, `${name}.settings`, false);
  const { model, reasoning_effort: effort } = settings as Record<string, unknown>;
  checkNonEmpty(model, `${name}.settings.model`);
  if (effort !== undefined && effort !== null) {
    checkNonEmpty(effort, `${name}.settings.reasoning_effort`);
  }
}

// Wire strings of a turn the server would take empty: a model named "" is sent to the model
// provider, for this turn and the ones after it; a service tier "" drops the thread's tier, for
// this turn and the ones after it; a client message id "" names nothing (a steer refuses it too).
const TURN_NON_EMPTY_KEYS = [
  "model",
  "cwd",
  "effort",
  "permissions",
  "serviceTier",
  "serviceTierForTurn",
  "clientUserMessageId",
] as const;
