/**
 * The three clients behind one small interface, so every workload runs the same code for each.
 * Loading (imports) is separate from starting, so module loading never counts in a timing.
 */
import type { Codex as SdkCodex, Thread as SdkThread } from "../src/index.js";
import { prependPath } from "../src/runtime.js";
import { FloorClient } from "./floor-client.js";
import { loadClientStats, processInternals, type ClientStats } from "./internals.js";
import type { Job, VariantId } from "./job.js";

/** A started client: for the SDK and the floor, a spawned and initialized app-server. */
export interface BenchClient {
  startThread(): Promise<BenchThread>;
  /**
   * Starts a thread with its own handlers and one dynamic tool (the floor sends the same tool
   * spec, and keeps nothing for it), archives it, and resolves once the client has processed the
   * `thread/archived` notification, which may come before or after the archive's response.
   * Only the floor and the SDK have it.
   */
  startAndArchiveThread?(): Promise<void>;
  /** Sizes of the client's internal tables and listener sets (leak check). */
  internals(): Record<string, number>;
  /** Ends the client and waits for its process to exit. */
  close(): Promise<void>;
}

export interface BenchThread {
  /** Runs a turn to completion; resolves with the final agent message. */
  run(prompt: string): Promise<string | null>;
  /**
   * Runs a turn, calling `onDelta` for each agent-message delta, in order (a client that does
   * not receive deltas calls it never); resolves with the final agent message.
   */
  stream(prompt: string, onDelta: (delta: string) => void): Promise<string | null>;
}

/** A client whose modules are imported, ready to be started (and timed). */
export interface LoadedClient {
  start(): Promise<BenchClient>;
  /** Whether agent-message deltas can be observed. */
  readonly streams: boolean;
  /** Whether `start()` starts a server that serves every turn (else a process per turn). */
  readonly persistent: boolean;
}

/** How the floor and the SDK name themselves in `initialize`, so both send the same messages. */
const CLIENT_INFO = { name: "codex_sdk_bench", title: "codex-app-server-sdk bench", version: "0" };

/** What every thread is started with: no approvals, read-only, in the empty work directory. */
const APPROVAL_POLICY = "never";
const SANDBOX = "read-only";

/** The one dynamic tool of the threads workload, as the SDK takes it (minus the handler). */
const TOOL = { name: "t", description: "d", inputSchema: { type: "object", properties: {} } };

/** Imports what the variant needs and returns its (timed) starter. */
export async function loadClient(job: Job): Promise<LoadedClient> {
  switch (job.variant satisfies VariantId) {
    case "floor":
      return { start: () => startFloor(job), streams: true, persistent: true };
    case "sdk":
    case "sdk-results": {
      const sdk = (await import(job.sdkEntry)) as typeof import("../src/index.js");
      const stats =
        job.sdkTestingEntry === undefined ? undefined : await loadClientStats(job.sdkTestingEntry);
      const events = job.variant === "sdk" ? "all" : "results";
      return {
        start: async () =>
          sdkClient(
            await sdk.Codex.start({
              cwd: job.workDir,
              env: job.env,
              clientInfo: CLIENT_INFO,
              events,
            }),
            job,
            stats,
          ),
        // With events: "results" the server sends no deltas; the stream workload checks the
        // answer instead.
        streams: events === "all",
        persistent: true,
      };
    }
    case "codex-sdk": {
      const { Codex } = await import("@openai/codex-sdk");
      return {
        start: async () => {
          // A path override, so it runs the same pinned binary; CODEX_HOME selects the mock.
          const codex = new Codex({ codexPathOverride: job.binary, env: execEnv(job) });
          return codexSdkClient(codex, job);
        },
        // `codex exec --experimental-json` reports an agent message only once it is complete.
        streams: false,
        persistent: false,
      };
    }
  }
}

/** The environment `@openai/codex-sdk` gives `codex exec`: it does not inherit `process.env`. */
function execEnv(job: Job): Record<string, string> {
  const merged = { ...process.env, ...job.env };
  const env = job.pathDir === undefined ? merged : prependPath(merged, job.pathDir);
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

async function startFloor(job: Job): Promise<BenchClient> {
  const floor = await FloorClient.start({
    env: job.env,
    cwd: job.workDir,
    clientInfo: CLIENT_INFO,
  });
  return {
    async startThread() {
      const threadId = await floor.startThread({
        cwd: job.workDir,
        approvalPolicy: APPROVAL_POLICY,
        sandbox: SANDBOX,
      });
      return {
        run: (prompt) => floor.runTurn(threadId, prompt),
        stream: (prompt, onDelta) =>
          floor.runTurn(threadId, prompt, (method, params) => {
            if (method === "item/agentMessage/delta") onDelta((params as { delta: string }).delta);
          }),
      };
    },
    async startAndArchiveThread() {
      const threadId = await floor.startThread({
        cwd: job.workDir,
        approvalPolicy: APPROVAL_POLICY,
        sandbox: SANDBOX,
        dynamicTools: [{ type: "function", ...TOOL }],
      });
      await floor.archiveThread(threadId);
    },
    internals: () => ({ ...floor.internals(), ...processInternals() }),
    close: () => floor.close(),
  };
}

function sdkClient(codex: SdkCodex, job: Job, stats: ClientStats | undefined): BenchClient {
  return {
    async startThread() {
      const thread: SdkThread = await codex.threadStart({
        cwd: job.workDir,
        approvalMode: "denyAll",
        sandbox: "readOnly",
      });
      return {
        run: async (prompt) => (await thread.run(prompt)).finalResponse,
        stream: async (prompt, onDelta) => {
          const turn = await thread.turn(prompt);
          for await (const event of turn.stream()) {
            if (event.method === "item/agentMessage/delta") onDelta(event.params.delta);
          }
          return (await turn.run()).finalResponse;
        },
      };
    },
    async startAndArchiveThread() {
      const thread = await codex.threadStart({
        cwd: job.workDir,
        approvalMode: "denyAll",
        sandbox: "readOnly",
        approvals: { commandExecution: () => ({ decision: "decline" }) },
        tools: [{ ...TOOL, handler: () => "ok" }],
      });
      // Waited for from before the request, as the notification may precede the response, and
      // only while archiving, as the floor does. The SDK's own listener, which releases the
      // thread's handlers and tools, was subscribed first (in `Codex.start`): it has run by then.
      let off = (): void => undefined;
      const seen = new Promise<void>((resolve) => {
        off = codex.on("thread/archived", ({ threadId }) => {
          if (threadId === thread.id) resolve();
        });
      });
      try {
        await codex.threadArchive(thread.id);
        await seen;
      } finally {
        off();
      }
    },
    internals: () => ({ ...stats?.(codex), ...processInternals() }),
    close: () => codex.close(),
  };
}

type CodexSdk = InstanceType<(typeof import("@openai/codex-sdk"))["Codex"]>;

function codexSdkClient(codex: CodexSdk, job: Job): BenchClient {
  return {
    async startThread() {
      const thread = codex.startThread({
        workingDirectory: job.workDir,
        skipGitRepoCheck: true,
        approvalPolicy: APPROVAL_POLICY,
        sandboxMode: SANDBOX,
      });
      return {
        run: async (prompt) => (await thread.run(prompt)).finalResponse,
        stream: async (prompt) => {
          const { events } = await thread.runStreamed(prompt);
          let answer: string | null = null;
          for await (const event of events) {
            if (event.type === "turn.failed") throw new Error(event.error.message);
            if (event.type === "item.completed" && event.item.type === "agent_message") {
              answer = event.item.text;
            }
          }
          return answer;
        },
      };
    },
    internals: processInternals,
    // Each turn's `codex exec` has exited by the time its run resolves.
    close: async () => {},
  };
}
