/**
 * A relay in front of the real pinned `codex app-server`: the client spawns it instead of the
 * binary; it spawns the binary and forwards every line both ways, except what the test tells it to
 * drop, delay, rewrite or inject, and it can exit at a chosen moment.
 *
 * ```ts
 * await using p = await startProxy({ rules: [{ match: { method: "turn/start" }, action: { exit: 7 } }] });
 * await using t = await createTestCodex({ launchArgs: p.launchArgs });
 * await p.inject({ message: { method: "some/notification", params: {} } });
 * const started = await p.next({ direction: "toClient", method: "turn/started" });
 * ```
 *
 * The environment and working directory reach the real server unchanged (so `createTestCodex`'s
 * `CODEX_HOME` applies), and its stderr is the relay's stderr.
 */
import { locateRuntime } from "../../../src/runtime.js";
import {
  ControlServer,
  Inbox,
  parseObject,
  scriptPath,
  writeToWire,
  type ControlMessage,
  type Wire,
} from "./control.js";
import type { JsonRpcFields, JsonRpcId, StandinWrite } from "./standin.js";

/** Which way a line travels. */
export type Direction = "toClient" | "toServer";

/** What a relayed line is; a response is named by the method of the request it answers. */
export type MessageKind = "request" | "notification" | "response" | "invalid";

/** Which lines a rule applies to; every field given must match. */
export interface ProxyMatch {
  readonly direction?: Direction;
  /** The method; for a response, the method of the request it answers. */
  readonly method?: string;
  readonly kind?: MessageKind;
  /** The JSON-RPC id of a request or response. */
  readonly id?: JsonRpcId;
}

/** What happens to a matching line. */
export type ProxyAction =
  /** Not forwarded. */
  | { readonly drop: true }
  /**
   * Forwarded after `delayMs`. By default the lines behind it in the same direction wait too (a
   * slow pipe); `keepOrder: false` lets them overtake it.
   */
  | { readonly delayMs: number; readonly keepOrder?: boolean }
  /** This message is forwarded instead. */
  | { readonly replace: unknown }
  /**
   * The test rewrites the message: return what to forward instead, or `undefined` to drop it.
   * Later lines in the same direction wait for the answer.
   */
  | {
      readonly rewrite: (message: JsonRpcFields | undefined, line: string) => unknown;
    }
  /** The real server is killed and the relay exits with this code; the line is not forwarded. */
  | { readonly exit: number }
  /** Forwarded unchanged (for a rule that only injects). */
  | { readonly pass: true };

/** A rule: lines matching `match` get `action`, `times` times (default: always). */
export interface ProxyRule {
  readonly match: ProxyMatch;
  readonly action: ProxyAction;
  readonly times?: number;
  /** Written after the matching line is handled. */
  readonly inject?: {
    readonly toClient?: readonly StandinWrite[];
    readonly toServer?: readonly StandinWrite[];
  };
}

/** What became of a line. */
export type RelayFate =
  "forwarded" | "dropped" | "delayed" | "replaced" | "rewritten" | "exit" | "injected";

/** One line the relay handled (or injected), in order per direction. */
export interface RelayedLine {
  readonly index: number;
  readonly direction: Direction;
  readonly fate: RelayFate;
  /** The line as it arrived (for injections: what was written, when it was a line or message). */
  readonly line: string | undefined;
  readonly message: JsonRpcFields | undefined;
  readonly kind: MessageKind | "injected";
  readonly method: string | undefined;
  readonly id: JsonRpcId | undefined;
}

/** Options of {@link startProxy}. */
export interface ProxyOptions {
  /** Rules in place before the first line; a later rule wins over an earlier one. */
  readonly rules?: readonly ProxyRule[];
  /** The binary to run; default the pinned runtime (`locateRuntime()`). */
  readonly binary?: string;
  /** `--config key=value` pairs put before `app-server`. */
  readonly configOverrides?: readonly string[];
  /** The binary's arguments, replacing `[...config, "app-server", "--listen", "stdio://"]`. */
  readonly args?: readonly string[];
  /** The relay keeps running on SIGTERM (the client must SIGKILL it; the real server then exits). */
  readonly ignoreSigterm?: boolean;
  /** How long `next` waits by default; 10 000 ms. */
  readonly timeoutMs?: number;
}

/** A relay in front of the real app-server; see {@link startProxy}. */
export interface Proxy extends AsyncDisposable {
  /** What to pass as `CodexOptions.launchArgs` (works through `createTestCodex`). */
  readonly launchArgs: readonly string[];
  /** The relay's pid, once the client started it. */
  readonly pid: number | undefined;
  /** The real app-server's pid, once the relay spawned it. */
  readonly realPid: number | undefined;
  /** Resolves with the real app-server's pid once it is spawned. */
  readonly realStarted: Promise<number>;
  /**
   * Resolves when the real app-server has exited, as the relay saw it (`code` and `signal` both
   * `null` when the relay itself died first and could not say).
   */
  readonly realExited: Promise<{ code: number | null; signal: string | null }>;
  /** Resolves once the relay has exited; `code` is its exit code when it chose to exit. */
  readonly gone: Promise<{ code: number | null }>;
  /**
   * Every line handled, both directions, in the order the relay handled them, as its reports
   * have arrived: after `sync()` (or `next`) it holds every line the client has seen.
   */
  readonly log: readonly RelayedLine[];
  /** Signals the relay received, in order. */
  readonly signals: readonly string[];
  /** The next signal received that no earlier call returned (waits for it). */
  nextSignal(timeoutMs?: number): Promise<string>;
  /** Errors inside the relay script. */
  readonly errors: readonly string[];
  /** Adds a rule (it wins over earlier ones); resolves once the relay has it. */
  rule(rule: ProxyRule): Promise<void>;
  /** Shorthand: drops lines matching `match` (`times` of them, default all). */
  drop(match: ProxyMatch, times?: number): Promise<void>;
  /** Removes every rule. */
  clearRules(): Promise<void>;
  /** Writes toward the client, after what is already queued that way. */
  inject(...writes: StandinWrite[]): Promise<void>;
  /** Writes toward the real server, after what is already queued that way. */
  injectToServer(...writes: StandinWrite[]): Promise<void>;
  /**
   * The earliest logged line matching `match` that no earlier call returned; waits if needed and
   * fails after the timeout naming what was seen.
   */
  next(
    match: ProxyMatch | ((line: RelayedLine) => boolean),
    timeoutMs?: number,
  ): Promise<RelayedLine>;
  /**
   * Resolves once `log` holds every line the relay has handled: a round trip on the control
   * channel, which carries each line's report before the relay passes the line on.
   */
  sync(): Promise<void>;
  /** Kills the real server and makes the relay exit with `code`; resolves once it has. */
  exit(code: number): Promise<{ code: number | null }>;
  /** Kills the relay and the real server if still running, and closes the channel; idempotent. */
  close(): Promise<void>;
}

function killQuietly(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Starts the control channel of a relay; the client launches it with `launchArgs`. */
export async function startProxy(options: ProxyOptions = {}): Promise<Proxy> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let binary = options.binary;
  let pathDir: string | undefined;
  if (binary === undefined) {
    const runtime = locateRuntime();
    binary = runtime.binary;
    pathDir = runtime.pathDir;
  }
  const config = (options.configOverrides ?? []).flatMap((pair) => ["--config", pair]);
  const args = options.args ?? [...config, "app-server", "--listen", "stdio://"];

  const rewriters = new Map<
    number,
    (message: JsonRpcFields | undefined, line: string) => unknown
  >();
  let nextRewriter = 1;
  const ruleToWire = (rule: ProxyRule): Wire => {
    let action: Wire;
    if ("rewrite" in rule.action) {
      const ask = nextRewriter++;
      rewriters.set(ask, rule.action.rewrite);
      action = { ask };
    } else action = rule.action as Wire;
    return {
      match: rule.match,
      action,
      times: rule.times,
      inject: {
        toClient: rule.inject?.toClient?.map(writeToWire),
        toServer: rule.inject?.toServer?.map(writeToWire),
      },
    };
  };
  const initialRules = (options.rules ?? []).map(ruleToWire);

  const inbox = new Inbox<RelayedLine>();
  const signalInbox = new Inbox<string>();
  const signals = signalInbox.all;
  const errors: string[] = [];
  let realPid: number | undefined;
  let realStarted!: (pid: number) => void;
  const realStartedPromise = new Promise<number>((resolve) => (realStarted = resolve));
  let realExited!: (info: { code: number | null; signal: string | null }) => void;
  const realExitedPromise = new Promise<{ code: number | null; signal: string | null }>(
    (resolve) => (realExited = resolve),
  );

  const onEvent = (message: ControlMessage): void => {
    switch (message.t) {
      case "relay": {
        const line = message.line as string | undefined;
        inbox.push({
          index: inbox.all.length,
          direction: message.direction as Direction,
          fate: message.fate as RelayFate,
          line,
          message: parseObject(line),
          kind: message.kind as MessageKind | "injected",
          method: message.method as string | undefined,
          id: message.id as JsonRpcId | undefined,
        });
        break;
      }
      case "ask": {
        const line = message.line as string;
        const rewrite = rewriters.get(message.rewriter as number);
        let answer: Wire;
        try {
          const out = rewrite === undefined ? undefined : rewrite(parseObject(line), line);
          answer = out === undefined ? { drop: true } : { message: out };
        } catch (err) {
          errors.push(`rewrite threw: ${String(err)}`);
          answer = { drop: true };
        }
        control.post({ t: "answer", ask: message.ask, answer });
        break;
      }
      case "child":
        realPid = message.pid as number;
        realStarted(realPid);
        break;
      case "childExit":
        realExited({
          code: message.code as number | null,
          signal: message.signal as string | null,
        });
        break;
      case "signal":
        signalInbox.push(message.name as string);
        break;
      case "error":
        errors.push(message.message as string);
        break;
    }
  };

  const queued: Wire[] = [];
  const control = await ControlServer.listen(
    () => ({
      t: "config",
      rules: initialRules,
      ignoreSigterm: options.ignoreSigterm ?? false,
      queued: queued.splice(0),
    }),
    onEvent,
  );
  const command = (cmd: Wire): Promise<void> => {
    if (control.pid === undefined) {
      queued.push(cmd);
      return Promise.resolve();
    }
    return control.command(cmd);
  };
  void control.gone.then(({ code }) => {
    inbox.close(`the proxy exited with code ${code}`);
    signalInbox.close(`the proxy exited with code ${code}`);
    // The relay is gone; so is its child by now, unless something went badly wrong.
    realExited({ code: null, signal: null });
  });

  const rule = (r: ProxyRule): Promise<void> => command({ op: "rule", rule: ruleToWire(r) });
  const inject = (direction: Direction, writes: StandinWrite[]) =>
    command({ op: "write", direction, actions: writes.map(writeToWire) });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      if (control.live) killQuietly(control.pid);
      await control.close();
      await control.gone;
      // Belt and braces: the real server dies with its stdin, but a test must never leak one.
      killQuietly(realPid);
    })());

  const launchArgs = [
    process.execPath,
    scriptPath("proxy.mjs"),
    "--control",
    control.address,
    ...(pathDir === undefined ? [] : ["--path-dir", pathDir]),
    "--",
    binary,
    ...args,
  ];
  return {
    launchArgs,
    get pid() {
      return control.pid;
    },
    get realPid() {
      return realPid;
    },
    realStarted: realStartedPromise,
    realExited: realExitedPromise,
    gone: control.gone,
    log: inbox.all,
    signals,
    nextSignal: (wait = timeoutMs) =>
      signalInbox.next(
        () => true,
        wait,
        () => "waiting for a signal",
      ),
    errors,
    rule,
    drop: (match, times) => rule({ match, action: { drop: true }, times }),
    clearRules: () => command({ op: "clearRules" }),
    sync: () => command({ op: "sync" }),
    inject: (...writes) => inject("toClient", writes),
    injectToServer: (...writes) => inject("toServer", writes),
    next(match, wait = timeoutMs) {
      const test =
        typeof match === "function"
          ? match
          : (l: RelayedLine) =>
              (match.direction === undefined || match.direction === l.direction) &&
              (match.method === undefined || match.method === l.method) &&
              (match.kind === undefined || match.kind === l.kind) &&
              (match.id === undefined || match.id === l.id);
      return inbox.next(test, wait, () => {
        const seen = inbox.all
          .slice(-20)
          .map((l) => `${l.direction}:${l.method ?? l.kind}:${l.fate}`)
          .join(", ");
        return `waiting for ${typeof match === "function" ? "a matching line" : JSON.stringify(match)} (last seen: ${seen || "nothing"})`;
      });
    },
    exit(code) {
      command({ op: "exit", code }).catch(() => {});
      return control.gone;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
