import { CodexError, ERROR_CLASS, abortedBecause } from "./errors.js";
import type { CommandExecTerminalSize } from "./generated/index.js";
import type { Log } from "./internal/logger.js";
import type { Secrets } from "./internal/redact.js";
import type { Sandbox } from "./options.js";
import type { Connection } from "./rpc/connection.js";
import type { RequestOptions } from "./internal/validate.js";
import type { Router } from "./rpc/router.js";

/** Options of `Codex.exec`. */
export interface ExecOptions {
  /** Working directory; default the app-server's. */
  readonly cwd?: string | undefined;
  /** Variables merged over the environment the server computes; `null` unsets one. */
  readonly env?: Readonly<Record<string, string | null | undefined>> | undefined;
  /** Run in a pseudo-terminal (stdout and stderr then arrive together as `stdout`); implies `stdin`. */
  readonly tty?: boolean | undefined;
  /** The terminal's initial size; with `tty` only. */
  readonly size?: CommandExecTerminalSize | undefined;
  /**
   * Keep standard input open for `write()` and `closeStdin()`; default `false`, so a command that
   * reads its input sees it end at once instead of waiting forever.
   */
  readonly stdin?: boolean | undefined;
  /**
   * Sandbox preset, sent as the full `sandboxPolicy` object (network access and extra writable
   * directories off unless the next two give them); default the user's configured sandbox policy.
   */
  readonly sandbox?: Sandbox | undefined;
  /** With `sandbox` `readOnly` or `workspaceWrite`: the command may reach the network. */
  readonly networkAccess?: boolean | undefined;
  /** With `sandbox: "workspaceWrite"`: more directories it may write to (absolute paths). */
  readonly additionalDirectories?: readonly string[] | undefined;
  /**
   * A permissions profile of the runtime's config (`permissionProfile`, such as `":read-only"`)
   * in place of `sandbox`, which it cannot be given with; default the user's configured one.
   */
  readonly permissionProfile?: string | undefined;
  /**
   * `false` keeps no output for `wait()` (it then resolves with empty `stdout` and `stderr`), and
   * drops each chunk once the open loops have read it, and at once when no loop of its stream is
   * open: for commands with endless output. Read both streams at the same time, then. Default
   * `true`.
   */
  readonly collectOutput?: boolean | undefined;
  /**
   * Milliseconds the command may run; then it is terminated and `wait()` rejects with
   * `CommandAbortedError` whose `cause` is a `TimeoutError`. Default: no limit (the runtime's own
   * 10 s limit is switched off).
   */
  readonly timeout?: number | undefined;
  /** Aborting terminates the command, and `wait()` rejects with `CommandAbortedError`. */
  readonly signal?: AbortSignal | undefined;
}

/** What `CommandHandle.wait()` resolves with. */
export interface CommandResult {
  /**
   * The exit code; 128 + the signal number when a signal ended it (137 after `terminate()`).
   * With a tty the runtime reports 1 after `terminate()`, and for a command its own signal ended
   * outside a sandbox.
   */
  readonly exitCode: number;
  /** Everything the command wrote to standard output (to the terminal, with `tty`), decoded as UTF-8. */
  readonly stdout: string;
  /** Everything it wrote to standard error, decoded as UTF-8. */
  readonly stderr: string;
}

/** A command ended by its `signal` or `timeout`: it was terminated, `result` holds what it wrote. */
export class CommandAbortedError extends CodexError {
  /** @internal The class across copies of the SDK in one process (see `CodexError`). */
  static override readonly [ERROR_CLASS]: string = "CommandAbortedError";
  override readonly name = "AbortError";
  constructor(
    /**
     * The exit code and the output up to the end, or `null` when it never ended (or the server's
     * answer gave no exit that could be read).
     */
    readonly result: CommandResult | null,
    cause: unknown,
  ) {
    // Its reason told, so that a log tells a timeout from a caller's abort.
    super(`The command was aborted${abortedBecause(cause)}`, { cause });
  }
}

/** What a command needs from its client. */
export interface CommandContext {
  readonly connection: Connection;
  readonly router: Router;
  readonly log: Log;
  /** Where the credentials of a command's environment are kept for redaction. */
  readonly secrets?: Secrets;
  /** The server's system (`initialize`'s `platformFamily`), to which its paths are held. */
  readonly platformFamily?: string;
}

/**
 * @internal What a handle asks of its command, run by `command-run.ts`: that module is loaded on
 * the first `exec`, as most clients run no command.
 */
export interface CommandControl {
  readonly processId: string;
  readonly stdout: AsyncIterable<string>;
  readonly stderr: AsyncIterable<string>;
  readonly exited: boolean;
  wait(): Promise<CommandResult>;
  write(data: string | Uint8Array, options?: RequestOptions): Promise<void>;
  closeStdin(options?: RequestOptions): Promise<void>;
  resize(size: CommandExecTerminalSize, options?: RequestOptions): Promise<void>;
  terminate(options?: RequestOptions): Promise<void>;
}

/**
 * A command running in the app-server's sandbox (`command/exec`), started by `Codex.exec`: read
 * its output as it comes, write to its input, resize its terminal, end it, or wait for its exit.
 */
export class CommandHandle {
  /** The connection-scoped process id the SDK gave the command. */
  readonly processId: string;
  /**
   * Standard output (the terminal's output, with `tty`) as decoded chunks. A loop reads the
   * chunks its stream still keeps for loops (all of them until a loop has read some), then what
   * comes; `wait()` has the whole output.
   */
  readonly stdout: AsyncIterable<string>;
  /** Standard error as decoded chunks (nothing with `tty`). */
  readonly stderr: AsyncIterable<string>;
  readonly #command: CommandControl;

  /** @internal Made by `Codex.exec`. */
  constructor(command: CommandControl) {
    this.#command = command;
    this.processId = command.processId;
    this.stdout = command.stdout;
    this.stderr = command.stderr;
  }

  /**
   * Serializes as `{ processId }`, keeping the client out of logs.
   *
   * @property __type.processId The command's process id.
   */
  toJSON(): { processId: string } {
    return { processId: this.processId };
  }

  /** Whether the command has exited. */
  get exited(): boolean {
    return this.#command.exited;
  }

  /**
   * Resolves with the exit code and the whole output once the command has exited (a non-zero
   * exit is not an error). Rejects with `CommandAbortedError` after its `signal` or `timeout`,
   * with `TransportClosedError` when the app-server goes away, and with `CodexError` when a
   * stream's output outgrows one string (536,870,888 characters; see `collectOutput`).
   */
  wait(): Promise<CommandResult> {
    return this.#command.wait();
  }

  /** Writes to the command's standard input (a string is sent as UTF-8); needs `stdin` or `tty`. */
  write(data: string | Uint8Array, options?: RequestOptions): Promise<void> {
    return this.#command.write(data, options);
  }

  /**
   * Closes the command's standard input, so a command reading it sees its end. With `tty` the
   * runtime ends it as a terminal does: a newline, then the end.
   */
  closeStdin(options?: RequestOptions): Promise<void> {
    return this.#command.closeStdin(options);
  }

  /** Resizes the command's terminal; needs `tty`. */
  resize(size: CommandExecTerminalSize, options?: RequestOptions): Promise<void> {
    return this.#command.resize(size, options);
  }

  /**
   * Ends the command (the server kills it); `wait()` then resolves with its exit code (137; 1 with a tty).
   * Resolves at once when the command has already exited.
   */
  terminate(options?: RequestOptions): Promise<void> {
    return this.#command.terminate(options);
  }
}
