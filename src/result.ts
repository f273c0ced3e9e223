import type {
  HookRunSummary,
  ThreadItem,
  ThreadTokenUsage,
  Turn,
  TurnError,
  TurnStatus,
} from "./generated/index.js";
import { pickFinalMessage } from "./message-display.js";

/** What a finished turn produced. */
export interface TurnResult {
  /** The turn id. */
  readonly id: string;
  /** How the turn ended: `completed`, `interrupted` or `failed` (`inProgress` if partial). */
  readonly status: TurnStatus;
  /** The server's error when the turn failed, else `null`. */
  readonly error: TurnError | null;
  /** Unix seconds. */
  readonly startedAt: number | null;
  /** Unix seconds. */
  readonly completedAt: number | null;
  /** How long the turn took, in milliseconds, as the server reports it. */
  readonly durationMs: number | null;
  /** The answer: the latest `final_answer` message, else the latest message without a phase. */
  readonly finalResponse: string | null;
  /** Completed items, in the order they completed. */
  readonly items: readonly ThreadItem[];
  /**
   * The last token usage reported during the turn: `last` is its last model call, `total` the
   * running total of the whole thread.
   */
  readonly usage: ThreadTokenUsage | null;
  /**
   * A code review's output (see `Thread.review`): the text of its `exitedReviewMode` item, in
   * which the runtime renders the reviewer's findings. `null` for any other turn.
   */
  readonly review: string | null;
  /**
   * The runs of the user's hooks that completed during the turn, in the order they completed:
   * one that blocked the prompt or a tool call, or stopped the turn, says so here (`status`,
   * `entries`), where the turn still reads `completed`. Only trusted hooks run.
   */
  readonly hooks: readonly HookRunSummary[];
}

// The hooks of a turn during which none completed: one shared list, as most turns have none.
const NO_HOOKS: readonly HookRunSummary[] = Object.freeze([]);

/** The answer of a turn: the latest `final_answer`, else the latest phase-less message. */
export function pickFinalResponse(items: readonly ThreadItem[]): string | null {
  return pickFinalMessage(items)?.text ?? null;
}

/** A review's output: the text of the latest `exitedReviewMode` item, or `null`. */
export function pickReview(items: readonly unknown[]): string | null {
  for (let i = items.length - 1; i >= 0; i--) {
    // Items may come from a completion whose items were not checked: read them defensively.
    const item = items[i] as { type?: unknown; review?: unknown } | null;
    if (item?.type === "exitedReviewMode" && typeof item.review === "string") return item.review;
  }
  return null;
}

/**
 * Builds a result from the collected items and usage and the completed `Turn`; only a code review
 * (`review`) looks for a review's output. Params come from the peer: the caller has checked the
 * completion's `id` and `status`.
 */
export function assembleResult(
  turn: Turn,
  items: ThreadItem[],
  usage: ThreadTokenUsage | null,
  review: boolean,
  hooks: readonly HookRunSummary[] = NO_HOOKS,
): TurnResult {
  let source = items;
  let answer = pickFinalMessage(items);
  // Most completions carry the turn's items again, as a summary. When the item events were lost
  // but the completion carries the agent's messages, those join the items collected.
  const completionItems =
    Array.isArray(turn.items) && turn.items.length > 0 ? turn.items : undefined;
  if (answer === null && completionItems !== undefined && !items.some(isAgentMessage)) {
    // Not those under the id of an item collected (a fault of the server's): the answer is
    // taken from the items the result holds, as `answerDisplay` reads it.
    const collected = new Set(items.map((item) => item.id));
    const joining = completionItems.filter((item) => isItem(item) && !collected.has(item.id));
    if (joining.some(isAgentMessage)) {
      source = items.concat(joining);
      answer = pickFinalMessage(joining);
    }
  }
  return {
    id: turn.id,
    status: turn.status,
    error: turn.error ?? null,
    startedAt: turn.startedAt ?? null,
    completedAt: turn.completedAt ?? null,
    durationMs: turn.durationMs ?? null,
    finalResponse: answer?.text ?? null,
    items: source,
    usage,
    review: review
      ? (pickReview(items) ?? (completionItems === undefined ? null : pickReview(completionItems)))
      : null,
    hooks,
  };
}

/** A result of what has been collected so far, with status `inProgress`. */
export function partialResult(
  id: string,
  items: readonly ThreadItem[],
  usage: ThreadTokenUsage | null,
  review: boolean,
  hooks: readonly HookRunSummary[] = NO_HOOKS,
): TurnResult {
  return {
    id,
    status: "inProgress",
    error: null,
    startedAt: null,
    completedAt: null,
    durationMs: null,
    finalResponse: pickFinalResponse(items),
    items: [...items],
    usage,
    review: review ? pickReview(items) : null,
    hooks: hooks === NO_HOOKS ? hooks : [...hooks],
  };
}

/** Whether a value from the peer is a JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isAgentMessage(item: ThreadItem): boolean {
  return item.type === "agentMessage";
}

/** Whether a value from the peer is an item: an object with a string `type`. */
export function isItem(value: unknown): value is ThreadItem {
  return isObject(value) && typeof value.type === "string";
}
