import { InvalidRequestError, RequestTimeoutError } from "./errors.js";
import { turnPage } from "./history.js";
import type { ReviewStartParams, ReviewTarget as WireReviewTarget } from "./generated/index.js";
import { ABORT_WAIT_MS, abortError, deadline, now, timeLeft } from "./internal/deadline.js";
import type { Log } from "./internal/logger.js";
import type { EventMode } from "./options.js";
import {
  checkNonEmpty,
  checkOptions,
  checkSignal,
  checkTimeout,
  checkWellFormed,
  describe,
  trimAsRuntime,
} from "./internal/validate.js";
import { asOneCall } from "./rpc/bound-wait.js";
import type { Connection, RequestTicket } from "./rpc/connection.js";
import type { Router, TurnSlot } from "./rpc/router.js";
import {
  pickHandlers,
  type ServerRequestDispatcher,
  type ServerRequestHandlers,
} from "./server-requests.js";
import { threadIdOf } from "./thread-options.js";
import {
  TurnCollector,
  TurnHandle,
  awaitTurnStart,
  interruptUnfollowed,
  checkStillWanted,
  untilForeignTurnEnds,
  ownHandlers,
} from "./turn.js";
import { sendStop } from "./stop.js";

/**
 * What `Thread.review` reviews: the working tree's uncommitted changes, the changes against a
 * base branch, one commit, or whatever free-form instructions describe.
 */
export type ReviewTarget =
  | "uncommittedChanges"
  | {
      /** The branch to compare the current branch with. */
      readonly baseBranch: string;
      /** Belongs to another form: a target has one. */
      readonly commit?: undefined;
      /** Belongs to another form: a target has one. */
      readonly title?: undefined;
      /** Belongs to another form: a target has one. */
      readonly instructions?: undefined;
    }
  | {
      /** The commit to review (a sha, or anything `git` resolves to one). */
      readonly commit: string;
      /** A label for the commit in the review, such as its subject. */
      readonly title?: string | undefined;
      /** Belongs to another form: a target has one. */
      readonly baseBranch?: undefined;
      /** Belongs to another form: a target has one. */
      readonly instructions?: undefined;
    }
  | {
      /** What to review, in free form. */
      readonly instructions: string;
      /** Belongs to another form: a target has one. */
      readonly baseBranch?: undefined;
      /** Belongs to another form: a target has one. */
      readonly commit?: undefined;
      /** Belongs to another form: a target has one. */
      readonly title?: undefined;
    };

/**
 * Options of `Thread.review`. `approvals`, `onUserInput` and `onElicitation` answer the review's
 * server requests, as they do for a turn.
 */
export type ReviewOptions = ServerRequestHandlers & {
  /**
   * `"inline"` (default) runs the review as a turn of this thread. `"detached"` runs it on a fork
   * of the thread (same history and approval policy, the config's model, reasoning effort and
   * sandbox; the handle's `threadId` names the fork), leaving this thread untouched.
   */
  readonly delivery?: "inline" | "detached" | undefined;
  /**
   * Aborting interrupts the review, and the handle's `run()` and `stream()` that have no signal of
   * their own reject with `TurnAbortedError`; an already-aborted signal sends nothing.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Milliseconds starting the review may take (its wait in the thread's queue and the fork
   * included); bound the review with `run({ timeout })`.
   */
  readonly timeout?: number | undefined;
};

/** What a review needs from its thread's client. */
interface ReviewContext {
  readonly connection: Connection;
  readonly router: Router;
  readonly dispatcher: ServerRequestDispatcher;
  readonly log: Log;
  readonly events: EventMode;
}

const TARGET_FORMS = '"uncommittedChanges", { baseBranch }, { commit, title? } or { instructions }';

/** The wire target of a review; throws a `TypeError` naming the accepted forms otherwise. */
export function reviewTarget(target: unknown): WireReviewTarget {
  if (target === "uncommittedChanges") return { type: "uncommittedChanges" };
  if (typeof target !== "object" || target === null || Array.isArray(target)) {
    throw new TypeError(`review target must be ${TARGET_FORMS}, got ${describeTarget(target)}`);
  }
  const record = target as Record<string, unknown>;
  const keys = Object.keys(record).filter((key) => record[key] !== undefined);
  const only = (...allowed: string[]) => keys.every((key) => allowed.includes(key));
  if ("baseBranch" in record && only("baseBranch")) {
    return { type: "baseBranch", branch: text(record.baseBranch, "baseBranch") };
  }
  if ("commit" in record && only("commit", "title")) {
    const sha = text(record.commit, "commit");
    return { type: "commit", sha, title: commitTitle(record.title) };
  }
  if ("instructions" in record && only("instructions")) {
    return { type: "custom", instructions: text(record.instructions, "instructions") };
  }
  throw new TypeError(
    `review target must be ${TARGET_FORMS}, got an object with [${keys.join(", ")}]`,
  );
}

// A string of the target, checked before anything is sent (a detached review forks first); the
// runtime refuses one of white space only too, but only once it has it.
function text(value: unknown, name: string): string {
  const checked = checkWellFormed(checkNonEmpty(value, name), name);
  if (trimAsRuntime(checked) === "") throw new TypeError(`${name} must not be only white space`);
  return checked;
}

// A commit's title only labels it: an empty one (a commit's subject may be) gives the prompt of
// none, as the runtime reads it.
function commitTitle(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string")
    throw new TypeError(`title must be a string, got ${describe(value)}`);
  const title = checkWellFormed(value, "title");
  return trimAsRuntime(title) === "" ? null : title;
}

function describeTarget(target: unknown): string {
  return typeof target === "string" ? JSON.stringify(target) : describe(target);
}

function checkDelivery(delivery: unknown): "inline" | "detached" {
  if (delivery === undefined || delivery === "inline") return "inline";
  if (delivery === "detached") return "detached";
  throw new TypeError(`delivery must be "inline" or "detached", got ${describeTarget(delivery)}`);
}

/** @internal The two steps of a detached review, each run in its thread's queue. */
export interface DetachedReview {
  /** Forks the thread, in the thread's queue slot (the caller's), within the review's bounds. */
  fork(): Promise<string>;
  /** Starts the review on the fork, in the fork's own queue; a fork it cannot start is dropped. */
  review(forkId: string): Promise<TurnHandle>;
}

/**
 * @internal A code review on a fork of `threadId`, checked here before any I/O. The runtime names a review
 * turn in two ways: `review/start` answers with the turn its items and `turn/completed` carry,
 * while `turn/started` names the turn it runs on the review's behalf, the only one
 * `turn/interrupt` accepts. The router routes both to one handle, which interrupts the second.
 * (`Thread.review` holds the thread's queue place for it from the call, as for an inline one.)
 */
export function detachedReview(
  context: ReviewContext,
  threadId: string,
  target: ReviewTarget,
  options: ReviewOptions | undefined,
  since: number,
): DetachedReview {
  const review = checkReview(target, options);
  const { signal, timeout } = review;
  const left = () => (timeout === undefined ? undefined : timeLeft(timeout, since));
  return {
    fork: () => forkForReview(context, threadId, signal, left()),
    async review(forkId) {
      // The fork keeps the thread's dynamic tools and approval policy: the thread's handlers
      // and tools answer for it too, for good, as for a fork of codex.threadFork.
      const giveBack = context.dispatcher.lendThread(threadId, forkId);
      const queued = context.router.queueTurn(
        forkId,
        reviewIn(context, forkId, review, since),
        true,
        { method: "review/start", signal, timeout: left() },
      );
      try {
        return await asOneCall(queued, "review/start", timeout);
      } catch (err) {
        giveBack();
        dropFork(context, forkId);
        throw err;
      }
    },
  };
}

/**
 * What starts an inline review once its thread's queue lets it: checked here, before any I/O,
 * while the review already holds its place in the queue (taken by the caller at the call).
 */
export function inlineReview(
  context: ReviewContext,
  threadId: string,
  target: ReviewTarget,
  options: ReviewOptions | undefined,
  since: number,
): (slot: TurnSlot) => Promise<TurnHandle> {
  return reviewIn(context, threadId, checkReview(target, options), since);
}

interface CheckedReview {
  readonly wireTarget: ReviewStartParams["target"];
  readonly delivery: "inline" | "detached";
  readonly handlers: ServerRequestHandlers | undefined;
  readonly signal: AbortSignal | undefined;
  readonly timeout: number | undefined;
}

/** The review's target and options, checked: a `TypeError` or `RangeError` names what is wrong. */
export function checkReview(
  target: ReviewTarget,
  options: ReviewOptions | undefined,
): CheckedReview {
  const wireTarget = reviewTarget(target);
  const checked = checkOptions(options);
  return {
    wireTarget,
    delivery: checkDelivery(checked.delivery),
    handlers: pickHandlers(checked),
    signal: checkSignal(checked.signal),
    timeout: checkTimeout(checked.timeout),
  };
}

// Starts the review in the thread's slot: review/start, bounded by what is left of `timeout`.
function reviewIn(
  context: ReviewContext,
  reviewThreadId: string,
  review: CheckedReview,
  since: number,
): (slot: TurnSlot) => Promise<TurnHandle> {
  const { connection, router, log, events } = context;
  const { wireTarget, handlers, signal, timeout } = review;
  return async (slot) => {
    // Given up on while its module loaded, or in the queue: nothing is sent.
    const call = { method: "review/start", signal, timeout, since };
    checkStillWanted(slot, call);
    // Nor while a turn that this client saw start runs there, which the review would interrupt.
    const turnContext = { connection, router, log, events };
    const running = untilForeignTurnEnds(turnContext, slot, reviewThreadId, call);
    if (running !== undefined) await running;
    const own = ownHandlers(context, handlers);
    // It frees the thread when the review ends (or is given up on), and drops its handlers.
    const onRelease = () => {
      slot.release();
      own?.drop();
    };
    const collector = new TurnCollector(true, log, { review: true, onRelease });
    const params: ReviewStartParams = { threadId: reviewThreadId, target: wireTarget };
    const ticket: RequestTicket = {};
    slot.sending();
    const turnId = await awaitTurnStart({
      answer: connection.request("review/start", params, { ticket }),
      ticket,
      method: "review/start",
      slot,
      collector,
      bindOptions: { childStart: true },
      adopt: own?.adopt,
      context: turnContext,
      threadId: reviewThreadId,
      signal,
      timeout: timeout === undefined ? undefined : timeLeft(timeout, since),
    });
    own?.adopt(turnId);
    // Not routed as the client unsubscribed (or the thread ended) while the answer came: stopped.
    if (slot.bind(turnId, collector, { childStart: true }) === "ended") {
      // The turn the server runs for it is the one it accepts to interrupt, once its start is known.
      interruptUnfollowed(turnContext, reviewThreadId, collector.startedId ?? turnId);
    }
    // Answered as the client closes, which stops the review: the call rejects as pending ones do.
    const closing = connection.closingError;
    if (closing !== undefined) throw closing;
    return new TurnHandle(turnContext, reviewThreadId, turnId, collector, signal);
  };
}

// The pinned runtime accepts only inline delivery, so a detached review runs on a fork: a new
// thread with the source's history and approval policy. The runtime cannot fork a thread without
// a turn yet. The fork is asked for without the caller's bounds, so that one the server makes
// after the caller gave up is still known, and deleted; one still waiting for a place is withdrawn.
async function forkForReview(
  context: ReviewContext,
  threadId: string,
  signal: AbortSignal | undefined,
  timeout: number | undefined,
): Promise<string> {
  const { connection, log } = context;
  const ticket: RequestTicket = {};
  const forked = connection
    .request("thread/fork", { threadId, excludeTurns: true }, { ticket })
    .then((answer) => threadIdOf(answer, "thread/fork"));
  const giveUp = (error: Error): never => {
    // Not sent yet (more than 64 requests in flight): withdrawn, no fork is made.
    if (connection.withdraw(ticket)) throw error;
    forked.then(
      (forkId) => dropFork(context, forkId),
      (err: unknown) => log.debug("the fork of a review given up on failed", err),
    );
    throw error;
  };
  const t0 = now();
  try {
    return await deadline(forked, {
      signal,
      timeout,
      onAbort: () => giveUp(abortError(signal!)),
      onTimeout: () => giveUp(new RequestTimeoutError("thread/fork", timeout!)),
    });
  } catch (err) {
    if (
      err instanceof InvalidRequestError &&
      (await hasNoTurn(context, threadId, signal, timeout, t0))
    ) {
      throw new InvalidRequestError(
        err.code,
        `a detached review needs a thread the runtime can fork, one with at least one turn; ` +
          `${threadId} has none: review it inline, or start a thread for the review`,
        err.data,
        { cause: err, method: err.method },
      );
    }
    throw err;
  }
}

// Whether the thread a fork was refused for has no turn, which says why. Asked in what is left of
// the call's timeout; if the question fails too, the fork's own error stands.
async function hasNoTurn(
  context: ReviewContext,
  threadId: string,
  signal: AbortSignal | undefined,
  timeout: number | undefined,
  t0: number,
): Promise<boolean> {
  const call = { signal, timeout: timeout === undefined ? undefined : timeLeft(timeout, t0) };
  try {
    return (await turnPage(context.connection, threadId, { ...call, limit: 1 })).data.length === 0;
  } catch (err) {
    context.log.debug(`could not list the turns of ${threadId}, whose fork was refused`, err);
    return false;
  }
}

// A fork whose review never started, or was given up on before its handle was returned: deleted,
// so that the review leaves no thread behind. No caller waits for it, so a failure is logged.
function dropFork(context: ReviewContext, forkId: string): void {
  const { connection, log } = context;
  // Sent again while the server refuses it as overloaded, when a start is most likely given up.
  const deletion = (left: { timeout: number } | undefined) =>
    connection.request("thread/delete", { threadId: forkId }, left);
  sendStop(connection, deletion, ABORT_WAIT_MS).then(
    () => log.debug(`deleted ${forkId}, the fork of a review that did not start`),
    (err: unknown) =>
      log.warn(`could not delete ${forkId}, the fork of a review that did not start`, err),
  );
}
