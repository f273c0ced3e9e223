import { CodexError, TurnAbortedError, TurnFailedError, abortError } from "./errors.js";
import type {
  ServerNotificationMap,
  ThreadGoal,
  ThreadGoalStatus,
  ThreadItem,
  ThreadTokenUsage,
  Turn,
} from "./generated/index.js";
import type { Connection, RawNotification } from "./rpc/connection.js";
import type { Router } from "./rpc/router.js";
import { assembleResult, type TurnResult } from "./turn.js";

/** The longest objective the server accepts. */
export const MAX_GOAL_OBJECTIVE = 4000;

/** Checks a goal objective before any I/O and returns it trimmed. */
export function checkObjective(objective: unknown): string {
  if (typeof objective !== "string") throw new TypeError("goal objective must be a string");
  const trimmed = objective.trim();
  if (trimmed === "") throw new TypeError("goal objective must not be empty");
  if (trimmed.length > MAX_GOAL_OBJECTIVE) {
    throw new RangeError(`goal objective must be at most ${MAX_GOAL_OBJECTIVE} characters`);
  }
  return trimmed;
}

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
  readonly tokenBudget?: number;
  /** Aborting pauses the goal and interrupts its turn; `runGoal` rejects with `TurnAbortedError`. */
  readonly signal?: AbortSignal;
}

interface TurnState {
  readonly items: ThreadItem[];
  usage: ThreadTokenUsage | null;
}

/**
 * Follows one goal on one thread: the server starts a turn for it and keeps starting more until
 * the goal leaves `active`. Resolves once the goal has ended and no turn of it is running.
 */
export class GoalRun {
  readonly done: Promise<GoalResult>;
  private readonly turns: TurnResult[] = [];
  private readonly running = new Map<string, TurnState>();
  private goal: ThreadGoal | null | undefined;
  private settle!: { resolve(result: GoalResult): void; reject(error: Error): void };
  private readonly off: Array<() => void> = [];

  constructor(
    private readonly connection: Connection,
    router: Router,
    private readonly threadId: string,
  ) {
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.done.catch(() => {});
    this.off.push(router.onAny((n) => this.observe(n)));
    this.off.push(connection.onClose((error) => this.finish(error)));
  }

  /** Activates the goal; events are already being followed. */
  async start(objective: string, tokenBudget: number | undefined): Promise<void> {
    const { goal } = await this.connection.request("thread/goal/set", {
      threadId: this.threadId,
      objective,
      status: "active",
      ...(tokenBudget === undefined ? {} : { tokenBudget }),
    });
    this.goal ??= goal;
  }

  /** Pauses the goal and interrupts its running turns, best effort. */
  async stop(): Promise<void> {
    await this.connection
      .request("thread/goal/set", { threadId: this.threadId, status: "paused" })
      .catch(() => {});
    await Promise.all(
      [...this.running.keys()].map((turnId) =>
        this.connection
          .request("turn/interrupt", { threadId: this.threadId, turnId })
          .catch(() => {}),
      ),
    );
  }

  /** Stops following the thread and rejects with `error`, or resolves when none. */
  finish(error?: Error): void {
    for (const off of this.off.splice(0)) off();
    const last = this.turns.at(-1);
    if (error !== undefined) this.settle.reject(error);
    else if (last?.status === "failed") this.settle.reject(new TurnFailedError(last));
    else this.settle.resolve(this.partial());
  }

  /** What the goal has produced so far. */
  partial(): GoalResult {
    const last = this.turns.at(-1);
    return {
      goal: this.goal ?? null,
      turns: [...this.turns],
      finalResponse: last?.finalResponse ?? null,
    };
  }

  private observe(n: RawNotification): void {
    const params = n.params as { threadId?: string; turnId?: string } | undefined;
    if (params?.threadId !== this.threadId) return;
    switch (n.method) {
      case "thread/goal/updated":
        this.goal = (n.params as ServerNotificationMap["thread/goal/updated"]).goal;
        break;
      case "thread/goal/cleared":
        this.goal = null;
        break;
      case "turn/started": {
        const { turn } = n.params as ServerNotificationMap["turn/started"];
        this.running.set(turn.id, { items: [], usage: null });
        break;
      }
      case "item/completed": {
        const state = this.running.get(params.turnId ?? "");
        state?.items.push((n.params as ServerNotificationMap["item/completed"]).item);
        break;
      }
      case "thread/tokenUsage/updated": {
        const state = this.running.get(params.turnId ?? "");
        if (state !== undefined) {
          state.usage = (n.params as ServerNotificationMap["thread/tokenUsage/updated"]).tokenUsage;
        }
        break;
      }
      case "turn/completed": {
        const { turn } = n.params as { turn: Turn };
        const state = this.running.get(turn.id);
        if (state === undefined) break;
        this.running.delete(turn.id);
        this.turns.push(assembleResult(turn, state.items, state.usage));
        break;
      }
      default:
        return;
    }
    // Ended: the goal left `active` (or was cleared) and none of its turns is still running.
    const ended = this.goal === null || (this.goal !== undefined && !isActive(this.goal.status));
    if (ended && this.running.size === 0) this.finish();
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
