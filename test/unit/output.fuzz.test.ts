// Property of structured output (`output`): a zod schema made strict for the Responses API, and the
// model's answer read back through it. Each run builds a schema of strings, numbers, integers,
// booleans (some bounded, or by a pattern), enums, literals and null, in arrays, unions, nullable
// values, objects whose properties are required, optional, nullish or defaulted, unions of objects
// told apart by their `type` or of an object and a leaf, nested, and an answer the schema accepts.
// Strict mode makes the model write every property, an optional one as null when it has no value;
// so the answer is written that way. Checks: the schema is made strict (every object closed, every
// property required); the strict schema (checked by ajv) takes the answer as the model writes it;
// reading that text gives the answer the schema accepted, an optional property the model gave as
// null left out (or kept as null where the schema allows null, which strict mode cannot tell from
// "not given").
//
// Deterministic in CI: the seed is fixed. To explore, FUZZ_SEED=<n> FUZZ_RUNS=<n> npx vitest run
// test/unit/output.fuzz.test.ts; a failure prints its seed and path, which FUZZ_SEED and
// FUZZ_PATH replay.
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { TurnResult } from "../../src/index.js";
import { prepareOutput } from "../../src/structured-output.js";

const SEED = Number(process.env.FUZZ_SEED ?? 70_117);
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const PATH = process.env.FUZZ_PATH;

type Json = { [key: string]: unknown };

/**
 * A schema and its answers: the zod schema, the answers it accepts, what the model writes for one
 * under strict mode (`written`), what reading that gives back (`read`), and whether it takes null.
 */
interface Node {
  readonly zod: z.ZodType;
  readonly value: fc.Arbitrary<unknown>;
  readonly written: (value: unknown) => unknown;
  /** What reading an answer the model wrote (`written`) gives. */
  readonly read: (written: unknown) => unknown;
  readonly nullable: boolean;
  /** A value it accepts, which a property may default to (leaves only). */
  readonly example?: unknown;
  /** The zod code that makes it, as a failure shows it. */
  readonly text: string;
  readonly [fc.toStringMethod]: () => string;
}

const shownAs = (text: string) => ({ text, [fc.toStringMethod]: () => text });

const same = (value: unknown) => value;

function leaf(
  text: string,
  zod: z.ZodType,
  value: fc.Arbitrary<unknown>,
  example: unknown,
  nullable = false,
): Node {
  return { zod, value, written: same, read: same, nullable, example, ...shownAs(text) };
}

const leaves: fc.Arbitrary<Node> = fc.constantFrom(
  leaf("z.string()", z.string(), fc.string({ maxLength: 8 }), "text"),
  leaf(
    "z.string().min(2).max(5)",
    z.string().min(2).max(5),
    fc.string({ minLength: 2, maxLength: 5 }),
    "ab",
  ),
  leaf(
    "z.string().regex(/^[a-z]+-\\d$/)",
    z.string().regex(/^[a-z]+-\d$/),
    fc.stringMatching(/^[a-z]{1,4}-\d$/),
    "ab-1",
  ),
  leaf(
    "z.number()",
    z.number(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x)),
    1.5,
  ),
  leaf(
    "z.number().min(0).max(10)",
    z.number().min(0).max(10),
    fc.double({ min: 0, max: 10, noNaN: true }).map((x) => (x === 0 ? 0 : x)),
    2,
  ),
  leaf("z.number().int()", z.number().int(), fc.integer(), 3),
  leaf("z.boolean()", z.boolean(), fc.boolean(), true),
  leaf(
    'z.enum(["red", "green"])',
    z.enum(["red", "green"]),
    fc.constantFrom("red", "green"),
    "red",
  ),
  leaf('z.literal("fixed")', z.literal("fixed"), fc.constant("fixed"), "fixed"),
  leaf("z.null()", z.null(), fc.constant(null), null, true),
);

function arrayOf(item: Node): Node {
  return {
    zod: z.array(item.zod),
    value: fc.array(item.value, { maxLength: 3 }),
    written: (value) => (value as unknown[]).map(item.written),
    read: (value) => (value as unknown[]).map(item.read),
    nullable: false,
    ...shownAs(`z.array(${item.text})`),
  };
}

function nullableOf(inner: Node): Node {
  return {
    zod: inner.zod.nullable(),
    value: fc.option(inner.value, { nil: null }),
    written: (value) => (value === null ? null : inner.written(value)),
    read: (value) => (value === null ? null : inner.read(value)),
    nullable: true,
    ...shownAs(`${inner.text}.nullable()`),
  };
}

/** A union of leaves, whose answers read as they are. */
function unionOf(a: Node, b: Node): Node {
  const text = `z.union([${a.text}, ${b.text}])`;
  const value = fc.oneof(a.value, b.value);
  return leaf(text, z.union([a.zod, b.zod]), value, a.example, a.nullable || b.nullable);
}

type Mode = "required" | "optional" | "nullish" | "default";

function objectOf(fields: readonly (readonly [string, Node, Mode])[], tag?: string): Node {
  const shape: Record<string, z.ZodType> = tag === undefined ? {} : { type: z.literal(tag) };
  const values: Record<string, fc.Arbitrary<unknown>> = tag === undefined
    ? {}
    : { type: fc.constant(tag) };
  for (const [name, node, mode] of fields) {
    shape[name] =
      mode === "required"
        ? node.zod
        : mode === "optional"
          ? node.zod.optional()
          : mode === "default"
            ? node.zod.default(node.example as never)
            : node.zod.nullish();
    values[name] = mode === "nullish" ? fc.option(node.value, { nil: null }) : node.value;
  }
  const required = fields.filter(([, , mode]) => mode === "required").map(([name]) => name);
  if (tag !== undefined) required.push("type");
  const written = (value: unknown) => {
    const given = value as Json;
    const out: Json = tag === undefined ? {} : { type: tag };
    for (const [name, node] of fields) {
      // Strict mode makes the model write each property: null, for no value.
      out[name] =
        !Object.hasOwn(given, name) || given[name] === null ? null : node.written(given[name]);
    }
    return out;
  };
  const read = (value: unknown) => {
    const given = value as Json;
    const out: Json = tag === undefined ? {} : { type: tag };
    for (const [name, node, mode] of fields) {
      const item = given[name];
      if (item !== null) out[name] = node.read(item);
      // A null the schema takes is kept; one of an optional property means it was not given, and
      // a property not given takes its default.
      else if (mode === "nullish" || node.nullable) out[name] = null;
      else if (mode === "default") out[name] = node.example;
    }
    return out;
  };
  const listed = fields.map(
    ([key, node, mode]) =>
      `${key}: ${node.text}${
        mode === "required"
          ? ""
          : mode === "default"
            ? `.default(${JSON.stringify(node.example)})`
            : `.${mode}()`
      }`,
  );
  if (tag !== undefined) listed.unshift(`type: z.literal("${tag}")`);
  return {
    zod: z.object(shape),
    value: fc.record(values, { requiredKeys: required }),
    written,
    read,
    nullable: false,
    ...shownAs(`z.object({ ${listed.join(", ")} })`),
  };
}

/** A leaf or an object, in one union (the object told by its being one). */
function leafOrObject(a: Node, b: Node): Node {
  const isObject = (value: unknown) =>
    typeof value === "object" && value !== null && !Array.isArray(value);
  return {
    zod: z.union([a.zod, b.zod]),
    value: fc.oneof(a.value, b.value),
    written: (value) => (isObject(value) ? b.written(value) : a.written(value)),
    read: (value) => (isObject(value) ? b.read(value) : a.read(value)),
    nullable: a.nullable,
    ...shownAs(`z.union([${a.text}, ${b.text}])`),
  };
}

type Fields = readonly (readonly [string, Node, Mode])[];

/** Objects told apart by their `type`, in a union (as the Responses API takes one). */
function taggedUnion(options: readonly Fields[]): Node {
  const objects = options.map((fields, i) => objectOf(fields, `t${i}`));
  const byTag = (value: unknown) => objects[Number(((value as Json).type as string).slice(1))]!;
  return {
    zod: z.union(objects.map((o) => o.zod) as [z.ZodType, z.ZodType]),
    value: fc.oneof(...objects.map((o) => o.value)),
    written: (value) => byTag(value).written(value),
    read: (value) => byTag(value).read(value),
    nullable: false,
    ...shownAs(`z.union([${objects.map((o) => o.text).join(", ")}])`),
  };
}

const name = fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,5}$/);

/** The properties of an object: one to four, of `inner`'s schemas, each required, optional or nullish. */
function fieldsOf(inner: fc.Arbitrary<Node>): fc.Arbitrary<Fields> {
  return fc.uniqueArray(
    fc
      .tuple(
        name.filter((key) => key !== "type"),
        inner,
        fc.constantFrom<Mode>("required", "optional", "nullish", "default"),
      )
      // A default needs a value the schema takes: a leaf's.
      .map(([key, node, mode]) =>
        mode === "default" && !("example" in node)
          ? ([key, node, "optional"] as const)
          : ([key, node, mode] as const),
      ),
    { minLength: 1, maxLength: 4, selector: ([key]) => key },
  );
}

const node: fc.Memo<Node> = fc.memo((depth) => {
  if (depth <= 1) return leaves;
  const inner = node(depth - 1);
  return fc.oneof(
    { arbitrary: leaves, weight: 3 },
    { arbitrary: inner.map(arrayOf), weight: 1 },
    { arbitrary: inner.map(nullableOf), weight: 1 },
    { arbitrary: fc.tuple(leaves, leaves).map(([a, b]) => unionOf(a, b)), weight: 1 },
    { arbitrary: fieldsOf(inner).map((fields) => objectOf(fields)), weight: 2 },
    {
      arbitrary: fc
        .tuple(leaves, fieldsOf(inner))
        .map(([a, fields]) => leafOrObject(a, objectOf(fields))),
      weight: 1,
    },
    {
      arbitrary: fc.array(fieldsOf(inner), { minLength: 2, maxLength: 3 }).map(taggedUnion),
      weight: 1,
    },
  );
});

/** A schema whose root is an object, as the Responses API takes, and an answer to it. */
const run = fieldsOf(node(3))
  .map((fields) => objectOf(fields))
  .chain((root) => fc.tuple(fc.constant(root), root.value));

const ajv = new Ajv2020({ strict: false, allErrors: false });

/** Whether every object of a strict schema is closed and lists every property as required. */
function strictProblems(schema: unknown, at = "schema"): string[] {
  if (typeof schema !== "object" || schema === null) return [];
  if (Array.isArray(schema))
    return schema.flatMap((item, i) => strictProblems(item, `${at}[${i}]`));
  const record = schema as Json;
  const out: string[] = [];
  if (record.type === "object" && typeof record.properties === "object") {
    const keys = Object.keys(record.properties as Json).sort();
    const required = [...((record.required as string[] | undefined) ?? [])].sort();
    if (record.additionalProperties !== false) out.push(`${at} is not closed`);
    if (JSON.stringify(keys) !== JSON.stringify(required)) out.push(`${at} leaves some optional`);
  }
  for (const [key, value] of Object.entries(record))
    out.push(...strictProblems(value, `${at}.${key}`));
  return out;
}

async function check([root, answer]: [Node, unknown]): Promise<void> {
  // Each schema made here has a strict form: refusing one fails the run.
  const prepared = await prepareOutput(root.zod, undefined);
  expect(strictProblems(prepared.schema)).toEqual([]);
  const written = root.written(answer);
  const validate = ajv.compile(prepared.schema);
  expect(
    validate(written),
    `the strict schema refuses ${JSON.stringify(written)}: ${ajv.errorsText(validate.errors)}`,
  ).toBe(true);
  const result = { status: "completed", finalResponse: JSON.stringify(written) } as TurnResult;
  const { parsed } = await prepared.parse(result);
  expect(parsed).toEqual(root.read(written));
}

describe("structured output (property)", () => {
  it("makes a schema strict, which takes every answer the model writes, read back as given", async () => {
    await fc.assert(fc.asyncProperty(run, check), {
      seed: SEED,
      numRuns: RUNS,
      ...(PATH === undefined ? {} : { path: PATH }),
    });
  });
});
