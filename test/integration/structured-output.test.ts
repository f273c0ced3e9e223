import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import * as zm from "zod/mini";
import {
  CodexError,
  StructuredOutputError,
  TurnAbortedError,
  type OutputSchema,
  type StructuredTurnResult,
  type TurnResult,
} from "../../src/index.js";
import { createTestCodex, type TestCodex } from "../../src/testing/index.js";

// One app-server for the file: every test opens its own thread and consumes what it queues.
let t: TestCodex;
beforeAll(async () => {
  t = await createTestCodex();
});
afterAll(async () => {
  await t.close();
});

/** The `text.format` of the latest model request. */
function lastFormat(): { type: string; name: string; strict: boolean; schema: unknown } {
  const request = t.mock.responsesRequests.at(-1)!;
  return (request.body as { text: { format: ReturnType<typeof lastFormat> } }).text.format;
}

// Nested objects, arrays, enums, optional and nullable fields, a discriminated union, a plain
// union, a default and a record over fixed keys: every shape the conversion handles.
const Review = z.object({
  title: z.string().describe("One line"),
  verdict: z.enum(["approve", "comment", "reject"]),
  score: z.number().int().min(0).max(10),
  findings: z.array(
    z.object({
      file: z.string(),
      line: z.number().int().optional(),
      severity: z.enum(["low", "high"]).optional(),
    }),
  ),
  author: z.object({ name: z.string(), email: z.email().nullable() }),
  next: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("merge") }),
    z.object({ kind: z.literal("fix"), reason: z.string(), owner: z.string().optional() }),
  ]),
  label: z.union([z.string(), z.object({ id: z.number(), alias: z.string().optional() })]),
  note: z.string().nullish(),
  reviewers: z.number().int().default(1),
  counts: z.record(z.enum(["added", "removed"]), z.number()),
});

describe("Thread.run with output", () => {
  it("sends the schema in strict form as the request's text.format.schema", async () => {
    const answer = {
      title: "Tidy",
      verdict: "approve",
      score: 8,
      findings: [],
      author: { name: "Ada", email: null },
      next: { kind: "merge" },
      label: { id: 3, alias: null },
      note: null,
      reviewers: 2,
      counts: { added: 1, removed: 0 },
    };
    t.mock.enqueueAssistantMessage(JSON.stringify(answer));
    const thread = await t.codex.threadStart();
    await thread.run("Review the change.", { output: Review });

    const format = lastFormat();
    expect(format.type).toBe("json_schema");
    expect(format.strict).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking JSON by hand
    const schema = format.schema as Record<string, any>;
    // The root: closed, every property required, in the schema's order.
    expect(schema.type).toBe("object");
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual([
      "title",
      "verdict",
      "score",
      "findings",
      "author",
      "next",
      "label",
      "note",
      "reviewers",
      "counts",
    ]);
    expect(schema.$schema).toBeUndefined();
    const p = schema.properties;
    expect(p.title).toEqual({ type: "string", description: "One line" });
    expect(p.verdict).toEqual({ type: "string", enum: ["approve", "comment", "reject"] });
    expect(p.score).toEqual({ type: "integer", minimum: 0, maximum: 10 });
    // An array of nested objects; their optional fields travel as required and nullable.
    expect(p.findings).toEqual({
      type: "array",
      items: {
        type: "object",
        properties: {
          file: { type: "string" },
          line: {
            type: ["integer", "null"],
            minimum: Number.MIN_SAFE_INTEGER,
            maximum: Number.MAX_SAFE_INTEGER,
          },
          severity: { type: ["string", "null"], enum: ["low", "high", null] },
        },
        required: ["file", "line", "severity"],
        additionalProperties: false,
      },
    });
    // A nullable field stays as the schema says; the email format survives (strict mode knows it).
    expect(p.author.additionalProperties).toBe(false);
    expect(p.author.required).toEqual(["name", "email"]);
    expect(p.author.properties.email.anyOf).toHaveLength(2);
    expect(p.author.properties.email.anyOf[0]).toMatchObject({ type: "string", format: "email" });
    expect(p.author.properties.email.anyOf[1]).toEqual({ type: "null" });
    // A discriminated union (zod's oneOf) becomes anyOf of closed objects.
    expect(p.next.oneOf).toBeUndefined();
    expect(p.next.anyOf).toEqual([
      {
        type: "object",
        properties: { kind: { type: "string", const: "merge" } },
        required: ["kind"],
        additionalProperties: false,
      },
      {
        type: "object",
        properties: {
          kind: { type: "string", const: "fix" },
          reason: { type: "string" },
          owner: { type: ["string", "null"] },
        },
        required: ["kind", "reason", "owner"],
        additionalProperties: false,
      },
    ]);
    expect(p.label).toEqual({
      anyOf: [
        { type: "string" },
        {
          type: "object",
          properties: { id: { type: "number" }, alias: { type: ["string", "null"] } },
          required: ["id", "alias"],
          additionalProperties: false,
        },
      ],
    });
    expect(p.note).toEqual({ type: ["string", "null"] });
    // A default makes the field optional on input: nullable on the wire, no `default` keyword.
    expect(p.reviewers).toEqual({
      type: ["integer", "null"],
      minimum: Number.MIN_SAFE_INTEGER,
      maximum: Number.MAX_SAFE_INTEGER,
    });
    // A record over fixed keys is an object with those properties.
    expect(p.counts).toEqual({
      type: "object",
      properties: { added: { type: "number" }, removed: { type: "number" } },
      required: ["added", "removed"],
      additionalProperties: false,
    });
  });

  it("resolves with parsed: the answer validated (and transformed) by the schema, typed", async () => {
    const Answer = z.object({
      city: z.string().transform((s) => s.toUpperCase()),
      population: z.number(),
      tags: z.array(z.enum(["coastal", "capital"])),
    });
    t.mock.enqueueAssistantMessage(
      JSON.stringify({ city: "Lisbon", population: 545_000, tags: ["coastal", "capital"] }),
    );
    const thread = await t.codex.threadStart();
    const result = await thread.run("Describe Lisbon.", { output: Answer });

    expect(result.parsed).toEqual({
      city: "LISBON",
      population: 545_000,
      tags: ["coastal", "capital"],
    });
    expect(result.status).toBe("completed");
    expect(result.finalResponse).toBe(
      '{"city":"Lisbon","population":545000,"tags":["coastal","capital"]}',
    );
    expectTypeOf(result.parsed).toEqualTypeOf<{
      city: string;
      population: number;
      tags: ("coastal" | "capital")[];
    }>();
    expectTypeOf(result).toExtend<TurnResult>();
  });

  it("drops the null of an optional property before validation, and keeps a nullable one's", async () => {
    t.mock.enqueueAssistantMessage(
      JSON.stringify({
        title: "T",
        verdict: "comment",
        score: 5,
        findings: [{ file: "a.ts", line: null, severity: "high" }],
        author: { name: "Ada", email: null },
        next: { kind: "fix", reason: "typo", owner: null },
        label: "x",
        note: null,
        reviewers: null,
        counts: { added: 2, removed: 1 },
      }),
    );
    const thread = await t.codex.threadStart();
    const { parsed } = await thread.run("Review.", { output: Review });

    // Optional and not nullable: the null is gone (a strict schema would have rejected it).
    expect(parsed.findings[0]).toEqual({ file: "a.ts", severity: "high" });
    expect("line" in parsed.findings[0]!).toBe(false);
    // Inside the union option the answer took.
    expect(parsed.next).toEqual({ kind: "fix", reason: "typo" });
    // Optional with a default: dropped, so the default applies.
    expect(parsed.reviewers).toBe(1);
    // Nullable (and nullish): the null is the answer.
    expect(parsed.author.email).toBeNull();
    expect(parsed.note).toBeNull();
    expectTypeOf(parsed.note).toEqualTypeOf<string | null | undefined>();
    expectTypeOf(parsed.next).toEqualTypeOf<
      { kind: "merge" } | { kind: "fix"; reason: string; owner?: string | undefined }
    >();
  });

  it("rejects with StructuredOutputError when the answer does not validate", async () => {
    const Answer = z.object({ count: z.number().int().positive(), unit: z.enum(["s", "ms"]) });
    const text = JSON.stringify({ count: -2, unit: "h" });
    t.mock.enqueueAssistantMessage(text);
    const thread = await t.codex.threadStart();
    const err = await thread.run("How long?", { output: Answer }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(StructuredOutputError);
    expect(err).toBeInstanceOf(CodexError);
    const error = err as StructuredOutputError;
    expect(error.name).toBe("StructuredOutputError");
    expect(error.text).toBe(text);
    expect(error.issues.map((issue) => issue.path)).toEqual([["count"], ["unit"]]);
    expect(error.message).toMatch(/^The answer does not match the output schema: count: .+; unit:/);
    expect(error.result.status).toBe("completed");
    expect(error.result.finalResponse).toBe(text);
  });

  it("rejects with StructuredOutputError when the answer is not JSON", async () => {
    t.mock.enqueueAssistantMessage("Sure! Here it is: {count: 2}");
    const thread = await t.codex.threadStart();
    const err = await thread
      .run("How many?", { output: z.object({ count: z.number() }) })
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(StructuredOutputError);
    const error = err as StructuredOutputError;
    expect(error.text).toBe("Sure! Here it is: {count: 2}");
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.message).toMatch(/^the answer is not JSON/);
    expect(error.cause).toBeInstanceOf(SyntaxError);
    expect(error.result.items.some((item) => item.type === "agentMessage")).toBe(true);
  });

  it("throws a TypeError naming the path, before any I/O, for a schema that cannot be strict", async () => {
    const thread = await t.codex.threadStart();
    const before = t.mock.responsesRequests.length;
    const cases: Array<[OutputSchema, RegExp]> = [
      [
        z.object({ meta: z.object({ labels: z.record(z.string(), z.string()) }) }),
        /^output schema at output\.meta\.labels cannot be made strict: its keys are free/,
      ],
      [
        z.object({ events: z.array(z.object({ at: z.date() })) }),
        /^output schema at output\.events\[\]\.at cannot be made strict: it accepts any value/,
      ],
      [
        z.object({ value: z.transform((v: unknown) => String(v)) }),
        /^output schema at output\.value cannot be made strict/,
      ],
      [z.array(z.string()), /^output schema at output cannot be made strict: .*JSON object/],
    ];
    for (const [schema, message] of cases) {
      const err = await thread.run("go", { output: schema }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TypeError);
      expect((err as TypeError).message).toMatch(message);
    }
    const notASchema = await thread
      .run("go", { output: { type: "object" } as unknown as OutputSchema })
      .catch((e: unknown) => e);
    expect(notASchema).toBeInstanceOf(TypeError);
    expect((notASchema as TypeError).message).toMatch(/^output must be a Standard Schema v1/);
    const both = await thread
      // @ts-expect-error -- a schema object or JSON Schema, never both
      .run("go", { output: z.object({}), outputSchema: { type: "object" } })
      .catch((e: unknown) => e);
    expect((both as TypeError).message).toMatch(/not both/);

    // Nothing was started: the thread's next turn runs at once, and is the only one the model saw.
    t.mock.enqueueAssistantMessage('{"ok":true}');
    const next = await thread.run("go", { output: z.object({ ok: z.boolean() }) });
    expect(next.parsed).toEqual({ ok: true });
    expect(t.mock.responsesRequests.length).toBe(before + 1);
  });

  it("takes any Standard Schema that gives its JSON Schema, not only zod", async () => {
    // A hand-written Standard Schema v1 + Standard JSON Schema v1 object: no library at all.
    type Point = { x: number; y: number };
    const targets: string[] = [];
    const Point: OutputSchema<Point> & {
      "~standard": { jsonSchema: { input(o: { target: string }): Record<string, unknown> } };
    } = {
      "~standard": {
        version: 1,
        vendor: "hand-made",
        validate: (value) => {
          const v = value as Partial<Point> | null;
          return typeof v?.x === "number" && typeof v.y === "number"
            ? { value: { x: v.x, y: v.y } }
            : { issues: [{ message: "expected a point" }] };
        },
        jsonSchema: {
          input: (options) => {
            targets.push(options.target);
            return {
              type: "object",
              properties: { x: { type: "number" }, y: { type: "number" } },
              required: ["x", "y"],
            };
          },
        },
      },
    };
    t.mock.enqueueAssistantMessage('{"x":1,"y":2}');
    const thread = await t.codex.threadStart();
    const result = await thread.run("A point.", { output: Point });

    expect(result.parsed).toEqual({ x: 1, y: 2 });
    expectTypeOf(result.parsed).toEqualTypeOf<Point>();
    expect(targets).toEqual(["draft-2020-12"]);
    expect(lastFormat().schema).toEqual({
      type: "object",
      properties: { x: { type: "number" }, y: { type: "number" } },
      required: ["x", "y"],
      additionalProperties: false,
    });
  });

  it("takes a zod/mini schema (no Standard JSON Schema) through zod's own converter", async () => {
    const Mini = zm.object({ name: zm.string(), age: zm.optional(zm.number()) });
    t.mock.enqueueAssistantMessage('{"name":"Ada","age":null}');
    const thread = await t.codex.threadStart();
    const result = await thread.run("Who?", { output: Mini });

    expect(result.parsed).toEqual({ name: "Ada" });
    expectTypeOf(result.parsed).toEqualTypeOf<{ name: string; age?: number | undefined }>();
    expect(lastFormat().schema).toEqual({
      type: "object",
      properties: { name: { type: "string" }, age: { type: ["number", "null"] } },
      required: ["name", "age"],
      additionalProperties: false,
    });
  });

  it("keeps raw outputSchema working, untyped", async () => {
    const outputSchema = {
      type: "object",
      properties: { ok: { type: "boolean" } },
      required: ["ok"],
      additionalProperties: false,
    } as const;
    t.mock.enqueueAssistantMessage('{"ok":true}');
    const thread = await t.codex.threadStart();
    const result = await thread.run("Ok?", { outputSchema });

    expect(result.finalResponse).toBe('{"ok":true}');
    expect("parsed" in result).toBe(false);
    expect(lastFormat().schema).toEqual(outputSchema);
    expectTypeOf(result).toEqualTypeOf<TurnResult>();

    // What z.toJSONSchema gives (an interface-typed object) is taken as it is.
    const converted = z.toJSONSchema(z.object({ ok: z.boolean() }));
    t.mock.enqueueAssistantMessage('{"ok":false}');
    const again = await thread.run("Ok?", { outputSchema: converted });
    expect(again.finalResponse).toBe('{"ok":false}');
    expect(lastFormat().schema).toMatchObject({ properties: { ok: { type: "boolean" } } });
  });
});

describe("Thread.turn with output", () => {
  it("returns a handle whose run() resolves with parsed, and which still streams", async () => {
    const Plan = z.object({ steps: z.array(z.string()).min(1), risky: z.boolean().optional() });
    t.mock.enqueueAssistantMessage('{"steps":["test","ship"],"risky":null}');
    const thread = await t.codex.threadStart();
    const handle = await thread.turn("Plan it.", { output: Plan });

    const methods: string[] = [];
    for await (const event of handle.stream()) methods.push(event.method);
    expect(methods).toContain("turn/completed");
    const result = await handle.run();
    expect(result.parsed).toEqual({ steps: ["test", "ship"] });
    expect(lastFormat().schema).toMatchObject({ required: ["steps", "risky"] });
    expectTypeOf(result).toEqualTypeOf<
      StructuredTurnResult<{ steps: string[]; risky?: boolean | undefined }>
    >();
    expectTypeOf(result.parsed.steps).toEqualTypeOf<string[]>();
  });

  it("rejects run() with StructuredOutputError carrying the result when the answer does not validate", async () => {
    t.mock.enqueueAssistantMessage('{"steps":[]}');
    const thread = await t.codex.threadStart();
    const handle = await thread.turn("Plan it.", {
      output: z.object({ steps: z.array(z.string()).min(1) }),
    });
    const err = await handle.run().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(StructuredOutputError);
    expect((err as StructuredOutputError).issues[0]!.path).toEqual(["steps"]);
    expect((err as StructuredOutputError).result.id).toBe(handle.id);
  });

  it("bounds the answer's validation by run()'s timeout and signal", async () => {
    // A check that never ends (an async refinement waiting on a service that never answers).
    const stuck = z.object({ a: z.string() }).refine(() => new Promise<boolean>(() => {}));
    const thread = await t.codex.threadStart();
    t.mock.enqueueAssistantMessage('{"a":"x"}');
    const timedOut = await thread
      .run("Answer.", { output: stuck, timeout: 3_000 })
      .catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(TurnAbortedError);
    expect(((timedOut as TurnAbortedError).cause as Error).name).toBe("TimeoutError");
    expect((timedOut as TurnAbortedError).result?.status).toBe("completed");

    t.mock.enqueueAssistantMessage('{"a":"y"}');
    const handle = await thread.turn("Answer again.", { output: stuck });
    const controller = new AbortController();
    const running = handle.run({ signal: controller.signal }).catch((e: unknown) => e);
    for await (const event of handle.stream()) void event;
    // The turn has completed; its answer is being checked.
    const reason = new Error("no longer needed");
    controller.abort(reason);
    const aborted = await running;
    expect(aborted).toBeInstanceOf(TurnAbortedError);
    expect((aborted as TurnAbortedError).cause).toBe(reason);
    expect((aborted as TurnAbortedError).result?.id).toBe(handle.id);
  });

  it("bounds the answer's validation by the turn's own signal, whatever run() is given", async () => {
    let checking!: () => void;
    const inCheck = new Promise<void>((resolve) => (checking = resolve));
    const stuck = z.object({ a: z.string() }).refine(() => {
      checking();
      return new Promise<boolean>(() => {});
    });
    const thread = await t.codex.threadStart();
    t.mock.enqueueAssistantMessage('{"a":"x"}');
    const controller = new AbortController();
    const handle = await thread.turn("Answer.", { output: stuck, signal: controller.signal });
    // With no options, and with a timeout of its own (a bound that still leaves the turn's).
    const running = [handle.run(), handle.run({ timeout: 600_000 })].map((run) =>
      run.catch((e: unknown) => e),
    );
    await inCheck;
    const reason = new Error("no longer needed");
    controller.abort(reason);
    for (const aborted of await Promise.all(running)) {
      expect(aborted).toBeInstanceOf(TurnAbortedError);
      expect((aborted as TurnAbortedError).cause).toBe(reason);
      expect((aborted as TurnAbortedError).result?.status).toBe("completed");
    }
  });
});

describe("a structured turn while another client's turn runs", () => {
  it("waits for that turn, which the runtime does not let it join, then runs as its own", async () => {
    let refused!: () => void;
    const waiting = new Promise<void>((resolve) => (refused = resolve));
    const logger = {
      debug: (message: string) => {
        if (message.includes("waits for the turn running there")) refused();
      },
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    };
    const own = await createTestCodex({ logger, logLevel: "debug" });
    try {
      const thread = await own.codex.threadStart();
      const gate = own.mock.gate();
      own.mock.enqueueAssistantMessage("the other turn's answer", { gate });
      own.mock.enqueueAssistantMessage('{"n":1}');
      // A turn this client did not start, as another client's is.
      await own.codex.request("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: "long job", text_elements: [] }],
      });
      await gate.reached;
      const running = thread
        .run("give n", { output: z.object({ n: z.number() }) })
        .catch((e: unknown) => e);
      // Refused as that turn takes no input with an output schema: it waits for it (or fails).
      await Promise.race([waiting, running]);
      gate.release();
      const result = await running;
      expect(result).toMatchObject({ parsed: { n: 1 }, finalResponse: '{"n":1}' });
      expect(own.mock.responsesRequests).toHaveLength(2);
    } finally {
      await own.close();
    }
  });
});
