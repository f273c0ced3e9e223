import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { readFile } from "node:fs/promises";
import http from "node:http";
import { hostname, tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import readline from "node:readline";
import zlib from "node:zlib";

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { locateRuntime } from "../../src/runtime.js";
import {
  createCodexHome,
  customToolCallOutputs,
  formatSseEvent,
  functionCallOutputs,
  inputImages,
  inputTexts,
  mockConfigToml,
  mockModelInfo,
  mockResponse,
  NO_RESPONSE_QUEUED,
  sse,
  startMockResponsesServer,
  tomlString,
  type CodexHome,
  type MockModelInfo,
  type MockResponsesServer,
  type SseEvent,
} from "../../src/testing/index.js";
import { checkModelRoute, createTestCodex } from "../../src/testing/test-codex.js";

// ---------------------------------------------------------------------------------------------
// A deliberately tiny JSON-RPC client, independent of the SDK's transport, so these tests check
// the mock and the harness against the real runtime and nothing else.
// ---------------------------------------------------------------------------------------------

/* eslint-disable @typescript-eslint/no-explicit-any -- raw protocol messages are untyped here */
interface RpcMessage {
  id?: number | string;
  method?: string;
  params?: any;
  result?: any;
  error?: { code: number; message: string };
}

interface Waiter {
  predicate: (message: RpcMessage) => boolean;
  resolve: (message: RpcMessage) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const WAIT_MS = 10_000;

class RawAppServer {
  readonly messages: RpcMessage[] = [];
  private readonly waiters = new Set<Waiter>();
  private stderr = "";
  private nextId = 1;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    readline.createInterface({ input: child.stdout }).on("line", (line) => this.onLine(line));
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    void this.exited.then(() => this.failWaiters("app-server exited"));
  }

  static spawn(env: Readonly<Record<string, string | undefined>>): RawAppServer {
    const { binary, pathDir } = locateRuntime();
    const pathValue = [pathDir, process.env.PATH].filter(Boolean).join(path.delimiter);
    const child = spawn(binary, ["app-server", "--listen", "stdio://"], {
      env: { ...process.env, ...env, PATH: pathValue },
      stdio: ["pipe", "pipe", "pipe"],
    });
    return new RawAppServer(child);
  }

  private onLine(line: string): void {
    if (line.trim() === "") return;
    const message = JSON.parse(line) as RpcMessage;
    this.messages.push(message);
    if (message.method !== undefined && message.id !== undefined) {
      // A server-to-client request (e.g. an approval): these tests expect none, so refuse it.
      this.write({ id: message.id, error: { code: -32601, message: "not handled in test" } });
    }
    for (const waiter of this.waiters) {
      if (waiter.predicate(message)) {
        this.waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(message);
      }
    }
  }

  private failWaiters(reason: string): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`${reason}; stderr tail:\n${this.stderr}`));
    }
    this.waiters.clear();
  }

  private write(message: RpcMessage): void {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  /** Resolves with the first message (already seen or future) that matches. */
  waitFor(predicate: (message: RpcMessage) => boolean, what: string): Promise<RpcMessage> {
    const seen = this.messages.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`timed out waiting for ${what}; stderr tail:\n${this.stderr}`));
        }, WAIT_MS),
      };
      this.waiters.add(waiter);
    });
  }

  async request(method: string, params: unknown): Promise<any> {
    const id = this.nextId++;
    const reply = this.waitFor(
      (message) => message.id === id && message.method === undefined,
      `reply to ${method}`,
    );
    this.write({ id, method, params });
    const message = await reply;
    if (message.error !== undefined) {
      throw new Error(`${method} failed: ${message.error.message}`);
    }
    return message.result;
  }

  async initialize(): Promise<void> {
    await this.request("initialize", {
      clientInfo: { name: "t", title: "t", version: "0" },
      capabilities: { experimentalApi: true },
    });
    this.write({ method: "initialized" });
  }

  async startThread(cwd: string): Promise<string> {
    const result = await this.request("thread/start", {
      cwd,
      approvalPolicy: "never",
      sandbox: "danger-full-access",
    });
    return result.thread.id as string;
  }

  async startTurn(threadId: string, input: unknown[]): Promise<string> {
    const result = await this.request("turn/start", { threadId, input });
    return result.turn.id as string;
  }

  async completedTurn(turnId: string): Promise<any> {
    const message = await this.waitFor(
      (m) => m.method === "turn/completed" && m.params.turn.id === turnId,
      `turn/completed for ${turnId}`,
    );
    return message.params.turn;
  }

  /** Starts a turn with one text input and resolves with the completed turn. */
  async runTurn(threadId: string, text: string): Promise<{ turnId: string; turn: any }> {
    const turnId = await this.startTurn(threadId, [{ type: "text", text }]);
    return { turnId, turn: await this.completedTurn(turnId) };
  }

  /** Notifications of `method` that belong to `turnId`. */
  notifications(method: string, turnId: string): any[] {
    return this.messages
      .filter((m) => m.method === method && m.params?.turnId === turnId)
      .map((m) => m.params);
  }

  /** Items of `type` completed during `turnId`. */
  completedItems(turnId: string, type: string): any[] {
    return this.notifications("item/completed", turnId)
      .map((params) => params.item)
      .filter((item) => item.type === type);
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin.end();
      this.child.kill("SIGKILL");
    }
    await this.exited;
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

function eventsOf(sseText: string): SseEvent[] {
  return sseText
    .split("\n\n")
    .filter((frame) => frame.trim() !== "")
    .map((frame) => {
      const data = frame.split("\n").find((line) => line.startsWith("data: "));
      return JSON.parse(data?.slice("data: ".length) ?? "null") as SseEvent;
    });
}

// ---------------------------------------------------------------------------------------------
// The mock on its own
// ---------------------------------------------------------------------------------------------

describe("mock Responses server (HTTP level)", () => {
  let mock: MockResponsesServer;

  beforeEach(async () => {
    mock = await startMockResponsesServer();
  });

  afterEach(async () => {
    await mock.close();
  });

  const post = (body: unknown): Promise<Response> =>
    fetch(`${mock.url}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("streams a queued response as SSE, framed and completed with one response id", async () => {
    mock.enqueueAssistantMessage("hello", { phase: "final_answer", usage: { inputTokens: 7 } });
    const res = await post({ model: "mock-model", stream: true, input: [] });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const text = await res.text();
    expect(text.startsWith("event: response.created\ndata: {")).toBe(true);
    const events = eventsOf(text);
    expect(events.map((e) => e.type)).toEqual([
      "response.created",
      "response.output_item.added",
      "response.output_item.done",
      "response.completed",
    ]);
    const created = events[0]?.response as { id: string };
    const completed = events[3]?.response as { id: string; usage: Record<string, unknown> };
    expect(completed.id).toBe(created.id);
    expect(completed.usage).toMatchObject({ input_tokens: 7, output_tokens: 0, total_tokens: 7 });
    expect(events[2]?.item).toMatchObject({
      type: "message",
      role: "assistant",
      phase: "final_answer",
      content: [{ type: "output_text", text: "hello" }],
    });
    expect(mock.responsesRequests[0]?.body).toMatchObject({ model: "mock-model", stream: true });
    expect(mock.pending).toBe(0);
  });

  it("fails requests nobody queued a response for, serves /models and 404s the rest", async () => {
    const failed = eventsOf(await (await post({ input: [] })).text());
    expect(failed.map((e) => e.type)).toEqual(["response.created", "response.failed"]);
    expect(JSON.stringify(failed[1])).toContain(NO_RESPONSE_QUEUED);

    const models = await fetch(`${mock.url}/models?client_version=1.2.3`);
    expect(await models.json()).toEqual({ models: [mockModelInfo("mock-model")] });
    const missing = await fetch(`${mock.url}/nope`);
    expect(missing.status).toBe(404);
    await missing.text();

    expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/responses",
      "GET /v1/models",
      "GET /v1/nope",
    ]);
    expect(mock.requests[1]?.query).toEqual({ client_version: "1.2.3" });
  });

  it("answers a request target that is no URL path with a JSON 400, and keeps serving", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(mock.port, "127.0.0.1", () => {
        socket.write(
          "POST // HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
      });
      let text = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => (text += chunk));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 400 Bad Request");
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))).toEqual({
      error: {
        type: "invalid_request_error",
        message: 'mock Responses server: bad request target "//"',
      },
    });
    expect(mock.requests).toEqual([]);
    const models = await fetch(`${mock.url}/models`);
    expect(await models.json()).toEqual({ models: [mockModelInfo("mock-model")] });
  });

  it("refuses, as a proxy, to carry a request or a tunnel to another host, and records neither", async () => {
    const ask = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(mock.port, "127.0.0.1", () => socket.write(request));
        let text = "";
        socket.setEncoding("utf8");
        socket.on("data", (chunk: string) => (text += chunk));
        socket.on("end", () => resolve(text));
        socket.on("error", reject);
      });
    const tunnel = await ask(
      "CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n\r\n",
    );
    expect(tunnel.split("\r\n")[0]).toBe("HTTP/1.1 403 Forbidden");
    expect(tunnel).toContain(
      "mock Responses server: refused to carry a request to api.openai.com:443 as a proxy",
    );
    const carried = await ask(
      "POST http://example.com/v1/responses HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    expect(carried.split("\r\n")[0]).toBe("HTTP/1.1 403 Forbidden");
    expect(mock.requests).toEqual([]);
    // Its own address, written whole as a proxy's client writes it, is still itself.
    const own = await ask(
      `GET http://127.0.0.1:${mock.port}/v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    expect(own.split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
  });

  it("takes a response's id from whichever response event names it, and gives a bare one its id", () => {
    const idsOf = (parts: Parameters<typeof mockResponse>[0]) =>
      mockResponse(parts).events.map(
        (event) => (event.response as { id?: string } | undefined)?.id,
      );
    // Named by the closing event only: the response.created added gets it too.
    expect(idsOf([sse.assistantMessage("hi"), sse.completed({ id: "resp_end" })])).toEqual([
      "resp_end",
      undefined,
      undefined,
      "resp_end",
    ]);
    expect(idsOf([sse.failed("boom", "server_error", { id: "resp_failed" })])).toEqual([
      "resp_failed",
      "resp_failed",
    ]);
    // A closing event written bare gets the response object the runtime reads it by.
    const bare = mockResponse([sse.created("resp_x"), sse.event("response.completed")]);
    expect(bare.events.at(-1)).toEqual({ type: "response.completed", response: { id: "resp_x" } });
    // Two ids are still two responses.
    expect(() => mockResponse([sse.created("resp_a"), sse.completed({ id: "resp_b" })])).toThrow(
      'event 1 (response.completed) is of response "resp_b", the others of "resp_a"',
    );
  });

  it("leaves a wait its close ends no unhandled rejection, and still counts what was never used", async () => {
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      mock.enqueueAssistantMessage("never asked for");
      // A wait the test never came to await, as when it failed before.
      const forgotten = mock.waitForRequests(1);
      const awaited = mock.waitForRequests(1);
      await mock.close();
      await expect(awaited).rejects.toThrow(
        "mock Responses server closed while waiting for requests",
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
      expect(mock.pending).toBe(1);
      void forgotten;
    } finally {
      process.off("unhandledRejection", unhandled);
    }
  });

  it("waits for requests by event, times out clearly, and closes while a response is held", async () => {
    await expect(mock.waitForRequests(1, { timeoutMs: 20 })).rejects.toThrow(/received 0/);
    const gate = mock.gate();
    mock.enqueue([sse.assistantMessage("never sent")], { gate });
    const arrived = mock.waitForRequests(1);
    const res = await post({ input: [] });
    await arrived;
    await gate.reached;
    const body = res.text().catch((error: unknown) => error);
    const pending = mock.waitForRequests(2);
    await Promise.all([mock.close(), mock.close()]);
    await expect(pending).rejects.toThrow(/closed/);
    expect(await body).toBeInstanceOf(Error);
    expect(() => mock.enqueueAssistantMessage("late")).toThrow(/closed/);
  });

  it("refuses what it could not serve, naming it, and queues nothing", () => {
    const cyclic: SseEvent & Record<string, unknown> = { type: "response.output_text.delta" };
    cyclic.self = cyclic;
    const refusals: Array<[() => void, RegExp]> = [
      [() => mock.enqueue(undefined as never), /^response must be a list of parts or a built/],
      [() => mock.enqueue({} as never), /^response must be a list of parts or a built/],
      [() => mock.enqueue("hello" as never), /^response must be a list of parts or a built/],
      [() => mock.enqueue([null as never]), /^event 0 must be an SSE event object/],
      [() => mock.enqueue([{ no: "type" } as never]), /^event 0 must be an SSE event object/],
      [
        () => mock.enqueue([], { headers: { "bad header": "x" } }),
        /^options\.headers: "bad\.\.\." is not a valid HTTP header name: its character 4 is a space$/,
      ],
      [
        () => mock.enqueue([], { headers: { "x-n": "1", "X-N": "2" } }),
        /^options\.headers has "x-n" and "X-N": header names ignore case$/,
      ],
      [() => mock.enqueue([], { delayMs: -5 }), /^options\.delayMs must be a number of milli/],
      [() => mock.enqueue([], { delayMs: 3e9 }), /^options\.delayMs must be .* to 2147483647/],
      [() => mock.enqueue([], { delayMs: "slow" as never }), /^options\.delayMs must be/],
      [() => mock.enqueue([], { gate: {} as never }), /^options\.gate must be a gate made by/],
      [
        () => mock.enqueue([sse.completed(), sse.assistantMessage("late")]),
        /^event 1 \(response\.output_item\.added\) follows the response's end \(response\.completed\)/,
      ],
      [
        () =>
          mock.enqueue([sse.assistantMessage("a"), sse.completed()], { usage: { inputTokens: 1 } }),
        /^usage goes into the response\.completed the mock adds; these parts end with response\.completed/,
      ],
      // A failed response has no usage: no option of that name, nor one to suggest.
      [
        () => mock.enqueueFailure("down", undefined, { usage: { inputTokens: 1 } } as never),
        /^options has no option "usage"$/,
      ],
      [
        () => mock.enqueueFailure("down", undefined, { usgae: { inputTokens: 1 } } as never),
        /^options has no option "usgae"$/,
      ],
      [
        () =>
          mock.enqueue({
            events: [sse.created("r"), sse.completed(), ...sse.assistantMessage("late")],
          }),
        /^response\.events\[2\] \(response\.output_item\.added\) follows the response's end \(response\.completed\)/,
      ],
      [
        () => mock.enqueue({ events: [sse.created("r")] }, { id: "x" }),
        /^options\.id and options\.usage/,
      ],
      [() => mock.enqueueTextDeltas("abc" as never), /^deltas must be an array of strings/],
      [() => mock.enqueueAssistantMessage(5 as never), /^text must be a string/],
      // What JSON cannot write would end the stream when it is served.
      [() => mock.enqueue([sse.event("x", { n: 1n })]), /^event 0\.n must be a JSON value/],
      [() => mock.enqueue([cyclic]), /^event 0\.self contains itself/],
      [() => mock.enqueue({ events: [cyclic] }), /^response\.events\[0\]\.self contains itself/],
      // Options passed where the code goes would lose the message.
      [
        () => mock.enqueueFailure("down", { delayMs: 5 } as never),
        /^code must be a non-empty string, got object/,
      ],
      [
        () => mock.enqueueAssistantMessage("x", { usage: { inputTokens: "12" as never } }),
        /^options\.usage\.inputTokens must be a whole number of tokens, 0 or more, got string/,
      ],
      [
        () => mock.enqueue([], { usage: { outputTokens: Number.NaN } }),
        /^options\.usage\.outputTokens must be a whole number of tokens, 0 or more, got NaN/,
      ],
      // A part beyond its whole: no provider reports it, and the runtime would read it as given.
      [
        () => mock.enqueueAssistantMessage("x", { usage: { cachedInputTokens: 2 } }),
        /^options\.usage\.cachedInputTokens \(2\) is part of options\.usage\.inputTokens \(0\)/,
      ],
      [
        () => sse.completed({ usage: { outputTokens: 1, reasoningOutputTokens: 3 } }),
        /^usage\.reasoningOutputTokens \(3\) is part of usage\.outputTokens \(1\)/,
      ],
      [
        () => mock.enqueueAssistantMessage("x", { responseId: "" }),
        /^options\.responseId must be a non-empty string/,
      ],
      [() => mock.enqueueAssistantMessage("x", { id: "" }), /^options\.id must be a non-empty/],
      [
        () => mock.enqueueAssistantMessage("x", { phase: "final" as never }),
        /^options\.phase must be one of commentary, partial_answer, final_answer, got string/,
      ],
      [() => mock.enqueueAssistantMessage("x", null as never), /^options must be an object/],
      // The runtime drops a call without arguments, and the turn ends with no word of it.
      [() => mock.enqueueFunctionCall("f", undefined as never), /^args must be a string or a/],
      [() => mock.enqueueFunctionCall("f", { n: 1n }), /^args\.n must be a JSON value/],
      [() => mock.enqueue([sse.functionCall("", "{}")]), /^name must be a non-empty string/],
      [
        () => mock.enqueue([sse.reasoning(5 as never)]),
        /^summary must be a string or an array of strings/,
      ],
      [() => mock.enqueue([sse.assistantMessage(5 as never)]), /^text must be a string/],
      [() => mock.enqueue([sse.customToolCall("t", 5 as never)]), /^input must be a string/],
      [() => mock.enqueue([sse.applyPatch(5 as never)]), /^patch must be a string/],
      [() => mock.enqueue([sse.execCommand("ls", { yieldTimeMs: -1 })]), /^options\.yieldTime/],
      // The runtime reads it as a whole number: 1.5 would fail the call's arguments.
      [() => mock.enqueue([sse.execCommand("ls", { yieldTimeMs: 1.5 })]), /^options\.yieldTime/],
      [() => mock.enqueue([sse.event("")]), /^type must be a non-empty string/],
      [
        () => mock.enqueue([sse.created("resp_a")], { id: "resp_b" }),
        /^event 0 \(response\.created\) is of response "resp_a", the others of "resp_b"/,
      ],
      [
        () => mock.enqueue([sse.created("a"), sse.completed({ id: "b" })]),
        /^event 1 \(response\.completed\) is of response "b", the others of "a"/,
      ],
      [
        () => mock.enqueue([sse.completed({ id: "b" })], { id: "a" }),
        /^event 0 \(response\.completed\) is of response "b", the others of "a"/,
      ],
    ];
    for (const [call, message] of refusals) expect(call).toThrow(message);
    expect(mock.pending).toBe(0);
    expect(() => sse.execCommand("ls", { yieldTimeMs: 0 })).not.toThrow();
  });

  it("serves the headers a response was queued with, not what their object says later", async () => {
    const headers: Record<string, string> = { "x-codex-primary-used-percent": "10" };
    mock.enqueueAssistantMessage("first", { headers });
    headers["x-codex-primary-used-percent"] = "50";
    headers["bad header"] = "x";
    const built = { events: [sse.created("r"), sse.completed()], headers: { "x-n": "1" } };
    mock.enqueue(built);
    built.headers["x-n"] = "2";
    const first = await post({ input: [] });
    await first.text();
    expect(first.headers.get("x-codex-primary-used-percent")).toBe("10");
    const second = await post({ input: [] });
    await second.text();
    expect(second.headers.get("x-n")).toBe("1");
  });

  it("records every value of a repeated header, joined with a comma", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(mock.port, "127.0.0.1", () => {
        socket.write(
          "GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\n" +
            "Authorization: Bearer b\r\nX-Custom: 1\r\nX-Custom: 2\r\nConnection: close\r\n\r\n",
        );
      });
      let text = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => (text += chunk));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
    expect(mock.requests[0]?.headers).toMatchObject({
      authorization: "Bearer a, Bearer b",
      "x-custom": "1, 2",
    });
  });

  it("refuses a catalogue it could not serve, and keeps a frozen copy of one it takes", async () => {
    const looped: Record<string, unknown> = { ...mockModelInfo("m") };
    looped.self = looped;
    const catalogues: Array<[unknown, RegExp]> = [
      ["abc", /^models must be an array of model entries, got string/],
      [[null], /^models\[0\] must be a model entry with a slug/],
      [[{ display_name: "no slug" }], /^models\[0\] must be a model entry with a slug/],
      [[mockModelInfo("m", { context_window: 1n as never })], /^models\[0\]\.context_window/],
      [[looped], /^models\[0\]\.self contains itself/],
    ];
    for (const [models, message] of catalogues) {
      await expect(startMockResponsesServer({ models: models as never })).rejects.toThrow(message);
      expect(() => (mock.models = models as never)).toThrow(message);
    }
    expect(mock.models).toEqual([mockModelInfo("mock-model")]);
    // Neither the entry given nor the list read back can change what was checked.
    const entry = mockModelInfo("m");
    mock.models = [entry];
    entry.context_window = 1n as never;
    const read = mock.models as MockModelInfo[];
    expect(() => read.push({ display_name: "no slug" } as never)).toThrow(TypeError);
    expect(() => ((read[0] as { slug: string }).slug = "")).toThrow(TypeError);
    const answer = await fetch(`${mock.url}/models`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ models: [mockModelInfo("m")] });
  });

  it("drops what is queued on demand, rejecting a dropped gate's reached, so a shared mock starts clean", async () => {
    const gate = mock.gate();
    mock.enqueueAssistantMessage("left by a failed test");
    mock.enqueueAssistantMessage("held", { gate });
    expect(mock.clearQueue()).toBe(2);
    expect(mock.pending).toBe(0);
    await expect(gate.reached).rejects.toThrow(
      "the gated response was dropped from the queue before it was requested",
    );
    expect(await (await post({ input: [] })).text()).toContain(NO_RESPONSE_QUEUED);
    mock.enqueueAssistantMessage("next");
    expect(await (await post({ input: [] })).text()).toContain("next");
    expect(mock.clearQueue()).toBe(0);
  });

  it("holds many responses at once without a listener-leak warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): number => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const gate = mock.gate();
      for (let i = 0; i < 12; i++) mock.enqueueAssistantMessage(`held ${i}`, { gate });
      const bodies = Array.from({ length: 12 }, async () => (await post({ input: [] })).text());
      await mock.waitForRequests(12);
      await gate.reached;
      gate.release();
      for (const body of await Promise.all(bodies)) expect(body).toContain("response.completed");
      // A warning is emitted on the next tick: one turn of the loop lets it arrive.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.name)).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("refuses a wait it could not keep, as a rejection", async () => {
    for (const [count, options] of [
      [1, { timeoutMs: Infinity }],
      [1, { timeoutMs: 2 ** 31 }],
      [1, { timeoutMs: -1 }],
      [1.5, {}],
      [Number.NaN, {}],
      [1, null],
    ] as const) {
      let waiting!: Promise<void>;
      expect(() => (waiting = mock.waitForRequests(count, options as never))).not.toThrow();
      await expect(waiting).rejects.toBeInstanceOf(Error);
    }
    await expect(mock.waitForRequests(1, { timeoutMs: Infinity })).rejects.toThrow(
      /^timeoutMs must be a number of milliseconds above 0/,
    );
  });

  it("rejects the reached of a gate whose response was never requested, when it closes", async () => {
    const gate = mock.gate();
    mock.enqueue([sse.assistantMessage("never requested")], { gate });
    await mock.close();
    await expect(gate.reached).rejects.toThrow(
      "mock Responses server closed before the gated response was requested",
    );
  });

  it("rejects the reached of a gate whose response had no event to send", async () => {
    const empty = mock.gate();
    mock.enqueue({ events: [] }, { gate: empty });
    await (await post({ input: [] })).text();
    await expect(empty.reached).rejects.toThrow(
      "the gated response ended before its first event was sent",
    );
    // A gate two responses share waits for the second when the first sends nothing.
    const shared = mock.gate();
    mock.enqueue({ events: [] }, { gate: shared });
    mock.enqueueAssistantMessage("second", { gate: shared });
    await (await post({ input: [] })).text();
    const second = post({ input: [] });
    await shared.reached;
    shared.release();
    expect(eventsOf(await (await second).text()).at(-1)?.type).toBe("response.completed");
  });

  it("lets a response's headers replace the defaults in any case, and refuses those that frame the stream", async () => {
    mock.enqueueAssistantMessage("x", {
      headers: { "Content-Type": "text/event-stream; charset=utf-8" },
    });
    const res = await post({ input: [] });
    await res.text();
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    for (const name of [
      "Content-Length",
      "transfer-encoding",
      "CONNECTION",
      "upgrade",
      "Content-Encoding",
    ]) {
      expect(() => mock.enqueueAssistantMessage("x", { headers: { [name]: "1" } })).toThrow(
        `options.headers.${name} shapes the HTTP stream, which the mock writes itself: leave it out`,
      );
    }
    expect(mock.pending).toBe(0);
  });

  it("refuses an event type that would break its frame, a built response's unknown option, and copies events", async () => {
    expect(() => sse.event("a\n\nevent: injected")).toThrow("type must not contain a line break");
    expect(() => mock.enqueue([{ type: "x\rdata: 1" }])).toThrow(
      "event 0.type must not contain a line break",
    );
    expect(() => mock.enqueue({ events: [sse.created("r")], delayMS: 10 } as never)).toThrow(
      /delayMS/,
    );
    const event: SseEvent = { type: "response.completed", response: { id: "r" } };
    mock.enqueue({ events: [sse.created("r"), event] });
    (event.response as { id: string }).id = "changed";
    const text = await (await post({ input: [] })).text();
    expect(eventsOf(text)[1]).toEqual({ type: "response.completed", response: { id: "r" } });
  });

  it("names a namespaced tool's namespace in its call, and takes none for the runtime's own tools", () => {
    const [call] = sse.functionCall("deploy", {}, { namespace: "mcp__deployer", callId: "c" });
    expect(call!.item).toMatchObject({
      type: "function_call",
      name: "deploy",
      namespace: "mcp__deployer",
    });
    const [custom] = sse.customToolCall("grep", "x", { namespace: "tools" });
    expect(custom!.item).toMatchObject({ type: "custom_tool_call", namespace: "tools" });
    // A tool offered on its own: no namespace field at all.
    expect(sse.functionCall("lookup", {})[0]!.item).not.toHaveProperty("namespace");
    expect(() => sse.functionCall("deploy", {}, { namespace: " " })).toThrow(/options\.namespace/);
    expect(() => sse.applyPatch("p", { namespace: "x" } as never)).toThrow(/namespace/);
    expect(() => sse.execCommand("ls", { namespace: "x" } as never)).toThrow(/namespace/);
  });

  it("formats an event or a TOML string only when it can, naming the problem", () => {
    expect(formatSseEvent({ type: "response.created", n: 1 })).toBe(
      'event: response.created\ndata: {"type":"response.created","n":1}\n\n',
    );
    expect(() => formatSseEvent(null as never)).toThrow(
      "event must be an SSE event object with a string type, got null",
    );
    expect(() => formatSseEvent({} as never)).toThrow(/must be an SSE event object/);
    expect(() => formatSseEvent({ type: "a\nevent: injected" })).toThrow(
      "event.type must not contain a line break",
    );
    expect(() => formatSseEvent({ type: "x", n: 1n })).toThrow(/event\.n/);
    expect(tomlString('say "hi"\n')).toBe('"say \\"hi\\"\\u000a"');
    expect(() => tomlString(42 as never)).toThrow("tomlString takes a string, got number");
    expect(() => tomlString(["a", "b"] as never)).toThrow(/tomlString takes a string, got/);
    expect(() => tomlString("a\ud800")).toThrow("tomlString's value holds a lone surrogate");
  });

  it("gives a built response's bare response events its id, which the runtime reads them by", async () => {
    mock.enqueue({ events: [sse.created(), ...sse.assistantMessage("hi"), sse.completed()] });
    mock.enqueue({ events: [sse.event("response.created"), sse.completed({ id: "resp_b" })] });
    const ids = async () =>
      eventsOf(await (await post({ input: [] })).text())
        .filter((event) => event.type.startsWith("response.c"))
        .map((event) => (event.response as { id?: unknown }).id);
    const [created, completed] = await ids();
    expect(created).toMatch(/^resp_mock_\d+$/);
    expect(completed).toBe(created);
    expect(await ids()).toEqual(["resp_b", "resp_b"]);
  });

  it("decodes a zstd body where Node can, and refuses one it cannot read, unrecorded", async () => {
    const json = JSON.stringify({ input: [{ type: "message", role: "user", content: "hi" }] });
    // One raw block in a zstd frame, made by hand: Node 20 has no zstd of its own.
    const data = Buffer.from(json);
    const frame = Buffer.alloc(12);
    frame.writeUInt32LE(0xfd2fb528, 0);
    frame.writeUInt8(0xa0, 4);
    frame.writeUInt32LE(data.length, 5);
    frame.writeUIntLE(1 | (data.length << 3), 9, 3);
    const send = (body: Buffer, encoding: string) =>
      fetch(`${mock.url}/responses`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-encoding": encoding },
        body,
      });
    mock.enqueueAssistantMessage("ok");
    const zstd = await send(Buffer.concat([frame, data]), "zstd");
    if ("zstdDecompressSync" in zlib) {
      expect(zstd.status).toBe(200);
      await zstd.text();
      expect(mock.requests[0]?.rawBody).toBe(json);
    } else {
      expect(zstd.status).toBe(415);
      expect(((await zstd.json()) as { error: { message: string } }).error.message).toBe(
        `mock Responses server: Node ${process.version} cannot decode a zstd request body (it ` +
          "can from Node 22.15); run the runtime with features.enable_request_compression=false",
      );
      expect(mock.requests).toEqual([]);
      expect(mock.pending).toBe(1);
    }
    mock.clearRequests();
    const corrupt = await send(Buffer.from("not gzip at all"), "gzip");
    expect(corrupt.status).toBe(400);
    expect(((await corrupt.json()) as { error: { message: string } }).error.message).toMatch(
      /^mock Responses server: a request body that is not valid gzip: /,
    );
    expect(mock.requests).toEqual([]);
  });

  it("bounds what it keeps of a request body, and forgets the requests it recorded on demand", async () => {
    const { gzipSync } = await import("node:zlib");
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024));
    const inflated = await fetch(`${mock.url}/models`, {
      method: "POST",
      headers: { "content-encoding": "gzip" },
      body: bomb,
    });
    expect(inflated.status).toBe(413);
    await inflated.text();
    const huge = await fetch(`${mock.url}/responses`, {
      method: "POST",
      body: Buffer.alloc(128 * 1024 * 1024 + 1),
    });
    expect(huge.status).toBe(413);
    await huge.text();
    // Neither is recorded, and no queued response was taken.
    expect(mock.requests).toHaveLength(0);
    await (await fetch(`${mock.url}/models`)).text();
    expect(mock.requests).toHaveLength(1);
    // A body as long as a turn with the most sound the runtime takes (67 MiB of base64) is kept.
    const long = await fetch(`${mock.url}/models`, {
      method: "POST",
      body: Buffer.alloc(70 * 1024 * 1024, 0x41),
    });
    expect(long.status).toBe(404);
    await long.text();
    expect(mock.requests).toHaveLength(2);
    mock.clearRequests();
    expect(mock.requests).toEqual([]);
    expect(mock.responsesRequests).toEqual([]);
    mock.enqueueAssistantMessage("after");
    await (await post({ input: [] })).text();
    await mock.waitForRequests(1);
    expect(mock.requests[0]?.index).toBe(0);
  });

  it("keeps a request header named __proto__ as a header", async () => {
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(mock.port, "127.0.0.1", () => {
        socket.write(
          "GET /v1/models HTTP/1.1\r\nHost: x\r\n__proto__: 1\r\nConnection: close\r\n\r\n",
        );
      });
      socket.on("data", () => {});
      socket.on("end", () => resolve());
      socket.on("error", reject);
    });
    expect(Object.getOwnPropertyDescriptor(mock.requests[0]!.headers, "__proto__")?.value).toBe(
      "1",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The mock and the harness against the real app-server
// ---------------------------------------------------------------------------------------------

describe("mock Responses server with the real app-server", () => {
  let mock: MockResponsesServer;
  let home: CodexHome;
  let app: RawAppServer | undefined;

  const launch = async (extra: Parameters<typeof createCodexHome>[0] | undefined = undefined) => {
    home = await createCodexHome(extra ?? { mockUrl: mock.url });
    app = RawAppServer.spawn(home.env);
    await app.initialize();
    return app;
  };

  beforeEach(async () => {
    mock = await startMockResponsesServer();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    await mock.close();
    await home?.cleanup();
  });

  it("streams deltas, reports usage and records the request", async () => {
    const server = await launch();
    mock.enqueueTextDeltas(["Hel", "lo"], {
      delayMs: 5,
      usage: { inputTokens: 12, cachedInputTokens: 2, outputTokens: 3 },
    });
    const threadId = await server.startThread(home.workDir);
    // A valid 1x1 PNG: the runtime decodes images and replaces undecodable ones with a text note.
    const image =
      "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    const turnId = await server.startTurn(threadId, [
      { type: "text", text: "hi" },
      { type: "image", url: image },
    ]);
    const turn = await server.completedTurn(turnId);

    expect(turn.status).toBe("completed");
    expect(server.notifications("item/agentMessage/delta", turnId).map((p) => p.delta)).toEqual([
      "Hel",
      "lo",
    ]);
    const [message] = server.completedItems(turnId, "agentMessage");
    expect(message).toMatchObject({ text: "Hello", phase: null });

    const usage = server.notifications("thread/tokenUsage/updated", turnId).at(-1)?.tokenUsage;
    expect(usage.last).toMatchObject({
      inputTokens: 12,
      cachedInputTokens: 2,
      outputTokens: 3,
      totalTokens: 15,
    });
    // The runtime reports 95% (effective_context_window_percent) of the catalogue's window.
    expect(usage.modelContextWindow).toBe(190_000);

    expect(mock.responsesRequests).toHaveLength(1);
    const request = mock.responsesRequests[0];
    expect(request?.body).toMatchObject({ model: "mock-model", stream: true });
    expect(request?.headers.accept).toBe("text/event-stream");
    expect(inputTexts(request)).toContain("hi");
    expect(inputImages(request).map((part) => part.image_url)).toEqual([image]);
    // Only the model turn itself: no title generation, /models or other traffic.
    expect(mock.requests).toHaveLength(1);
  });

  it("carries phase, reasoning, exec_command and apply_patch through a multi-request turn", async () => {
    const server = await launch();
    mock.enqueue([
      sse.reasoning("Checking the folder"),
      sse.assistantMessage("Running a command", { phase: "commentary" }),
      sse.execCommand("echo mock-exec-output", { callId: "call-exec" }),
    ]);
    const patch = "*** Begin Patch\n*** Add File: note.txt\n+written by mock\n*** End Patch\n";
    mock.enqueue([sse.applyPatch(patch, { callId: "call-patch" })]);
    mock.enqueueAssistantMessage("All done", { phase: "final_answer" });

    const threadId = await server.startThread(home.workDir);
    const { turnId, turn } = await server.runTurn(threadId, "do it");

    expect(turn.status).toBe("completed");
    expect(server.completedItems(turnId, "reasoning")[0]?.summary).toEqual(["Checking the folder"]);
    expect(
      server.completedItems(turnId, "agentMessage").map((item) => [item.text, item.phase]),
    ).toEqual([
      ["Running a command", "commentary"],
      ["All done", "final_answer"],
    ]);
    const [command] = server.completedItems(turnId, "commandExecution");
    expect(command).toMatchObject({ id: "call-exec", status: "completed", exitCode: 0 });
    expect(command.aggregatedOutput).toContain("mock-exec-output");
    const [change] = server.completedItems(turnId, "fileChange");
    expect(change).toMatchObject({ id: "call-patch", status: "completed" });
    expect(await readFile(path.join(home.workDir, "note.txt"), "utf8")).toBe("written by mock\n");

    expect(mock.responsesRequests).toHaveLength(3);
    const [execOutput] = functionCallOutputs(mock.responsesRequests[1]);
    expect(execOutput?.call_id).toBe("call-exec");
    expect(String(execOutput?.output)).toContain("mock-exec-output");
    const [patchOutput] = customToolCallOutputs(mock.responsesRequests[2]);
    expect(patchOutput?.call_id).toBe("call-patch");
    expect(String(patchOutput?.output)).toContain("note.txt");
  });

  it("holds a gated response until released", async () => {
    const server = await launch();
    const gate = mock.gate();
    mock.enqueueAssistantMessage("released", { gate });
    const threadId = await server.startThread(home.workDir);
    const turnId = await server.startTurn(threadId, [{ type: "text", text: "wait" }]);

    await gate.reached;
    // Nothing marks a response held: give one that was not held the time to complete the turn
    // (a few ms), or these checks would pass before it could.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(server.completedItems(turnId, "agentMessage")).toEqual([]);
    expect(server.messages.some((m) => m.method === "turn/completed")).toBe(false);

    gate.release();
    const turn = await server.completedTurn(turnId);
    expect(turn.status).toBe("completed");
    expect(server.completedItems(turnId, "agentMessage")[0]?.text).toBe("released");
  });

  it("turns response.failed and an empty queue into failed turns with the message", async () => {
    const server = await launch();
    mock.enqueueFailure("boom from mock");
    mock.enqueueFailure("too long", "context_length_exceeded");
    const threadId = await server.startThread(home.workDir);

    const failed = await server.runTurn(threadId, "one");
    expect(failed.turn.status).toBe("failed");
    expect(failed.turn.error.message).toContain("boom from mock");
    expect(server.notifications("error", failed.turnId)[0]).toMatchObject({ willRetry: false });

    const overflow = await server.runTurn(threadId, "two");
    expect(overflow.turn.error.codexErrorInfo).toBe("contextWindowExceeded");

    const empty = await server.runTurn(threadId, "three");
    expect(empty.turn.status).toBe("failed");
    // As it is: the runtime does not take it for a dropped stream.
    expect(empty.turn.error.message).toMatch(new RegExp(`^${NO_RESPONSE_QUEUED} \\(request #3 `));
    expect(mock.responsesRequests).toHaveLength(3);
  });

  it("lists exactly the catalogue the harness wrote", async () => {
    const server = await launch();
    const result = await server.request("model/list", {});
    expect(result.data.map((model: { id: string }) => model.id)).toEqual(["mock-model"]);
    expect(result.data[0]).toMatchObject({ isDefault: true, hidden: false });
    expect(mock.requests).toEqual([]);
  });

  it("serves /models when the provider fetches its own catalogue", async () => {
    // A command-auth provider makes the runtime fetch GET /models; without a catalogue file the
    // fetched models are merged into the runtime's bundled ones.
    const tokenCommand = [
      "[model_providers.mock.auth]",
      `command = ${tomlString(process.execPath)}`,
      `args = ["-e", "process.stdout.write('mock-token')"]`,
    ].join("\n");
    const server = await launch({ mockUrl: mock.url, models: false, extraConfig: tokenCommand });
    const result = await server.request("model/list", {});
    expect(result.data.map((model: { id: string }) => model.id)).toContain("mock-model");
    const fetches = mock.requests.filter((r) => r.method === "GET");
    expect(fetches.length).toBeGreaterThan(0);
    expect(fetches[0]).toMatchObject({
      path: "/v1/models",
      headers: { authorization: "Bearer mock-token" },
    });
    expect(fetches[0]?.query.client_version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

it("leaves the process's exit and signal listeners as it found them once each home is cleaned up", async () => {
  const signals = ["exit", "SIGTERM", "SIGINT", "SIGHUP"] as const;
  const counts = () => signals.map((event) => process.listenerCount(event));
  const before = counts();
  for (let i = 0; i < 3; i++) {
    const home = await createCodexHome({ mockUrl: "http://127.0.0.1:9/v1" });
    // A home left at exit is removed then: the process watches for it.
    expect(counts()).toEqual(before.map((n) => n + 1));
    await home.cleanup();
    expect(counts()).toEqual(before);
  }
});

it("refuses a server whose model requests the machine's config sends elsewhere than the mock", async () => {
  const layer = (type: string, file?: string) => ({
    name: file === undefined ? { type } : { type, file },
    version: "v",
  });
  const reading = (origins: Record<string, unknown>) =>
    checkModelRoute({ config: { read: async () => ({ origins }) } } as never);
  const home = layer("user", "/tmp/home/config.toml");
  await expect(
    reading({ model_provider: home, "model_providers.mock.base_url": layer("sessionFlags") }),
  ).resolves.toBeUndefined();
  // The machine's own settings apply too, and may: none of them routes the model.
  await expect(
    reading({ model_provider: home, model_verbosity: layer("system", "/etc/codex/config.toml") }),
  ).resolves.toBeUndefined();
  await expect(
    reading({
      model_provider: layer("legacyManagedConfigTomlFromFile", "/etc/codex/managed_config.toml"),
    }),
  ).rejects.toThrow(
    "createTestCodex: model_provider is set by the legacyManagedConfigTomlFromFile config " +
      "/etc/codex/managed_config.toml, which applies over the test's home: the model's requests " +
      "would not reach the mock",
  );
  await expect(reading({ "model_providers.mock.base_url": layer("mdm") })).rejects.toThrow(
    /^createTestCodex: model_providers\.mock\.base_url is set by the mdm config,/,
  );
  // The real server, on this machine, reads its route from the home alone.
  await using t = await createTestCodex();
  const { origins } = await t.codex.config.read();
  expect(origins.model_provider?.name).toMatchObject({ type: "user" });
});

describe("the harness's options", () => {
  // Runs `work` with os.tmpdir() pointing at a directory that does not exist (TMPDIR is this test
  // file's: other files run in processes of their own), so any directory made before a refusal
  // fails the call with ENOENT instead.
  async function withNoTmpdir(work: () => Promise<void>): Promise<void> {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = path.join(tmpdir(), `codex-sdk-missing-${process.pid}-${Date.now()}`);
    try {
      await work();
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  }

  it("refuses bad createCodexHome options by name, before making a directory", async () => {
    const url = "http://127.0.0.1:1/v1";
    const refusals: Array<[unknown, RegExp]> = [
      [null, /^createCodexHome options must be an object, got null/],
      [undefined, /^mockUrl must be a non-empty string, got undefined/],
      [{}, /^mockUrl must be a non-empty string/],
      [{ mockUrl: 5 }, /^mockUrl must be a non-empty string/],
      [{ mockUrl: url, model: 5 }, /^model must be a non-empty string/],
      [{ mockUrl: url, extraConfig: 5 }, /^extraConfig must be a string of TOML/],
      // Tables the harness writes as dotted keys, which the runtime refuses to see opened again.
      [{ mockUrl: url, extraConfig: "[features]\nx = true" }, /^extraConfig opens \[features\]/],
      [{ mockUrl: url, extraConfig: " [ analytics ] # on" }, /^extraConfig opens \[analytics\]/],
      [
        { mockUrl: url, extraConfig: 'a = 1\n[model_providers."mock"]' },
        /^extraConfig opens \[model_providers\.mock\]/,
      ],
      [{ mockUrl: url, extraConfig: "[[model_providers]]" }, /^extraConfig opens \[model_prov/],
      // Keys the harness sets, its tables and what lies under its values: defined twice.
      [
        { mockUrl: url, extraConfig: "model_providers.mock.request_max_retries = 1" },
        /^extraConfig sets model_providers\.mock\.request_max_retries, which the harness writes/,
      ],
      [{ mockUrl: url, extraConfig: 'model = "x"' }, /^extraConfig sets model, which/],
      [
        { mockUrl: url, extraConfig: "analytics = {}" },
        /^extraConfig sets analytics, where the harness writes analytics\.enabled/,
      ],
      [{ mockUrl: url, extraConfig: '"features" . "plugins" = true' }, /sets features\.plugins/],
      [
        { mockUrl: url, features: { mine: true }, extraConfig: "features.mine = false" },
        /^extraConfig sets features\.mine, which/,
      ],
      [{ mockUrl: url, extraConfig: "model_catalog_json = 'x'" }, /sets model_catalog_json/],
      // Strings and comments hide nothing after them; escapes in a key are read.
      [
        { mockUrl: url, extraConfig: '# write prompts in """ strings\nmodel = "x"' },
        /^extraConfig sets model, which/,
      ],
      [{ mockUrl: url, extraConfig: "sep = '\"\"\"'\nmodel = 'x'" }, /^extraConfig sets model,/],
      [{ mockUrl: url, extraConfig: '"mod\\u0065l" = "x"' }, /^extraConfig sets model,/],
      [{ mockUrl: url, extraConfig: '"mod\\x65l" = "x"' }, /^extraConfig sets model,/],
      // Quotes before a multi-line string's closing three are of the string; a byte order mark
      // (trimmed away when the file is written) hides no key.
      [{ mockUrl: url, extraConfig: 'x = """a""""\nmodel = "m"' }, /^extraConfig sets model,/],
      [{ mockUrl: url, extraConfig: '\uFEFFmodel = "x"' }, /^extraConfig sets model,/],
      [{ mockUrl: url, features: { x: "yes" } }, /^features\.x must be a boolean, got string/],
      [{ mockUrl: url, models: "x" }, /^models must be an array of model entries or false/],
      [{ mockUrl: url, models: [] }, /^models must hold at least one model/],
      [{ mockUrl: url, models: [null] }, /^models\[0\] must be a model entry with a slug/],
      [{ mockUrl: url, modle: "m" }, /^createCodexHome options has no option "modle"/],
      // Written to config.toml as UTF-8, a lone surrogate would become U+FFFD.
      [{ mockUrl: url, extraConfig: 'x = "a\ud800b"' }, /^extraConfig holds a lone surrogate/],
      [{ mockUrl: url, features: { "f\ud800": true } }, /^a features key holds a lone surrogate/],
    ];
    await withNoTmpdir(async () => {
      for (const [options, message] of refusals) {
        await expect(createCodexHome(options as never)).rejects.toThrow(message);
      }
      // The check can fail: a call that gets that far cannot make its directory.
      await expect(createCodexHome({ mockUrl: url })).rejects.toThrow("ENOENT");
    });
  });

  it("refuses createTestCodex's options, nested ones and Codex.start's included, before setting anything up", async () => {
    const refusals: Array<[unknown, string | RegExp]> = [
      [{ home: { modle: "m" } }, 'home has no option "modle"; did you mean "model"?'],
      [{ home: { models: "x" } }, /^models must be an array of model entries or false/],
      [
        { mock: { waitTimeout: 5 } },
        'mock has no option "waitTimeout"; did you mean "waitTimeoutMs"?',
      ],
      [{ mock: { models: "x" } }, /^models must be an array of model entries, got/],
      // The runtime would refuse the empty catalogue only once the mock listened.
      [{ mock: { models: [] } }, /^mock\.models must hold at least one model/],
      [{ clientInfo: { nam: "app" } }, 'clientInfo has no option "nam"; did you mean "name"?'],
      [{ startTimeout: -1 }, /^startTimeout must be a number of milliseconds/],
      [{ env: { A: 5 } }, /^env\.A must be a string/],
    ];
    await withNoTmpdir(async () => {
      for (const [options, message] of refusals) {
        await expect(createTestCodex(options as never)).rejects.toThrow(message);
      }
      await expect(createTestCodex()).rejects.toThrow("ENOENT");
    });
  });

  it("refuses mockConfigToml options it does not take", () => {
    const mockUrl = "http://127.0.0.1:1/v1";
    expect(mockConfigToml({ mockUrl, model: "m" })).toContain('model = "m"');
    expect(() => mockConfigToml({ mockUrl, modle: "m" } as never)).toThrow(
      'mockConfigToml options has no option "modle"; did you mean "model"?',
    );
    expect(() => mockConfigToml({ mockUrl: "not-a-url" })).toThrow(
      /^mockUrl must be a valid absolute URL/,
    );
    const refusals: Array<[object, RegExp]> = [
      [{ model: 5 }, /^model must be a non-empty string, got number/],
      [{ model: "" }, /^model must be a non-empty string, got an empty string/],
      [{ extraConfig: 5 }, /^extraConfig must be a string of TOML/],
      [{ features: { x: "yes" } }, /^features\.x must be a boolean/],
      [{ modelCatalogPath: 5 }, /^modelCatalogPath must be a non-empty string/],
      [{ modelCatalogPath: "/tmp/c\ud800.json" }, /^modelCatalogPath holds a lone surrogate/],
    ];
    for (const [options, message] of refusals) {
      expect(() => mockConfigToml({ mockUrl, ...options } as never)).toThrow(message);
    }
    // What the harness does not set is taken: a table's own keys, a multi-line string's lines,
    // another feature, the catalogue's path when none is written.
    for (const extraConfig of [
      "model_providers.mock.stream_idle_timeout_ms = 1000",
      '[profiles.p]\nmodel = "x"',
      'developer_instructions = """\nmodel = "x"\n"""\nmodel_verbosity = "low"',
      "features.other = true",
      "model_catalog_json = '/c.json'",
      // One key or table whose name holds a dot; an escaped quote inside a multi-line string;
      // a nested array over several lines.
      '"analytics.enabled" = true',
      '["model_providers.mock"]\nx = 1',
      'developer_instructions = """\nuse \\""" here\nmodel = "x" is no key\n"""',
      'matrix = [\n  [1, 2],\n]\nmodel_verbosity = "low"',
      'x = """a""""\ny = """\nmodel = "m"\n"""',
    ]) {
      expect(mockConfigToml({ mockUrl, extraConfig })).toContain(extraConfig.split("\n")[0]);
    }
    expect(() =>
      mockConfigToml({
        mockUrl,
        modelCatalogPath: "/c.json",
        extraConfig: "model_catalog_json = ''",
      }),
    ).toThrow(/^extraConfig sets model_catalog_json, which the harness writes/);
  });

  it("keeps an inherited proxy, databases' home or exec server away, and unsets an inherited variable env names undefined", async () => {
    // A proxy the environment names, which would answer every request it is given with a 502.
    const proxied: string[] = [];
    const proxy = http.createServer((request, response) => {
      proxied.push(`${request.method} ${request.url}`);
      response.writeHead(502).end();
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const { port } = proxy.address() as net.AddressInfo;
    const saved = {
      HTTP_PROXY: process.env.HTTP_PROXY,
      INHERITED: process.env.CODEX_SDK_INHERITED,
      NO_PROXY: process.env.NO_PROXY,
      SQLITE: process.env.CODEX_SQLITE_HOME,
      EXEC: process.env.CODEX_EXEC_SERVER_URL,
    };
    process.env.HTTP_PROXY = `http://127.0.0.1:${port}`;
    process.env.CODEX_SDK_INHERITED = "inherited";
    // The runtime's databases (prompts among them) would go there, its commands to that server.
    process.env.CODEX_SQLITE_HOME = path.join(tmpdir(), "codex-sdk-not-the-test-home");
    process.env.CODEX_EXEC_SERVER_URL = "ws://127.0.0.1:9";
    try {
      const t = await createTestCodex({
        env: { CODEX_SDK_INHERITED: undefined, CODEX_HOME: undefined },
      });
      try {
        t.mock.enqueueAssistantMessage("direct");
        expect((await (await t.codex.threadStart()).run("hi")).finalResponse).toBe("direct");
        const environ = (await readFile(`/proc/${t.codex.pid}/environ`, "utf8")).split("\0");
        expect(environ.filter((entry) => entry.startsWith("CODEX_SDK_INHERITED="))).toEqual([]);
        // The harness's own stays.
        expect(environ).toContain(`CODEX_HOME=${t.home.codexHome}`);
        expect(environ).toContain(`CODEX_SQLITE_HOME=${t.home.codexHome}`);
        expect(environ.filter((entry) => entry.startsWith("CODEX_EXEC_SERVER_URL="))).toEqual([]);
      } finally {
        await t.close();
      }
      // A variable of any name reaches it, as through Codex.start: `__proto__` too.
      const odd = await createTestCodex({
        env: JSON.parse('{"__proto__":"marker"}') as Record<string, string>,
      });
      try {
        const environ = (await readFile(`/proc/${odd.codex.pid}/environ`, "utf8")).split("\0");
        expect(environ).toContain("__proto__=marker");
      } finally {
        await odd.close();
      }
      // A NO_PROXY of the caller's takes the inherited one's place, beside the mock's hosts.
      process.env.NO_PROXY = "inherited.example";
      const own = await createTestCodex({ env: { NO_PROXY: "corp.internal" } });
      try {
        own.mock.enqueueAssistantMessage("direct");
        expect((await (await own.codex.threadStart()).run("hi")).finalResponse).toBe("direct");
        const environ = (await readFile(`/proc/${own.codex.pid}/environ`, "utf8")).split("\0");
        for (const name of ["NO_PROXY", "no_proxy"]) {
          const hosts = environ.find((entry) => entry.startsWith(`${name}=`))!.split(/[=,]/);
          expect(hosts).toEqual(expect.arrayContaining(["127.0.0.1", "corp.internal"]));
          expect(hosts).not.toContain("inherited.example");
        }
      } finally {
        await own.close();
      }
      expect(proxied).toEqual([]);
    } finally {
      for (const [name, value] of Object.entries({
        HTTP_PROXY: saved.HTTP_PROXY,
        CODEX_SDK_INHERITED: saved.INHERITED,
        NO_PROXY: saved.NO_PROXY,
        CODEX_SQLITE_HOME: saved.SQLITE,
        CODEX_EXEC_SERVER_URL: saved.EXEC,
      })) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it("lets nothing leave the machine: a thread on another provider reaches the mock as its proxy, refused", async () => {
    const environOf = async (pid: number | undefined) =>
      (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0");
    const inherited = process.env.NO_PROXY;
    // A host an inherited NO_PROXY names would be reached past the mock: it is not read.
    process.env.NO_PROXY = "api.openai.com";
    let t: Awaited<ReturnType<typeof createTestCodex>>;
    try {
      t = await createTestCodex();
    } finally {
      if (inherited === undefined) delete process.env.NO_PROXY;
      else process.env.NO_PROXY = inherited;
    }
    await using _t = t;
    const environ = await environOf(t.codex.pid);
    for (const name of ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"]) {
      expect(environ).toContain(`${name}=http://127.0.0.1:${t.mock.port}`);
    }
    // This machine is reached directly, by name and address too (a test's server may listen
    // there), and nothing else.
    const direct = environ
      .find((entry) => entry.startsWith("NO_PROXY="))!
      .slice(9)
      .split(",");
    expect(direct).toEqual(expect.arrayContaining(["127.0.0.1", "localhost", hostname()]));
    expect(direct).not.toContain("api.openai.com");
    // A proxy the test names takes the mock's place, in both cases.
    {
      await using own = await createTestCodex({ env: { https_proxy: "http://127.0.0.1:9" } });
      const ownEnviron = await environOf(own.codex.pid);
      // The one given stands in the variables not given too, where the mock's was.
      const names = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"];
      expect(ownEnviron).toEqual(
        expect.arrayContaining(names.map((name) => `${name}=http://127.0.0.1:9`)),
      );
      expect(ownEnviron.filter((entry) => entry.includes(`:${own.mock.port}`))).toEqual([]);
    }
    // The runtime's own provider, which would send the prompt to api.openai.com.
    const thread = await t.codex.threadStart({ modelProvider: "openai" });
    const turn = await thread.turn("a prompt that stays here");
    for await (const event of turn.stream()) {
      if (event.method !== "error") continue;
      expect(event.params.error.additionalDetails).toContain("HTTP CONNECT failed with status 403");
      break;
    }
    await turn.interrupt();
    expect((await turn.run()).status).toBe("interrupted");
    expect(t.mock.requests).toEqual([]);
  });

  it("removes a home never cleaned up as the process ends, by a signal too, which still ends it", async () => {
    const testing = new URL("../../src/testing/index.ts", import.meta.url).href;
    // Runs `make` (which sets `home`, and `pid` for an app-server), prints the home's directories
    // and the server's pid, then runs `then`; `act` is given them while the process runs.
    const run = async (
      make: string,
      then: string,
      act?: (
        child: ChildProcess,
        lines: AsyncIterator<string>,
        dirs: string[],
        pid: number,
      ) => Promise<void>,
    ) => {
      const code =
        `const { createCodexHome, createTestCodex } = await import(${JSON.stringify(testing)});` +
        `let home, pid; ${make};` +
        `console.log(JSON.stringify([[home.codexHome, home.workDir], pid ?? null]));${then}`;
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code]);
      const ended = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
      const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const [dirs, pid] = JSON.parse((await lines.next()).value as string) as [string[], number];
      if (act !== undefined) {
        // Made, and kept while the process runs.
        expect(dirs.map((dir) => existsSync(dir))).toEqual([true, true]);
        await act(child, lines, dirs, pid);
      }
      const [exitCode, signal] = await ended;
      return { dirs, pid, code: exitCode, signal };
    };
    const home = `home = await createCodexHome({ mockUrl: "http://127.0.0.1:9/v1" })`;
    const alive = "setInterval(() => {}, 1000);";
    const kill = (signal: NodeJS.Signals) => async (child: ChildProcess) => void child.kill(signal);
    const gone = (dirs: string[]) =>
      expect(dirs.map((dir) => existsSync(dir))).toEqual([false, false]);

    const ended = await run(home, "");
    expect(ended).toMatchObject({ code: 0, signal: null });
    gone(ended.dirs);
    // Ended by the signal as it would have been.
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const killed = await run(home, alive, kill(signal));
      expect(killed).toMatchObject({ code: null, signal });
      gone(killed.dirs);
    }
    // A signal the program listens to ends nothing and removes nothing; its exit then does.
    const own = `${alive}process.on("SIGINT", () => console.log("handled"));`;
    const handled = await run(home, own, async (child, lines, dirs) => {
      child.kill("SIGINT");
      expect((await lines.next()).value).toBe("handled");
      expect(dirs.map((dir) => existsSync(dir))).toEqual([true, true]);
      child.kill("SIGTERM");
    });
    expect(handled).toMatchObject({ code: null, signal: "SIGTERM" });
    gone(handled.dirs);
    // One added with once is gone from the listeners as it runs: still the program's to handle.
    const graceful = `${alive}process.once("SIGTERM", () => setTimeout(() => process.exit(0), 50));`;
    const exited = await run(home, graceful, kill("SIGTERM"));
    expect(exited).toMatchObject({ code: 0, signal: null });
    gone(exited.dirs);
    // signal-exit (under execa, ink, ...), as its version 4 does: it raises the signal again only
    // when it alone listens, counting its listeners on a shared emitter. Each counts the other's.
    const signalExit =
      `${alive}const emitter = { count: 1 };` +
      'globalThis[Symbol.for("signal-exit emitter")] = emitter;' +
      "const listener = () => {" +
      '  if (process.listeners("SIGTERM").length !== emitter.count) return;' +
      '  process.off("SIGTERM", listener);' +
      '  process.kill(process.pid, "SIGTERM");' +
      "};" +
      'process.on("SIGTERM", listener);';
    const alongside = await run(home, signalExit, kill("SIGTERM"));
    expect(alongside).toMatchObject({ code: null, signal: "SIGTERM" });
    gone(alongside.dirs);
    // An app-server still running in a home, under a wrapper too, is stopped first, so it writes
    // nothing there again.
    const { binary } = locateRuntime();
    const wrapped = ["sh", "-c", `${JSON.stringify(binary)} app-server; exit $?`];
    const served =
      `const t = await createTestCodex({ launchArgs: ${JSON.stringify(wrapped)} });` +
      "home = t.home; pid = t.codex.pid; await t.codex.threadStart()";
    let server = 0;
    const stopped = await run(served, alive, async (child, _lines, _dirs, wrapper) => {
      // The wrapper's one child: the server.
      server = Number(readFileSync(`/proc/${wrapper}/task/${wrapper}/children`, "utf8").trim());
      child.kill("SIGTERM");
    });
    expect(server).toBeGreaterThan(0);
    // Not a child of this process: no event tells its end, so its state is read until it is gone.
    const running = () => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${server}/stat`, "utf8"));
      } catch {
        return false; // no such process
      }
    };
    const deadline = Date.now() + 10_000;
    while (running() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(running()).toBe(false);
    gone(stopped.dirs);
  });

  it("selects the first model of a catalogue given without a model, so its metadata applies", async () => {
    const t = await createTestCodex({ mock: { models: [mockModelInfo("fast-model")] } });
    try {
      t.mock.enqueueAssistantMessage("ok");
      await (await t.codex.threadStart()).run("hi");
      const body = t.mock.responsesRequests[0]!.body as {
        model: string;
        tools: { name?: string }[];
      };
      expect(body.model).toBe("fast-model");
      // The catalogue's metadata gives the model apply_patch; generic metadata does not.
      expect(body.tools.map((tool) => tool.name)).toContain("apply_patch");
    } finally {
      await t.close();
    }
  });

  it("lists the mock's catalogue when createTestCodex is given one for the mock alone", async () => {
    const models = [mockModelInfo("alpha"), mockModelInfo("beta")];
    const t = await createTestCodex({ mock: { models }, home: { model: "alpha" } });
    try {
      expect((await t.codex.models()).data.map((model) => model.id)).toEqual(["alpha", "beta"]);
      expect(t.mock.models.map((model) => model.slug)).toEqual(["alpha", "beta"]);
    } finally {
      await t.close();
    }
  });

  it("runs createTestCodex's server in the work directory when cwd is given as undefined", async () => {
    const t = await createTestCodex({ cwd: undefined });
    try {
      expect(realpathSync(`/proc/${t.codex.pid}/cwd`)).toBe(realpathSync(t.workDir));
    } finally {
      await t.close();
    }
    await expect(createTestCodex(null as never)).rejects.toThrow("options must be an object");
  });
});
