import type { IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";
import type WebSocket from "ws";
import { plainText } from "../internal/plain.js";
import type { MessageLimit, Transport, TransportSink } from "./transport.js";

import {
  checkHeaderValue,
  checkHeaders,
  checkNonEmpty,
  checkWellFormed,
} from "../internal/validate.js";
import { deadline } from "../internal/deadline.js";
import { installedRequire } from "../internal/builtins.js";
import { loadPeer } from "../internal/peer.js";

/**
 * How long `close()` waits for the server to answer its close frame before it drops the socket
 * (`ws` alone would wait 30 s).
 */
const CLOSE_GRACE_MS = 2000;

/**
 * The runtime's WebSocket listener reads frames of up to 16 MiB and messages of up to 64 MiB
 * (stdio has no limit): a longer message goes in frames of 8 MiB, and the connection refuses one
 * over 64 MiB before it is sent (`messageLimit`), where the server would end the connection.
 */
const FRAME_BYTES = 8 * 2 ** 20;
const MESSAGE_LIMIT: MessageLimit = { bytes: 64 * 2 ** 20, channel: "over WebSocket" };

/**
 * The longest message the server may send, past which the connection ends: `ws` reads its bound
 * as a signed 32-bit integer (`| 0`), in which Node's largest Buffer (4 GiB) is 0, no bound at
 * all. Nothing this long becomes a string anyway (see `overlong`).
 */
const MAX_PAYLOAD = 2 ** 31 - 1;

/** How much of a message too long for a string is decoded for the report. */
const OVERLONG_HEAD_BYTES = 256;

/** How long, and how much of it, the body of a refused upgrade is read for the reason it gives. */
const REFUSAL_WAIT_MS = 1000;
const REFUSAL_CHARS = 200;

/**
 * The reason the body of a refused upgrade gives, on one line ("" if none), once it ends or is
 * given up on. What did not come whole (cut at its length, or its wait) is marked cut: the
 * redaction then knows the start of a secret cut there.
 */
function refusalOf(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    let settled = false;
    const done = (whole: boolean) => {
      if (settled) return;
      settled = true;
      response.destroy();
      let line = oneLine(text);
      if (line === "" || (whole && line.length <= REFUSAL_CHARS)) return resolve(line);
      // With its mark, no longer than the most shown.
      line = line.slice(0, REFUSAL_CHARS - 1);
      // Not cut inside a character.
      resolve(`${/[\ud800-\udbff]$/.test(line) ? line.slice(0, -1) : line}…`);
    };
    response.setEncoding("utf8");
    response.on("data", (chunk: string) => {
      text += chunk;
      // Past the most shown once on one line (a line break at its end is no more of it); or far
      // past it, control characters and all.
      if (text.length > 4 * REFUSAL_CHARS || oneLine(text).length > REFUSAL_CHARS) done(false);
    });
    response.on("end", () => done(true));
    response.on("error", () => done(false));
    response.on("close", () => done(false));
  });
}

// The most bytes a close frame's reason holds.
const CLOSE_REASON_BYTES = 123;

// The codes `ws` gives a close that came with none, which no frame carries: said in words, as
// "code 1006" alone tells a reader nothing.
const UNSTATED: Readonly<Record<number, string>> = {
  1005: ": its close frame gave no code",
  1006: ": the connection ended without a close frame (the server stopped, or the network dropped it)",
};

/**
 * A close frame's reason as shown, on one line; one as long as a reason may be is marked cut (a
 * server quoting a token could send only its start, which the redaction then knows).
 */
function closeReasonOf(reason: Buffer): string {
  const line = oneLine(reason.toString("utf8"));
  return reason.length >= CLOSE_REASON_BYTES && line !== "" ? `${line}…` : line;
}

// A text on one line, as shown in an error (see `plainText`), with no space at the ends.
function oneLine(text: string): string {
  return plainText(text).trim();
}

/** How often the client pings the server, by default. */
const PING_INTERVAL_MS = 30_000;

/**
 * What the socket still holds of the write under way: `bufferedAmount` counts a write whole
 * until it is done, so for a long message it moves only once the server has read it all.
 * `writeQueueSize` (libuv's, not in Node's declarations) falls as the kernel takes the bytes.
 */
function unwritten(raw: Socket | undefined): number {
  const size = (raw as { _handle?: { writeQueueSize?: unknown } } | undefined)?._handle
    ?.writeQueueSize;
  return typeof size === "number" ? size : 0;
}

/** How to reach an app-server started with `codex app-server --listen ws://HOST:PORT` (or unix://). */
export interface WebSocketLaunch {
  /** What the WebSocket client dials (see {@link webSocketAddress}). */
  readonly url: string;
  /** The unix socket to dial instead of a TCP address, for `unix://` URLs. */
  readonly socketPath?: string | undefined;
  /** The URL as errors show it: no user name, password, query or fragment. */
  readonly shownUrl: string;
  /** Capability token, sent as `Authorization: Bearer <token>` (`--ws-auth capability-token`). */
  readonly token?: string | undefined;
  /** Extra headers for the upgrade request. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** How long `close()` waits for the server's close frame; default 2000 ms. */
  readonly closeGraceMs?: number | undefined;
  /** How often to ping the server, which must have sent something by the next ping; 0: never. */
  readonly pingInterval?: number | undefined;
}

/**
 * Checks an app-server URL before any I/O and returns what the WebSocket client dials:
 * `ws://` and `wss://` as given, and `unix:///path` (the control socket of
 * `--listen unix://PATH`, which speaks WebSocket over the socket) as `ws://localhost/` over that
 * socket (a `ws+unix://` URL would cut the path at a `:` and keep its percent escapes). Its
 * messages, and `shownUrl`, never show the URL's user name, password or query, where a token
 * may sit.
 */
export function webSocketAddress(url: unknown): {
  url: string;
  shownUrl: string;
  socketPath?: string;
} {
  // The URL parser would write a lone surrogate as U+FFFD, and drop white space at either end and
  // every tab and line break: a path nobody asked for.
  const text = checkWellFormed(checkNonEmpty(url, "url"), "url");
  const dropped = (at: number) => text.charCodeAt(at) <= 0x20;
  if (dropped(0) || dropped(text.length - 1) || /[\t\n\r]/.test(text)) {
    throw new TypeError(
      "url must not hold a tab or a line break, nor white space or a control character at " +
        "either end, which the URL parser drops: write them escaped (%09, %0A, %20)",
    );
  }
  if (!URL.canParse(text)) {
    throw new TypeError("url must be a valid URL, such as ws://127.0.0.1:4500");
  }
  const parsed = new URL(text);
  // A `#` in a socket's path is written %23. The parser reads a bare `#` at the end as no
  // fragment, and would cut it off the path: so the text is looked at, not the parse.
  if (text.includes("#")) throw new TypeError("url must not have a fragment (#...)");
  if (parsed.protocol === "unix:") {
    // What the URL parser reads as a host or a query would not be part of the path dialled.
    if (parsed.host !== "") {
      throw new TypeError(
        "a unix:// URL takes the socket's absolute path after unix://, such as " +
          `unix:///tmp/codex.sock; ${JSON.stringify(parsed.host)} would be read as a host`,
      );
    }
    if (text.includes("?")) {
      throw new TypeError("a ? in a unix:// socket's path is written %3F");
    }
    const socketPath = socketPathOf(parsed.pathname);
    if (socketPath === "" || socketPath === "/") {
      throw new TypeError("a unix:// URL needs the socket's path, such as unix:///tmp/codex.sock");
    }
    // `unix:codex.sock` would be dialled from the process's working directory.
    if (!parsed.pathname.startsWith("/")) {
      throw new TypeError(
        "a unix:// URL takes the socket's absolute path, such as unix:///tmp/codex.sock, got " +
          JSON.stringify(socketPath),
      );
    }
    // The system would dial the path cut at a NUL, another socket's perhaps.
    if (socketPath.includes("\0")) {
      throw new TypeError("a unix:// socket's path must not hold a NUL (%00)");
    }
    // A longer path does not fit a socket address: the system's refusal would read "ENOENT".
    const bytes = Buffer.byteLength(socketPath);
    if (bytes > MAX_SOCKET_PATH_BYTES) {
      throw new TypeError(
        `a unix:// socket's path is at most ${MAX_SOCKET_PATH_BYTES} bytes on this system ` +
          `(the size of a socket address), got ${bytes}: use a shorter path`,
      );
    }
    return { url: "ws://localhost/", shownUrl: `unix://${parsed.pathname}`, socketPath };
  }
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw new TypeError(`url must start with ws://, wss:// or unix://, got ${parsed.protocol}//`);
  }
  // The parser reads `ws:///tmp/codex.sock` as host "tmp", and `ws:host` or a backslash as the
  // two slashes: a host nobody named would be dialled, the token in its headers.
  if (!/^wss?:\/\/[^/\\?]+(?:[/?]|$)/i.test(text)) {
    throw new TypeError(
      "a ws:// or wss:// URL takes a host right after its two slashes, such as " +
        "ws://127.0.0.1:4500 (a socket's path is written unix:///tmp/codex.sock)",
    );
  }
  return { url: parsed.href, shownUrl: `${parsed.protocol}//${parsed.host}${parsed.pathname}` };
}

// The longest path a socket address holds, its final NUL left out: 108 bytes on Linux and
// Windows, 104 on macOS and the BSDs.
const MAX_SOCKET_PATH_BYTES =
  process.platform === "linux" || process.platform === "win32" ? 107 : 103;

// The socket's path, percent-decoded: an escape that is no UTF-8 is a mistake in the URL.
function socketPathOf(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch (err) {
    throw new TypeError("url has a percent escape in its path that is no UTF-8 text", {
      cause: err,
    });
  }
}

// Headers the WebSocket client writes itself, over any value given for them, or that would break
// the handshake: a body (`transfer-encoding`, `content-length`), a subprotocol the client would
// then refuse, or the server's own answer.
const HANDSHAKE_HEADERS = [
  "connection",
  "upgrade",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
  "sec-websocket-accept",
  "transfer-encoding",
  "content-length",
];

/**
 * Checks the token and headers of `Codex.connect` before any I/O and copies the headers once,
 * so a getter is read once. Messages name a header, never its value.
 */
export function checkWebSocketAuth(
  token: unknown,
  headers: unknown,
  url: string,
): { token: string | undefined; headers: Record<string, string> | undefined } {
  if (token !== undefined) checkHeaderValue(token, "token");
  const copy = headers === undefined ? undefined : checkHeaders(headers, "headers");
  // A user name or password in the URL becomes a `Basic` Authorization header, which a token or
  // an Authorization header given too would silently replace.
  const { username, password } = new URL(url);
  const userInfo = username !== "" || password !== "";
  if (userInfo && token !== undefined) {
    throw new TypeError(
      "url's user name or password and token both set the Authorization header: give one",
    );
  }
  for (const key of Object.keys(copy ?? {})) {
    const lower = key.toLowerCase();
    if (lower === "authorization" && (token !== undefined || userInfo)) {
      const other = token !== undefined ? "token" : "url's user name or password";
      throw new TypeError(
        `headers.${key} and ${other} both set the Authorization header: give one`,
      );
    }
    if (HANDSHAKE_HEADERS.includes(lower)) {
      throw new TypeError(`headers.${key} is set by the WebSocket handshake itself`);
    }
  }
  return { token: token as string | undefined, headers: copy };
}

async function loadWebSocket(): Promise<typeof WebSocket> {
  const ws = await loadPeer("ws", importWs, "Codex.connect needs the 'ws' package: npm install ws");
  return ws.default;
}

// `ws` as imported; but where a bundle took it in and its copy cannot run (esbuild's ES modules
// cannot `require` Node's own: `Dynamic require of "events" is not supported`, and asked again,
// esbuild before 0.28 hands over that copy empty), the package installed beside the bundle, as
// Node loads it.
async function importWs(): Promise<{ default: typeof WebSocket }> {
  let bundled: { error: unknown; why: string } | undefined;
  try {
    const ws = await import("ws");
    if (typeof ws.default === "function") return ws;
    bundled = { error: undefined, why: "asked again, esbuild before 0.28 hands it over empty" };
  } catch (err) {
    const why = bundledRequireFailure(err);
    if (why === undefined) throw err;
    bundled = { error: err, why };
  }
  try {
    return { default: installedRequire()("ws") as typeof WebSocket };
  } catch (err) {
    if (bundled === undefined || (err as { code?: unknown } | null)?.code !== "MODULE_NOT_FOUND") {
      throw err;
    }
  }
  // None beside the bundle: what the bundle's own copy failed at is the cause to tell.
  throw new Error(
    `the copy bundled into this ES module cannot run (${bundled.why}), and none is ` +
      "installed beside it: bundle as CommonJS, give the bundle a require (esbuild's banner " +
      '`import { createRequire } from "node:module"; const require = ' +
      "createRequire(import.meta.url);`), or leave ws out of the bundle and install it",
    bundled.error === undefined ? undefined : { cause: bundled.error },
  );
}

// What a load that failed at a bundle's stand-in for `require` says (in the error or one it
// wraps), if it failed there.
function bundledRequireFailure(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (/^Dynamic require of ".*" is not supported/.test(e.message)) return e.message;
  }
  return undefined;
}

/**
 * One JSON-RPC message per WebSocket text message (in frames when long), to an app-server that
 * is already running. The server is not ours to stop: `close()` only closes the socket.
 */
export class WebSocketTransport implements Transport {
  readonly messageLimit = MESSAGE_LIMIT;
  // Private fields: the launch holds the capability token.
  readonly #launch: WebSocketLaunch;
  #socket: WebSocket | undefined;
  // Sends wait for the socket; it is undefined when the open failed (reported through `closed`).
  readonly #opened: Promise<WebSocket | undefined>;
  #resolveOpened!: (socket: WebSocket | undefined) => void;
  #finished = false;
  // Whether the server answered the upgrade; the status it refused it with, if it did.
  #upgraded = false;
  #refusedWith: number | undefined;
  #sink: TransportSink | undefined;
  // Whether the server has sent anything (any bytes: a long message takes a while) since the last
  // ping; of the client's own, what its writes held at the last ping (`bufferedAmount`), how much
  // its sends have added to that since, and what the kernel had still to take of the write under
  // way (see `#watch`).
  #heard = true;
  #buffered = 0;
  #added = 0;
  #writing = 0;
  #pinger: NodeJS.Timeout | undefined;
  // The writes made while the socket closes, failed at its close: one listener for them all.
  #failAtClose: ((error: Error) => void)[] | undefined;
  // How long a close waits for the other side's close frame, whichever side began it.
  readonly #closeGrace: number;

  constructor(launch: WebSocketLaunch) {
    this.#launch = launch;
    this.#closeGrace = launch.closeGraceMs ?? CLOSE_GRACE_MS;
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
      return this.#finish(err as Error);
    }
    // Closed while `ws` was loading: `close()` has reported the end, and no socket may follow it.
    if (this.#finished) return;
    const { url, socketPath, token, headers } = this.#launch;
    // Whether `ws` dialled through `createConnection`: before 8.17 it ignored it and dialled the
    // URL's host (localhost:80) over TCP, which must never get the token.
    let dialled = false;
    // `closeTimeout` is newer than the declarations of `ws` (8.19).
    const options: WebSocket.ClientOptions & { closeTimeout: number } = {
      // What the server sends is bounded only by what `ws` can take, as over stdio by the
      // largest string: `ws` would end the connection at 100 MiB, and a read of a 75 MiB file
      // (fs/readFile, in base64) is more than that. Past the largest Buffer, `ws` would throw
      // out of its socket callback; with a bound it ends the connection instead.
      maxPayload: MAX_PAYLOAD,
      // A server that sends its close frame and then leaves the socket open is waited for no
      // longer than `close()` waits (`ws` before 8.19 waits its own 30 s).
      closeTimeout: this.#closeGrace,
      ...(socketPath === undefined
        ? {}
        : {
            createConnection: () => {
              dialled = true;
              return connect(socketPath);
            },
          }),
      // The runtime compresses nothing; offered, a server could send a small message that
      // inflates past any bound.
      perMessageDeflate: false,
      // Text that is not UTF-8 is decoded as over stdio (with U+FFFD), then parsed or logged and
      // dropped like any line, where `ws` would end the connection.
      skipUTF8Validation: true,
      headers: {
        ...headers,
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
    };
    let socket: WebSocket;
    try {
      socket = new Socket(url, options);
    } catch (err) {
      // The input was checked, so this is `ws` refusing something else: report it as the end.
      return this.#finish(err as Error);
    }
    this.#socket = socket;
    // Any bytes from the server count as life, a long message's too. Listened to from the open:
    // a listener before `ws`'s own would take the bytes that came with the handshake's answer.
    let raw: Socket | undefined;
    socket.on("upgrade", (response) => (raw = response.socket));
    socket.on("open", () => {
      this.#upgraded = true;
      raw?.on("data", this.#hear);
      this.#resolveOpened(socket);
      this.#watch(socket, raw);
    });
    socket.on("pong", this.#hear);
    socket.on("message", (data: Buffer, isBinary) => {
      const sink = this.#sink!;
      let text: string;
      try {
        text = data.toString();
      } catch {
        // Longer than a string can hold: thrown here, it would crash the process.
        const head = data.subarray(0, OVERLONG_HEAD_BYTES).toString();
        return isBinary ? sink.dropped("a binary WebSocket frame", head) : sink.overlong(head);
      }
      if (isBinary) sink.dropped("a binary WebSocket frame", text);
      // An empty message is none, as an empty line of stdio is.
      else if (text !== "") sink.line(text);
    });
    // The runtime says why in the body ("invalid websocket bearer token"): read, but not for long.
    socket.on("unexpected-response", (_request, response) => {
      this.#refusedWith = response.statusCode;
      const refused = `the app-server refused the connection: HTTP ${response.statusCode}`;
      const reading = refusalOf(response);
      // Past the wait, what came is the reason: destroyed, the body ends there.
      const why = deadline(reading, {
        timeout: REFUSAL_WAIT_MS,
        onTimeout: () => {
          response.destroy();
          return reading;
        },
      });
      void why.then((text) =>
        this.#finish(new Error(text === "" ? refused : `${refused}: ${text}`)),
      );
    });
    // Once refused, the end is the refusal's, reported when its reason is read: a connection
    // reset before the body ends would otherwise be reported first, the status lost.
    socket.on("error", (err) => this.#refusedWith === undefined && this.#finish(err));
    socket.on(
      "close",
      (code, reason) =>
        this.#refusedWith === undefined &&
        this.#finish(undefined, { code, reason: closeReasonOf(reason) }),
    );
    // The connection is made as the socket is: stopped now, before it opens, nothing is written
    // to it (the handshake's abort comes to the listeners above, after the end is reported).
    if (socketPath !== undefined && !dialled) {
      this.#finish(new Error("a unix:// socket needs ws 8.17 or later: npm install ws@^8.17.1"));
    }
  }

  // A dropped network closes nothing: a ping that goes unanswered until the next is what shows it.
  #watch(socket: WebSocket, raw: Socket | undefined): void {
    const every = this.#launch.pingInterval ?? PING_INTERVAL_MS;
    if (every === 0) return;
    this.#pinger = setInterval(() => {
      // Closing (a close frame went one way or the other): `ws` sends no ping then, and the
      // close is bounded by its own grace.
      if (socket.readyState !== socket.OPEN) return;
      // A ping sent behind a long message of the client's goes out once that has: what went out
      // since the last ping shows the server reading. A write done lowers what the writes hold
      // (less what sends added meanwhile); within a write, the kernel taking bytes lowers what it
      // has still to take. Small writes the kernel took at once show nothing: it takes them from
      // a client whose network dropped, too.
      const buffered = socket.bufferedAmount;
      const writing = unwritten(raw);
      const sending =
        (this.#buffered > 0 && buffered - this.#added < this.#buffered) || writing < this.#writing;
      this.#buffered = buffered;
      this.#writing = writing;
      this.#added = 0;
      if (this.#heard || sending) return this.#ping(socket);
      // A host busy past the interval runs this before reading what came meanwhile, the answer
      // perhaps: an immediate runs once the loop has read it.
      setImmediate(() => {
        if (this.#finished) return;
        if (this.#heard) return this.#ping(socket);
        this.#finish(new Error(`the app-server did not answer a ping within ${every} ms`));
      });
    }, every);
    // The socket keeps the process alive while it is open; the pings need not.
    this.#pinger.unref();
  }

  #ping(socket: WebSocket): void {
    this.#heard = false;
    socket.ping();
  }

  send(line: string, done: (error?: Error | null) => void = this.#reportFailure): void {
    this.#opened.then((socket) => {
      if (socket === undefined || this.#finished) {
        return done(new Error("the app-server connection is closed"));
      }
      // Closing: the write fails once the close is reported, with the close frame's code and
      // reason, which the failure would otherwise stand in for.
      if (socket.readyState === socket.CLOSING) {
        if (this.#failAtClose === undefined) {
          const failing: ((error: Error) => void)[] = (this.#failAtClose = []);
          socket.once("close", () => {
            const error = new Error("the app-server connection is closed");
            for (const fail of failing) fail(error);
          });
        }
        this.#failAtClose.push(done);
        return;
      }
      const before = socket.bufferedAmount;
      try {
        // So few characters take at most 3 bytes each: one frame, whatever they are.
        if (line.length <= FRAME_BYTES / 3) socket.send(line, done);
        else this.#sendLong(socket, Buffer.from(line), done);
      } catch (err) {
        done(err as Error);
      }
      // What the kernel did not take at once is held (see `#watch`).
      this.#added += socket.bufferedAmount - before;
    });
  }

  #sendLong(socket: WebSocket, bytes: Buffer, done: (error?: Error | null) => void): void {
    // Sent in one go: no other message can come between the frames of this one.
    for (let at = 0; at < bytes.length; at += FRAME_BYTES) {
      const last = at + FRAME_BYTES >= bytes.length;
      const frame = bytes.subarray(at, at + FRAME_BYTES);
      socket.send(frame, { binary: false, fin: last }, last ? done : undefined);
    }
  }

  readonly #hear = (): void => {
    this.#heard = true;
  };

  // What a write with no callback of its own reports to.
  readonly #reportFailure = (error?: Error | null): void => {
    if (error) this.#sink?.writeFailed(error);
  };

  async close(): Promise<void> {
    if (this.#finished) return;
    const socket = this.#socket;
    // Refused, the reason still being read: nothing is open to close.
    if (socket === undefined || this.#refusedWith !== undefined) return this.#finish(undefined);
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.close();
    // A server that never answers the close frame is not waited for past the grace.
    await deadline(closed, {
      timeout: this.#closeGrace,
      onTimeout: () => {
        socket.terminate();
        return closed;
      },
    });
  }

  stderrTail(): string {
    return "";
  }

  unreached(timeoutMs: number): string | undefined {
    if (this.#upgraded) return undefined;
    const url = this.#launch.shownUrl;
    // Refused, its reason still on its way (a body that comes slowly or never ends).
    if (this.#refusedWith !== undefined) {
      return (
        `${url} refused the WebSocket upgrade: HTTP ${this.#refusedWith} (its reason was not ` +
        `read within ${timeoutMs} ms)`
      );
    }
    return `${url} did not answer the WebSocket upgrade within ${timeoutMs} ms`;
  }

  // `close` is the close frame's code and reason, when the socket closed without an error.
  #finish(error: Error | undefined, close?: { code: number; reason: string }): void {
    if (this.#finished) return;
    this.#finished = true;
    clearInterval(this.#pinger);
    this.#resolveOpened(undefined);
    if (this.#socket !== undefined && this.#socket.readyState !== this.#socket.CLOSED) {
      this.#socket.terminate();
    }
    const url = this.#launch.shownUrl;
    const code =
      close === undefined
        ? ""
        : ` (code ${close.code}${close.reason && `: ${close.reason}`})${UNSTATED[close.code] ?? ""}`;
    const reason =
      error !== undefined
        ? `connection to codex app-server at ${url} failed: ${error.message}`
        : `connection to codex app-server at ${url} closed${code}`;
    this.#sink?.closed({
      exitCode: null,
      signal: null,
      stderrTail: "",
      reason,
      ...(error ? { error } : {}),
    });
  }
}
