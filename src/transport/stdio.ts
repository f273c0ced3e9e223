import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  openSync,
  readFileSync,
  readSync,
  statSync,
} from "node:fs";
import { resolve as resolvePath } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { LineDecoder, TextTail } from "./lines.js";
import type { Transport, TransportCloseInfo, TransportSink } from "./transport.js";

/** How to launch the app-server process. */
export interface StdioLaunch {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  /** How long `close()` waits after SIGTERM before SIGKILL. */
  readonly killGraceMs?: number | undefined;
}

// Children still running when the host process exits are ended, so none outlives its parent.
// The runtime ends by SIGTERM in tens of milliseconds (its commands with it); one that has not
// ended in this long, at the process's exit, is killed.
const EXIT_GRACE_MS = 500;
const liveChildren = new Set<ChildProcessWithoutNullStreams>();
const endAtExit = () => killLiveChildren(EXIT_GRACE_MS);
// The exit hook is on the process while a child runs, and only then.
function track(child: ChildProcessWithoutNullStreams): void {
  if (liveChildren.size === 0) process.once("exit", endAtExit);
  liveChildren.add(child);
}
function untrack(child: ChildProcessWithoutNullStreams): void {
  if (liveChildren.delete(child) && liveChildren.size === 0) process.off("exit", endAtExit);
}

// Signals the child's process group (a wrapper given as `launchArgs`, the server under it and
// what the wrapper started beside it), or the child alone where there is no group (Windows) or
// it is gone (ESRCH).
function signalGroup(child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals): void {
  const { pid } = child;
  try {
    if (pid === undefined || process.platform === "win32") child.kill(signal);
    else process.kill(-pid, signal);
  } catch {
    child.kill(signal);
  }
}

/**
 * @internal Ends every app-server this process spawned that still runs, with its process group,
 * as the process ends: SIGTERM, so that the server ends the commands and MCP servers it started,
 * which run in process groups of their own that a SIGKILL of its group would leave running. It
 * waits up to `graceMs` (synchronously: the process is ending) for each server to exit, then
 * kills what is left in each group (a server that ignored the signal, or what a `launchArgs`
 * wrapper started beside it), and forgets them all.
 */
export function killLiveChildren(graceMs: number): void {
  const children = [...liveChildren];
  liveChildren.clear();
  process.off("exit", endAtExit);
  for (const child of children) signalGroup(child, "SIGTERM");
  // There the signal is the end itself (`TerminateProcess`), and there are no groups.
  if (process.platform === "win32") return;
  const deadline = Date.now() + graceMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < deadline && !children.every(hasEnded)) Atomics.wait(pause, 0, 0, 5);
  // An ended server is not yet reaped (the event loop no longer runs), so its id still names
  // its group, and no other.
  for (const child of children) signalGroup(child, "SIGKILL");
}

// Whether a child has exited, read synchronously: the event loop, which would report its exit,
// no longer runs. It is gone or a zombie (not yet reaped): on Linux as /proc shows it, elsewhere
// as `ps` does; should neither tell, it is taken as running until the grace ends.
function hasEnded(child: ChildProcessWithoutNullStreams): boolean {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  const { pid } = child;
  if (pid === undefined) return false;
  if (process.platform === "linux") {
    try {
      // `pid (name) state ...`, where the name may hold anything, a ")" included.
      const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
      return stat[stat.lastIndexOf(")") + 2] === "Z";
    } catch {
      return true;
    }
  }
  const ps = spawnSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "latin1" });
  if (ps.error !== undefined || ps.stdout === null) return false;
  // Nothing listed: gone.
  const state = ps.stdout.trim();
  return state === "" || state.startsWith("Z");
}

// The end is reported once the process has exited and stdout and stderr are read to their end
// (stderr's last lines often say why it ended). Once it has exited or closed stdout, the rest
// normally follows at once; this bounds the wait when a grandchild still holds a pipe open.
const SETTLE_MS = 250;

/** Spawns the app-server binary directly (no shell) and talks newline-delimited JSON on stdio. */
export class StdioTransport implements Transport {
  // Private fields: the launch holds the child's whole environment, keys included.
  readonly #launch: StdioLaunch;
  #child: ChildProcessWithoutNullStreams | undefined;
  #sink: TransportSink | undefined;
  readonly #stderr = new TextTail();
  #exit: { code: number | null; signal: string | null } | undefined;
  #finished = false;
  #spawnError: Error | undefined;
  #settleTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  // Whether close() sweeps the server's group once it exits: it was running as close() began.
  #closeSweeps = false;
  readonly #exited: Promise<void>;
  #resolveExited!: () => void;
  // Settles once its end is reported (see #finish), its group swept.
  readonly #ended: Promise<void>;
  #resolveEnded!: () => void;

  constructor(launch: StdioLaunch) {
    this.#launch = launch;
    this.#exited = new Promise((resolve) => (this.#resolveExited = resolve));
    this.#ended = new Promise((resolve) => (this.#resolveEnded = resolve));
  }

  /** Listeners on the child and its pipes, for leak checks. */
  get stats(): Record<string, number> {
    const child = this.#child;
    if (child === undefined) return { childListeners: 0 };
    const emitters = [child, child.stdin, child.stdout, child.stderr];
    let count = 0;
    for (const emitter of emitters) {
      for (const name of emitter.eventNames()) count += emitter.listenerCount(name);
    }
    return { childListeners: count };
  }

  /** Process id of the child, once started. */
  get pid(): number | undefined {
    // Once the child has exited, its id may soon name another process.
    return this.#exit === undefined ? this.#child?.pid : undefined;
  }

  start(sink: TransportSink): void {
    this.#sink = sink;
    const { command, args, cwd, env } = this.#launch;
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(command, args, {
        cwd,
        env,
        stdio: ["pipe", "pipe", "pipe"],
        windowsHide: true,
        // A process group of its own: Ctrl-C in a terminal, or a signal to the program's group,
        // reaches the program, which may still interrupt its turns and close the client. The
        // server still ends with the program: at the end of its stdin, or the exit hook above.
        detached: process.platform !== "win32",
      });
    } catch (err) {
      // Some failures (ENOTDIR, E2BIG) are thrown instead of emitted: they end it the same way.
      this.#spawnError = spawnFailure(err as NodeJS.ErrnoException, cwd);
      this.#resolveExited();
      process.nextTick(() => this.#finish());
      return;
    }
    this.#child = child;
    track(child);

    // The sink's line and the decoder's push are fields taken as they are: no layer per chunk.
    const lines = new LineDecoder(sink.line, sink.overlong);
    child.stdout.on("data", lines.push);
    child.stdout.on("end", () => {
      lines.end();
      this.#settle();
    });
    const text = new StringDecoder("utf8");
    child.stderr.on("data", (chunk: Buffer) => this.#stderr.push(text.write(chunk)));
    // A write to a dead child fails with EPIPE; the connection closes on it, and the exit says why.
    child.stdin.on("error", (err) => this.#sink?.writeFailed(err));
    child.on("error", (err) => {
      this.#spawnError = spawnFailure(err, cwd);
      untrack(child);
      this.#resolveExited();
      this.#finish();
    });
    child.on("exit", (code, signal) => {
      this.#exit = { code, signal };
      // Its end reported already (its stdout closed first): nothing is left to sweep.
      if (this.#finished) untrack(child);
      this.#resolveExited();
      this.#settle();
    });
    // The exit, with stdout and stderr read to their end.
    child.on("close", () => this.#finish());
  }

  send(line: string, done?: (error?: Error | null) => void): void {
    const stdin = this.#child?.stdin;
    if (stdin === undefined || this.#finished || this.#closing !== undefined || !stdin.writable) {
      const error = new Error("codex app-server is not running");
      return done === undefined ? this.#sink?.writeFailed(error) : done(error);
    }
    // A callback fires once the data is flushed, so a caller that waits respects backpressure.
    // Without one, Node's stream schedules nothing after a write that went through at once.
    if (done === undefined) stdin.write(line + "\n");
    else stdin.write(line + "\n", done);
  }

  // The whole lines kept (up to 64 KiB): the connection redacts them, then cuts them to a tail.
  stderrTail(): string {
    return this.#stderr.text();
  }

  close(graceMs = this.#launch.killGraceMs ?? 2000): Promise<void> {
    this.#closing ??= this.#terminate(graceMs);
    return this.#closing;
  }

  async #terminate(graceMs: number): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    child.stdin.end();
    // Exited before: its group was swept as it ended (see #finish), and its id may by now name
    // another process's group.
    const exitedBefore = this.#exit !== undefined;
    this.#closeSweeps = !exitedBefore;
    if (!exitedBefore) signalGroup(child, "SIGTERM");
    const timer = setTimeout(() => {
      if (this.#exit === undefined) signalGroup(child, "SIGKILL");
    }, graceMs);
    try {
      await this.#exited;
    } finally {
      clearTimeout(timer);
    }
    // What the server leaves in its group (what a `launchArgs` wrapper started beside it), the
    // group still named by it as long as one of them runs.
    if (!exitedBefore) signalGroup(child, "SIGKILL");
    // Its end reported: after a crash, its group swept there.
    await this.#ended;
  }

  #settle(): void {
    this.#settleTimer ??= setTimeout(() => this.#finish(), SETTLE_MS);
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#settleTimer);
    const child = this.#child;
    if (child !== undefined) {
      child.stdout.removeAllListeners("data");
      child.stdout.destroy();
      child.stderr.destroy();
      child.stdin.destroy();
      // Closed while it ran, it has the rest of its grace to exit by itself, and its group is
      // swept then (see #terminate). Ended by itself (a crash), what it left in its group (what
      // a wrapper started beside it) goes now, its last words read: later, once the group is
      // empty, the group's id may name another process's.
      if (
        this.#exit !== undefined
          ? !this.#closeSweeps
          : this.#spawnError === undefined && this.#closing === undefined
      ) {
        signalGroup(child, "SIGKILL");
      }
      // Exited, it is the exit hook's no more; still running (its stdout closed first), it is
      // until its exit.
      if (this.#exit !== undefined || this.#spawnError !== undefined) untrack(child);
    }
    this.#resolveEnded();
    const info: TransportCloseInfo = {
      exitCode: this.#exit?.code ?? null,
      signal: this.#exit?.signal ?? null,
      stderrTail: this.#stderr.text(),
      ...(this.#spawnError ? { error: this.#spawnError } : {}),
    };
    this.#sink?.closed(info);
  }
}

// A spawn error without Node's copy of the command line (`spawnargs`), which holds the --config
// values: a base URL with its password, a bearer token. Only what says why it failed is kept,
// and a missing working directory, which Node reports as a missing binary, is named as such
// (checked here, on failure, so a spawn that works costs no look at the disk).
function spawnFailure(err: NodeJS.ErrnoException, cwd: string | undefined): Error {
  const { code, errno, syscall, path } = err;
  return Object.assign(new Error(spawnMessage(err, cwd)), { code, errno, syscall, path });
}

// The script a failed spawn named, when it is one (a file that starts with `#!`): a relative
// path is looked for where the child ran; a path that cannot be read says nothing more.
function scriptFile(err: NodeJS.ErrnoException, cwd: string | undefined): string | undefined {
  if (typeof err.path !== "string" || !err.path.includes("/")) return undefined;
  const file = resolvePath(cwd ?? ".", err.path);
  let fd: number | undefined;
  try {
    if (statSync(file, { throwIfNoEntry: false })?.isFile() !== true) return undefined;
    fd = openSync(file, "r");
    const start = Buffer.alloc(2);
    return readSync(fd, start, 0, 2, 0) === 2 && start.toString("latin1") === "#!"
      ? file
      : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function mayUse(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

// Node reports a working directory that is missing (or is a file) as a missing binary.
function spawnMessage(err: NodeJS.ErrnoException, cwd: string | undefined): string {
  if ((err.code === "ENOENT" || err.code === "ENOTDIR") && cwd !== undefined) {
    try {
      if (!statSync(cwd).isDirectory()) return `the working directory ${cwd} is not a directory`;
    } catch (statErr) {
      // Told by its code: Node 22 and later answer a path through a file (ENOTDIR) as a missing
      // one where `throwIfNoEntry` is off.
      if ((statErr as NodeJS.ErrnoException).code === "ENOENT") {
        return `the working directory ${cwd} does not exist`;
      }
      // A path through a file, a loop, a directory not to be read: its own words.
      return `the working directory ${cwd} cannot be used: ${(statErr as Error).message}`;
    }
  }
  // Refused, the command checked as one that may be run: the directory it was to run in is not
  // to be entered, or the interpreter its `#!` line names is not to be run.
  if (err.code === "EACCES") {
    if (cwd !== undefined && !mayUse(cwd, fsConstants.X_OK)) {
      return `the working directory ${cwd} cannot be entered (EACCES: permission denied)`;
    }
    const command = scriptFile(err, cwd);
    if (command !== undefined && mayUse(command, fsConstants.X_OK)) {
      return `${err.message}: ${err.path} may be run, but the interpreter its first line (#!) names cannot be (it is not executable, or a directory)`;
    }
  }
  // The command is there: what is missing is the interpreter its `#!` line names.
  if (err.code === "ENOENT" && scriptFile(err, cwd) !== undefined) {
    return `${err.message}: ${err.path} exists, but the interpreter its first line (#!) names was not found`;
  }
  if (err.code === "E2BIG") {
    return (
      "the command line and environment are too long for the system (E2BIG): a " +
      "configOverrides, launchArgs or env value is too large"
    );
  }
  return err.message;
}
