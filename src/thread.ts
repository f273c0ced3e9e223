import { abortError, unlessAborted } from "./errors.js";
import {
  GoalRun,
  abortGoal,
  checkObjective,
  type GoalResult,
  type RunGoalOptions,
} from "./goal.js";
import type {
  ThreadGoal,
  ThreadGoalSetParams,
  ThreadGoalStatus,
  ThreadCompactStartResponse,
  ThreadReadResponse,
  ThreadSetNameResponse,
  TurnStartParams,
} from "./generated/index.js";
import { toTurnInput, type RunInput } from "./inputs.js";
import {
  pickHandlers,
  type ServerRequestDispatcher,
  type ServerRequestHandlers,
} from "./approvals.js";
import {
  approvalFields,
  sandboxPolicy,
  type ApprovalMode,
  type JsonInput,
  type Sandbox,
} from "./options.js";
import type { Connection, RequestOptions } from "./rpc/connection.js";
import type { Router } from "./rpc/router.js";
import { TurnHandle, type TurnResult } from "./turn.js";

/**
 * Options of `Thread.turn` and `Thread.run`. Each applies to this turn and the ones after it,
 * except `outputSchema`, which applies to this turn only.
 */
export type TurnOptions = Omit<
  Partial<TurnStartParams>,
  "threadId" | "input" | "approvalPolicy" | "approvalsReviewer" | "sandboxPolicy" | "outputSchema"
> &
  ServerRequestHandlers & {
    /** Approval preset for this and later turns; omitted keeps the thread's policy. */
    readonly approvalMode?: ApprovalMode;
    /** Sandbox preset for this and later turns (sent as the full `sandboxPolicy` object). */
    readonly sandbox?: Sandbox;
    /** JSON Schema the final answer must follow; this turn only. */
    readonly outputSchema?: JsonInput | null;
    /** Aborting interrupts the turn; an already-aborted signal sends nothing. */
    readonly signal?: AbortSignal;
  };

/** What a thread needs from its client. */
export interface ThreadContext {
  readonly connection: Connection;
  readonly router: Router;
  readonly dispatcher: ServerRequestDispatcher;
  /** Secrets to keep out of turn failures. */
  readonly secrets: ReadonlySet<string>;
}

/** A conversation with the agent. Creating one does no I/O; every method talks to the server. */
export class Thread {
  /** @internal Created by `Codex`. */
  constructor(
    private readonly context: ThreadContext,
    /** The thread id. */
    readonly id: string,
  ) {}

  /** Serializes as `{ id }`, keeping the client out of logs. */
  toJSON(): { id: string } {
    return { id: this.id };
  }

  /**
   * Runs one turn to completion and returns its result. A failed turn rejects with
   * `TurnFailedError`; an interrupted one resolves with `status: "interrupted"`.
   */
  async run(input: RunInput, options: TurnOptions = {}): Promise<TurnResult> {
    const handle = await this.startTurn(input, options, false);
    return handle.run(options.signal ? { signal: options.signal } : {});
  }

  /**
   * Starts a turn and returns its handle at once, to stream, steer or interrupt it. A second
   * turn on the same thread waits until this client's previous turn there has completed.
   */
  turn(input: RunInput, options: TurnOptions = {}): Promise<TurnHandle> {
    return this.startTurn(input, options, true);
  }

  /** Reads the thread, with its turns when `includeTurns` is set. */
  read(options: { includeTurns?: boolean } & RequestOptions = {}): Promise<ThreadReadResponse> {
    return this.context.connection.request(
      "thread/read",
      { threadId: this.id, includeTurns: options.includeTurns ?? false },
      requestOptions(options),
    );
  }

  /** Renames the thread. */
  async setName(name: string, options?: RequestOptions): Promise<ThreadSetNameResponse> {
    if (typeof name !== "string") throw new TypeError("name must be a string");
    return this.context.connection.request("thread/name/set", { threadId: this.id, name }, options);
  }

  /**
   * Gives the thread a goal and waits until it is reached: the server runs turns on its own,
   * one after another, until the model marks the goal complete (or it is paused, blocked or out
   * of budget). Resolves with every turn's result; a last turn that failed rejects with
   * `TurnFailedError`. Aborting `signal` pauses the goal and interrupts its turn.
   */
  async runGoal(objective: string, options: RunGoalOptions = {}): Promise<GoalResult> {
    const trimmed = checkObjective(objective);
    const { signal, tokenBudget } = options;
    if (signal?.aborted) throw abortError(signal);
    const { connection, router } = this.context;
    const run = await router.serialize(this.id, async () => {
      const goalRun = new GoalRun(connection, router, this.id);
      try {
        await goalRun.start(trimmed, tokenBudget);
      } catch (err) {
        goalRun.finish(err as Error);
        throw err;
      }
      return { value: goalRun, done: goalRun.done };
    });
    return unlessAborted(run.done, signal, () => abortGoal(run, signal!));
  }

  /** The thread's goal, or `null` when it has none. */
  async goal(options?: RequestOptions): Promise<ThreadGoal | null> {
    return (
      await this.context.connection.request("thread/goal/get", { threadId: this.id }, options)
    ).goal;
  }

  /**
   * Sets the thread's goal without waiting for it (`status` defaults to `"active"`, which makes
   * the server start working on it); follow it with `codex.on` or use `runGoal`.
   */
  async setGoal(
    objective: string,
    options: { status?: ThreadGoalStatus; tokenBudget?: number } & RequestOptions = {},
  ): Promise<ThreadGoal> {
    const trimmed = checkObjective(objective);
    const { status = "active", tokenBudget } = options;
    const params: ThreadGoalSetParams = { threadId: this.id, objective: trimmed, status };
    if (tokenBudget !== undefined) params.tokenBudget = tokenBudget;
    return (
      await this.context.connection.request("thread/goal/set", params, requestOptions(options))
    ).goal;
  }

  /** Changes the goal's status (for example `"paused"` to stop, `"active"` to go on). */
  async setGoalStatus(status: ThreadGoalStatus, options?: RequestOptions): Promise<ThreadGoal> {
    return (
      await this.context.connection.request(
        "thread/goal/set",
        { threadId: this.id, status },
        options,
      )
    ).goal;
  }

  /** Removes the thread's goal; resolves with whether there was one. */
  async clearGoal(options?: RequestOptions): Promise<boolean> {
    return (
      await this.context.connection.request("thread/goal/clear", { threadId: this.id }, options)
    ).cleared;
  }

  /** Asks the server to compact the thread's context; resolves once accepted, not when done. */
  compact(options?: RequestOptions): Promise<ThreadCompactStartResponse> {
    return this.context.connection.request("thread/compact/start", { threadId: this.id }, options);
  }

  private async startTurn(
    input: RunInput,
    options: TurnOptions,
    retain: boolean,
  ): Promise<TurnHandle> {
    const params = turnParams(this.id, input, options);
    const { signal } = options;
    if (signal?.aborted) throw abortError(signal);
    const { connection, router } = this.context;
    return router.serialize(this.id, async () => {
      if (signal?.aborted) throw abortError(signal);
      const collector = TurnHandle.collector(retain);
      const pending = router.beginTurn(this.id);
      let turnId: string;
      try {
        turnId = (await connection.request("turn/start", params)).turn.id;
      } catch (err) {
        pending.cancel();
        throw err;
      }
      const handlers = pickHandlers(options);
      if (handlers !== undefined) this.context.dispatcher.setTurnHandlers(turnId, handlers);
      pending.bind(turnId, collector);
      const handle = new TurnHandle(
        { connection, secrets: this.context.secrets },
        this.id,
        turnId,
        collector,
      );
      if (signal !== undefined) interruptOnAbort(handle, signal);
      return { value: handle, done: collector.completion };
    });
  }
}

function interruptOnAbort(handle: TurnHandle, signal: AbortSignal): void {
  const onAbort = () => void handle.interrupt().catch(() => {});
  if (signal.aborted) return onAbort();
  signal.addEventListener("abort", onAbort, { once: true });
  const off = () => signal.removeEventListener("abort", onAbort);
  handle.collector.completion.then(off, off);
}

/** Builds `turn/start` params; validates everything before any I/O. */
export function turnParams(
  threadId: string,
  input: RunInput,
  options: TurnOptions,
): TurnStartParams {
  const { input: wireInput, toolOutput } = toTurnInput(input);
  if (toolOutput !== undefined && options.toolOutput != null) {
    throw new TypeError("give an external message as the input or toolOutput, not both");
  }
  const {
    approvalMode,
    sandbox,
    signal: _signal,
    approvals: _a,
    onUserInput: _u,
    onElicitation: _e,
    ...rest
  } = options;
  const params = { ...dropUndefined(rest), threadId, input: wireInput } as TurnStartParams;
  if (toolOutput !== undefined) params.toolOutput = toolOutput;
  if (approvalMode !== undefined) Object.assign(params, approvalFields(approvalMode));
  if (sandbox !== undefined) params.sandboxPolicy = sandboxPolicy(sandbox);
  return params;
}

/** The `signal` and `timeout` of some options, for the request they cause. */
export function requestOptions(options: RequestOptions | undefined): RequestOptions | undefined {
  if (options?.signal === undefined && options?.timeout === undefined) return undefined;
  return { signal: options.signal, timeout: options.timeout };
}

/** A copy without `undefined` values, so the wire carries only what was given. */
export function dropUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as T;
}
