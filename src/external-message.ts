import { CodexError, InvalidRequestError } from "./errors.js";
import type { TurnSteerResponse, TurnToolOutput } from "./generated/index.js";
import type { Connection, RequestOptions } from "./rpc/connection.js";

/** The turn an external message is steered into: a `TurnHandle`. */
export interface SteerTarget {
  readonly threadId: string;
  /** The turn id. */
  readonly id: string;
  /**
   * Whether the turn is over: completed, or ended without its completion (given up on after an
   * interrupt, its thread left or ended), when the thread may be running another turn.
   */
  readonly ended: boolean;
  /**
   * Stops the turn the answer named in the target's place, which no handle names, and says
   * whether it did: it does not stop another client's turn, which the message joined.
   */
  readonly stopStarted: (turnId: string) => boolean;
}

/**
 * Delivers an external message into a running turn. `turn/steer` carries no tool output, so the
 * message goes out as `turn/start` with empty input, which the server folds into the thread's
 * active turn and answers with that turn. A finished turn is refused before any I/O, as the server
 * refuses a text steer, and so is one this client asked to stop; should the turn end while the
 * request travels, the server starts a new turn with the message instead, which no handle names:
 * it is stopped (unless another client runs it), and the error says which.
 */
export async function steerExternalMessage(
  connection: Connection,
  target: SteerTarget,
  toolOutput: TurnToolOutput,
  options?: RequestOptions,
): Promise<TurnSteerResponse> {
  if (target.ended) {
    // Ended with the connection, the call fails as every call then does.
    throw connection.closeError ?? new InvalidRequestError(-32600, "no active turn to steer");
  }
  const answer: unknown = await connection.request(
    "turn/start",
    { threadId: target.threadId, input: [], toolOutput },
    options,
  );
  // A malformed answer is the server's fault, said as such, not a TypeError of reading it.
  const turnId = (answer as { turn?: { id?: unknown } } | null)?.turn?.id;
  if (typeof turnId !== "string") {
    throw new CodexError("the answer to turn/start names no turn");
  }
  if (turnId !== target.id) {
    const instead = target.stopStarted(turnId)
      ? `the message started turn ${turnId} instead, which is interrupted`
      : `the message joined turn ${turnId} instead, another client's, which goes on`;
    throw new CodexError(
      `turn ${target.id} ended before the external message reached it; ${instead}`,
    );
  }
  return { turnId };
}
