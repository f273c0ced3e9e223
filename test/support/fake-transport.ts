import type {
  MessageLimit,
  Transport,
  TransportCloseInfo,
  TransportSink,
} from "../../src/transport/transport.js";

/** A scripted transport: the test plays the server, reading what the client sent. */
export class FakeTransport implements Transport {
  readonly sent: Record<string, unknown>[] = [];
  private sink: TransportSink | undefined;
  private waiters: Array<() => void> = [];
  closedCalls = 0;

  /** `messageLimit`: the channel's bound on one message, if it has one. */
  constructor(readonly messageLimit?: MessageLimit) {}

  start(sink: TransportSink): void {
    this.sink = sink;
  }

  /**
   * Answers each request of `method` with `result` as it is sent, leaving it out of `sent`: for
   * tests of what follows it.
   */
  answerAlways(method: string, result: unknown): void {
    this.answered.set(method, result);
  }

  /** Stops answering `method` by itself: its next requests go to `sent` again. */
  stopAnswering(method: string): void {
    this.answered.delete(method);
  }

  private readonly answered = new Map<string, unknown>();

  send(line: string, done?: (error?: Error | null) => void): void {
    const message = JSON.parse(line) as Record<string, unknown>;
    if (typeof message.method === "string" && this.answered.has(message.method)) {
      const result = this.answered.get(message.method);
      queueMicrotask(() => this.deliver({ id: message.id, result }));
      if (done !== undefined) queueMicrotask(done);
      return;
    }
    this.sent.push(message);
    for (const w of this.waiters.splice(0)) w();
    if (done !== undefined) queueMicrotask(done);
  }

  /** Fails a write as a broken pipe would: to its callback, if any, and to the sink. */
  failWrite(error: Error, done?: (error?: Error | null) => void): void {
    queueMicrotask(() => {
      done?.(error);
      this.sink!.writeFailed(error);
    });
  }

  async close(): Promise<void> {
    this.closedCalls++;
  }

  stderrTail(): string {
    return "fake stderr line";
  }

  /** Delivers one raw line from the "server". */
  line(text: string): void {
    this.sink!.line(text);
  }

  /** Reports a line too long to hold, of which the client read `head`. */
  overlong(head: string): void {
    this.sink!.overlong(head);
  }

  /** Reports a message the transport dropped (as a binary WebSocket frame is), with its text. */
  dropped(what: string, text: string): void {
    this.sink!.dropped(what, text);
  }

  /** Delivers one message from the "server". */
  deliver(message: object): void {
    this.line(JSON.stringify(message));
  }

  /** Ends the transport as a dying process would. */
  end(info: Partial<TransportCloseInfo> = {}): void {
    this.sink!.closed({ exitCode: 1, signal: null, stderrTail: "boom", ...info });
  }

  /** Resolves once the client has sent `count` messages in all. */
  async waitForSent(count: number): Promise<Record<string, unknown>> {
    while (this.sent.length < count) await new Promise<void>((r) => this.waiters.push(r));
    return this.sent[count - 1]!;
  }
}
