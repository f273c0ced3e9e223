/**
 * Type-checks every TypeScript and JavaScript block of the README and the docs, so no example can
 * rot.
 *
 *   npm run docs:check
 *
 * Each ```ts or ```typescript block of README.md and docs/*.md becomes its own module under
 * `.tmp/doc-snippets/` (ES module, top-level await allowed) and the lot is checked with
 * `tsc --noEmit` under the project's strict NodeNext settings. The package is imported by its
 * published name: a generated `paths` entry maps `codex-app-server-sdk`, `/types` and `/testing`
 * to the sources. A block that is deliberately partial can opt out with ```ts skip-check.
 *
 * A ```js (or javascript, mjs, cjs) block is checked the same way (`checkJs`) as an ES module, or
 * as CommonJS when it calls `require(`, and Node parses it too (`node --check`), so a syntax the
 * running Node lacks (`await using` on Node 20) fails here.
 *
 * Exits non-zero naming the Markdown file, line and block of every error.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { isMain } from "./is-main.js";

/** One fenced TypeScript or JavaScript block of a Markdown file. */
export interface DocBlock {
  /** Markdown file, relative to the repository root (POSIX separators). */
  readonly file: string;
  readonly language: "TypeScript" | "JavaScript";
  /** 1-based position of the block among the file's blocks of its language. */
  readonly index: number;
  /** 1-based line of the opening fence. */
  readonly fenceLine: number;
  /** The code between the fences. */
  readonly code: string;
  /** Whether the block is marked `skip-check`. */
  readonly skip: boolean;
}

/** A type error, placed in the Markdown it came from. */
export interface DocProblem {
  readonly block: DocBlock;
  /** 1-based line in the Markdown file. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** What a check found. */
export interface CheckResult {
  /** Every TypeScript and JavaScript block found, checked or skipped. */
  readonly blocks: readonly DocBlock[];
  readonly problems: readonly DocProblem[];
  /** tsc output that could not be placed in a block (configuration errors and the like). */
  readonly otherErrors: readonly string[];
}

const LANGUAGES: Readonly<Record<string, DocBlock["language"]>> = {
  ts: "TypeScript",
  typescript: "TypeScript",
  js: "JavaScript",
  javascript: "JavaScript",
  mjs: "JavaScript",
  cjs: "JavaScript",
};
const PACKAGE = "codex-app-server-sdk";
// What each snippet module starts with; its length maps tsc's lines back to the Markdown.
const HEADER_LINES = 1;

/** The TypeScript and JavaScript blocks of one Markdown text. Fences may use backticks or tildes, 3 or more. */
export function extractBlocks(markdown: string, file: string): DocBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: DocBlock[] = [];
  let open: { marker: string; lang: string; skip: boolean; line: number; body: string[] } | null =
    null;
  const counts = { TypeScript: 0, JavaScript: 0 };
  lines.forEach((line, i) => {
    if (open === null) {
      const fence = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$/.exec(line);
      if (fence === null) return;
      const [, marker = "", lang = "", meta = ""] = fence;
      open = {
        marker,
        lang: lang.toLowerCase(),
        skip: meta.split(/\s+/).includes("skip-check"),
        line: i + 1,
        body: [],
      };
      return;
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
    if (
      close !== null &&
      close[1]![0] === open.marker[0] &&
      close[1]!.length >= open.marker.length
    ) {
      const language = Object.hasOwn(LANGUAGES, open.lang) ? LANGUAGES[open.lang] : undefined;
      if (language !== undefined) {
        counts[language] += 1;
        blocks.push({
          file,
          language,
          index: counts[language],
          fenceLine: open.line,
          code: open.body.join("\n"),
          skip: open.skip,
        });
      }
      open = null;
      return;
    }
    open.body.push(line);
  });
  if (open !== null) {
    const { line } = open;
    throw new Error(`${file}:${line}: code fence is never closed`);
  }
  return blocks;
}

/** README.md and every Markdown file under docs/, relative to `root`, sorted. */
export function docFiles(root: string): string[] {
  const files = existsSync(path.join(root, "README.md")) ? ["README.md"] : [];
  const walk = (dir: string): void => {
    const abs = path.join(root, dir);
    if (!existsSync(abs)) return;
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith(".md")) files.push(rel);
    }
  };
  walk("docs");
  return files.sort((a, b) => (a === "README.md" ? -1 : b === "README.md" ? 1 : a < b ? -1 : 1));
}

function moduleName(block: DocBlock): string {
  const stem = block.file.replace(/\.md$/, "").replace(/[^A-Za-z0-9]+/g, "-");
  const ext = block.language === "TypeScript" ? "ts" : isCommonJs(block) ? "cjs" : "mjs";
  const kind = block.language === "TypeScript" ? "" : "js-";
  return `${stem}-${kind}${String(block.index).padStart(2, "0")}.${ext}`;
}

function isCommonJs(block: DocBlock): boolean {
  return block.language === "JavaScript" && /\brequire\(/.test(block.code);
}

function moduleText(block: DocBlock): string {
  const header = `// ${block.file}:${block.fenceLine} (${block.language} block ${block.index})`;
  // `export {}` makes every block a module, so top-level await is allowed even without imports.
  return `${header}\n${block.code}\n${isCommonJs(block) ? "" : "export {};\n"}`;
}

/** Writes the snippet modules and their tsconfig into `outDir`; returns module name -> block. */
export function writeSnippets(
  root: string,
  outDir: string,
  blocks: readonly DocBlock[],
): Map<string, DocBlock> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const toRoot = path.relative(outDir, root).split(path.sep).join("/") || ".";
  const modules = new Map<string, DocBlock>();
  for (const block of blocks) {
    if (block.skip) continue;
    const name = moduleName(block);
    modules.set(name, block);
    writeFileSync(path.join(outDir, name), moduleText(block));
  }
  writeFileSync(
    path.join(outDir, "package.json"),
    `${JSON.stringify({ private: true, type: "module" }, null, 2)}\n`,
  );
  // Snippets are examples, not project code: keep `eslint .` from holding them to its rules.
  writeFileSync(path.join(outDir, "eslint.config.js"), 'export default [{ ignores: ["**/*"] }];\n');
  const tsconfig = {
    extends: `${toRoot}/tsconfig.json`,
    compilerOptions: {
      noEmit: true,
      allowJs: true,
      checkJs: true,
      paths: {
        [PACKAGE]: [`${toRoot}/src/index.ts`],
        [`${PACKAGE}/types`]: [`${toRoot}/src/types.ts`],
        [`${PACKAGE}/testing`]: [`${toRoot}/src/testing/index.ts`],
      },
    },
    include: ["*.ts", "*.mjs", "*.cjs"],
  };
  writeFileSync(path.join(outDir, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
  return modules;
}

/** Runs tsc on `outDir` and places each error in the Markdown block it came from. */
export function typeCheck(
  outDir: string,
  modules: ReadonlyMap<string, DocBlock>,
): { problems: DocProblem[]; otherErrors: string[] } {
  const require = createRequire(import.meta.url);
  const tsc = require.resolve("typescript/bin/tsc");
  const run = spawnSync(
    process.execPath,
    [tsc, "--noEmit", "--pretty", "false", "-p", path.join(outDir, "tsconfig.json")],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  if (run.error) throw run.error;
  const problems: DocProblem[] = [];
  const otherErrors: string[] = [];
  const output = `${run.stdout}${run.stderr}`;
  for (const line of output.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    // tsc --pretty false: `path(line,col): error TSxxxx: message`; continuation lines are indented.
    const match = /^(.*)\((\d+),(\d+)\): (error .*)$/.exec(line);
    const block = match ? modules.get(path.basename(match[1]!)) : undefined;
    if (match === null || block === undefined) {
      const last = problems.at(-1);
      if (/^\s/.test(line) && last !== undefined && match === null) {
        problems[problems.length - 1] = { ...last, message: `${last.message}\n${line}` };
      } else {
        otherErrors.push(line);
      }
      continue;
    }
    const snippetLine = Number(match[2]);
    problems.push({
      block,
      line: block.fenceLine + snippetLine - HEADER_LINES,
      column: Number(match[3]),
      message: match[4]!,
    });
  }
  if (run.status !== 0 && problems.length === 0 && otherErrors.length === 0) {
    otherErrors.push(`tsc exited with status ${String(run.status)} and no diagnostics`);
  }
  return { problems, otherErrors };
}

/**
 * Has Node parse each JavaScript module in `outDir`: type-checking alone accepts syntax that the
 * running Node does not have yet.
 */
export function syntaxCheck(outDir: string, modules: ReadonlyMap<string, DocBlock>): DocProblem[] {
  const problems: DocProblem[] = [];
  for (const [name, block] of modules) {
    if (block.language !== "JavaScript") continue;
    const run = spawnSync(process.execPath, ["--check", path.join(outDir, name)], {
      encoding: "utf8",
    });
    if (run.error) throw run.error;
    if (run.status === 0) continue;
    // Node prints `file:line`, the source line, a caret line, then `SyntaxError: message`.
    const lineNo = /:(\d+)\s*$/m.exec(run.stderr)?.[1];
    const message = /^\w*Error: .*$/m.exec(run.stderr)?.[0] ?? run.stderr.trim();
    problems.push({
      block,
      line: block.fenceLine + Number(lineNo ?? HEADER_LINES + 1) - HEADER_LINES,
      column: 1,
      message: `node ${process.version} --check: ${message}`,
    });
  }
  return problems;
}

/** Extracts, writes and checks every TypeScript and JavaScript block under `root`. */
export function checkDocs(
  root: string,
  outDir = path.join(root, ".tmp", "doc-snippets"),
): CheckResult {
  const blocks = docFiles(root).flatMap((file) =>
    extractBlocks(readFileSync(path.join(root, file), "utf8"), file),
  );
  const modules = writeSnippets(root, outDir, blocks);
  if (modules.size === 0) return { blocks, problems: [], otherErrors: [] };
  const { problems, otherErrors } = typeCheck(outDir, modules);
  return { blocks, problems: [...problems, ...syntaxCheck(outDir, modules)], otherErrors };
}

/** The report printed for a failed check. */
export function formatProblems(result: CheckResult): string {
  const lines = result.problems.map(
    ({ block, line, column, message }) =>
      `${block.file}:${line}:${column} (${block.language} block ${block.index}, fence at line ${block.fenceLine}): ${message}`,
  );
  return [...lines, ...result.otherErrors].join("\n");
}

function main(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const result = checkDocs(root);
  const checked = result.blocks.filter((block) => !block.skip).length;
  const skipped = result.blocks.length - checked;
  if (result.problems.length > 0 || result.otherErrors.length > 0) {
    console.error(formatProblems(result));
    console.error(`\ndocs:check failed: ${result.problems.length} error(s) in ${checked} block(s)`);
    process.exitCode = 1;
    return;
  }
  console.log(
    `docs:check: ${checked} TypeScript and JavaScript block(s) check` +
      (skipped > 0 ? ` (${skipped} marked skip-check)` : ""),
  );
}

if (isMain(import.meta.url)) {
  main();
}
