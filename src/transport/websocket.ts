import type WebSocket from "ws";
import type { Transport, TransportSink } from "./transport.js";

/** How to reach an app-server started with `codex app-server --listen ws://HOST:PORT` (or unix://). */
export interface WebSocketLaunch {
  /** What the WebSocket client dials (see {@link webSocketAddress}). */
  readonly url: string;
  /** Capability token, sent as `Authorization: Bearer <token>` (`--ws-auth capability-token`). */
  readonly token?: string | undefined;
  /** Extra headers for the upgrade request. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * Checks an app-server URL before any I/O and returns what the WebSocket client dials:
 * `ws://` and `wss://` as given, and `unix:///path` (the control socket of
 * `--listen unix://PATH`, which speaks WebSocket over the socket) as `ws+unix:///path:/`.
 */
export function webSocketAddress(url: unknown): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new TypeError(`not a valid URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol === "unix:") {
    const socketPath = decodeURIComponent(parsed.pathname);
    if (socketPath === "" || socketPath === "/") {
      throw new TypeError(`a unix:// URL needs the socket's path, got ${parsed.href}`);
    }
    return `ws+unix://${socketPath}:/`;
  }
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw new TypeError(
      `the app-server URL must start with ws://, wss:// or unix://, got ${parsed.href}`,
    );
  }
  return parsed.href;
}

async function loadWebSocket(): Promise<typeof WebSocket> {
  try {
    return (await import("ws")).default;
  } catch {
    throw new Error("Codex.connect needs the 'ws' package: npm install ws");
  }
}

/**
 * One JSON-RPC message per WebSocket text frame, to an app-server that is already running. The
 * server is not ours to stop: `close()` only closes the socket.
 */
export class WebSocketTransport implements Transport {
  // Private fields: the launch holds the capability token.
  readonly #launch: WebSocketLaunch;
  #socket: WebSocket | undefined;
  // Sends wait for the socket; it is undefined when the open failed (reported through `closed`).
  readonly #opened: Promise<WebSocket | undefined>;
  #resolveOpened!: (socket: WebSocket | undefined) => void;
  #finished = false;
  #sink: TransportSink | undefined;

  constructor(launch: WebSocketLaunch) {
    this.#launch = launch;
    this.#opened = new Promise((resolve) => (this.#resolveOpened = resolve));
  }

  start(sink: TransportSink): void {
    this.#sink = sink;
    void this.#open();
  }

  async #open(): Promise<void> {
    let Socket: typeof WebSocket;
    try {
      Socket = await loadWebSocket();
    } catch (err) {
      return this.#finish(err as Error, null);
    }
    // Closed while `ws` was loading: `close()` has reported the end, and no socket may follow it.
    if (this.#finished) return;
    const { url, token, headers } = this.#launch;
    const socket = new Socket(url, {
      headers: { ...headers, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    });
    this.#socket = socket;
    socket.on("open", () => this.#resolveOpened(socket));
    socket.on("message", (data, isBinary) => {
      if (!isBinary) this.#sink?.line(data.toString());
    });
    socket.on("unexpected-response", (_request, response) => {
      response.resume();
      this.#finish(
        new Error(`the app-server refused the connection: HTTP ${response.statusCode}`),
        null,
      );
    });
    socket.on("error", (err) => this.#finish(err, null));
    socket.on("close", (code) => this.#finish(undefined, code));
  }

  send(line: string, done: (error?: Error | null) => void = this.#reportFailure): void {
    this.#opened.then((socket) => {
      if (socket === undefined || this.#finished) {
        return done(new Error("the app-server connection is closed"));
      }
      try {
        socket.send(line, done);
      } catch (err) {
        done(err as Error);
      }
    });
  }

  // What a write with no callback of its own reports to.
  readonly #reportFailure = (error?: Error | null): void => {
    if (error) this.#sink?.writeFailed(error);
  };

  async close(): Promise<void> {
    if (this.#finished) return;
    const socket = this.#socket;
    if (socket === undefined) return this.#finish(undefined, null);
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.close();
    await closed;
  }

  stderrTail(): string {
    return "";
  }

  #finish(error: Error | undefined, code: number | null): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#resolveOpened(undefined);
    if (this.#socket !== undefined && this.#socket.readyState !== this.#socket.CLOSED) {
      this.#socket.terminate();
    }
    const url = this.#launch.url;
    const reason =
      error !== undefined
        ? `connection to codex app-server at ${url} failed: ${error.message}`
        : `connection to codex app-server at ${url} closed${code === null ? "" : ` (code ${code})`}`;
    this.#sink?.closed({
      exitCode: null,
      signal: null,
      stderrTail: "",
      reason,
      ...(error ? { error } : {}),
    });
  }
}
