import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { checkDocs, extractBlocks, formatProblems } from "../../scripts/check-docs.js";
import * as wireTypes from "../../src/types.js";
import { exportedNames } from "../support/declarations.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

const ENTRIES = [
  "codex-app-server-sdk",
  "codex-app-server-sdk/types",
  "codex-app-server-sdk/testing",
] as const;
type Entry = (typeof ENTRIES)[number];

/**
 * The `###` headings of the API reference, by entry point. Each `## ` section names its entry
 * point in backticks (`## Threads (\`codex-app-server-sdk\`)`); every `###` below it is one
 * exported name, optionally in backticks.
 */
function referenceHeadings(): Map<Entry, string[]> {
  const byEntry = new Map<Entry, string[]>(ENTRIES.map((entry) => [entry, []]));
  let current: string[] | undefined;
  let inFence = false;
  const orphans: string[] = [];
  for (const line of read("docs/api-reference.md").split("\n")) {
    if (/^ {0,3}(`{3,}|~{3,})/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const section = /^## (.*)$/.exec(line);
    if (section !== null) {
      const named = [...section[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      const entry = ENTRIES.find((e) => named.includes(e));
      current = entry === undefined ? undefined : byEntry.get(entry);
      continue;
    }
    const heading = /^### (.*)$/.exec(line);
    if (heading === null) continue;
    const name = heading[1]!.replace(/`/g, "").trim();
    if (current === undefined) orphans.push(name);
    else current.push(name);
  }
  expect(orphans, "### headings outside a section that names its entry point").toEqual([]);
  return byEntry;
}

function documentedIn(entry: Entry): string[] {
  return referenceHeadings().get(entry)!;
}

function duplicates(names: readonly string[]): string[] {
  return names.filter((name, i) => names.indexOf(name) !== i);
}

// The anchors GitHub gives a Markdown file's headings: lower case, punctuation but `-` and `_`
// dropped, spaces made `-`, a repeated one numbered.
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  let inFence = false;
  for (const line of read(file).split("\n")) {
    if (/^ {0,3}(`{3,}|~{3,})/.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (heading === null) continue;
    const base = heading[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\w\- ]/g, "")
      .replace(/ /g, "-");
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

describe("links between the docs", () => {
  it("name a heading of the file they point to", () => {
    const docs = readdirSync(path.join(ROOT, "docs")).filter((name) => name.endsWith(".md"));
    const files = ["README.md", ...docs.map((name) => `docs/${name}`)];
    const broken: string[] = [];
    for (const file of files) {
      for (const [, target, anchor] of read(file).matchAll(/\]\(([\w./-]*\.md)?#([^)\s]+)\)/g)) {
        const into = target === undefined ? file : path.join(path.dirname(file), target);
        if (!anchorsOf(into).has(anchor!)) broken.push(`${file}: ${target ?? ""}#${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe("docs/api-reference.md", () => {
  it("documents every export of codex-app-server-sdk, and nothing that is gone", () => {
    const exported = exportedNames("src/index.ts");
    const documented = documentedIn("codex-app-server-sdk");
    expect(duplicates(documented), "documented twice").toEqual([]);
    const missing = [...exported].filter((name) => !documented.includes(name)).sort();
    const stale = documented.filter((name) => !exported.has(name)).sort();
    // missing: exported from src/index.ts without a ### heading; stale: documented, not exported.
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });

  it("documents every export of codex-app-server-sdk/testing, and nothing that is gone", () => {
    const exported = exportedNames("src/testing/index.ts");
    const documented = documentedIn("codex-app-server-sdk/testing");
    expect(duplicates(documented), "documented twice").toEqual([]);
    const missing = [...exported].filter((name) => !documented.includes(name)).sort();
    const stale = documented.filter((name) => !exported.has(name)).sort();
    // missing: exported from src/testing/index.ts without a ### heading; stale: not exported.
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });

  it("summarises codex-app-server-sdk/types with headings that name real exports", () => {
    // The generated wire types are too many to list one by one; the headings must still exist.
    const exported = exportedNames("src/types.ts");
    const documented = documentedIn("codex-app-server-sdk/types");
    expect(duplicates(documented), "documented twice").toEqual([]);
    const stale = documented.filter((name) => !exported.has(name)).sort();
    expect(stale, "documented for codex-app-server-sdk/types but not exported").toEqual([]);
    const values = Object.keys(wireTypes).filter((name) => !documented.includes(name));
    expect(values, "runtime values of ./types without a ### heading").toEqual([]);
  });
});

describe("scripts/check-docs", () => {
  it("finds ts and typescript blocks, their lines, and skip-check", () => {
    const markdown = [
      "# Title",
      "```ts",
      "const a = 1;",
      "```",
      "```sh",
      "npm test",
      "```",
      "````typescript skip-check",
      "partial(",
      "````",
      "~~~ts",
      "const b = 2;",
      "~~~",
    ].join("\n");
    const blocks = extractBlocks(markdown, "x.md");
    expect(
      blocks.map(({ index, fenceLine, code, skip }) => ({ index, fenceLine, code, skip })),
    ).toEqual([
      { index: 1, fenceLine: 2, code: "const a = 1;", skip: false },
      { index: 2, fenceLine: 8, code: "partial(", skip: true },
      { index: 3, fenceLine: 11, code: "const b = 2;", skip: false },
    ]);
    expect(() => extractBlocks("```ts\nopen", "y.md")).toThrow(
      /y\.md:1: code fence is never closed/,
    );
  });

  it("finds js, javascript, mjs and cjs blocks as JavaScript, numbered apart from TypeScript", () => {
    const markdown = ["```js", "a();", "```", "```ts", "b();", "```", "```cjs", "c();", "```"];
    const blocks = extractBlocks(markdown.join("\n"), "x.md");
    expect(blocks.map(({ language, index, code }) => ({ language, index, code }))).toEqual([
      { language: "JavaScript", index: 1, code: "a();" },
      { language: "TypeScript", index: 1, code: "b();" },
      { language: "JavaScript", index: 2, code: "c();" },
    ]);
  });

  it("type-checks every TypeScript block of the README and docs", () => {
    // Its own directory, so a concurrent `npm run docs:check` cannot pull files from under it.
    const result = checkDocs(ROOT, path.join(ROOT, ".tmp", "doc-snippets-vitest"));
    expect(result.blocks.length).toBeGreaterThan(0);
    expect(formatProblems(result)).toBe("");
  });
});
