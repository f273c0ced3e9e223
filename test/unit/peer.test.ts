import { describe, expect, it } from "vitest";
import { loadPeer } from "../../src/internal/peer.js";

const MISSING = "this needs the 'nope' package: npm install nope";

/** What `loadPeer` rejects with when `load` fails. */
async function failure(load: () => Promise<unknown>): Promise<Error> {
  return (await loadPeer("nope", load, MISSING).catch((e: unknown) => e)) as Error;
}

describe("loadPeer", () => {
  it("hands on what loads", async () => {
    expect(await loadPeer("node:path", () => import("node:path"), MISSING)).toHaveProperty("join");
  });

  it("says what to install when the package is not there, by import() or require()", async () => {
    const specifier = "codex-sdk-no-such-package";
    const imported = await failure(() => import(specifier));
    expect(imported.message).toBe(MISSING);
    expect(imported.cause).toMatchObject({ code: "ERR_MODULE_NOT_FOUND" });
    const { createRequire } = await import("node:module");
    const required = await failure(async () => createRequire(import.meta.url)(specifier));
    expect(required.message).toBe(MISSING);
    expect(required.cause).toMatchObject({ code: "MODULE_NOT_FOUND" });
  });

  it("says what to install when the package installed lacks the module asked for", async () => {
    const tooOld = Object.assign(new Error("Package subpath './v4/core' is not defined"), {
      code: "ERR_PACKAGE_PATH_NOT_EXPORTED",
    });
    const err = await failure(() => Promise.reject(tooOld));
    expect(err.message).toBe(MISSING);
    expect(err.cause).toBe(tooOld);
  });

  it("says the package failed to load, and why, when it is there (a host without import())", async () => {
    const why = Object.assign(new TypeError("A dynamic import callback was not specified."), {
      code: "ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING",
    });
    const err = await failure(() => Promise.reject(why));
    expect(err.message).toBe(
      "the 'nope' package could not be loaded: A dynamic import callback was not specified.",
    );
    expect(err.cause).toBe(why);
  });
});
