import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import {
  COVERAGE_FILE,
  buildCoverage,
  coverageRows,
  generatedMethods,
  renderCoverage,
  methodsSentBy,
  sentMethods,
} from "../../scripts/protocol-coverage.js";
import { CLIENT_REQUEST_METHODS } from "../../src/generated/index.js";

describe("docs/protocol-coverage.md", () => {
  it("is what the pinned runtime and the sources give (npm run protocol:coverage)", async () => {
    expect(readFileSync(COVERAGE_FILE, "utf8")).toBe(await buildCoverage());
  });
});

describe("scripts/protocol-coverage", () => {
  it("reads the generated method list and the methods the sources send", () => {
    expect(generatedMethods()).toEqual([...CLIENT_REQUEST_METHODS]);
    const sent = sentMethods();
    for (const method of ["initialize", "review/start", "command/exec", "thread/turns/list"]) {
      expect(sent).toContain(method);
    }
    expect(sent).not.toContain("thread/realtime/start");
  });

  it("reads the method of each sending call from the syntax tree, wherever it is written", () => {
    const source = [
      'connection.request("a/plain", {});',
      "connection.request(",
      '  "a/wrapped",',
      ");",
      'sendFollowed<R>(this.#internals, "a/followed", id, params, call);',
      'this.#newThread("a/new", params, call);',
      '// connection.request("a/comment")',
      "const text = '.request(\"a/string\")';",
      "connection.request(method, params);",
    ].join("\n");
    expect(methodsSentBy(source)).toEqual(["a/plain", "a/wrapped", "a/followed", "a/new"]);
  });

  it("fails when the table and the sources disagree", () => {
    const methods = ["a/b", "c/d", "e/f"];
    const experimental = new Map([
      ["a/b", false],
      ["c/d", true],
    ]);
    const table = { "a/b": ["codex.ab"] };
    expect(() => coverageRows(methods, experimental, new Set(["a/b", "c/d"]), table)).toThrow(
      /c\/d: sent by src\/, but missing from the table/,
    );
    expect(() => coverageRows(methods, experimental, new Set(), table)).toThrow(
      /a\/b: in the table, but src\/ never sends it/,
    );
    expect(() =>
      coverageRows(methods, experimental, new Set(["a/b"]), { ...table, "x/y": ["gone"] }),
    ).toThrow(/x\/y: in the table, but not a client request/);
  });

  it("puts each method under stable, experimental or legacy, uncovered ones as codex.request only", () => {
    const rows = coverageRows(
      ["c/d", "a/b", "e/f"],
      new Map([
        ["a/b", false],
        ["c/d", true],
      ]),
      new Set(["a/b"]),
      { "a/b": ["codex.ab"] },
    );
    expect(rows).toEqual([
      { method: "a/b", kind: "stable", coveredBy: ["codex.ab"] },
      { method: "c/d", kind: "experimental", coveredBy: [] },
      { method: "e/f", kind: "legacy", coveredBy: [] },
    ]);
    const page = renderCoverage(rows, "9.9.9");
    expect(page).toContain("## Stable (1, 1 covered)");
    expect(page).toContain("| `a/b` | `codex.ab` |");
    expect(page).toContain("## Experimental (1, 0 covered)");
    expect(page).toContain("| `c/d` | `codex.request` only |");
    expect(page).toContain("## Legacy (1, 0 covered)");
  });
});
