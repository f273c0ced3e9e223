import type { AgentMessageDisplay, ThreadItem } from "./generated/index.js";
import { describe } from "./internal/validate.js";

/** An `agentMessage` item: what the model said. */
export type AgentMessageItem = Extract<
  ThreadItem,
  {
    /** Always `"agentMessage"`. */
    type: "agentMessage";
  }
>;

/**
 * The message that answers a turn: the latest `final_answer`, else the latest phase-less one. A
 * message delivered as an update while the turn goes on (`delivery: "async"`, the runtime's
 * `send_message_to_user_async` tool) answers nothing, whatever its phase.
 */
export function pickFinalMessage(items: readonly ThreadItem[]): AgentMessageItem | null {
  let phaseless: AgentMessageItem | null = null;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item?.type !== "agentMessage") continue;
    const message = item as AgentMessageItem;
    // Items come from the peer: one without text is no answer.
    if (typeof message.text !== "string" || message.delivery === "async") continue;
    if (message.phase === "final_answer") return message;
    if (phaseless === null && (message.phase === null || message.phase === undefined)) {
      phaseless = message;
    }
  }
  return phaseless;
}

/**
 * How the runtime asks clients to present an agent message (its `moderation.display`), or `null`
 * when it gave no instruction: show the text as written. `mode` is `"show"` (perhaps with an
 * `annotation` to add), `"hide"` (show the `replacement` instead) or `"block"` (show nothing;
 * `reason` says why). Any other item gives `null`.
 */
export function messageDisplay(item: ThreadItem): AgentMessageDisplay | null {
  if (item?.type !== "agentMessage") return null;
  const display: unknown = (item as AgentMessageItem).moderation?.display ?? null;
  return typeof display === "object" && display !== null ? (display as AgentMessageDisplay) : null;
}

/** The display instruction of the message a turn's `finalResponse` comes from; see `messageDisplay`. */
export function answerDisplay(result: {
  readonly items: readonly ThreadItem[];
}): AgentMessageDisplay | null {
  const items = (result as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) {
    throw new TypeError(`result must be a turn's result, with its items, got ${describe(result)}`);
  }
  const message = pickFinalMessage(items as ThreadItem[]);
  return message === null ? null : messageDisplay(message);
}

/**
 * Whether a display instruction lets the text be shown as written: no instruction, or mode
 * `"show"`. A mode this SDK does not know (from a newer runtime) counts as not shown.
 */
export function isShown(display: AgentMessageDisplay | null): boolean {
  if (display === null) return true;
  if (typeof display !== "object") {
    throw new TypeError(
      `display must be a display instruction (from messageDisplay) or null, got ${describe(display)}`,
    );
  }
  return display.mode === "show";
}
