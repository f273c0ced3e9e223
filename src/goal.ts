import { CodexError, TurnAbortedError, TurnFailedError } from "./errors.js";
import type { ServerNotificationMap, ThreadGoal, ThreadGoalStatus } from "./generated/index.js";
import { ABORT_WAIT_MS, abortError, timeLeft } from "./internal/deadline.js";
import type { Log } from "./internal/logger.js";
import { isGoalStatus } from "./options.js";
import type { TurnResult } from "./result.js";
import type { Connection, RawNotification } from "./rpc/connection.js";
import type { Router } from "./rpc/router.js";
import { sendStop } from "./stop.js";
import { TurnCollector } from "./turn.js";

/** What `Thread.runGoal` resolves with. */
export interface GoalResult {
  /** The goal as it ended (`complete`, `paused`, `blocked`, ...), or `null` once cleared. */
  readonly goal: ThreadGoal | null;
  /** Every turn the server ran for the goal, in order. */
  readonly turns: readonly TurnResult[];
  /** The answer of the last turn (see `TurnResult.finalResponse`). */
  readonly finalResponse: string | null;
}

/** Options of `Thread.runGoal`. */
export interface RunGoalOptions {
  /** A token budget for the goal. */
  readonly tokenBudget?: number | undefined;
  /** Aborting pauses the goal and interrupts its turn; `runGoal` rejects with `TurnAbortedError`. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Follows one goal on one thread: the server starts a turn for it and keeps starting more until
 * the goal leaves `active`. Resolves once the goal has ended and no turn of it is running.
 */
export class GoalRun {
  readonly done: Promise<GoalResult>;
  readonly #connection: Connection;
  readonly #threadId: string;
  readonly #log: Log;
  readonly #turns: TurnResult[] = [];
  // The goal's turns still running, each collecting its result (events only, nothing kept).
  readonly #running = new Map<string, TurnCollector>();
  #goal: ThreadGoal | null | undefined;
  // Set once the server has answered this run's thread/goal/set: what came before may be about
  // the goal before it (a clear answered just before, say).
  #objective: string | undefined;
  #activated = false;
  #settle!: { resolve(result: GoalResult): void; reject(error: Error): void };
  readonly #off: Array<() => void> = [];

  constructor(connection: Connection, router: Router, threadId: string, log: Log) {
    this.#connection = connection;
    this.#threadId = threadId;
    this.#log = log;
    this.done = new Promise((resolve, reject) => (this.#settle = { resolve, reject }));
    // runGoal awaits it; a goal whose start failed is rejected through that call instead.
    this.done.catch((err: unknown) => log.debug(`goal on ${threadId} ended`, err));
    this.#off.push(router.onAny((n) => this.#observe(n)));
    this.#off.push(connection.onClose((error) => this.finish(error)));
  }

  /** Activates the goal; events are already being followed. Aborting `signal` stops waiting. */
  async start(
    objective: string,
    tokenBudget: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    this.#objective = objective;
    const { goal } = await this.#connection.request(
      "thread/goal/set",
      {
        threadId: this.#threadId,
        objective,
        status: "active",
        ...(tokenBudget === undefined ? {} : { tokenBudget }),
      },
      signal === undefined ? undefined : { signal },
    );
    this.#activated = true;
    this.#goal ??= goal;
    // An answer that shows the goal already left `active` (its budget spent, say): no turn runs,
    // and no update may follow.
    if (this.#goal === null || isGoalStatus(this.#goal?.status)) this.#endIfDone();
  }

  /**
   * Pauses the goal and interrupts its running turns, at once and best effort: each request is
   * bounded, and failures are logged.
   */
  async stop(): Promise<void> {
    const threadId = this.#threadId;
    const since = performance.now();
    // Each is sent again while the server refuses it as overloaded, within the abort's bound.
    const bound = () => ({ timeout: timeLeft(ABORT_WAIT_MS, since) });
    const connection = this.#connection;
    await Promise.all([
      sendStop(connection, () =>
        connection.request("thread/goal/set", { threadId, status: "paused" }, bound()),
      ).catch((err: unknown) => this.#log.warn(`could not pause the goal of ${threadId}`, err)),
      ...[...this.#running.keys()].map((turnId) =>
        sendStop(connection, () =>
          connection.request("turn/interrupt", { threadId, turnId }, bound()),
        ).catch((err: unknown) => this.#log.warn(`could not interrupt goal turn ${turnId}`, err)),
      ),
    ]);
  }

  /** Stops following the thread and rejects with `error`, or resolves when none. */
  finish(error?: Error): void {
    for (const off of this.#off.splice(0)) off();
    const last = this.#turns.at(-1);
    if (error !== undefined) this.#settle.reject(error);
    else if (last?.status === "failed") this.#settle.reject(new TurnFailedError(last));
    else this.#settle.resolve(this.partial());
  }

  /** What the goal has produced so far. */
  partial(): GoalResult {
    const last = this.#turns.at(-1);
    return {
      goal: this.#goal ?? null,
      turns: [...this.#turns],
      finalResponse: last?.finalResponse ?? null,
    };
  }

  #observe(n: RawNotification): void {
    const params = n.params as { threadId?: unknown; turnId?: unknown; turn?: { id?: unknown } };
    if (params?.threadId !== this.#threadId) return;
    switch (n.method) {
      case "thread/goal/updated": {
        const { goal } = n.params as ServerNotificationMap["thread/goal/updated"];
        // A goal without a known status would read as ended: dropped, as other malformed events.
        if (typeof goal !== "object" || goal === null || !isGoalStatus(goal.status)) {
          this.#log.warn(`dropped a malformed thread/goal/updated of thread ${this.#threadId}`);
          return;
        }
        if (!this.#activated && goal.objective !== this.#objective) return;
        this.#goal = goal;
        break;
      }
      case "thread/goal/cleared":
        if (!this.#activated) return;
        this.#goal = null;
        break;
      case "turn/started": {
        const turnId = params.turn?.id;
        if (typeof turnId === "string") {
          this.#running.set(turnId, new TurnCollector(false, this.#log));
        }
        break;
      }
      default: {
        const turnId = n.method === "turn/completed" ? params.turn?.id : params.turnId;
        const turn = typeof turnId === "string" ? this.#running.get(turnId) : undefined;
        if (turn === undefined) return;
        // It logs and drops a malformed event itself.
        if (!turn.push(n)) return;
        this.#running.delete(turnId as string);
        this.#turns.push(turn.result!);
      }
    }
    this.#endIfDone();
  }

  // Ended: the goal left `active` (or was cleared) and none of its turns is still running.
  #endIfDone(): void {
    const ended = this.#goal === null || (this.#goal !== undefined && !isActive(this.#goal.status));
    if (ended && this.#running.size === 0) this.finish();
  }
}

function isActive(status: ThreadGoalStatus): boolean {
  return status === "active";
}

/** Rejects with the abort error carrying what the goal produced, after stopping it. */
export async function abortGoal(run: GoalRun, signal: AbortSignal): Promise<never> {
  await run.stop();
  const partial = run.partial();
  run.finish(new CodexError("goal aborted"));
  const last = partial.turns.at(-1) ?? null;
  throw new TurnAbortedError(last, abortError(signal));
}
