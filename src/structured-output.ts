/**
 * Typed structured output: `output` takes a schema object; the answer comes back validated by it.
 *
 * This module is what the SDK loads up front: the types, the argument checks, and the raising of
 * `StructuredOutputError`. The conversion to a strict JSON Schema and the reading of the answer
 * live in `strict-schema.ts`, imported only for a turn with `output`, so the SDK's import cost
 * does not grow; that module imports nothing at run time, so it stays one lazily loaded file.
 */
import { StructuredOutputError } from "./errors.js";
import { loadPeer } from "./internal/peer.js";
import { checkJson, checkStandardSchema } from "./internal/validate.js";
import type { StructuredOutputIssue } from "./errors.js";
import type { TurnResult } from "./result.js";
import type { ZodCoreLoader } from "./strict-schema.js";

/**
 * What `output` accepts: a Standard Schema v1 whose answer type is `Output`, and which can give
 * its JSON Schema (a zod 4 schema, or any Standard JSON Schema v1 implementation).
 */
export interface OutputSchema<Output = unknown> {
  /** The Standard Schema v1 interface the schema library implements. */
  readonly "~standard": {
    /** The Standard Schema version: 1. */
    readonly version: 1;
    /** The library that made the schema (`"zod"`, `"arktype"`, ...). */
    readonly vendor: string;
    /**
     * Validates a value: the typed value, or the issues.
     * @param value - the parsed answer.
     */
    validate(value: unknown): OutputValidation<Output> | Promise<OutputValidation<Output>>;
    /** The schema's input and output types, for type inference only. */
    readonly types?:
      | {
          /** The type the schema accepts. */
          readonly input: unknown;
          /** The type the schema validates to. */
          readonly output: Output;
        }
      | undefined;
  };
}

/** What a schema's `validate` returns: the typed value, or the issues. */
export type OutputValidation<Output> =
  | {
      /** The validated value. */
      readonly value: Output;
      /** Absent when the value is valid. */
      readonly issues?: undefined;
    }
  | {
      /** What is wrong with the value. */
      readonly issues: readonly StructuredOutputIssue[];
    };

/**
 * The type a schema validates to: `z.output<typeof schema>` for zod; for a schema without `types`
 * (they are optional, and may be `undefined`), what its `validate` says it gives.
 */
export type OutputOf<S extends OutputSchema> = [
  "types" extends keyof S["~standard"] ? NonNullable<S["~standard"]["types"]> : never,
] extends [never]
  ? ValueOf<Awaited<ReturnType<S["~standard"]["validate"]>>>
  : NonNullable<S["~standard"]["types"]>["output"];

// The value of the validations that give one (each member of a union on its own).
type ValueOf<V> = V extends { readonly issues: readonly unknown[] }
  ? never
  : V extends { readonly value: infer O }
    ? O
    : never;

/** A turn's result with its answer parsed and validated by the `output` schema. */
export type StructuredTurnResult<T> = TurnResult & {
  /** The answer, validated by the schema: the schema's output type. */
  readonly parsed: T;
};

/** @internal A schema made ready for one turn: what to send, and how to read the answer. */
export interface PreparedOutput {
  /** The strict JSON Schema, sent as the turn's `outputSchema`. */
  readonly schema: { [key: string]: unknown };
  /** Parses and validates the answer; rejects with `StructuredOutputError`. */
  readonly parse: (result: TurnResult) => Promise<StructuredTurnResult<unknown>>;
}

const ZOD_CORE = "zod/v4/core";

// The specifier is a variable, so bundlers of apps without zod leave it for run time rather than
// failing to resolve it; it resolves from the app.
const loadZodCore: ZodCoreLoader = () =>
  loadPeer(
    "zod",
    () => import(ZOD_CORE) as Promise<typeof import("zod/v4/core")>,
    "a zod schema without ~standard.jsonSchema (zod before 4.2, or zod/mini) is converted by " +
      `zod's ${ZOD_CORE}, loaded at run time from node_modules, where none was found (a bundle ` +
      "does not carry it): install zod 4 beside the program, or give outputSchema (JSON Schema)",
  );

/**
 * @internal
 * Checks a schema and converts it, before any I/O: a `TypeError` when it is no schema, when
 * `outputSchema` is given too, or (naming the path) when it cannot be made strict.
 */
export async function prepareOutput(
  output: unknown,
  outputSchema: unknown,
): Promise<PreparedOutput> {
  if (outputSchema !== undefined && outputSchema !== null) {
    throw new TypeError("give output (a schema object) or outputSchema (JSON Schema), not both");
  }
  const props = checkStandardSchema(output, "output");
  const { convertOutput } = await import("./strict-schema.js");
  const { schema, read } = await convertOutput(output as object, props, loadZodCore);
  // What JSON would change (a NaN in an enum, say) is refused, not sent changed.
  checkJson(schema, "output (as JSON Schema)");
  return {
    schema,
    async parse(result) {
      const text = result.finalResponse;
      // `parsed` has no value to hold: said as such, the status being no schema's issue.
      if (text === null && result.status === "interrupted") {
        const issue = { message: "the turn was interrupted before it gave an answer" };
        throw new StructuredOutputError(text, [issue], result);
      }
      const answer = await read(text);
      if ("issues" in answer) {
        const cause = answer.cause === undefined ? undefined : { cause: answer.cause };
        throw new StructuredOutputError(text, answer.issues, result, cause);
      }
      return { ...result, parsed: answer.value };
    },
  };
}
