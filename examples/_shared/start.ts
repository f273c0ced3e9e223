/**
 * The one switch every example shares: run against the real Codex service when an account is
 * configured, else against the offline mock Responses API from `codex-app-server-sdk/testing`.
 *
 * `startCodex()` is `Codex.start()` plus that choice. Against the real service it starts the
 * app-server with your normal config (`~/.codex` or `$CODEX_HOME`); offline it points a throwaway
 * `CODEX_HOME` at a local mock model, and `script` queues what that model will answer. Against
 * the real service `script` does nothing, so an example reads the same either way.
 *
 * `CODEX_SDK_OFFLINE=1` forces the offline mode (CI uses it, so it never touches the network).
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { Codex, type CodexOptions } from "codex-app-server-sdk";
import {
  createCodexHome,
  mockModelInfo,
  sse,
  startMockResponsesServer,
  type CodexHome,
  type MockModelInfo,
  type MockResponsesServer,
  type MockUsage,
  type ResponsePart,
} from "codex-app-server-sdk/testing";

/** Which backend the examples will use, and why. */
export interface Mode {
  readonly offline: boolean;
  /** Whether `CODEX_SDK_OFFLINE` chose offline (credentials may exist). */
  readonly forced: boolean;
  /** For people: "offline mock provider (no account configured)" or "real Codex service (...)". */
  readonly label: string;
  /** `OPENAI_API_KEY`, when it is the only login: given to `Codex.start`, kept in memory only. */
  readonly apiKey?: string;
}

/** Options of {@link MockScript.reply}. */
export interface ReplyOptions {
  /** Pause between streamed chunks, in ms (default 25, so the answer visibly streams). */
  readonly delayMs?: number;
  /** A reasoning summary streamed before the answer. */
  readonly reasoning?: string;
  /** Token usage the mock reports for the response. */
  readonly usage?: MockUsage;
}

/**
 * What the offline mock model answers next; each call queues one model response, consumed in
 * order by the app-server's requests. Every method does nothing against the real service.
 */
export interface MockScript {
  /** Queues an assistant answer, streamed word by word. */
  reply(text: string, options?: ReplyOptions): void;
  /** Queues a call of the tool `name` (a dynamic tool, or the runtime's own `exec_command`). */
  callTool(name: string, args: Record<string, unknown>): void;
  /** Queues a failed response; `code` picks the failure (e.g. "server_is_overloaded"). */
  fail(message: string, code?: string): void;
  /** Queues a response made of raw `sse.*` events from the testing kit. */
  respond(parts: readonly ResponsePart[], options?: { delayMs?: number }): void;
}

/** Options of {@link startCodex}: `Codex.start` options, plus one for the offline mock. */
export interface StartOptions extends CodexOptions {
  /**
   * Offline, make the mock provider require an OpenAI login, as the real one does, so that
   * logins show up in `codex.account()`. Ignored against the real service.
   */
  readonly offlineRequiresLogin?: boolean;
}

/** A started example: the client, which backend it talks to, and the mock's script. */
export interface ExampleSession extends AsyncDisposable {
  readonly codex: Codex;
  readonly offline: boolean;
  readonly mode: string;
  readonly script: MockScript;
  /** A fresh temporary directory: the app-server's (and so the threads') working directory. */
  readonly workDir: string;
  /** Closes the client, then the mock, and removes the temporary directories; idempotent. */
  close(): Promise<void>;
}

/** The models the offline catalogue offers, so model listing and picking have a choice. */
export const OFFLINE_MODELS: readonly MockModelInfo[] = [
  mockModelInfo("mock-model", {
    display_name: "Mock Model",
    description: "Offline stand-in for a frontier coding model",
    supported_reasoning_levels: [
      { effort: "low", description: "Fast answers" },
      { effort: "medium", description: "Balanced" },
      { effort: "high", description: "Thorough reasoning" },
    ],
    default_reasoning_level: "medium",
  }),
  mockModelInfo("mock-model-mini", {
    display_name: "Mock Model Mini",
    description: "Offline stand-in for a small, fast model",
    supported_reasoning_levels: [{ effort: "low", description: "Fast answers" }],
    priority: 1,
  }),
  mockModelInfo("mock-model-preview", {
    display_name: "Mock Model Preview",
    description: "A hidden model, listed only with includeHidden",
    visibility: "hide",
    priority: 2,
  }),
];

const NO_SCRIPT: MockScript = {
  reply: () => {},
  callTool: () => {},
  fail: () => {},
  respond: () => {},
};

/** Decides between the real service and the offline mock, without any I/O but file checks. */
export function detectMode(env: NodeJS.ProcessEnv = process.env): Mode {
  const forced = env.CODEX_SDK_OFFLINE?.trim().toLowerCase();
  if (forced !== undefined && !["", "0", "false", "no"].includes(forced)) {
    return {
      offline: true,
      forced: true,
      label: "offline mock provider (forced by CODEX_SDK_OFFLINE)",
    };
  }
  const codexHome = env.CODEX_HOME ? env.CODEX_HOME : path.join(os.homedir(), ".codex");
  const authFile = path.join(codexHome, "auth.json");
  if (existsSync(authFile)) {
    return { offline: false, forced: false, label: `real Codex service (login in ${authFile})` };
  }
  const apiKey = env.OPENAI_API_KEY?.trim();
  if (apiKey) {
    return { offline: false, forced: false, label: "real Codex service (OPENAI_API_KEY)", apiKey };
  }
  return { offline: true, forced: false, label: "offline mock provider (no account configured)" };
}

/**
 * Starts the app-server against the real service or the offline mock (see {@link detectMode}),
 * prints which one, and returns the session. Use it with `await using`.
 */
export async function startCodex(options: StartOptions = {}): Promise<ExampleSession> {
  const mode = detectMode();
  console.log(`[mode] ${mode.label}\n`);
  const workDir = await mkdtemp(path.join(os.tmpdir(), "codex-sdk-example-"));
  const { offlineRequiresLogin = false, ...codexOptions } = options;
  try {
    return mode.offline
      ? await startOffline(mode, workDir, codexOptions, offlineRequiresLogin)
      : await startReal(mode, workDir, codexOptions);
  } catch (err) {
    await rm(workDir, { recursive: true, force: true });
    throw err;
  }
}

async function startReal(mode: Mode, workDir: string, options: CodexOptions) {
  // Codex reads its own login (auth.json), not OPENAI_API_KEY: the key, when it is the only one,
  // is given as `apiKey`, which the SDK keeps in memory and never writes to the Codex home.
  const apiKey = mode.apiKey === undefined ? {} : { apiKey: mode.apiKey };
  const codex = await Codex.start({ cwd: workDir, ...apiKey, ...options });
  return session(mode, codex, NO_SCRIPT, workDir, async () => {
    await codex.close();
    await rm(workDir, { recursive: true, force: true });
  });
}

async function startOffline(
  mode: Mode,
  workDir: string,
  options: CodexOptions,
  requiresLogin: boolean,
) {
  // The harness's config.toml already defines the provider; a --config override still wins.
  const configOverrides = requiresLogin
    ? withOverride(options.configOverrides)
    : options.configOverrides;
  const mock = await startMockResponsesServer({ models: [...OFFLINE_MODELS] });
  let home: CodexHome | undefined;
  try {
    home = await createCodexHome({ mockUrl: mock.url, models: OFFLINE_MODELS });
    const codex = await Codex.start({
      cwd: workDir,
      ...options,
      configOverrides,
      env: { ...options.env, ...home.env },
    });
    const ownHome = home;
    return session(mode, codex, mockScript(mock), workDir, async () => {
      await codex.close();
      await mock.close();
      await ownHome.cleanup();
      await rm(workDir, { recursive: true, force: true });
    });
  } catch (err) {
    await mock.close();
    await home?.cleanup();
    throw err;
  }
}

// An object stays an object: `Codex.start` writes its values as TOML. Only `key=value` pairs
// take another pair.
function withOverride(overrides: CodexOptions["configOverrides"]): CodexOptions["configOverrides"] {
  const key = "model_providers.mock.requires_openai_auth";
  if (overrides === undefined) return { [key]: true };
  if (Array.isArray(overrides)) return [...(overrides as readonly string[]), `${key}=true`];
  return { ...overrides, [key]: true };
}

function session(
  mode: Mode,
  codex: Codex,
  script: MockScript,
  workDir: string,
  cleanup: () => Promise<void>,
): ExampleSession {
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= cleanup());
  return {
    codex,
    offline: mode.offline,
    mode: mode.label,
    script,
    workDir,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function mockScript(mock: MockResponsesServer): MockScript {
  return {
    reply(text, options = {}) {
      // Words with their trailing space, so the deltas join back into the text.
      const chunks = text.match(/\S+\s*|\s+/g) ?? [text];
      const parts: ResponsePart[] = [];
      if (options.reasoning !== undefined) parts.push(sse.reasoning(options.reasoning));
      parts.push(sse.textDeltas(chunks, { phase: "final_answer" }));
      mock.enqueue(parts, {
        delayMs: options.delayMs ?? 25,
        usage: options.usage ?? { inputTokens: 1_800, outputTokens: chunks.length },
      });
    },
    callTool(name, args) {
      mock.enqueueFunctionCall(name, args, { usage: { inputTokens: 1_800, outputTokens: 24 } });
    },
    fail(message, code) {
      mock.enqueueFailure(message, code);
    },
    respond(parts, options = {}) {
      mock.enqueue(parts, options);
    },
  };
}
