// The pinned runtime's own JSON schema of the protocol, as a check of what the client sends: the
// runtime writes it (`codex app-server generate-json-schema --experimental`, the experimental
// fields included, as the SDK asks for them), and ajv compiles the params of each client request.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
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

/** Runs the pinned runtime's schema generator and reads its bundle. */
function runtimeBundle(): Bundle {
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

/**
 * A check of a client request's params against the runtime's schema: `undefined` when they
 * conform (or the method is none the runtime knows), else what does not.
 */
export function clientRequestCheck(): (method: string, params: unknown) => string | undefined {
  const bundle = runtimeBundle();
  // Formats (int64, uint32, ...) are the runtime's Rust types, not JSON Schema's: not checked.
  const ajv = new Ajv({ strict: false, validateFormats: false });
  ajv.addSchema(bundle, "protocol");
  const checks = new Map<string, ValidateFunction>();
  for (const [index, branch] of bundle.definitions.ClientRequest.oneOf.entries()) {
    if (branch.properties.params === undefined) continue;
    const pointer = `protocol#/definitions/ClientRequest/oneOf/${index}/properties/params`;
    checks.set(branch.properties.method.enum[0]!, ajv.compile({ $ref: pointer }));
  }
  return (method, params) => {
    const check = checks.get(method);
    // Params left out are the `null` of a request that takes none.
    if (check === undefined || check(params === undefined ? null : params)) return undefined;
    return ajv.errorsText(check.errors, { dataVar: "params" });
  };
}
