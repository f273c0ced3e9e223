/**
 * The orchestrator's side of the offline model: the test kit's mock Responses API and a temporary
 * `CODEX_HOME` pointing at it. It lives in the orchestrator process, so the measuring child's CPU
 * and memory figures are the client's alone.
 */
import {
  createCodexHome,
  mockResponse,
  sse,
  startMockResponsesServer,
  type CodexHome,
  type MockResponsesServer,
} from "../src/testing/index.js";
import { median } from "./stats.js";
import { REPLY, deltaText, type MockPlan } from "./workloads.js";

export class BenchServer {
  private constructor(
    readonly mock: MockResponsesServer,
    readonly home: CodexHome,
  ) {}

  static async start(): Promise<BenchServer> {
    const mock = await startMockResponsesServer();
    try {
      return new BenchServer(mock, await createCodexHome({ mockUrl: mock.url }));
    } catch (error) {
      await mock.close();
      throw error;
    }
  }

  /** Queues what one run of a workload consumes. */
  prepare(plan: MockPlan): void {
    if (this.mock.pending !== 0) throw new Error(`${this.mock.pending} responses left unserved`);
    if (plan.kind === "replies") {
      for (let i = 0; i < plan.count; i++) this.mock.enqueueAssistantMessage(REPLY);
    } else {
      this.mock.enqueue(deltaResponse(plan.count));
    }
  }

  /** Fails when the run did not consume exactly what was queued. */
  checkServed(): void {
    if (this.mock.pending !== 0) throw new Error(`${this.mock.pending} responses left unserved`);
  }

  async close(): Promise<void> {
    await this.mock.close();
    await this.home.cleanup();
  }
}

function deltaResponse(count: number) {
  const deltas = Array.from({ length: count }, (_, i) => deltaText(i));
  return mockResponse([sse.textDeltas(deltas)]);
}

/**
 * How long the mock alone takes to serve a response of `count` deltas to a plain HTTP reader in
 * the same process: an upper bound of its share in the streaming workload.
 */
export async function mockStreamMs(
  count: number,
  runs = 3,
): Promise<{ ms: number; events: number }> {
  const mock = await startMockResponsesServer();
  try {
    const times: number[] = [];
    let events = 0;
    for (let i = 0; i < runs; i++) {
      const response = deltaResponse(count);
      events = response.events.length;
      mock.enqueue(response);
      const t0 = performance.now();
      const reply = await fetch(`${mock.url}/responses`, { method: "POST", body: "{}" });
      for await (const _chunk of reply.body!);
      times.push(performance.now() - t0);
    }
    return { ms: median(times)!, events };
  } finally {
    await mock.close();
  }
}
