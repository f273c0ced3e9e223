/**
 * The floor: the leanest client that can drive `codex app-server` correctly. It spawns the pinned
 * binary, splits stdout on newlines, `JSON.parse`s each line and correlates ids. No validation, no
 * replay, no per-turn routing beyond one callback per thread: whatever the SDK costs on top of
 * this is the price of its features.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type {
  ClientRequestMap,
  ClientRequestMethod,
  ServerNotificationMap,
  TurnStartParams,
} from "../src/generated/index.js";
import { locateRuntime, prependPath } from "../src/runtime.js";

/** One message off the wire, as parsed. */
interface WireMessage {
  id?: number | string;
  method?: string;
  params?: { threadId?: string } & Record<string, unknown>;
  result?: unknown;
  error?: { code: number; message: string };
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** Gets every notification that names a thread, in order. */
export type ThreadListener = (method: string, params: WireMessage["params"]) => void;

/** What a thread's listener is told when the app-server exits: no method of the protocol's. */
const EXITED = "floor/exited";

/** The wire form of `[{ type: "text", text }]`, exactly as the SDK sends a plain string. */
function textInput(text: string): TurnStartParams["input"] {
  return [{ type: "text", text }] as unknown as TurnStartParams["input"];
}

export class FloorClient {
  private nextId = 1;
  private rest = "";
  private readonly pending = new Map<number | string, Pending>();
  private readonly threads = new Map<string, ThreadListener>();
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => this.receive(chunk));
    child.stderr.resume();
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.once("exit", () => {
      const error = new Error("app-server exited");
      for (const entry of this.pending.values()) entry.reject(error);
      this.pending.clear();
      // A turn or an archive waiting for its notification fails too, rather than wait for ever.
      for (const listener of [...this.threads.values()]) listener(EXITED, undefined);
      this.threads.clear();
    });
  }

  /** Spawns the pinned runtime and completes `initialize` + `initialized`. */
  static async start(options: {
    env: Readonly<Record<string, string | undefined>>;
    cwd: string;
    clientInfo: { name: string; title: string; version: string };
  }): Promise<FloorClient> {
    const runtime = locateRuntime();
    const env = { ...process.env, ...options.env };
    const child = spawn(runtime.binary, ["app-server", "--listen", "stdio://"], {
      cwd: options.cwd,
      env: runtime.pathDir === undefined ? env : prependPath(env, runtime.pathDir),
      stdio: ["pipe", "pipe", "pipe"],
    });
    const client = new FloorClient(child);
    await client.request("initialize", {
      clientInfo: options.clientInfo,
      capabilities: { experimentalApi: true, requestAttestation: false },
    });
    client.send({ method: "initialized" });
    return client;
  }

  /** Sends a request and resolves with its result. */
  request<M extends ClientRequestMethod>(
    method: M,
    params: ClientRequestMap[M]["params"],
  ): Promise<ClientRequestMap[M]["result"]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      this.send({ id, method, params });
    });
  }

  /** Starts a thread and returns its id. */
  async startThread(params: ClientRequestMap["thread/start"]["params"]): Promise<string> {
    return (await this.request("thread/start", params)).thread.id;
  }

  /**
   * Archives a thread; resolves once both the response and the `thread/archived` notification
   * (which may come first) have arrived.
   */
  async archiveThread(threadId: string): Promise<void> {
    const archived = new Promise<void>((resolve, reject) => {
      this.threads.set(threadId, (method) => {
        if (method === EXITED) reject(new Error("app-server exited"));
        if (method !== "thread/archived") return;
        this.threads.delete(threadId);
        resolve();
      });
    });
    try {
      await this.request("thread/archive", { threadId });
    } catch (error) {
      this.threads.delete(threadId);
      throw error;
    }
    await archived;
  }

  /**
   * Runs one turn; `onEvent` sees each of its notifications. Resolves with the final agent
   * message once `turn/completed` arrives. One turn per thread at a time, as the server wants.
   */
  runTurn(threadId: string, text: string, onEvent?: ThreadListener): Promise<string | null> {
    return new Promise((resolve, reject) => {
      let answer: string | null = null;
      this.threads.set(threadId, (method, params) => {
        onEvent?.(method, params);
        if (method === "item/completed") {
          const { item } = params as ServerNotificationMap["item/completed"];
          if (item.type === "agentMessage") answer = item.text;
        } else if (method === "turn/completed") {
          this.threads.delete(threadId);
          const { turn } = params as ServerNotificationMap["turn/completed"];
          if (turn.status === "completed") resolve(answer);
          else reject(new Error(`turn ${turn.id} ended ${turn.status}`));
        } else if (method === EXITED) reject(new Error("app-server exited"));
      });
      this.request("turn/start", { threadId, input: textInput(text) }).catch((error: Error) => {
        this.threads.delete(threadId);
        reject(error);
      });
    });
  }

  /** Sizes of its tables, for the leak check. */
  internals(): Record<string, number> {
    return { "floor.pending": this.pending.size, "floor.threads": this.threads.size };
  }

  /** Ends stdin, sends SIGTERM and waits for the exit. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin.end();
      this.child.kill("SIGTERM");
    }
    await this.exited;
  }

  private send(message: object): void {
    this.child.stdin.write(JSON.stringify(message) + "\n");
  }

  private receive(chunk: string): void {
    const text = this.rest + chunk;
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      if (nl > start) this.dispatch(JSON.parse(text.slice(start, nl)) as WireMessage);
      start = nl + 1;
    }
    this.rest = text.slice(start);
  }

  private dispatch(message: WireMessage): void {
    if (message.method === undefined) {
      const entry = this.pending.get(message.id!);
      if (entry === undefined) return;
      this.pending.delete(message.id!);
      if (message.error !== undefined) entry.reject(new Error(message.error.message));
      else entry.resolve(message.result);
    } else if (message.id !== undefined) {
      // A server request: nothing in these workloads asks, but never leave one unanswered.
      this.send({ id: message.id, error: { code: -32601, message: "not supported" } });
    } else {
      const threadId = message.params?.threadId;
      if (threadId !== undefined) this.threads.get(threadId)?.(message.method, message.params);
    }
  }
}
