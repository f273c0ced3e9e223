import { CodexError, InvalidRequestError, RequestTimeoutError } from "./errors.js";
import type { TurnSteerResponse, TurnToolOutput } from "./generated/index.js";
import { ABORT_WAIT_MS, abortError, deadline } from "./internal/deadline.js";
import type { Connection, RequestOptions } from "./rpc/connection.js";
import { startedTurnId } from "./turn-id.js";

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
  /** Keeps the thread taken past the turn's end, until the function returned is called. */
  readonly holdThread: () => () => void;
  /** The turn the client last read start on the thread and not end, if any. */
  readonly runningId: () => string | undefined;
  /**
   * Stops the turn the answer named in the target's place, which no handle names; settles once
   * the server answered the interrupt (the runtime answers it as the turn stops), or gave up.
   */
  readonly stopStarted: (turnId: string) => Promise<void>;
  /**
   * The turns the target's earlier messages started in its place, each with its stop: a later
   * message the server folds into one is not another client's.
   */
  readonly stopping: Map<string, Promise<void>>;
}

/**
 * Delivers an external message into a running turn. `turn/steer` carries no tool output, so the
 * message goes out as `turn/start` with empty input, which the server folds into the thread's
 * active turn and answers with that turn. A finished turn is refused before any I/O, as the server
 * refuses a text steer, and so is one this client asked to stop; should the turn end while the
 * request travels, the server starts a new turn with the message instead, which no handle names:
 * it is stopped (unless another client runs it), and the error says which.
 *
 * Until the answer says what the message did, and such a turn is stopped, the thread stays taken:
 * the turn queued next there would otherwise join the turn about to be stopped. A caller that
 * gives up leaves it taken until the answer comes, for at most `ABORT_WAIT_MS`.
 */
export function steerExternalMessage(
  connection: Connection,
  target: SteerTarget,
  toolOutput: TurnToolOutput,
  options?: RequestOptions,
): Promise<TurnSteerResponse> {
  if (target.ended) {
    // Ended with the connection, the call fails as every call then does.
    return Promise.reject(
      connection.closeError ??
        new InvalidRequestError(-32600, "no active turn to steer", undefined, {
          method: "turn/start",
        }),
    );
  }
  const letGo = target.holdThread();
  // A turn whose start was read before the answer ran there already (another client's): the
  // server answers turn/start before a turn it starts is under way.
  let runningAtAnswer: string | undefined;
  const ticket = { onAnswer: () => void (runningAtAnswer = target.runningId()) };
  const params = { threadId: target.threadId, input: [], toolOutput };
  const outcome = connection.request("turn/start", params, { ticket }).then(async (answer) => {
    // A malformed answer is the server's fault, said as such, not a TypeError of reading it.
    const turnId = startedTurnId(answer, "turn/start");
    if (turnId === target.id) return { turnId };
    const ended = `turn ${target.id} ended before the external message reached it`;
    let stop = target.stopping.get(turnId);
    const joined = stop !== undefined;
    if (stop === undefined) {
      if (runningAtAnswer === turnId) {
        throw new CodexError(
          `${ended}; the message joined turn ${turnId} instead, another client's, which goes on`,
        );
      }
      stop = target.stopStarted(turnId);
      target.stopping.set(turnId, stop);
    }
    await stop;
    // The connection ended before the turn was stopped: the call fails as every call then does.
    if (connection.closeError !== undefined) throw connection.closeError;
    throw new CodexError(
      joined
        ? `${ended}; the message joined turn ${turnId} instead, which an earlier message started, and which is interrupted`
        : `${ended}; the message started turn ${turnId} instead, which is interrupted`,
    );
  });
  outcome.then(letGo, letGo);
  const { signal, timeout } = options ?? {};
  const giveUp = (error: Error): never => {
    // Not sent yet (more than 64 requests in flight): withdrawn, it starts no turn.
    if (connection.withdraw(ticket)) throw error;
    void deadline(outcome, { timeout: ABORT_WAIT_MS, onTimeout: () => undefined }).then(
      letGo,
      letGo,
    );
    throw error;
  };
  return deadline(outcome, {
    signal,
    timeout,
    onAbort: () => giveUp(abortError(signal!)),
    onTimeout: () => giveUp(new RequestTimeoutError("turn/start", timeout!)),
  });
}
