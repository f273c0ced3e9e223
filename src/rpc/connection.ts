import {
  CodexError,
  RequestTimeoutError,
  TransportClosedError,
  abortError,
  fromWireError,
} from "../errors.js";
import type { ClientRequestMap, ClientRequestMethod, RequestId } from "../generated/index.js";
import type { Transport, TransportCloseInfo } from "../transport/transport.js";

/** Per-call options accepted by every request. */
export interface RequestOptions {
  /** Rejects the call with the signal's reason when aborted. The server is not told. */
  readonly signal?: AbortSignal | undefined;
  /** Rejects the call with `RequestTimeoutError` after this many milliseconds. */
  readonly timeout?: number | undefined;
}

/** A notification as it came off the wire: parsed once and handed on untouched. */
export interface RawNotification {
  readonly method: string;
  readonly params?: unknown;
}

/** A request the server sent to the client. */
export interface RawServerRequest {
  readonly id: RequestId;
  readonly method: string;
  readonly params?: unknown;
}

/** Answers a server request: resolve with the result, or throw a `JsonRpcError` to answer with it. */
export type ServerRequestHandler = (request: RawServerRequest) => Promise<unknown>;

/** A line that is not a JSON-RPC message. It ends the connection (see `Connection`). */
export class ProtocolError extends CodexError {
  override readonly name = "ProtocolError";
  constructor(
    message: string,
    /** The offending line, cut to 1000 characters. */
    readonly line: string,
  ) {
    super(message);
  }
}

interface Pending {
  readonly method: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  cleanup: (() => void) | undefined;
}

const METHOD_NOT_FOUND = -32601;
const INTERNAL_ERROR = -32603;

/** The default for server requests until someone installs a handler: a clear JSON-RPC error. */
const rejectAll: ServerRequestHandler = (request) =>
  Promise.reject(
    Object.assign(new Error(`no handler for server request ${request.method}`), {
      code: METHOD_NOT_FOUND,
    }),
  );

/**
 * JSON-RPC over a line transport: correlates requests with responses, hands notifications to
 * subscribers and server requests to one handler. It knows nothing of threads or turns.
 *
 * A line that is not a JSON object ends the connection, like a closed pipe: a response may have
 * been lost in it, and going on could leave a call waiting forever. Every pending call then
 * rejects with `TransportClosedError` whose `cause` is a `ProtocolError` naming the line.
 */
export class Connection {
  private nextId = 1;
  private readonly pending = new Map<RequestId, Pending>();
  private readonly notificationListeners = new Set<(n: RawNotification) => void>();
  private readonly closeListeners = new Set<(error: TransportClosedError) => void>();
  private serverRequestHandler: ServerRequestHandler = rejectAll;
  private closedError: TransportClosedError | undefined;

  constructor(private readonly transport: Transport) {
    transport.start({
      line: (text) => this.receive(text),
      closed: (info) => this.fail(closedErrorFrom(info)),
    });
  }

  /** The error every call fails with once the connection is gone, or `undefined` while open. */
  get closed(): TransportClosedError | undefined {
    return this.closedError;
  }

  /** Sends a typed request and resolves with its result. */
  request<M extends ClientRequestMethod>(
    method: M,
    params: ClientRequestMap[M]["params"],
    options?: RequestOptions,
  ): Promise<ClientRequestMap[M]["result"]>;
  request(method: string, params?: unknown, options?: RequestOptions): Promise<unknown>;
  request(method: string, params?: unknown, options?: RequestOptions): Promise<unknown> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const id = this.nextId++;
    const message = params === undefined ? { id, method } : { id, method, params };
    return new Promise((resolve, reject) => {
      const entry: Pending = { method, resolve, reject, cleanup: undefined };
      const timeout = options?.timeout;
      if (signal !== undefined || timeout !== undefined) {
        const onAbort = () => this.settle(id)?.reject(abortError(signal!));
        const timer =
          timeout === undefined
            ? undefined
            : setTimeout(
                () => this.settle(id)?.reject(new RequestTimeoutError(method, timeout)),
                timeout,
              );
        signal?.addEventListener("abort", onAbort, { once: true });
        entry.cleanup = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
        };
      }
      this.pending.set(id, entry);
      this.transport.send(JSON.stringify(message)).catch((err: Error) => {
        this.settle(id)?.reject(
          this.closedError ?? new TransportClosedError(err.message, { cause: err }),
        );
      });
    });
  }

  /** Sends a notification (no answer expected). */
  async notify(method: string, params?: unknown): Promise<void> {
    if (this.closedError !== undefined) throw this.closedError;
    await this.transport.send(
      JSON.stringify(params === undefined ? { method } : { method, params }),
    );
  }

  /** Subscribes to every notification; returns the unsubscribe function. */
  onNotification(listener: (notification: RawNotification) => void): () => void {
    this.notificationListeners.add(listener);
    return () => this.notificationListeners.delete(listener);
  }

  /** Subscribes to the end of the connection; called once, with the error calls now fail with. */
  onClose(listener: (error: TransportClosedError) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Installs the one handler that answers server requests. */
  setServerRequestHandler(handler: ServerRequestHandler): void {
    this.serverRequestHandler = handler;
  }

  /** Closes the transport and rejects everything still pending. Idempotent. */
  async close(): Promise<void> {
    this.fail(new TransportClosedError("the Codex client was closed"));
    await this.transport.close();
  }

  private receive(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return this.protocolError("app-server wrote a line that is not JSON", line);
    }
    if (typeof message !== "object" || message === null || Array.isArray(message)) {
      return this.protocolError("app-server wrote JSON that is not an object", line);
    }
    const msg = message as {
      id?: RequestId;
      method?: unknown;
      params?: unknown;
      result?: unknown;
      error?: unknown;
    };
    if (typeof msg.method === "string") {
      if (msg.id === undefined || msg.id === null) {
        for (const listener of this.notificationListeners) listener(msg as RawNotification);
      } else {
        this.answer(msg as RawServerRequest);
      }
      return;
    }
    if (msg.id === undefined || msg.id === null) {
      return this.protocolError("app-server wrote a message with neither method nor id", line);
    }
    // Ids are echoed as sent; a peer that stringifies them is tolerated.
    const entry = this.settle(msg.id) ?? this.settle(Number(msg.id));
    if (entry === undefined) return;
    if (msg.error !== undefined) entry.reject(fromWireError(msg.error));
    else entry.resolve(msg.result);
  }

  private answer(request: RawServerRequest): void {
    let result: Promise<unknown>;
    try {
      result = this.serverRequestHandler(request);
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (value) => this.reply({ id: request.id, result: value ?? {} }),
      (err: unknown) => {
        const e = err as { code?: unknown; message?: unknown; data?: unknown };
        const code = typeof e?.code === "number" ? e.code : INTERNAL_ERROR;
        const message = typeof e?.message === "string" ? e.message : String(err);
        const error = e?.data === undefined ? { code, message } : { code, message, data: e.data };
        this.reply({ id: request.id, error });
      },
    );
  }

  private reply(message: object): void {
    if (this.closedError !== undefined) return;
    // A failed write means the transport is going away; its close reports that.
    this.transport.send(JSON.stringify(message)).catch(() => {});
  }

  private settle(id: RequestId): Pending | undefined {
    const entry = this.pending.get(id);
    if (entry === undefined) return undefined;
    this.pending.delete(id);
    entry.cleanup?.();
    return entry;
  }

  private protocolError(what: string, line: string): void {
    const shown = line.length > 1000 ? `${line.slice(0, 1000)}…` : line;
    const cause = new ProtocolError(`${what}: ${shown}`, shown);
    this.fail(
      new TransportClosedError(`connection to codex app-server ended: ${cause.message}`, {
        cause,
        stderrTail: this.transport.stderrTail(),
      }),
    );
    void this.transport.close();
  }

  private fail(error: TransportClosedError): void {
    if (this.closedError !== undefined) return;
    this.closedError = error;
    const entries = [...this.pending.keys()];
    for (const id of entries) this.settle(id)?.reject(error);
    for (const listener of this.closeListeners) listener(error);
    this.closeListeners.clear();
    this.notificationListeners.clear();
  }
}

function closedErrorFrom(info: TransportCloseInfo): TransportClosedError {
  const how =
    info.reason !== undefined
      ? info.reason
      : info.error !== undefined
        ? `could not run codex app-server: ${info.error.message}`
        : info.signal !== null
          ? `codex app-server was killed by ${info.signal}`
          : info.exitCode !== null
            ? `codex app-server exited with code ${info.exitCode}`
            : "codex app-server closed its output";
  return new TransportClosedError(how, {
    exitCode: info.exitCode,
    signal: info.signal,
    stderrTail: info.stderrTail,
    ...(info.error ? { cause: info.error } : {}),
  });
}
