import { describe, expect, it } from "vitest";

import {
  ENTRY_FILES,
  exportedNames,
  internalExports,
  misplacedInternalTags,
} from "../support/declarations.js";

describe("the published declarations", () => {
  it("finds what each entry point exports, types included", () => {
    const sdk = exportedNames("src/index.ts");
    // A class, a type-only export and an error, each from a different module of src/.
    for (const name of ["Codex", "TurnResult", "TurnFailedError"]) expect(sdk).toContain(name);
    expect(sdk).not.toContain("TurnCollector");
    // What the declarations use to type the handlers' options and either login handle.
    for (const name of ["ServerRequestOptions", "LoginHandle"]) expect(sdk).toContain(name);
    expect(exportedNames("src/types.ts")).toContain("ThreadItem");
  });

  it("has every @internal tag on an exported declaration, which stripInternal leaves out", () => {
    // file:line of a `/** ... @internal ... */` on no declaration, or on one that is not
    // exported: a statement put between the comment and its declaration moves the tag there.
    expect(misplacedInternalTags()).toEqual([]);
  });

  it("exports nothing @internal from a public entry point", () => {
    for (const file of ENTRY_FILES) expect(internalExports(file), file).toEqual([]);
  });
});
