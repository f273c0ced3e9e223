// The pinned runtime's own JSON schema of the protocol, as a check of what the client sends: the
// runtime writes it (`codex app-server generate-json-schema --experimental`, the experimental
// fields included, as the SDK asks for them), and ajv compiles the params of each client request
// and the result of each server request (its type named by the generated ServerRequestMap).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import ts from "typescript";
import { locateRuntime } from "../../src/runtime.js";

/** The bundle the runtime writes: every type, under `definitions`. */
interface Bundle {
  readonly definitions: {
    readonly ClientRequest: {
      readonly oneOf: ReadonlyArray<{
        readonly properties: {
          readonly method: { readonly enum: readonly string[] };
          readonly params?: unknown;
        };
      }>;
    };
  };
}

/** Runs the pinned runtime's schema generator and reads its bundle (once). */
let bundled: Bundle | undefined;
function runtimeBundle(): Bundle {
  return (bundled ??= generateBundle());
}

function generateBundle(): Bundle {
  const scratch = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-schema-"));
  try {
    // An empty CODEX_HOME keeps the developer's config (feature flags) out of the output.
    const home = path.join(scratch, "home");
    mkdirSync(home);
    const out = path.join(scratch, "out");
    const args = ["app-server", "generate-json-schema", "--experimental", "--out", out];
    const result = spawnSync(locateRuntime().binary, args, {
      encoding: "utf8",
      env: { ...process.env, CODEX_HOME: home },
      timeout: 120_000,
    });
    if (result.status !== 0) {
      throw new Error(`generate-json-schema failed (${result.status}): ${result.stderr}`);
    }
    const text = readFileSync(path.join(out, "codex_app_server_protocol.schemas.json"), "utf8");
    return JSON.parse(text) as Bundle;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Checks of what the client sends, one per method: `undefined` when it conforms, else why not. */
type Check = (method: string, value: unknown) => string | undefined;

/** The one ajv that holds the bundle, made on first use. */
let compiler: Ajv | undefined;
function protocolAjv(): Ajv {
  if (compiler === undefined) {
    // Formats (int64, uint32, ...) are the runtime's Rust types, not JSON Schema's: not checked.
    compiler = new Ajv({ strict: false, validateFormats: false });
    compiler.addSchema(runtimeBundle(), "protocol");
  }
  return compiler;
}

/**
 * A check by the bundle's schemas at `pointers` (a method -> a JSON pointer into the bundle),
 * each compiled once; a method without one passes.
 */
function checkBy(pointers: ReadonlyMap<string, string>, dataVar: string): Check {
  const ajv = protocolAjv();
  const checks = new Map<string, ValidateFunction>();
  for (const [method, pointer] of pointers) {
    checks.set(method, ajv.compile({ $ref: `protocol#${pointer}` }));
  }
  return (method, value) => {
    const check = checks.get(method);
    if (check === undefined || check(value)) return undefined;
    return ajv.errorsText(check.errors, { dataVar });
  };
}

/**
 * A check of a client request's params against the runtime's schema: `undefined` when they
 * conform (or the method is none the runtime knows), else what does not.
 */
export function clientRequestCheck(): Check {
  const pointers = new Map<string, string>();
  for (const [index, branch] of runtimeBundle().definitions.ClientRequest.oneOf.entries()) {
    if (branch.properties.params === undefined) continue;
    const pointer = `/definitions/ClientRequest/oneOf/${index}/properties/params`;
    pointers.set(branch.properties.method.enum[0]!, pointer);
  }
  const check = checkBy(pointers, "params");
  // Params left out are the `null` of a request that takes none.
  return (method, params) => check(method, params === undefined ? null : params);
}

/**
 * For each server request, the name of its result's type, as src/generated/maps.ts gives it in
 * `ServerRequestMap` (`"item/tool/call": { params: ...; result: DynamicToolCallResponse }`).
 */
function serverRequestResults(): Map<string, string> {
  const file = fileURLToPath(new URL("../../src/generated/maps.ts", import.meta.url));
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
  const out = new Map<string, string>();
  for (const statement of source.statements) {
    if (!ts.isInterfaceDeclaration(statement) || statement.name.text !== "ServerRequestMap")
      continue;
    for (const member of statement.members) {
      if (!ts.isPropertySignature(member) || member.type === undefined) continue;
      if (!ts.isStringLiteral(member.name) || !ts.isTypeLiteralNode(member.type)) continue;
      for (const field of member.type.members) {
        if (!ts.isPropertySignature(field) || !ts.isIdentifier(field.name)) continue;
        if (field.name.text !== "result" || field.type === undefined) continue;
        if (ts.isTypeReferenceNode(field.type) && ts.isIdentifier(field.type.typeName)) {
          out.set(member.name.text, field.type.typeName.text);
        }
      }
    }
  }
  return out;
}

/**
 * A check of the client's answer to a server request against the runtime's schema of its result:
 * `undefined` when it conforms (or the method is none the runtime sends), else what does not.
 */
export function serverResultCheck(): Check {
  const { definitions } = runtimeBundle();
  const pointers = new Map<string, string>();
  for (const [method, type] of serverRequestResults()) {
    if (Object.hasOwn(definitions, type)) pointers.set(method, `/definitions/${type}`);
  }
  if (pointers.size < 5) throw new Error(`only ${pointers.size} server request results found`);
  return checkBy(pointers, "result");
}
