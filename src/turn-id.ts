/**
 * The turn id an answer to a turn's start names: read by a turn's start, a review's and an
 * external message's.
 */
import { CodexError } from "./errors.js";
import { holdsControl } from "./internal/plain.js";

/**
 * @internal
 * The turn id in the answer to `turn/start` or `review/start`. An answer without one is a fault
 * of the server's: the turn could never be followed.
 */
export function startedTurnId(answer: unknown, method: string): string {
  const id = answeredTurnId(answer);
  if (id === undefined) throw new CodexError(`the answer to ${method} names no turn`);
  // Errors and logs quote it: one that could run something on a terminal is refused.
  if (holdsControl(id)) {
    throw new CodexError(`the answer to ${method} names a turn whose id holds control characters`);
  }
  return id;
}

/** @internal The turn id an answer names, if it names one. */
export function answeredTurnId(answer: unknown): string | undefined {
  const id = (answer as { turn?: { id?: unknown } } | null | undefined)?.turn?.id;
  return typeof id === "string" && id !== "" ? id : undefined;
}
