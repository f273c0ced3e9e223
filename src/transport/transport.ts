/** Why a transport stopped: how the process ended, what it last said on stderr, and any local error. */
export interface TransportCloseInfo {
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** What `Transport.stderrTail()` gives. */
  readonly stderrTail: string;
  /** A local failure that ended the transport (spawn error, write error), if any. */
  readonly error?: Error;
  /** How the transport ended, in words, when exit code and signal do not say it. */
  readonly reason?: string;
}

/** A channel's bound on one message (see `Transport.messageLimit`). */
export interface MessageLimit {
  readonly bytes: number;
  /** Names the channel in errors: "over WebSocket". */
  readonly channel: string;
}

/** What a transport reports to the connection above it. */
export interface TransportSink {
  /** One complete line (without its newline), in arrival order; called without `this`. */
  readonly line: (text: string) => void;
  /**
   * A message too long for a JavaScript string (over 512 MiB), dropped: `head` is its start, where
   * a JSON-RPC message has its id and method. Called without `this`, in the line's place.
   */
  readonly overlong: (head: string) => void;
  /**
   * A write sent without a `done` failed: the channel is going away. A transport may report a
   * failed write that had a `done` here too; the connection closes once either way.
   */
  writeFailed(error: Error): void;
  /**
   * A message that is no line (a WebSocket binary frame; the app-server sends text), described
   * by `what` and decoded as `text`: the connection logs it and drops it.
   */
  dropped(what: string, text: string): void;
  /** Called once, after the last line. */
  closed(info: TransportCloseInfo): void;
}

/**
 * A bidirectional line channel to an app-server. It knows nothing of JSON-RPC: it frames lines,
 * keeps write order and reports its end once.
 */
export interface Transport {
  /** Starts delivering lines to `sink`; called once. */
  start(sink: TransportSink): void;
  /**
   * Writes one line (a newline is appended). `done`, when given, is called once the line is
   * handed to the OS, with the error if it could not be. A request passes none: it waits on its
   * answer, and a failed write reaches the sink's `writeFailed` anyway, so its write costs no
   * callback, no promise and no tick of its own.
   */
  send(line: string, done?: (error?: Error | null) => void): void;
  /**
   * The longest message the server takes on this channel, in UTF-8 bytes, and the channel's name
   * for the error that refuses a longer one; absent when there is no limit (stdio). The connection
   * refuses a longer line before `send`, so `send` never sees one.
   */
  readonly messageLimit?: MessageLimit;
  /** Ends the channel (and the process behind it); idempotent. */
  close(): Promise<void>;
  /**
   * The last whole lines the server wrote on stderr, when the transport can see them, unredacted
   * and uncut: the connection redacts them, then cuts them to the tail an error shows.
   */
  stderrTail(): string;
  /**
   * Why nothing could be sent within `timeoutMs`, when the transport has still not reached the
   * server (a WebSocket upgrade never answered, or refused with a reason still on its way);
   * `undefined` once it has, or when it cannot say.
   */
  unreached?(timeoutMs: number): string | undefined;
}
