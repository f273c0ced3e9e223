import { CodexError, TurnAbortedError, TurnFailedError } from "./errors.js";
import type { ServerNotificationMap, ThreadGoal, ThreadGoalStatus } from "./generated/index.js";
import { ABORT_WAIT_MS, deadline, now, timeLeft } from "./internal/deadline.js";
import type { Log } from "./internal/logger.js";
import { plainText } from "./internal/plain.js";
import { shown } from "./internal/validate.js";
import { goalOf, isGoal, isGoalStatus } from "./options.js";
import { pickFinalResponse, type TurnResult } from "./result.js";
import type { Connection, RawNotification } from "./rpc/connection.js";
import { madeStart, rootTurnOf, type Router } from "./rpc/router.js";
import { sendStop } from "./stop.js";
import { TurnCollector } from "./turn.js";

/** What `Thread.runGoal` resolves with. */
export interface GoalResult {
  /** The goal as it ended (`complete`, `paused`, `blocked`, ...), or `null` once cleared. */
  readonly goal: ThreadGoal | null;
  /** Every turn the server ran for the goal, in order. */
  readonly turns: readonly TurnResult[];
  /**
   * The goal's answer, read over the items of all its turns as a turn's is (see
   * `TurnResult.finalResponse`): a turn that only marks the goal complete keeps the answer an
   * earlier one gave.
   */
  readonly finalResponse: string | null;
}

/** Options of `Thread.runGoal`. */
export interface RunGoalOptions {
  /** A token budget for the goal. */
  readonly tokenBudget?: number | undefined;
  /**
   * Aborting pauses the goal (unless it already left `active`) and interrupts its turn; `runGoal`
   * rejects with `TurnAbortedError`.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Milliseconds the whole run may take, its wait for the thread and its activation included;
   * past it, the run is aborted as by `signal`, for a `TimeoutError`.
   */
  readonly timeout?: number | undefined;
}

/** How long a goal run waits, once its goal is active, for the server to start its first turn. */
const GOAL_START_MS = 30_000;

/**
 * How long a goal run whose turn was interrupted from elsewhere, the goal still `active`, waits
 * for the server to start another turn before it ends. A compaction or an inline review sent
 * meanwhile (`thread/compact/start`, `review/start`) interrupts the goal's turn and runs as a turn
 * of its own, after which the runtime goes on with the goal; a plain `turn/interrupt` starts
 * nothing. The thread reads `idle` between the interrupted turn and the one replacing it (the
 * pinned runtime starts it some tens of milliseconds later), so only a wait tells them apart.
 */
const AFTER_INTERRUPT_MS = 1000;

/** How many such waits a run makes in a row while the thread reads `active` with no turn seen. */
const AFTER_INTERRUPT_ROUNDS = 3;

/** An abort of a goal run: why, when, and how many turns had ended by then. */
interface Abort {
  readonly reason: Error;
  readonly since: number;
  readonly turnsBefore: number;
}

/**
 * Follows one goal on one thread: the server starts a turn for it and keeps starting more until
 * the goal leaves `active`. Resolves once the goal has ended and no turn of it is running.
 */
export class GoalRun {
  readonly done: Promise<GoalResult>;
  readonly #connection: Connection;
  readonly #router: Router;
  readonly #threadId: string;
  readonly #log: Log;
  readonly #turns: TurnResult[] = [];
  // The goal's turns still running, each collecting its result (events only, nothing kept).
  readonly #running = new Map<string, TurnCollector>();
  // The root a running turn's events may be named by (a review's), to the turn's own id.
  readonly #roots = new Map<string, string>();
  // Turns followed before the activation was sent (another client's, an earlier activation's):
  // one that ends before the activation is answered ran for no goal of this run.
  readonly #before = new Set<string>();
  // Turns over that are none of the run's (ended before the goal, or found over by a status
  // read): an event of one read late follows nothing.
  readonly #gone = new Set<string>();
  // Turns followed from an event of theirs as a resume found a turn running unseen there, their
  // start not read: once the server runs nothing there, one still followed is none (an event
  // naming a turn it never ran, a server's fault).
  readonly #adopted = new Set<string>();
  #goal: ThreadGoal | null | undefined;
  // Set once the server has answered this run's thread/goal/set: what came before may be about
  // the goal before it (a clear answered just before, say).
  #activated = false;
  // The last update of the goal's objective read before the answer.
  #early: ThreadGoal | undefined;
  #objective: string | undefined;
  // Set once aborted: the reason, and how many turns had ended then (those after are the abort's).
  #aborted: Abort | undefined;
  // An aborted run saw no turn start, but the thread is active: one is starting, and is waited for.
  #turnExpected = false;
  // Set while an abort pauses the goal and reads the thread's status: the run does not end then.
  #stopping = false;
  // While a pause travels: whether one is, and the update that ended the goal read meanwhile.
  #pausing = false;
  #endedFirst: ThreadGoal | undefined;
  // How many of its turns have started, so a wait can tell whether one started meanwhile.
  #starts = 0;
  // Set once the activation is sent: until then the server has started nothing of this run.
  #asked = false;
  // A clear was read after the activation was sent, before its answer.
  #clearedEarly = false;
  #finished = false;
  // Aborted as the client leaves (see `leave`): the run rejects with the abort's reason itself.
  #leaving = false;
  // Set while the last turn of the goal to end ended `interrupted` but for this run's abort
  // (another client's interrupt, a raw `turn/interrupt`, a compaction or an inline review sent
  // from elsewhere): unless the server starts another turn (see AFTER_INTERRUPT_MS), it starts no
  // further turn for the goal, which it leaves active, so the run ends with it.
  #interrupted = false;
  // While the run waits, after such a turn, for the server to start another: the wait (its
  // timer, then its read of the thread's status), over once a turn starts or ends.
  #afterInterrupt: { timer?: ReturnType<typeof setTimeout> } | undefined;
  // Set once that wait saw no turn start: the run ends.
  #noTurnAfterInterrupt = false;
  // Bounds the wait for the goal's first turn (GOAL_START_MS), until one starts.
  #firstTurnWait: ReturnType<typeof setTimeout> | undefined;
  // Set once that wait ran out: the run fails with it, unless a turn started after all.
  #noTurn: CodexError | undefined;
  #settle!: { resolve(result: GoalResult): void; reject(error: Error): void };
  readonly #off: Array<() => void> = [];

  constructor(connection: Connection, router: Router, threadId: string, log: Log) {
    this.#connection = connection;
    this.#router = router;
    this.#threadId = threadId;
    this.#log = log;
    this.done = new Promise((resolve, reject) => (this.#settle = { resolve, reject }));
    // runGoal awaits it; a goal whose start failed is rejected through that call instead.
    this.done.catch((err: unknown) => log.debug(`goal on ${threadId} ended`, err));
    this.#off.push(router.onThread(threadId, (n) => this.#observe(n)));
    this.#off.push(connection.onClose((error) => this.finish(error)));
    // A turn the server already runs there (an earlier activation's, another client's) goes on
    // with the goal: the run follows it as one of its own, as if its start came now.
    const running = router.runningStart(threadId);
    if (running !== undefined) this.#observe(running);
  }

  /** Whether the activation was sent: until then, the server has started nothing. */
  get asked(): boolean {
    return this.#asked;
  }

  /**
   * Activates a fresh goal: the thread's earlier one is cleared first, as the runtime's set would
   * keep its budget and the tokens it used. Events are already being followed. Aborting `signal`
   * stops waiting.
   */
  async start(
    objective: string,
    tokenBudget: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    this.#objective = objective;
    const threadId = this.#threadId;
    const bound = signal === undefined ? undefined : { signal };
    // The turns taken for running before the read: one that starts after it is no stale one.
    const before = [...this.#running.keys()];
    // A stored thread the server has not loaded (a handle of `codex.thread(id)`) takes a goal but
    // runs no turn for it: refused before anything changes.
    const { thread } = await this.#connection.request(
      "thread/read",
      { threadId, includeTurns: false },
      bound,
    );
    // Failed meanwhile (the client left the thread, or it ended): nothing is activated.
    if (this.#finished) return;
    const status = (thread as { status?: { type?: unknown } } | undefined)?.status?.type;
    if (status === "notLoaded") {
      throw new CodexError(
        `thread ${threadId} is not loaded on this server, which would run no turn for its goal: ` +
          `resume it first with codex.threadResume("${threadId}")`,
      );
    }
    // The server runs no turn there: one taken for running (given up on, its completion never
    // read) is over.
    if (status === "idle") {
      if (before.length > 0) this.#dropRunning(before);
      // Nor one a resume found running, unseen (its end was lost).
      else this.#router.forgetRunning(threadId, undefined);
    }
    await this.#connection.request("thread/goal/clear", { threadId }, bound);
    if (this.#finished) return;
    this.#asked = true;
    const { goal } = await this.#connection.request(
      "thread/goal/set",
      {
        threadId: this.#threadId,
        objective,
        status: "active",
        ...(tokenBudget === undefined ? {} : { tokenBudget }),
      },
      bound,
    );
    const answered = goalOf(goal, "thread/goal/set");
    // Failed as the activation travelled: the goal would run on, unfollowed, so it is paused
    // (unless it already left `active`: a pause would replace its status).
    if (this.#finished) {
      if (isActive(answered.status)) void this.#pause(ABORT_WAIT_MS);
      return;
    }
    this.#activated = true;
    const early = this.#early;
    this.#early = undefined;
    // An update read before the answer is of this goal (read in the same chunk, after it) or of
    // an earlier one with the same objective (a paused goal run again): the newer one counts.
    // Of the same second and saying otherwise, the server's own word settles it.
    // A clear read while the activation was on the way may be of this goal too: the server's
    // own word settles that as well.
    let ask = this.#clearedEarly;
    if (early === undefined || early.status === answered.status) this.#goal = answered;
    else if (early.updatedAt !== answered.updatedAt) {
      this.#goal = early.updatedAt > answered.updatedAt ? early : answered;
    } else {
      this.#goal = answered;
      ask = true;
    }
    if (ask) await this.#readGoal(signal);
    // An answer that shows the goal already left `active` (its budget spent, say): no turn runs,
    // and no update may follow.
    this.#endIfDone();
    if (!this.#finished && this.#starts === 0) {
      this.#firstTurnWait = setTimeout(() => void this.#noFirstTurn(), GOAL_START_MS);
      this.#off.push(() => clearTimeout(this.#firstTurnWait));
    }
  }

  // Pauses the goal, sent again while the server is overloaded, within `timeout`: the goal answered
  // (`undefined` when none came; the failure is logged). The server sends a goal's updates before
  // its answer: one that ended the goal (the model completed it), read while the pause travelled,
  // came before the server read the pause, which replaced that status. It is set back then.
  async #pause(timeout: number): Promise<unknown> {
    const since = now();
    const threadId = this.#threadId;
    const connection = this.#connection;
    this.#pausing = true;
    this.#endedFirst = undefined;
    try {
      const { goal } = await sendStop(
        connection,
        (left) => connection.request("thread/goal/set", { threadId, status: "paused" }, left),
        timeout,
      );
      // Set by the updates read meanwhile.
      const ended = this.#endedFirst as ThreadGoal | undefined;
      if (ended === undefined || !isGoal(goal) || goal.status !== "paused") return goal;
      this.#log.debug(`the goal of ${threadId} ended (${ended.status}) before its pause was read`);
      const restored = await connection.request(
        "thread/goal/set",
        { threadId, status: ended.status },
        { timeout: timeLeft(timeout, since) },
      );
      return restored.goal;
    } catch (err) {
      this.#log.warn(`could not pause the goal of ${threadId}`, err);
      return undefined;
    } finally {
      this.#pausing = false;
    }
  }

  #dropRunning(turnIds: readonly string[]): void {
    for (const turnId of turnIds) {
      const turn = this.#running.get(turnId);
      if (turn === undefined) continue;
      this.#running.delete(turnId);
      this.#gone.add(turnId);
      this.#router.forgetRunning(this.#threadId, turnId);
      for (const [root, own] of this.#roots) if (own === turnId) this.#roots.delete(root);
      this.#starts--;
      // Followed no more: one waiting for a readable completion after one it could not read (a
      // timer) stops waiting. Dropped first, its failure ends no turn of the run.
      turn.fail(
        new CodexError(`turn ${plainText(turnId)} is over: ${this.#threadId} runs no turn`),
      );
    }
  }

  // No turn started for the active goal in time: it is paused, so that it starts none later (on
  // the thread's next resume, say), and the run fails; unless a turn started meanwhile, which the
  // run then follows to its end.
  async #noFirstTurn(): Promise<void> {
    const threadId = this.#threadId;
    const seconds = GOAL_START_MS / 1000;
    this.#noTurn = new CodexError(
      `no turn started for the goal of thread ${threadId} within ${seconds} s of its ` +
        `activation; the goal was paused`,
    );
    const paused = await this.#pause(ABORT_WAIT_MS);
    // Aborted meanwhile: the abort ends the run, once what it stops has ended.
    if (this.#finished || this.#aborted !== undefined) return;
    if (isGoal(paused) && this.#goal !== null) this.#goal = paused;
    if (this.#starts === 0) this.finish();
    else this.#endIfDone();
  }

  // Takes the goal as the server has it, unless an update came meanwhile; a failed read keeps
  // the answer's.
  async #readGoal(signal: AbortSignal | undefined): Promise<void> {
    const before = this.#goal;
    let read: unknown;
    try {
      ({ goal: read } = await this.#connection.request(
        "thread/goal/get",
        { threadId: this.#threadId },
        signal === undefined ? undefined : { signal },
      ));
    } catch (err) {
      if (signal?.aborted) throw err;
      return this.#log.warn(`could not read the goal of ${this.#threadId}`, err);
    }
    if (this.#goal === before) this.#goal = read === null ? null : goalOf(read, "thread/goal/get");
  }

  /**
   * Aborts the run: pauses the goal (unless it already left `active`) and interrupts its running
   * turns, and any turn of it that starts until it has ended, which the run waits for, up to
   * `ABORT_WAIT_MS`: the thread stays taken meanwhile, so no later turn runs beside (or folds
   * into) one of the goal's. `done` then rejects with `TurnAbortedError` carrying the result of
   * the turn the abort stopped (`null` when none ran). Each request is bounded, and failures are
   * logged.
   */
  async abort(reason: Error): Promise<never> {
    // Ended in the same turn of the loop as the abort: nothing is left to stop.
    if (this.#aborted === undefined && !this.#finished) {
      const since = now();
      this.#aborted = { reason, since, turnsBefore: this.#turns.length };
      // The abort pauses the goal itself, and waits for the turn that may be starting.
      clearTimeout(this.#firstTurnWait);
      clearTimeout(this.#afterInterrupt?.timer);
      // Until the pause is answered and the thread's status read, the goal's update (which the
      // server sends before the pause's answer) does not end the run: a turn may be starting.
      this.#stopping = true;
      const threadId = this.#threadId;
      // A goal already ended (complete, blocked, ...) is left as it is: a pause would replace
      // its status. Its turn still running is stopped all the same.
      const known = this.#goal;
      const pause =
        known === undefined || (known !== null && isActive(known.status))
          ? this.#pause(this.#bound().timeout)
          : undefined;
      const [goal] = await Promise.all([
        pause,
        ...[...this.#running.keys()].map((turnId) => this.#interrupt(turnId)),
      ]);
      // The pause's answer shows the goal ended (or that there is none); without an answer,
      // nothing runs unless a turn is seen.
      if (isGoal(goal)) {
        if (this.#goal !== null) this.#goal = goal;
      } else if (goal === null || this.#goal === undefined) {
        this.#goal = null;
      }
      // A turn the server started before the pause may not have been seen yet: the thread's
      // status, read once the pause is answered, says whether one runs.
      if (this.#running.size === 0 && !this.#finished) {
        // Unless a turn starts while the status is read: that one is the turn waited for.
        const starts = this.#starts;
        if ((await this.#threadActive(this.#bound())) && this.#starts === starts) {
          this.#turnExpected = true;
        }
      }
      this.#stopping = false;
      this.#endIfDone();
      await deadline(this.done, {
        timeout: timeLeft(ABORT_WAIT_MS, since),
        onTimeout: () => {
          this.#log.warn(
            `the goal of ${threadId} did not end within ${ABORT_WAIT_MS} ms of its abort`,
          );
          this.finish();
          return this.done;
        },
      }).catch((err: unknown) => this.#log.debug(`goal on ${threadId} stopped`, err));
    }
    return this.done as Promise<never>;
  }

  // Whether the server runs a turn on the thread (or is starting one), read within `bound`; a
  // failed read says no (logged).
  async #threadActive(bound: { timeout: number }): Promise<boolean> {
    try {
      const params = { threadId: this.#threadId };
      const { thread } = await this.#connection.request("thread/read", params, bound);
      return (thread as { status?: { type?: unknown } } | undefined)?.status?.type === "active";
    } catch (err) {
      this.#log.debug(`could not read the status of ${this.#threadId} for its goal run`, err);
      return false;
    }
  }

  #bound(): { timeout: number } {
    return { timeout: timeLeft(ABORT_WAIT_MS, this.#aborted!.since) };
  }

  /**
   * Aborts the run as its client leaves a server that outlives it (see `abort`: the goal paused,
   * its turns interrupted, one starting meanwhile too), the run rejecting with `error` itself.
   * Never rejects.
   */
  async leave(error: Error): Promise<void> {
    // Its goal not asked for yet: nothing runs on the server.
    if (!this.#asked) return this.finish(error);
    // Already aborted (by its signal): that abort's error stands.
    if (this.#aborted === undefined) this.#leaving = true;
    await this.abort(error).catch((err: unknown) => this.#log.debug("goal run left", err));
  }

  async #interrupt(turnId: string): Promise<void> {
    const threadId = this.#threadId;
    try {
      await sendStop(
        this.#connection,
        (left) => this.#connection.request("turn/interrupt", { threadId, turnId }, left),
        this.#bound().timeout,
      );
    } catch (err) {
      this.#log.warn(`could not interrupt goal turn ${turnId}`, err);
    }
  }

  /** Stops following the thread and rejects with `error`, or resolves when none. */
  finish(error?: Error): void {
    if (this.#finished) return;
    this.#finished = true;
    for (const off of this.#off.splice(0)) off();
    clearTimeout(this.#afterInterrupt?.timer);
    const last = this.#turns.at(-1);
    const aborted = this.#aborted;
    if (error !== undefined) this.#settle.reject(error);
    else if (aborted !== undefined) {
      this.#settle.reject(this.#leaving ? aborted.reason : this.#abortError(aborted));
    } else if (this.#noTurn !== undefined && this.#starts === 0) this.#settle.reject(this.#noTurn);
    else if (last?.status === "failed") this.#settle.reject(new TurnFailedError(last));
    else this.#settle.resolve(this.partial());
    // Its turns still running are followed no more: one waiting for a readable completion after
    // one it could not read (a timer) stops waiting with the run.
    if (this.#running.size === 0) return;
    const over = error ?? new CodexError(`the goal run on ${this.#threadId} ended`);
    for (const turn of this.#running.values()) turn.fail(over);
    this.#running.clear();
    this.#roots.clear();
  }

  // What the abort stopped: a turn that ended after it, else one still running, else none.
  #abortError(aborted: Abort): TurnAbortedError {
    const ended = this.#turns.length > aborted.turnsBefore ? this.#turns.at(-1) : undefined;
    const running = [...this.#running].at(-1);
    const result = ended ?? (running === undefined ? null : running[1].partial(running[0]));
    return new TurnAbortedError(result, aborted.reason);
  }

  /** What the goal has produced so far. */
  partial(): GoalResult {
    return {
      goal: this.#goal ?? null,
      turns: [...this.#turns],
      finalResponse: pickFinalResponse(this.#turns.flatMap((turn) => turn.items)),
    };
  }

  #observe(n: RawNotification): void {
    const params = n.params as { threadId?: unknown; turnId?: unknown; turn?: { id?: unknown } };
    if (params?.threadId !== this.#threadId) return;
    switch (n.method) {
      case "thread/goal/updated": {
        const { goal } = n.params as ServerNotificationMap["thread/goal/updated"];
        // A goal without a status would read as ended: dropped, as other malformed events.
        if (!isGoal(goal)) {
          this.#log.warn(`dropped a malformed thread/goal/updated of thread ${this.#threadId}`);
          return;
        }
        // A newer runtime's status: read as ended, as every status but `active` is, so that the
        // run ends with the goal rather than wait for a status that will not come.
        if (!isGoalStatus(goal.status)) {
          this.#log.warn(
            `the goal of thread ${this.#threadId} has a status this SDK does not know ` +
              `(${shown(goal.status)}): read as ended`,
          );
        }
        // Before the answer, an update may be of an earlier goal: weighed against the answer.
        if (!this.#activated) {
          if (goal.objective === this.#objective) this.#early = goal;
          return;
        }
        // Once cleared, a goal set after is another one (another client's, set in this one's
        // place): this one is gone. (One whose objective was edited is still this one.)
        if (this.#goal === null) break;
        this.#goal = goal;
        if (this.#pausing && !isActive(goal.status) && goal.status !== "paused") {
          this.#endedFirst ??= goal;
        }
        break;
      }
      case "thread/goal/cleared":
        if (!this.#activated) {
          // Of the clear before the activation, or one just after it: weighed once answered.
          if (this.#asked) this.#clearedEarly = true;
          return;
        }
        this.#goal = null;
        break;
      case "turn/started": {
        const turnId = params.turn?.id;
        if (typeof turnId === "string") this.#adopted.delete(turnId);
        // The router has read it first: a start its completion overtook runs nothing. One sent
        // again is of a turn followed (whose collector keeps what it collected) or ended.
        if (
          typeof turnId === "string" &&
          this.#router.runningStart(this.#threadId) === n &&
          !this.#running.has(turnId) &&
          !this.#turns.some((ended) => ended.id === turnId)
        ) {
          // A review's running turn whose review (its root) is followed already, from events
          // read before this start: its events are the review's.
          const root = rootTurnOf(n);
          if (root !== undefined && this.#running.has(root)) this.#roots.set(turnId, root);
          else this.#follow(turnId, n);
        }
        break;
      }
      default: {
        const named = n.method === "turn/completed" ? params.turn?.id : params.turnId;
        if (typeof named !== "string") {
          // A completion that names no turn ends the turn the thread runs, the latest followed: it
          // fails a second on, unless a readable completion follows (see `TurnCollector`).
          if (n.method === "turn/completed") {
            [...this.#running.values()].at(-1)?.push(n);
            return;
          }
          // Another event of the thread (its status read idle, which ends a turn running unseen):
          // the run may be done.
          break;
        }
        const turnId = this.#running.has(named) ? named : this.#roots.get(named);
        const turn = turnId === undefined ? undefined : this.#running.get(turnId);
        if (turn === undefined) {
          if (this.#gone.has(named) || this.#turns.some((ended) => ended.id === named)) return;
          if (n.method !== "turn/completed") {
            // An event of the turn a resume found running there unseen: followed from here on,
            // its events and its end the run's to wait for. (Not one a final error names, which
            // may never start: an inline review refused.)
            if (n.method === "error" || !this.#router.runsUnseen(this.#threadId)) return;
            this.#adopted.add(named);
            this.#follow(named, madeStart(this.#threadId, named)).push(n);
            return;
          }
          // A turn of the goal whose completion came before its start (which then runs
          // nothing), or whose start was never read: one of its turns all the same.
          // (A completion of one it already ended, sent again, is none.)
          if (!this.#activated) return;
          const overtaken = new TurnCollector(false, this.#log);
          if (!overtaken.push(n)) {
            // A completion it cannot read (logged): dropped, and with it the collector's wait
            // for a readable one, which nothing follows here (one that comes is read as this was).
            const why = `an unreadable turn/completed of turn ${plainText(named)}, whose start was not read`;
            return overtaken.fail(new CodexError(why));
          }
          this.#ended(overtaken.result!);
          this.#starts++;
          clearTimeout(this.#firstTurnWait);
          // It may be the turn an abort found starting.
          this.#turnExpected = false;
          break;
        }
        // It logs and drops a malformed event itself.
        if (!turn.push(n)) {
          // A completion it cannot read ends the turn all the same (failed, unless a readable one
          // follows within a second): no turn named by nothing but its events any more.
          if (n.method === "turn/completed") this.#adopted.delete(turnId!);
          return;
        }
        this.#forget(turnId!);
        if (this.#ranBefore(turnId!)) return;
        this.#ended(turn.result!);
      }
    }
    this.#dropAdopted();
    this.#endIfDone();
  }

  // Once the server runs no turn there, the turns followed from an event alone are none.
  #dropAdopted(): void {
    if (this.#adopted.size === 0) return;
    const router = this.#router;
    if (router.runningStart(this.#threadId) !== undefined || router.runsUnseen(this.#threadId)) {
      return;
    }
    const adopted = [...this.#adopted];
    this.#adopted.clear();
    this.#dropRunning(adopted);
  }

  // Follows a turn from its start (`start`, read or made for one whose start was not read).
  #follow(turnId: string, start: RawNotification): TurnCollector {
    const turn = new TurnCollector(false, this.#log);
    // Told of its start, as a turn's collector always is: a final error before it would end it
    // as a turn that never started.
    turn.push(start);
    this.#running.set(turnId, turn);
    if (!this.#asked) this.#before.add(turnId);
    // A turn whose completion the SDK cannot read, and no readable one followed, fails (a second
    // after it): it has ended for the server, so the run goes on without it.
    turn.completion.catch((why: unknown) => this.#lost(turnId, turn, why));
    // A turn run for a review carries its root's id in its events and completion; work done for
    // a turn of another thread, its own.
    const root = rootTurnOf(start);
    if (root !== undefined && !this.#running.has(root)) this.#roots.set(root, turnId);
    this.#starts++;
    clearTimeout(this.#firstTurnWait);
    this.#turnExpected = false;
    this.#goesOn();
    // Started after the abort's interrupts went out: stopped too.
    if (this.#aborted !== undefined) void this.#interrupt(turnId);
    return turn;
  }

  // Whether a turn that just ended ran before this run's goal was active (see `#before`): it is
  // none of the run's turns, and its end (an interrupt of another client's) ends nothing.
  #ranBefore(turnId: string): boolean {
    if (!this.#before.delete(turnId) || this.#activated) return false;
    this.#gone.add(turnId);
    // None of the goal's: the wait for its first turn is still to come.
    this.#starts--;
    return true;
  }

  #forget(turnId: string): void {
    this.#running.delete(turnId);
    this.#adopted.delete(turnId);
    for (const [root, own] of this.#roots) if (own === turnId) this.#roots.delete(root);
  }

  // A running turn of the goal failed without a readable completion: counted as a failed turn,
  // whose error says why (a readable completion that comes after it is then one of a turn this
  // run already ended).
  #lost(turnId: string, turn: TurnCollector, why: unknown): void {
    if (this.#finished || this.#running.get(turnId) !== turn) return;
    this.#forget(turnId);
    if (this.#ranBefore(turnId)) return this.#endIfDone();
    const message = why instanceof Error ? why.message : String(why);
    const error = { message, codexErrorInfo: null, additionalDetails: null, misalignment: null };
    this.#ended({ ...turn.partial(turnId), status: "failed", error });
    this.#endIfDone();
  }

  #ended(result: TurnResult): void {
    this.#turns.push(result);
    // The last turn to end says whether the run may end at an interrupt (one that ended after an
    // interrupted one, a compaction's, say, was run by the server after it).
    this.#interrupted = result.status === "interrupted" && this.#aborted === undefined;
    if (!this.#interrupted) this.#goesOn();
  }

  // A turn started or ended after one interrupted from elsewhere: the server went on, and so does
  // the run (a wait for a turn after the interrupt is over).
  #goesOn(): void {
    clearTimeout(this.#afterInterrupt?.timer);
    this.#afterInterrupt = undefined;
    this.#noTurnAfterInterrupt = false;
  }

  // The last turn was interrupted from elsewhere, the goal still active and nothing running: a
  // turn the server starts within AFTER_INTERRUPT_MS (a compaction's or a review's, which
  // interrupted it) is followed, and the goal with it; else, once the thread reads idle (a
  // thread read active is waited on again, AFTER_INTERRUPT_ROUNDS times at most), the run ends.
  #waitAfterInterrupt(): void {
    if (this.#afterInterrupt !== undefined) return;
    const wait: { timer?: ReturnType<typeof setTimeout> } = {};
    this.#afterInterrupt = wait;
    let rounds = 0;
    const round = () => {
      wait.timer = setTimeout(() => {
        wait.timer = undefined;
        void this.#threadActive({ timeout: ABORT_WAIT_MS }).then((active) => {
          // A turn started or ended meanwhile (the run follows the goal on), or the run ended or
          // was aborted.
          const over = this.#finished || this.#aborted !== undefined;
          if (over || this.#afterInterrupt !== wait) return;
          if (active && ++rounds < AFTER_INTERRUPT_ROUNDS) return round();
          this.#afterInterrupt = undefined;
          this.#noTurnAfterInterrupt = true;
          this.#endIfDone();
        });
      }, AFTER_INTERRUPT_MS);
    };
    round();
  }

  // Ended: the goal left `active` (or was cleared), or its last turn was interrupted from
  // elsewhere and the server started no other after it, and none of its turns is still running,
  // seen or not.
  #endIfDone(): void {
    if (this.#stopping) return;
    const goalEnded =
      this.#goal === null || (this.#goal !== undefined && !isActive(this.#goal.status));
    // A turn running there unseen (a resume found it running) is one of the goal's too: its
    // completion is waited for.
    if (
      !(goalEnded || this.#interrupted) ||
      this.#running.size > 0 ||
      this.#turnExpected ||
      this.#router.runsUnseen(this.#threadId)
    ) {
      return;
    }
    // Interrupted from elsewhere, the goal still active: a turn may replace the interrupted one.
    if (!goalEnded && this.#aborted === undefined && !this.#noTurnAfterInterrupt) {
      return this.#waitAfterInterrupt();
    }
    this.finish();
  }
}

function isActive(status: ThreadGoalStatus): boolean {
  return status === "active";
}
