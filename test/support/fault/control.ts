import net from "node:net";
import { fileURLToPath } from "node:url";
import type { JsonRpcFields, StandinWrite } from "./standin.js";

/** A message on the control channel (newline-delimited JSON). */
export type ControlMessage = { readonly t: string } & Record<string, unknown>;

/** A plain JSON object as sent to a script (a command, a rule, a reply, a write). */
export type Wire = Record<string, unknown>;

/** A write as the scripts take it: raw bytes travel as base64. */
export function writeToWire(write: StandinWrite): Wire {
  if ("bytes" in write) return { bytes64: Buffer.from(write.bytes).toString("base64") };
  return write as Wire;
}

/** Parses a line as a JSON object, or returns undefined (no line, not JSON, not an object). */
export function parseObject(text: string | undefined): JsonRpcFields | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as JsonRpcFields)
      : undefined;
  } catch {
    return undefined;
  }
}

/** How the script a test launched is doing, as its control channel tells. */
export interface ChildLink {
  /** Set once the script connected. */
  readonly pid: number | undefined;
  /** Resolves with the script's pid once it connected. */
  readonly connected: Promise<number>;
  /**
   * Resolves when the control channel closes: the script exited (or was killed). `code` is the
   * code the script said it exits with, or `null` when it died without saying (a signal).
   */
  readonly gone: Promise<{ code: number | null }>;
}

/**
 * The test's end of the control channel: a TCP server on 127.0.0.1 that accepts the one script
 * launched for it. Commands sent before the script connects are queued.
 */
export class ControlServer implements ChildLink {
  readonly address: string;
  pid: number | undefined;
  readonly connected: Promise<number>;
  readonly gone: Promise<{ code: number | null }>;
  private socket: net.Socket | undefined;
  private exitCode: number | null = null;
  private seq = 0;
  private readonly acks = new Map<
    number,
    { resolve: () => void; reject: (error: Error) => void }
  >();
  private resolveConnected!: (pid: number) => void;
  private resolveGone!: (info: { code: number | null }) => void;
  private isGone = false;

  private constructor(
    private readonly server: net.Server,
    private readonly makeConfig: () => ControlMessage,
    private readonly onEvent: (message: ControlMessage) => void,
  ) {
    const { port } = server.address() as net.AddressInfo;
    this.address = `127.0.0.1:${port}`;
    this.connected = new Promise((resolve) => (this.resolveConnected = resolve));
    this.gone = new Promise((resolve) => (this.resolveGone = resolve));
    server.on("connection", (socket) => this.accept(socket));
  }

  static async listen(
    makeConfig: () => ControlMessage,
    onEvent: (message: ControlMessage) => void,
  ): Promise<ControlServer> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return new ControlServer(server, makeConfig, onEvent);
  }

  /** Whether the script has connected and is still there. */
  get live(): boolean {
    return this.socket !== undefined && !this.isGone;
  }

  /** Sends a message without waiting for anything. */
  post(message: ControlMessage): void {
    if (this.live) this.socket!.write(JSON.stringify(message) + "\n");
  }

  /** Sends a command and resolves once the script has carried it out. */
  command(cmd: Record<string, unknown>): Promise<void> {
    if (this.isGone) return Promise.reject(new Error("the fault script has exited"));
    const seq = ++this.seq;
    return new Promise<void>((resolve, reject) => {
      this.acks.set(seq, { resolve, reject });
      this.post({ t: "cmd", seq, cmd });
    });
  }

  /** Closes the channel (the script exits when it loses it) and the server. */
  async close(): Promise<void> {
    this.socket?.end();
    this.server.close();
    if (this.socket === undefined) this.markGone();
  }

  private accept(socket: net.Socket): void {
    if (this.socket !== undefined) {
      // One script per handle: a second launch with the same launchArgs is refused.
      socket.destroy();
      return;
    }
    this.socket = socket;
    socket.setNoDelay(true);
    let buffered = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        this.receive(JSON.parse(line) as ControlMessage);
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => this.markGone());
  }

  private receive(message: ControlMessage): void {
    switch (message.t) {
      case "hello":
        this.pid = message.pid as number;
        this.socket!.write(JSON.stringify(this.makeConfig()) + "\n");
        this.resolveConnected(this.pid);
        break;
      case "ack": {
        const seq = message.seq as number;
        const waiter = this.acks.get(seq);
        this.acks.delete(seq);
        if (message.error === undefined) waiter?.resolve();
        else waiter?.reject(new Error(`fault script: ${String(message.error)}`));
        break;
      }
      case "exiting":
        this.exitCode = message.code as number;
        break;
    }
    this.onEvent(message);
  }

  private markGone(): void {
    if (this.isGone) return;
    this.isGone = true;
    for (const waiter of this.acks.values()) {
      waiter.reject(new Error("the fault script exited before carrying out the command"));
    }
    this.acks.clear();
    this.server.close();
    this.resolveGone({ code: this.exitCode });
  }
}

/** A record the test can wait for: the earliest one matching that no earlier wait took. */
export class Inbox<T> {
  readonly all: T[] = [];
  private readonly taken = new Set<number>();
  private waiters: Array<() => void> = [];
  private closedReason: string | undefined;

  push(record: T): void {
    this.all.push(record);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Wakes waiters for good: they fail with `reason` once nothing more matches. */
  close(reason: string): void {
    this.closedReason = reason;
    for (const wake of this.waiters.splice(0)) wake();
  }

  async next(match: (record: T) => boolean, timeoutMs: number, what: () => string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let scanned = 0;
    for (;;) {
      for (; scanned < this.all.length; scanned++) {
        if (!this.taken.has(scanned) && match(this.all[scanned]!)) {
          this.taken.add(scanned);
          return this.all[scanned]!;
        }
      }
      if (this.closedReason !== undefined) {
        throw new Error(`${what()}: never came (${this.closedReason})`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what()}: nothing within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** The script files live next to this module. */
export function scriptPath(name: string): string {
  return fileURLToPath(new URL(name, import.meta.url));
}
