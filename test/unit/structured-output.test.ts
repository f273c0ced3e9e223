import { Ajv2020 } from "ajv/dist/2020.js";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  StructuredOutputError,
  type OutputOf,
  type OutputSchema,
  type StructuredTurnResult,
  type Thread,
  type TurnHandle,
  type TurnResult,
} from "../../src/index.js";
import { convertOutput } from "../../src/strict-schema.js";
import { prepareOutput } from "../../src/structured-output.js";
import { turnParams } from "../../src/thread.js";
import { validateReadOnce } from "../support/standard-schemas.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function resultWith(finalResponse: string | null): TurnResult {
  return {
    id: "turn-1",
    status: "completed",
    error: null,
    startedAt: null,
    completedAt: null,
    durationMs: null,
    finalResponse,
    items: [],
    usage: null,
    review: null,
    hooks: [],
  };
}

/** A Standard Schema v1 + Standard JSON Schema v1 object over a fixed JSON Schema. */
function standard<T>(
  jsonSchema: Record<string, unknown>,
  validate: (value: unknown) => unknown = (value) => ({ value }),
): OutputSchema<T> {
  return {
    "~standard": {
      version: 1,
      vendor: "test",
      validate: validate as OutputSchema<T>["~standard"]["validate"],
      jsonSchema: { input: () => jsonSchema, output: () => jsonSchema },
    },
  } as OutputSchema<T>;
}

async function strictOf(schema: unknown): Promise<unknown> {
  return (await prepareOutput(schema, undefined)).schema;
}

async function failure(schema: unknown): Promise<Error> {
  return prepareOutput(schema, undefined).then(
    () => {
      throw new Error("expected a rejection");
    },
    (err: Error) => err,
  );
}

describe("prepareOutput: the strict schema", () => {
  it("keeps recursive schemas as $defs and $ref, each definition made strict", async () => {
    type Node = { name: string; children?: Node[] };
    const Node: z.ZodType<Node> = z.object({
      name: z.string(),
      get children() {
        return z.array(Node).optional();
      },
    });
    const prepared = await prepareOutput(z.object({ root: Node, other: Node }), undefined);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking JSON by hand
    const schema = prepared.schema as Record<string, any>;
    const [defName] = Object.keys(schema.$defs);
    const ref = `#/$defs/${defName}`;
    expect(schema.properties).toEqual({ root: { $ref: ref }, other: { $ref: ref } });
    expect(schema.$defs[defName!]).toEqual({
      type: "object",
      properties: {
        name: { type: "string" },
        children: { type: ["array", "null"], items: { $ref: ref } },
      },
      required: ["name", "children"],
      additionalProperties: false,
    });

    // The nulls of optional properties go at every depth of the recursion.
    const answer = {
      root: { name: "a", children: [{ name: "b", children: null }] },
      other: { name: "c", children: null },
    };
    const { parsed } = await prepared.parse(resultWith(JSON.stringify(answer)));
    expect(parsed).toEqual({
      root: { name: "a", children: [{ name: "b" }] },
      other: { name: "c" },
    });
  });

  it("merges allOf of objects, turns oneOf into anyOf, and drops keywords strict mode lacks", async () => {
    const schema = standard({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      allOf: [
        {
          type: "object",
          properties: { url: { type: "string", format: "uri", minLength: 1 } },
          required: ["url"],
        },
        {
          type: "object",
          properties: {
            code: { type: "string", pattern: "^[A-Z]{3}$", format: "uuid" },
            kind: { oneOf: [{ const: "a" }, { const: "b" }], default: "a" },
            tags: { type: "array", items: { type: "string" }, uniqueItems: true, maxItems: 3 },
          },
          required: ["code"],
        },
      ],
    });
    expect(await strictOf(schema)).toEqual({
      type: "object",
      properties: {
        url: { type: "string" },
        code: { type: "string", pattern: "^[A-Z]{3}$", format: "uuid" },
        kind: {
          anyOf: [{ type: "string", const: "a" }, { type: "string", const: "b" }, { type: "null" }],
        },
        tags: { type: ["array", "null"], items: { type: "string" }, maxItems: 3 },
      },
      required: ["url", "code", "kind", "tags"],
      additionalProperties: false,
    });
  });

  it("sends no pattern that looks around, which strict mode refuses, and still checks it", async () => {
    const output = z.object({
      duration: z.iso.duration(),
      host: z.hostname(),
      code: z.string().regex(/^(?!x)[a-z]+$/),
      // A lookaround written escaped or inside a class is no lookaround.
      plain: z.string().regex(/^\(?=[(?!]$/),
      // Of two patterns, the one strict mode takes is sent.
      both: z
        .string()
        .regex(/^(?<!a)b/)
        .regex(/^b+$/),
    });
    const strict = (await strictOf(output)) as {
      properties: Record<string, Record<string, unknown>>;
    };
    const { duration, host, code, plain, both } = strict.properties;
    expect([duration, host, code].map((node) => node!.pattern)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(plain!.pattern).toBe("^\\(?=[(?!]$");
    expect(both!.pattern).toBe("^b+$");
    const prepared = await prepareOutput(output, undefined);
    const answer = { duration: "P1D", host: "b.co", code: "xy", plain: "(=(", both: "bb" };
    const err = await prepared.parse(resultWith(JSON.stringify(answer))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StructuredOutputError);
    expect((err as StructuredOutputError).issues.map((issue) => issue.path)).toEqual([["code"]]);
  });

  it("sends no pattern or format that would refuse strings the schema takes, and still checks them", async () => {
    const output = z.object({
      // zod writes a regex's source without its flags.
      hex: z.string().regex(/^[a-f0-9]+$/i),
      last: z.string().regex(/^done$/m),
      body: z.string().regex(/^<p>.*<\/p>$/s),
      // A set operation, which reads otherwise without its flag.
      upper: z.string().regex(new RegExp("^[\\p{L}--[a-z]]+$", "v")),
      // Of two patterns, the one without a flag that changes it is sent.
      both: z
        .string()
        .regex(/^[a-z]+$/i)
        .regex(/^.{2,}$/),
      // A fraction of a second, which the duration format's whole seconds refuse.
      wait: z.iso.duration(),
    });
    const answer = {
      hex: "DEADBEEF",
      last: "step 1\ndone",
      body: "<p>a\nb</p>",
      upper: "ÄB",
      both: "Ab",
      wait: "PT0.5S",
    };
    expect(output.safeParse(answer).success).toBe(true);
    const prepared = await prepareOutput(output, undefined);
    const { hex, last, body, upper, both, wait } = (
      prepared.schema as { properties: Record<string, Record<string, unknown>> }
    ).properties;
    expect([hex, last, body, upper, wait]).toEqual(Array(5).fill({ type: "string" }));
    expect(both).toEqual({ type: "string", pattern: "^.{2,}$" });
    expect(new Ajv2020({ strict: false }).validate(prepared.schema, answer)).toBe(true);
    expect((await prepared.parse(resultWith(JSON.stringify(answer)))).parsed).toEqual(answer);
    const wrong = JSON.stringify({ ...answer, hex: "XYZ" });
    const err = await prepared.parse(resultWith(wrong)).catch((e: unknown) => e);
    expect((err as StructuredOutputError).issues.map((issue) => issue.path)).toEqual([["hex"]]);
  });

  it("sends no time or date-time format that a zod before 4.2 writes for times it takes without one", async () => {
    const output = z.object({
      time: z.iso.time(),
      local: z.iso.datetime({ local: true }),
      minutes: z.iso.datetime({ precision: -1 }),
      stamp: z.iso.datetime(),
    });
    // zod 4.0, 4.1 and 3.25's zod/v4 have no Standard JSON Schema: the SDK converts with their
    // core, which writes these formats (zod 4.2+ leaves the first three out itself).
    const core = await import("zod/v4/core");
    type Override = (context: { zodSchema: unknown; jsonSchema: Record<string, unknown> }) => void;
    const older = (schema: unknown, options: { override: Override }) =>
      core.toJSONSchema(schema as never, {
        ...options,
        override: (context) => {
          const { format } = (context.zodSchema as { _zod: { def: { format?: string } } })._zod.def;
          if (format === "time") context.jsonSchema.format = "time";
          if (format === "datetime") context.jsonSchema.format = "date-time";
          options.override(context);
        },
      });
    const { jsonSchema: _, ...props } = output["~standard"];
    const { schema } = await convertOutput(
      output,
      props as never,
      async () => ({ ...core, toJSONSchema: older }) as never,
    );
    const formats = Object.values(
      (schema as { properties: Record<string, { format?: string }> }).properties,
    ).map((node) => node.format);
    expect(formats).toEqual([undefined, undefined, undefined, "date-time"]);
  });

  it("gives an enum or const without a type the type of its values, one option per kind", async () => {
    const output = z.object({
      level: z.literal([1, 2, "max"]),
      code: z.enum({ Ok: 0, Retry: "retry" }).optional(),
      one: z.literal([3, 4]),
    });
    expect(await strictOf(output)).toMatchObject({
      properties: {
        level: {
          anyOf: [
            { type: "number", enum: [1, 2] },
            { type: "string", enum: ["max"] },
          ],
        },
        code: {
          anyOf: [
            { type: "number", enum: [0] },
            { type: "string", enum: ["retry"] },
            { type: "null" },
          ],
        },
        one: { type: "number", enum: [3, 4] },
      },
    });
    expect(
      await strictOf(standard({ type: "object", properties: { n: { const: null } } })),
    ).toEqual(expect.objectContaining({ properties: { n: { type: "null", const: null } } }));
    const err = await failure(
      standard({ type: "object", properties: { o: { enum: [{ a: 1 }] } }, required: ["o"] }),
    );
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe(
      "output schema at output.o cannot be made strict: an enum or const holds an object, " +
        "which strict mode cannot take",
    );
  });

  it("refuses, before any I/O, a schema past the Responses API's size limits", async () => {
    const nested = (levels: number) => {
      let schema: z.ZodType = z.object({ leaf: z.string() });
      for (let i = 1; i < levels; i++) schema = z.object({ d: z.array(schema) });
      return schema;
    };
    await expect(strictOf(nested(10))).resolves.toBeDefined();
    const deep = await failure(nested(11));
    expect(deep.message).toBe(
      "output schema at output.d[].d[].d[].d[].d[].d[].d[].d[].d[].d[] cannot be made strict: " +
        "it nests objects 11 deep, past the 10 levels strict mode takes",
    );
    const many = Object.fromEntries(Array.from({ length: 5001 }, (_, i) => [`p${i}`, z.number()]));
    expect((await failure(z.object(many))).message).toBe(
      "output schema at output cannot be made strict: it has 5001 object properties, past the " +
        "5000 strict mode takes in a schema",
    );
    const values = (n: number, width = 4) =>
      Array.from({ length: n }, (_, i) => String(i).padStart(width, "v")) as [string, ...string[]];
    await expect(strictOf(z.object({ a: z.enum(values(1000)).optional() }))).resolves.toBeDefined();
    expect(
      (await failure(z.object({ a: z.enum(values(600)), b: z.enum(values(401)) }))).message,
    ).toBe(
      "output schema at output cannot be made strict: it has 1001 enum values, past the 1000 " +
        "strict mode takes in a schema",
    );
    // Characters, not UTF-16 units: 251 emoji of two units each are 251 characters.
    const emoji = Array.from({ length: 251 }, (_, i) => `${"\u{1f600}".repeat(30)}${i}`);
    await expect(
      strictOf(z.object({ a: z.enum(emoji as [string, ...string[]]) })),
    ).resolves.toBeDefined();
    expect((await failure(z.object({ a: z.enum(values(251, 60)) }))).message).toBe(
      "output schema at output.a cannot be made strict: its enum of 251 strings holds 15060 " +
        "characters, past the 15000 strict mode takes in an enum of more than 250",
    );
    const long = Object.fromEntries(
      Array.from({ length: 25 }, (_, i) => [`${i}`.padStart(5000, "k"), z.number()]),
    );
    expect((await failure(z.object(long))).message).toBe(
      "output schema at output cannot be made strict: it has 125000 characters of names, enum " +
        "and const values, past the 120000 strict mode takes in a schema",
    );
  });

  it("takes a string with several checks (an allOf of patterns) as a string, checking all of them", async () => {
    const output = z.object({
      version: z.string().startsWith("v").endsWith(".0"),
      email: z.email().lowercase(),
    });
    const prepared = await prepareOutput(output, undefined);
    const { properties } = prepared.schema as { properties: Record<string, { type: string }> };
    expect(properties.version).toEqual({ type: "string", pattern: expect.any(String) as string });
    expect(properties.email).toEqual({ type: "string", pattern: expect.any(String) as string });
    const answer = { version: "v2.0", email: "me@example.com" };
    expect((await prepared.parse(resultWith(JSON.stringify(answer)))).parsed).toEqual(answer);
    // The pattern strict mode could not take is checked in the answer.
    const upper = JSON.stringify({ ...answer, email: "Me@example.com" });
    await expect(prepared.parse(resultWith(upper))).rejects.toBeInstanceOf(StructuredOutputError);
    const unfinished = JSON.stringify({ ...answer, version: "v2.1" });
    await expect(prepared.parse(resultWith(unfinished))).rejects.toBeInstanceOf(
      StructuredOutputError,
    );
  });

  it("merges the properties beside an allOf or a $ref, and a record over fixed keys, into the object", async () => {
    const Base = { type: "object", properties: { id: { type: "string" } }, required: ["id"] };
    const keysOf = async (schema: Record<string, unknown>) =>
      Object.keys(((await strictOf(standard(schema))) as { properties: object }).properties);
    const extra = { properties: { extra: { type: "number" } }, required: ["extra"] };
    expect(await keysOf({ type: "object", allOf: [Base], ...extra })).toEqual(["id", "extra"]);
    expect(
      await keysOf({
        $defs: { Base },
        type: "object",
        allOf: [{ $ref: "#/$defs/Base" }],
        ...extra,
      }),
    ).toEqual(["id", "extra"]);
    expect(await keysOf({ $defs: { Base }, $ref: "#/$defs/Base", ...extra })).toEqual([
      "id",
      "extra",
    ]);
    // zod's { a } & Record<"b" | "c", string>: every answer carries a, b and c.
    const fixed = z.object({ a: z.string() }).and(z.record(z.enum(["b", "c"]), z.string()));
    expect(Object.keys(((await strictOf(fixed)) as { properties: object }).properties)).toEqual([
      "a",
      "b",
      "c",
    ]);
    // Free keys are refused, in an intersection as on their own.
    const free = z.object({
      tags: z.object({ main: z.string() }).and(z.record(z.string(), z.string())),
    });
    expect((await failure(free)).message).toMatch(
      /allOf merges a part whose keys are free \(a record or a catchall\)/,
    );
  });

  it("keeps any property or $defs name, __proto__, constructor and toString included", async () => {
    // Parsed, as a schema library's output would be, so __proto__ is an own key, not the prototype.
    const source = JSON.parse(`{
      "type": "object",
      "properties": {
        "__proto__": { "type": "string" },
        "ref": { "$ref": "#/$defs/__proto__" },
        "both": { "allOf": [
          { "type": "object", "properties": { "constructor": { "type": "string" } }, "required": ["constructor"] },
          { "type": "object", "properties": { "toString": { "type": "string" } }, "required": ["toString"] }
        ] }
      },
      "required": ["__proto__", "ref", "both"],
      "$defs": { "__proto__": { "type": "number" } }
    }`) as Record<string, unknown>;
    const sent = JSON.stringify(await strictOf(standard(source)));
    expect(JSON.parse(sent)).toEqual(
      JSON.parse(`{
        "type": "object",
        "properties": {
          "__proto__": { "type": "string" },
          "ref": { "$ref": "#/$defs/__proto__" },
          "both": {
            "type": "object",
            "properties": { "constructor": { "type": "string" }, "toString": { "type": "string" } },
            "required": ["constructor", "toString"],
            "additionalProperties": false
          }
        },
        "required": ["__proto__", "ref", "both"],
        "additionalProperties": false,
        "$defs": { "__proto__": { "type": "number" } }
      }`),
    );
    expect(sent).toContain('"properties":{"__proto__":{"type":"string"}');
    expect(sent).toContain('"$defs":{"__proto__":{"type":"number"}}');
  });

  it("closes objects that merely allow extra keys", async () => {
    expect(await strictOf(z.object({ a: z.looseObject({ b: z.string() }) }))).toEqual({
      type: "object",
      properties: {
        a: {
          type: "object",
          properties: { b: { type: "string" } },
          required: ["b"],
          additionalProperties: false,
        },
      },
      required: ["a"],
      additionalProperties: false,
    });
  });

  it("puts a root given an id (a $ref to its definition) itself at the root", async () => {
    const Answer = z.object({ a: z.string(), b: z.number().optional() }).meta({ id: "Answer" });
    const prepared = await prepareOutput(Answer, undefined);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking JSON by hand
    const schema = prepared.schema as Record<string, any>;
    expect(schema).toMatchObject({
      type: "object",
      properties: { a: { type: "string" }, b: { type: ["number", "null"] } },
      required: ["a", "b"],
      additionalProperties: false,
    });
    expect(schema.$ref).toBeUndefined();
    const { parsed } = await prepared.parse(resultWith('{"a":"x","b":null}'));
    expect(parsed).toEqual({ a: "x" });

    // Recursive, the definition stays in $defs for the references inside it.
    type Tree = { name: string; kids: Tree[] };
    const Tree: z.ZodType<Tree> = z
      .object({
        name: z.string(),
        get kids() {
          return z.array(Tree);
        },
      })
      .meta({ id: "Tree" });
    const tree = (await strictOf(Tree)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON
    expect(tree.type).toBe("object");
    expect(tree.properties.kids.items).toEqual({ $ref: "#/$defs/Tree" });
    expect(tree.$defs.Tree.properties.kids.items).toEqual({ $ref: "#/$defs/Tree" });
  });

  it("sends each $ref bare, a title or description beside it left out, as strict mode needs", async () => {
    const Address = z.object({ street: z.string() }).meta({ id: "Address" });
    type Tree = { name: string; kids?: Tree | undefined };
    const Tree: z.ZodType<Tree> = z.object({
      name: z.string(),
      get kids() {
        return Tree.optional().describe("the subtree");
      },
    });
    const Doc = z
      .object({
        home: Address,
        work: Address.describe("Work address"),
        backup: Address.meta({ title: "Backup" }).optional(),
        tree: Tree,
      })
      .meta({ id: "Doc", description: "the document" });
    const schema = (await strictOf(Doc)) as Record<string, unknown>;
    const refs: Record<string, unknown>[] = [];
    const walk = (node: unknown): void => {
      if (typeof node !== "object" || node === null) return;
      if ("$ref" in node) refs.push(node as Record<string, unknown>);
      for (const child of Object.values(node)) walk(child);
    };
    walk(schema);
    expect(refs.length).toBeGreaterThanOrEqual(4);
    for (const ref of refs) expect(Object.keys(ref)).toEqual(["$ref"]);
    // The root, given an id, is inlined: its description stays.
    expect(schema.description).toBe("the document");
  });

  it("keeps a reference described as draft 7 does, in an allOf of one part", async () => {
    const tree = { $ref: "#/$defs/Tree" };
    const schema = (await strictOf(
      standard({
        type: "object",
        properties: { root: { allOf: [tree], description: "the tree" } },
        required: ["root"],
        $defs: {
          Tree: {
            type: "object",
            properties: { kids: { type: "array", items: tree } },
            required: ["kids"],
          },
        },
      }),
    )) as { properties: Record<string, unknown> };
    expect(schema.properties.root).toEqual(tree);
  });

  it("merges an intersection whose parts are references to object schemas", async () => {
    const Base = z.object({ id: z.string() }).meta({ id: "Base" });
    const Extra = z.object({ note: z.string().optional() });
    const prepared = await prepareOutput(
      z.object({ item: z.intersection(Base, Extra), other: Base }),
      undefined,
    );
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking JSON by hand
    const item = (prepared.schema as Record<string, any>).properties.item;
    expect(item).toMatchObject({
      type: "object",
      properties: { id: { type: "string" }, note: { type: ["string", "null"] } },
      required: ["id", "note"],
      additionalProperties: false,
    });
    const { parsed } = await prepared.parse(
      resultWith('{"item":{"id":"a","note":null},"other":{"id":"b"}}'),
    );
    expect(parsed).toEqual({ item: { id: "a" }, other: { id: "b" } });
    // A part that is no object schema is still refused, whatever it is reached through.
    const err = await failure(
      standard({
        type: "object",
        properties: { a: { allOf: [{ $ref: "#/$defs/S" }, { type: "object", properties: {} }] } },
        $defs: { S: { type: "string" } },
      }),
    );
    expect(err.message).toMatch(/at output\.a cannot be made strict: allOf .* merges only object/);
  });

  it("folds a property both parts of an intersection declare, a part given an id too", async () => {
    const Item = z.object({ name: z.string(), size: z.number() }).meta({ id: "Item" });
    const Extra = z.object({ name: z.string().max(20), colour: z.string() });
    const prepared = await prepareOutput(z.object({ item: Item.and(Extra) }), undefined);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking JSON by hand
    const item = (prepared.schema as Record<string, any>).properties.item;
    expect(item).toMatchObject({
      type: "object",
      properties: { name: { type: "string" }, size: { type: "number" } },
      required: ["name", "size", "colour"],
    });
    const answer = '{"item":{"name":"lamp","size":2,"colour":"red"}}';
    const { parsed } = await prepared.parse(resultWith(answer));
    expect(parsed).toEqual({ item: { name: "lamp", size: 2, colour: "red" } });
    // Both parts' checks of the property hold.
    const long = '{"item":{"name":"a lamp with a long name","size":2,"colour":"red"}}';
    await expect(prepared.parse(resultWith(long))).rejects.toThrow(/item\.name/);
  });

  it("folds an intersection of values of one kind into one node, and refuses one no value fits", async () => {
    const schema = z.object({
      kind: z.object({ kind: z.string(), n: z.number() }).and(z.object({ kind: z.literal("bug") })),
      short: z.string().min(1).and(z.string().max(5)).and(z.string().min(2)),
      pick: z.enum(["a", "b", "c"]).and(z.enum(["b", "c", "d"])),
      count: z.number().and(z.int()),
    });
    const prepared = await prepareOutput(schema, undefined);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking JSON by hand
    const { properties } = prepared.schema as Record<string, any>;
    expect(properties.kind.properties.kind).toEqual({ type: "string", const: "bug" });
    expect(properties.short).toMatchObject({ type: "string" });
    expect(properties.pick).toEqual({ type: "string", enum: ["b", "c"] });
    expect(properties.count).toMatchObject({ type: "integer" });
    const answer = '{"kind":{"kind":"bug","n":1},"short":"ab","pick":"c","count":3}';
    expect((await prepared.parse(resultWith(answer))).parsed).toEqual({
      kind: { kind: "bug", n: 1 },
      short: "ab",
      pick: "c",
      count: 3,
    });
    // The other checks still hold: a string too short for the second minimum is refused.
    const short = await prepared
      .parse(resultWith('{"kind":{"kind":"bug","n":1},"short":"a","pick":"c","count":3}'))
      .catch((e: unknown) => e);
    expect(short).toBeInstanceOf(StructuredOutputError);
    // Values of another kind are none of this one; a bound JSON cannot write is no bound; a
    // default is no obstacle.
    const mixed = await prepareOutput(
      z.object({
        a: z.literal([1, 1.5]).and(z.int()),
        b: z.literal(["a", 1]).and(z.string()),
        c: z.number().max(Infinity).and(z.number().max(5)),
        d: z.string().default("x").and(z.string().max(3)),
      }),
      undefined,
    );
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking JSON by hand
    const folded = (mixed.schema as Record<string, any>).properties;
    expect(folded.a).toMatchObject({ type: "integer", const: 1 });
    expect(folded.a).not.toHaveProperty("enum");
    expect(folded.b).toEqual({ type: "string", const: "a" });
    expect(folded.c).toMatchObject({ type: "number", maximum: 5 });
    expect(folded.d).toMatchObject({ type: "string" });
    for (const [given, message] of [
      [z.object({ v: z.int().and(z.literal(2.5)) }), "allow no value in common"],
      [z.object({ v: z.enum(["a"]).and(z.enum(["b"])) }), "allow no value in common"],
      [z.object({ v: z.string().and(z.number()) }), "of string and number takes no value"],
    ] as const) {
      const err = await failure(given);
      expect(err.message).toContain(`at output.v cannot be made strict: allOf (an intersection) `);
      expect(err.message).toContain(message);
    }
  });

  it("makes a record over a union of literal keys an object with those properties", async () => {
    const keys = z.union([z.literal("a"), z.union([z.literal("b"), z.enum(["c"])])]);
    expect(await strictOf(z.object({ counts: z.record(keys, z.number()) }))).toMatchObject({
      properties: {
        counts: {
          type: "object",
          properties: { a: { type: "number" }, b: { type: "number" }, c: { type: "number" } },
          required: ["a", "b", "c"],
          additionalProperties: false,
        },
      },
    });
  });

  it("keeps the null of an object that is itself nullable, required or optional", async () => {
    const nullableObject = { type: ["object", "null"], properties: { x: { type: "string" } } };
    const schema = standard({
      type: "object",
      properties: { required: nullableObject, optional: nullableObject },
      required: ["required"],
    });
    const prepared = await prepareOutput(schema, undefined);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking JSON by hand
    const strict = prepared.schema as Record<string, any>;
    expect(strict.properties.required.type).toEqual(["object", "null"]);
    expect(strict.properties.optional.type).toEqual(["object", "null"]);
    const { parsed } = await prepared.parse(resultWith('{"required":null,"optional":null}'));
    expect(parsed).toEqual({ required: null, optional: null });

    // At the root, where only an object can be the answer, a list with object is an object.
    for (const type of [["object"], ["object", "null"]]) {
      const root = (await strictOf(standard({ type, properties: { x: { type: "string" } } }))) as {
        type: unknown;
      };
      expect(root.type).toBe("object");
    }
  });

  it("leaves out a not beside other keywords, as other keywords strict mode lacks", async () => {
    const schema = standard({
      type: "object",
      properties: { name: { type: "string", not: { const: "" } } },
      required: ["name"],
    });
    expect(await strictOf(schema)).toMatchObject({ properties: { name: { type: "string" } } });
  });

  it("leaves out an infinite bound, and refuses what JSON would change, before any I/O", async () => {
    const bounded = z.object({ score: z.number().min(0).max(Number.POSITIVE_INFINITY) });
    const strict = (await strictOf(bounded)) as { properties: { score: object } };
    expect(strict.properties.score).toEqual({ type: "number", minimum: 0 });
    const err = await failure(
      standard({
        type: "object",
        properties: { n: { enum: [1, Number.NaN] } },
        required: ["n"],
      }),
    );
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe(
      "output (as JSON Schema).properties.n.enum[1] must be a finite number, got NaN",
    );
  });

  it("refuses, naming the path, what cannot be made strict", async () => {
    const cases: Array<[unknown, string]> = [
      [
        z.object({ a: z.object({ b: z.string() }).catchall(z.number()) }),
        "output schema at output.a cannot be made strict: it takes extra keys of a given type",
      ],
      [
        z.object({ pair: z.tuple([z.string(), z.number()]) }),
        "output schema at output.pair cannot be made strict: tuples",
      ],
      [
        z.object({ list: z.array(z.object({ x: z.union([z.string(), z.unknown()]) })) }),
        "output schema at output.list[].x",
      ],
      [
        z.object({ gone: z.never() }),
        "output schema at output.gone cannot be made strict: it excludes values with not",
      ],
      [
        z.object({ "odd key": z.any() }),
        'output schema at output["odd key"] cannot be made strict: it accepts any value',
      ],
      [
        standard({ type: "object", properties: { a: { $ref: "other.json#/x" } } }),
        "output schema at output.a cannot be made strict: $ref",
      ],
      [
        standard({ type: "object", allOf: [{ type: "string" }, { type: "number" }] }),
        "output schema at output cannot be made strict: allOf (an intersection) of object and string takes no value",
      ],
      [
        z.discriminatedUnion("type", [
          z.object({ type: z.literal("a"), a: z.string() }),
          z.object({ type: z.literal("b"), b: z.number() }),
        ]),
        "output schema at output cannot be made strict: strict mode takes no union (anyOf) at the root",
      ],
      [
        standard({ type: "object", patternProperties: { "^x": { type: "string" } } }),
        "output schema at output cannot be made strict: its keys are free",
      ],
      [
        standard({ anyOf: [{ type: "object" }, { type: "string" }] }),
        "output schema at output cannot be made strict: strict mode takes no union (anyOf) at the root",
      ],
      [
        standard({ type: "string" }),
        "output schema at output cannot be made strict: the answer must be a JSON object",
      ],
      [
        standard({ type: "object", properties: { a: { type: ["string", "object"] } } }),
        "output schema at output.a cannot be made strict: its type lists object with other kinds",
      ],
      // No JSON answer can give these back: zod writes them as a number and a string.
      [
        z.object({ u: z.literal(5n) }),
        "output schema at output.u cannot be made strict: it accepts",
      ],
      [z.object({ f: z.file() }), "output schema at output.f cannot be made strict: it accepts"],
      // Lists strict mode cannot take, or that no value fits, with a type beside them or not.
      [
        standard({ type: "object", properties: { e: { type: "array", const: [1, 2] } } }),
        "output schema at output.e cannot be made strict: an enum or const holds an array",
      ],
      [
        standard({ type: "object", properties: { e: { type: "object", enum: [{}] } } }),
        "output schema at output.e cannot be made strict: an enum or const holds an object",
      ],
      [
        standard({ type: "object", properties: { e: { enum: [] } } }),
        "output schema at output.e cannot be made strict: its enum is empty",
      ],
      [
        standard({ type: "object", properties: { e: { type: "string", enum: [1, null] } } }),
        "output schema at output.e cannot be made strict: no value of its enum or const is of its type (string)",
      ],
      // Bounds no value meets, which zod takes without a word.
      [
        z.object({ n: z.number().min(5).max(2) }),
        "output schema at output.n cannot be made strict: no number is within its bounds",
      ],
      // Even as one option of a union: that option is a mistake, which only null would hide.
      [
        z.object({ n: z.number().min(5).max(2).nullable() }),
        "output schema at output.n.anyOf[0] cannot be made strict: no number is within its bounds",
      ],
      [
        z.object({ n: z.number().int().gt(1).lt(2) }),
        "output schema at output.n cannot be made strict: no whole number is within its bounds",
      ],
      [
        z.object({ n: z.number().gt(2).lte(2) }),
        "output schema at output.n cannot be made strict: no number is within its bounds",
      ],
      [
        z.object({ list: z.array(z.number()).min(3).max(1) }),
        "output schema at output.list cannot be made strict: its minItems (3) is above its maxItems (1)",
      ],
      [
        z.object({ s: z.string().min(4).max(2) }),
        "output schema at output.s cannot be made strict: its minLength (4) is above its maxLength (2)",
      ],
    ];
    for (const [schema, start] of cases) {
      const err = await failure(schema);
      expect(err).toBeInstanceOf(TypeError);
      expect(err.message.startsWith(start), `${err.message} starts with ${start}`).toBe(true);
    }
  });

  it("takes bounds a value can meet, and a list of which one value is of its type", async () => {
    for (const schema of [
      z.object({ n: z.number().min(2).max(2), i: z.number().int().gt(1).lte(2) }),
      z.object({ list: z.array(z.number()).length(2), s: z.string().length(3) }),
      standard({
        type: "object",
        properties: { e: { type: ["string", "null"], enum: ["a", null, 1] } },
        required: ["e"],
      }),
    ]) {
      await expect(strictOf(schema)).resolves.toMatchObject({ type: "object" });
    }
  });

  it("refuses what is not a schema that can give its JSON Schema", async () => {
    for (const value of [undefined, null, "z.string()", {}, { "~standard": { version: 2 } }]) {
      const err = await failure(value);
      expect(err).toBeInstanceOf(TypeError);
      expect(err.message).toMatch(/^output must be a Standard Schema v1/);
    }
    // A JSON Schema given where a zod schema goes: the message names the option it is for.
    expect((await failure({ type: "object" })).message).toBe(
      "output must be a Standard Schema v1 (a zod 4 schema, for example), got a plain object: " +
        "give a JSON Schema as outputSchema",
    );
    const validatesOnly = { "~standard": { version: 1, vendor: "valibot", validate: () => ({}) } };
    expect((await failure(validatesOnly)).message).toMatch(
      /^output: this "valibot" schema cannot give its JSON Schema/,
    );
    // A library's name that is no text (an object without a prototype would throw as one).
    const nameless = {
      "~standard": { version: 1, vendor: Object.create(null) as object, validate: () => ({}) },
    };
    expect((await failure(nameless)).message).toMatch(
      /^output: this schema cannot give its JSON Schema/,
    );
    const throwing = {
      "~standard": {
        version: 1,
        vendor: "x",
        validate: () => ({}),
        jsonSchema: {
          input: () => {
            throw new Error("target not supported");
          },
        },
      },
    };
    const err = await failure(throwing);
    expect(err.message).toBe(
      "output: the schema cannot give its JSON Schema: target not supported",
    );
    expect((err.cause as Error).message).toBe("target not supported");
    const unreadable = {
      get "~standard"(): never {
        throw new Error("getter boom");
      },
    };
    const getterErr = await failure(unreadable);
    expect(getterErr).toBeInstanceOf(TypeError);
    expect(getterErr.message).toBe('output["~standard"] cannot be read: getter boom');
    // So is a `~standard` whose jsonSchema cannot be read.
    const unreadableJson = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: (value: unknown) => ({ value }),
        get jsonSchema(): never {
          throw new Error("json boom");
        },
      },
    };
    const jsonErr = await failure(unreadableJson);
    expect(jsonErr).toBeInstanceOf(TypeError);
    expect(jsonErr.message).toBe('output["~standard"] cannot be read: json boom');
  });

  it("refuses a schema that contains itself other than by $ref, or nests too deep", async () => {
    const cyclic: Record<string, unknown> = { type: "object", properties: {} };
    (cyclic.properties as Record<string, unknown>).self = cyclic;
    let deep: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 500; i++) deep = { type: "object", properties: { a: deep } };
    // A schema that merges itself: each merge is a level.
    const merged: Record<string, unknown> = { description: "itself" };
    merged.allOf = [merged];
    const mergesItself = { type: "object", properties: { a: merged } };
    for (const schema of [cyclic, deep, mergesItself]) {
      const err = await failure(standard(schema));
      expect(err).toBeInstanceOf(TypeError);
      expect(err.message).toMatch(/cannot be made strict: it nests deeper than 100 levels/);
    }
    // Within the converter's bound, but deeper as JSON than the SDK sends (lists in lists):
    // refused with its path, and no claim about the runtime.
    let seventy: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 70; i++) seventy = { type: "array", items: seventy };
    const err = await failure(standard({ type: "object", properties: { d: seventy } }));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toMatch(
      /^output \(as JSON Schema\)\.properties\.d(\.items)+.* nests too deep: the SDK sends at most 64 levels of JSON in all/,
    );
  });

  it("takes a schema that is a function, as ArkType's types are", async () => {
    const fn = Object.assign(() => undefined, {
      "~standard": (standard({ type: "object", properties: {} }) as OutputSchema)["~standard"],
    });
    expect(await strictOf(fn)).toEqual({
      type: "object",
      properties: {},
      required: [],
      additionalProperties: false,
    });
  });
});

describe("turnParams", () => {
  it("keeps output, the SDK's own option, off the wire", () => {
    const params = turnParams("th", "go", { output: z.object({ a: z.string() }), effort: "low" });
    expect(params).toEqual({
      threadId: "th",
      input: [{ type: "text", text: "go" }],
      effort: "low",
    });
  });
});

describe("prepareOutput: the answer", () => {
  it("drops an optional property's null under a definition that is only a reference to another", async () => {
    const Address = z
      .object({ street: z.string(), unit: z.string().optional() })
      .meta({ id: "Address" });
    // Given a second id: its definition is a reference to the first.
    const Shipping = Address.meta({ id: "Shipping" });
    const answer = { street: "Main", unit: null };
    for (const [schema, to] of [
      [z.object({ to: Shipping, from: Address }), answer],
      [z.object({ to: z.array(Shipping), from: Address }), [answer]],
      [z.object({ to: z.union([Shipping, z.string()]), from: Address }), answer],
    ] as const) {
      const prepared = await prepareOutput(schema, undefined);
      const sent = prepared.schema as { $defs: Record<string, unknown> };
      expect(sent.$defs.Shipping).toEqual({ $ref: "#/$defs/Address" });
      const text = JSON.stringify({ to, from: { street: "B", unit: "2" } });
      const { parsed } = await prepared.parse(resultWith(text));
      expect(JSON.stringify(parsed)).not.toContain("null");
    }
  });
  it("validates with the schema's own validate, awaited when it is async", async () => {
    const seen: unknown[] = [];
    const schema = standard<{ n: number }>(
      { type: "object", properties: { n: { type: "number" } }, required: ["n"] },
      async (value) => {
        seen.push(value);
        return { value: { n: (value as { n: number }).n * 2 } };
      },
    );
    const { parsed } = await (await prepareOutput(schema, undefined)).parse(resultWith('{"n":2}'));
    expect(parsed).toEqual({ n: 4 });
    expect(seen).toEqual([{ n: 2 }]);
  });

  it("reads the issues of a failure that is an array, as ArkType's is", async () => {
    const issue = { message: "version must be at least length 5 (was 3)", path: ["version"] };
    // ArkType's failure: an array of its errors, with `issues` beside them.
    const failed = Object.assign([issue], { issues: [issue] });
    const schema = standard({ type: "object", properties: {} }, () => failed);
    const err = await (
      await prepareOutput(schema, undefined)
    )
      .parse(resultWith('{"version":"1.0"}'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StructuredOutputError);
    expect((err as StructuredOutputError).issues).toEqual([issue]);
  });

  it("rejects with StructuredOutputError when there is no answer or the schema throws", async () => {
    const throwing = standard({ type: "object", properties: {} }, () => {
      throw new RangeError("boom");
    });
    const prepared = await prepareOutput(throwing, undefined);

    const none = await prepared.parse(resultWith(null)).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(StructuredOutputError);
    expect((none as StructuredOutputError).text).toBeNull();
    expect((none as StructuredOutputError).issues).toEqual([
      { message: "the turn gave no answer" },
    ]);
    const interrupted = { ...resultWith(null), status: "interrupted" as const };
    const stopped = await prepared.parse(interrupted).catch((e: unknown) => e);
    expect(stopped).toMatchObject({
      name: "StructuredOutputError",
      message:
        "The answer does not match the output schema: the turn was interrupted before it gave an answer",
      result: { status: "interrupted" },
    });
    // Interrupted after a whole answer, it resolves.
    const answered = { ...resultWith("{}"), status: "interrupted" as const };
    await expect(
      (await prepareOutput(standard({ type: "object", properties: {} }), undefined)).parse(
        answered,
      ),
    ).resolves.toMatchObject({ status: "interrupted", parsed: {} });

    const thrown = await prepared.parse(resultWith("{}")).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(StructuredOutputError);
    expect((thrown as StructuredOutputError).cause).toBeInstanceOf(RangeError);
    expect((thrown as StructuredOutputError).message).toBe(
      "The answer does not match the output schema: the schema's validate threw: boom",
    );
  });

  it("names at most three issues in the message, with their paths", async () => {
    const schema = z.object({ a: z.string(), b: z.string(), c: z.string(), d: z.string() });
    const prepared = await prepareOutput(schema, undefined);
    const err = (await prepared
      .parse(resultWith('{"a":1,"b":2,"c":3,"d":4}'))
      .catch((e: unknown) => e)) as StructuredOutputError;
    expect(err.issues).toHaveLength(4);
    expect(err.message).toMatch(/: a: .+; b: .+; c: .+; and 1 more$/);
  });

  it("drops the null only in the union option the answer took", async () => {
    const schema = z.object({
      shape: z.union([
        z.object({ kind: z.literal("circle"), r: z.number(), label: z.string().optional() }),
        z.object({ kind: z.literal("box"), w: z.number(), label: z.string().nullable() }),
      ]),
    });
    const prepared = await prepareOutput(schema, undefined);
    const circle = await prepared.parse(
      resultWith('{"shape":{"kind":"circle","r":1,"label":null}}'),
    );
    expect(circle.parsed).toEqual({ shape: { kind: "circle", r: 1 } });
    const box = await prepared.parse(resultWith('{"shape":{"kind":"box","w":1,"label":null}}'));
    expect(box.parsed).toEqual({ shape: { kind: "box", w: 1, label: null } });
  });

  it("takes the answer as given by the option that fits it so, not one that drops its null", async () => {
    // The first option fits the answer's shape once its null is dropped (its minLength is not
    // sent), which the schema would then refuse; the second takes it as given.
    const entry = z.union([
      z.object({ name: z.string().min(5), note: z.string().optional() }),
      z.object({ name: z.string(), note: z.string().nullable() }),
    ]);
    const prepared = await prepareOutput(z.object({ entry }), undefined);
    const result = await prepared.parse(resultWith('{"entry":{"name":"ab","note":null}}'));
    expect(result.parsed).toEqual({ entry: { name: "ab", note: null } });
    // An answer neither way takes gives the issues of the answer with its nulls dropped.
    const failed = await prepared
      .parse(resultWith('{"entry":{"name":7,"note":null}}'))
      .catch((e: unknown) => e as StructuredOutputError);
    expect(failed).toBeInstanceOf(StructuredOutputError);
  });

  it("takes a union option the answer fits as given before one it fits once a null is dropped", async () => {
    // The first option fits once `email: null` is dropped, but its length check, not sent,
    // refuses the phone; the second takes the contact as given. The null outside the union goes
    // either way, so neither reading alone of the whole answer is one the schema takes.
    const schema = z.object({
      name: z.string(),
      nickname: z.string().optional(),
      contact: z.union([
        z.object({ phone: z.string().length(10), email: z.string().optional() }),
        z.object({ phone: z.string(), email: z.string().nullable() }),
      ]),
    });
    const prepared = await prepareOutput(schema, undefined);
    // The mirror case: the option that fits as given refuses it for a check not sent, and the
    // one it fits once its null is dropped takes it.
    const mirror = z.object({
      item: z.union([
        z.object({ a: z.string(), b: z.string().optional() }),
        z.object({ a: z.string().min(3), b: z.string().nullable() }),
      ]),
    });
    const read = await (
      await prepareOutput(mirror, undefined)
    ).parse(resultWith('{"item":{"a":"x","b":null}}'));
    expect(read.parsed).toEqual({ item: { a: "x" } });
    const answer =
      '{"name":"Ann","nickname":null,"contact":{"phone":"+441234567890","email":null}}';
    expect((await prepared.parse(resultWith(answer))).parsed).toEqual({
      name: "Ann",
      contact: { phone: "+441234567890", email: null },
    });
  });

  it("tells union options apart by enumerations and property types, not constants alone", async () => {
    const byType = z.object({
      v: z.union([
        z.object({ x: z.string(), y: z.string().optional() }),
        z.object({ x: z.number(), y: z.string().nullable() }),
      ]),
    });
    const byEnum = z.object({
      v: z.discriminatedUnion("kind", [
        z.object({ kind: z.enum(["a1", "a2"]), note: z.string().optional() }),
        z.object({ kind: z.enum(["b1", "b2"]), note: z.string().nullable() }),
      ]),
    });
    const parse = async (schema: z.ZodType, text: string) =>
      (await (await prepareOutput(schema, undefined)).parse(resultWith(text))).parsed;
    expect(await parse(byType, '{"v":{"x":1,"y":null}}')).toEqual({ v: { x: 1, y: null } });
    expect(await parse(byType, '{"v":{"x":"s","y":null}}')).toEqual({ v: { x: "s" } });
    expect(await parse(byEnum, '{"v":{"kind":"b1","note":null}}')).toEqual({
      v: { kind: "b1", note: null },
    });
    expect(await parse(byEnum, '{"v":{"kind":"a2","note":null}}')).toEqual({ v: { kind: "a2" } });
  });

  it("tells union options apart by the patterns and bounds the sent schema keeps", async () => {
    const byPattern = z.object({
      v: z.union([
        z.object({ code: z.string().regex(/^A/), note: z.string().optional() }),
        z.object({ code: z.string().regex(/^B/), note: z.string().nullable() }),
      ]),
    });
    const byBound = z.object({
      v: z.union([
        z.object({
          n: z.number().max(5),
          tags: z.array(z.string()).max(1),
          t: z.string().optional(),
        }),
        z.object({
          n: z.number().min(6),
          tags: z.array(z.string()).min(2),
          t: z.string().nullable(),
        }),
      ]),
    });
    const parse = async (schema: z.ZodType, text: string) =>
      (await (await prepareOutput(schema, undefined)).parse(resultWith(text))).parsed;
    expect(await parse(byPattern, '{"v":{"code":"B1","note":null}}')).toEqual({
      v: { code: "B1", note: null },
    });
    expect(await parse(byPattern, '{"v":{"code":"A1","note":null}}')).toEqual({
      v: { code: "A1" },
    });
    expect(await parse(byBound, '{"v":{"n":9,"tags":["a","b"],"t":null}}')).toEqual({
      v: { n: 9, tags: ["a", "b"], t: null },
    });
    expect(await parse(byBound, '{"v":{"n":1,"tags":[],"t":null}}')).toEqual({
      v: { n: 1, tags: [] },
    });
  });

  it("reads a deep answer to a recursive union in time that grows with its size alone", async () => {
    // The options differ only after their recursive property: telling them apart walked the
    // subtree again for each option, at each level (3 s at depth 22 on this machine), and gave
    // up past 64 steps, keeping the null at the bottom.
    type Value = { items: Value[]; kind: "list" | "set"; note?: string | undefined };
    const Value: z.ZodType<Value> = z.lazy(() =>
      z.union([
        z.object({ items: z.array(Value), kind: z.literal("list"), note: z.string().optional() }),
        z.object({ items: z.array(Value), kind: z.literal("set"), note: z.string().optional() }),
      ]),
    );
    const prepared = await prepareOutput(z.object({ root: Value }), undefined);
    let answer: Record<string, unknown> = { items: [], kind: "list", note: null };
    for (let i = 0; i < 22; i++) answer = { items: [answer], kind: "set", note: "n" };
    const { parsed } = await prepared.parse(resultWith(JSON.stringify({ root: answer })));
    let deepest = (parsed as { root: Value }).root;
    for (let i = 0; i < 22; i++) deepest = deepest.items[0]!;
    // The walk still reached the bottom: the optional null there was dropped.
    expect(deepest).toEqual({ items: [], kind: "list" });
  });

  it("reads the answer with the validate it checked, not one a getter gives when read again", async () => {
    const { schema, reads } = validateReadOnce({ type: "object", properties: {}, required: [] });
    const prepared = await prepareOutput(schema, undefined);
    await expect(prepared.parse(resultWith("{}"))).resolves.toMatchObject({ parsed: {} });
    expect(reads()).toBe(1);
  });

  it("gives StructuredOutputError whatever a validator throws or returns", async () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [
        () => {
          throw Object.create(null) as object;
        },
        /validate threw: a thrown object that cannot be shown/,
      ],
      [
        () => ({
          get issues(): never {
            throw new Error("issues getter");
          },
        }),
        /validate gave a result that cannot be read: issues getter/,
      ],
      [
        () => ({
          issues: [
            {
              get message(): never {
                throw new Error("message getter");
              },
            },
          ],
        }),
        /an issue that cannot be read/,
      ],
    ];
    for (const [validate, message] of cases) {
      const prepared = await prepareOutput(
        standard({ type: "object", properties: {} }, validate),
        undefined,
      );
      const err = await prepared.parse(resultWith("{}")).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StructuredOutputError);
      expect((err as Error).message).toMatch(message);
    }
  });
});

// Only their types are read: the calls are never made.
const Schema = z.object({
  n: z.string().transform((s) => s.length),
  tag: z.enum(["a", "b"]).optional(),
});
const runWith = (thread: Thread) => thread.run("x", { output: Schema });
const turnWith = (thread: Thread) => thread.turn("x", { output: Schema, effort: "low" });
const plainRun = (thread: Thread) => thread.run("x", { effort: "low" });
const plainTurn = (thread: Thread) => thread.turn("x");

describe("structured output types", () => {
  it("types parsed as the schema's output, for run() and turn().run()", () => {
    type Out = { n: number; tag?: "a" | "b" | undefined };
    expectTypeOf<OutputOf<typeof Schema>>().toEqualTypeOf<Out>();

    expectTypeOf(runWith).returns.resolves.toEqualTypeOf<StructuredTurnResult<Out>>();
    expectTypeOf(runWith).returns.resolves.toHaveProperty("parsed").toEqualTypeOf<Out>();

    expectTypeOf(turnWith).returns.resolves.toEqualTypeOf<TurnHandle<StructuredTurnResult<Out>>>();
    type Handle = Awaited<ReturnType<typeof turnWith>>;
    expectTypeOf<Awaited<ReturnType<Handle["run"]>>["parsed"]>().toEqualTypeOf<Out>();

    // Without output nothing changes: a plain TurnResult, and no parsed to reach for.
    expectTypeOf(plainRun).returns.resolves.toEqualTypeOf<TurnResult>();
    expectTypeOf(plainTurn).returns.resolves.toEqualTypeOf<TurnHandle>();
    expectTypeOf<Awaited<ReturnType<TurnHandle["run"]>>>().toEqualTypeOf<TurnResult>();
    // @ts-expect-error: a result without output has no parsed
    type _NoParsed = TurnResult["parsed"];
  });

  it("types parsed from validate() for a schema that gives no types", async () => {
    // Written by hand, as the docs invite: Standard Schema's `types` is optional.
    const Verdict = {
      "~standard": {
        version: 1 as const,
        vendor: "by-hand",
        validate: (value: unknown) =>
          isVerdict(value) ? { value } : { issues: [{ message: "expected { ok: boolean }" }] },
        jsonSchema: { input: () => ({ type: "object", properties: { ok: { type: "boolean" } } }) },
      },
    };
    expectTypeOf<OutputOf<typeof Verdict>>().toEqualTypeOf<{ ok: boolean }>();
    const verdictOf = (thread: Thread) => thread.run("x", { output: Verdict });
    expectTypeOf(verdictOf).returns.resolves.toHaveProperty("parsed").toEqualTypeOf<{
      ok: boolean;
    }>();
    const prepared = await prepareOutput(Verdict, undefined);
    await expect(prepared.parse(resultWith('{"ok":true}'))).resolves.toHaveProperty("parsed", {
      ok: true,
    });
  });
});

function isVerdict(value: unknown): value is { ok: boolean } {
  return typeof (value as { ok?: unknown } | null)?.ok === "boolean";
}

describe("the SDK's import", () => {
  // What `import "codex-app-server-sdk"` loads: the static (non-type) imports from src/index.ts.
  function staticGraph(): Set<string> {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, "utf8");
      const imports = /^(?:import|export)\s+(type\s+)?(?:[^;]*?\sfrom\s+)?"([^"]+)"/gm;
      for (const match of source.matchAll(imports)) {
        if (match[1] !== undefined) continue;
        const specifier = match[2]!;
        if (!specifier.startsWith(".")) {
          seen.add(specifier);
          continue;
        }
        visit(path.resolve(path.dirname(file), specifier.replace(/\.js$/, ".ts")));
      }
    };
    visit(path.join(ROOT, "src/index.ts"));
    return seen;
  }

  it("loads neither zod nor the strict-schema converter until a turn has output", () => {
    const graph = [...staticGraph()];
    expect(graph).toContain(path.join(ROOT, "src/structured-output.ts"));
    expect(graph.filter((entry) => /zod|strict-schema/.test(entry))).toEqual([]);
    expect(readFileSync(path.join(ROOT, "src/structured-output.ts"), "utf8")).toContain(
      'await import("./strict-schema.js")',
    );
  });

  it("keeps the converter free of run-time imports, so it stays one lazily loaded file", () => {
    const source = readFileSync(path.join(ROOT, "src/strict-schema.ts"), "utf8");
    const imports = [...source.matchAll(/^import\s+(type\s+)?[^;]*;/gm)];
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((match) => match[1] === undefined).map((match) => match[0])).toEqual([]);
  });
});
