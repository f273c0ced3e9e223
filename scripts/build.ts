/**
 * Builds dist/ for every kind of consumer:
 *
 * - `dist/*.js`: the ES build, bundled by esbuild, because Node's ESM loader pays per file and an
 *   import of twenty small modules costs several times what one file does. `dist/index.js` holds
 *   the whole client in one file; what only some clients need (goal runs, logins, commands, the
 *   WebSocket transport, structured output's schema conversion, the checks of handlers' answers:
 *   the `LAZY` list) is a file of its own, loaded by `import()` on first use. Those files and `./testing`
 *   take the client's classes from `dist/index.js` (the `SHARED` list), so there is one copy of
 *   each class and `instanceof` works between the entries; `./types` holds plain data and is a
 *   file of its own. It has no top-level await, so Node 20.19+ loads it for `require()` too (the
 *   `module-sync` condition), and one process never holds two copies of the SDK.
 * - `dist/*.cjs` and `dist/cjs/`: the CommonJS build, for `require()` where ES modules cannot be
 *   required: Jest's default mode, older Node, bundlers asked for CommonJS.
 * - `dist/dts/`: the declarations from tsc, in CommonJS format (a package.json there says so), so
 *   that both builds can use them on every TypeScript from 5.2 on: an ES module may re-export
 *   CommonJS declarations, not the other way round. `dist/*.d.ts` re-export them for the ES build.
 *   A class whose constructor is `@internal` (the SDK makes its objects) is declared with a
 *   private one.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build, type BuildOptions, type Plugin } from "esbuild";
import ts from "typescript";

/** The package's entry points: export subpath name, source, and output path without extension. */
const ENTRIES = [
  { name: "index", source: "src/index.ts", out: "dist/index" },
  { name: "types", source: "src/types.ts", out: "dist/types" },
  { name: "testing", source: "src/testing/index.ts", out: "dist/testing/index" },
] as const;

/**
 * Modules loaded on first use: their importers load them with `await import(...)`, and the ES
 * build keeps each in a file of its own, at its place under dist/ (the CommonJS build inlines
 * them).
 */
const LAZY = [
  "src/answer-checks.ts",
  "src/command-run.ts",
  "src/goal.ts",
  "src/login-flows.ts",
  "src/review.ts",
  "src/skills.ts",
  "src/strict-schema.ts",
  "src/transport/websocket.ts",
];

/**
 * Modules whose values the other files of the ES build import from `dist/index.js` instead of
 * bundling a copy: the client, the error classes, the command and login handles and the turn
 * handle with its collector, which must each be one class everywhere, and the stdio transport
 * and the deadline helpers, whose tables (live app-servers, abort reasons) must each be one. A file that imports a public name of these modules imports it
 * from `dist/index.js`; one of `INTERNALS` it reads from the object `dist/index.js` keeps under
 * `INTERNALS_KEY` on the `Codex` class, so that the entry exports at run time exactly what its
 * declarations declare. A name missing there fails the check at the end, and a file holding a
 * copy of one of these modules fails the build.
 */
const SHARED = [
  "src/codex.ts",
  "src/command.ts",
  "src/errors.ts",
  "src/internal/deadline.ts",
  "src/login.ts",
  "src/turn.ts",
  "src/transport/stdio.ts",
];

/**
 * What the other files take from `dist/index.js` that the package does not export: for
 * ./testing, `clientStats` (which it exports) and `killLiveChildren`; for reviews, the turn's
 * collector and waits; for logins, `isCompletion`; for the tools' checks of their arguments,
 * `summarizeIssues`; for every file, the deadline helpers, whose
 * record of the abort reasons a caller gave must be one (a reason recorded by one file's copy
 * and looked for in another's was renamed as the call's timeout).
 */
const INTERNALS: Readonly<Record<string, readonly string[]>> = {
  "src/codex.ts": ["DEFAULT_START_TIMEOUT", "clientStats", "startStepFailed"],
  "src/errors.ts": ["summarizeIssues"],
  "src/internal/deadline.ts": [
    "ABORT_WAIT_MS",
    "abortError",
    "callLeft",
    "deadline",
    "isGivenReason",
    "now",
    "signalWithin",
    "sleep",
    "timeLeft",
    "watchAbort",
  ],
  "src/turn.ts": [
    "TurnCollector",
    "awaitTurnStart",
    "checkStillWanted",
    "interruptUnfollowed",
    "ownHandlers",
    "untilForeignTurnEnds",
  ],
  "src/login.ts": ["isCompletion"],
  "src/transport/stdio.ts": ["killLiveChildren"],
};

/** The `Symbol.for` key of the object of `INTERNALS` on the ES build's `Codex` class. */
const INTERNALS_KEY = "codex-app-server-sdk.internals";

const COMMON: BuildOptions = {
  bundle: true,
  platform: "node",
  target: "node20",
  packages: "external",
  // The maps carry the sources' text, so stack traces map back without shipping src/.
  sourcemap: true,
  sourcesContent: true,
  logLevel: "warning",
};

const require = createRequire(import.meta.url);
rmSync("dist", { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"],
  {
    stdio: "inherit",
  },
);
writeFileSync("dist/dts/package.json", `${JSON.stringify({ type: "commonjs" })}\n`);
referenceUsedLibs("dist/dts");
closeInternalConstructors("src", "dist/dts");
await buildEs();
await buildCommonJs();
for (const e of ENTRIES) {
  const dts = relative(e.out, `dist/dts/${e.source.slice("src/".length).replace(/\.ts$/, ".js")}`);
  writeFileSync(`${e.out}.d.ts`, `export * from ${JSON.stringify(dts)};\n`);
}

/** The ES build: see the top of this file. */
async function buildEs(): Promise<void> {
  const lazy = new Set(LAZY.map((source) => path.resolve(source)));
  const shared = new Set(SHARED.map((source) => path.resolve(source)));
  const outOf = (source: string) => `dist/${path.relative("src", source).replace(/\.ts$/, ".js")}`;
  // Leaves the lazy and shared modules out of the bundle written to `outfile`, as imports of
  // their files in dist/.
  // What dist/index.js exports, once it is built: the public names the other files import from it.
  let exported: readonly string[] = [];
  const linkFrom = (outfile: string, linkShared: boolean): Plugin => ({
    name: "link-dist-files",
    setup(b) {
      // What the stand-in for the shared modules (below) imports is dist/index.js itself.
      b.onResolve({ filter: /.*/, namespace: "sdk-index" }, (args) => ({
        path: args.path,
        external: true,
      }));
      b.onResolve({ filter: /^\./ }, (args) => {
        const resolved = path.resolve(args.resolveDir, args.path.replace(/\.js$/, ".ts"));
        if (lazy.has(resolved) && args.kind === "dynamic-import") {
          return { path: relative(outfile, outOf(path.relative(".", resolved))), external: true };
        }
        if (linkShared && shared.has(resolved) && args.kind === "import-statement") {
          return { path: "dist/index.js", namespace: "sdk-index" };
        }
        return undefined;
      });
      // The shared modules as this file sees them: the public names from dist/index.js, and the
      // internal ones from the object it keeps on `Codex`, each checked as the file loads.
      b.onLoad({ filter: /.*/, namespace: "sdk-index" }, () => {
        const index = JSON.stringify(relative(outfile, "dist/index.js"));
        const names = Object.values(INTERNALS).flat();
        return {
          contents:
            `import { Codex } from ${index};\n` +
            `export { ${exported.join(", ")} } from ${index};\n` +
            `const internals = Codex[Symbol.for(${JSON.stringify(INTERNALS_KEY)})];\n` +
            `for (const name of ${JSON.stringify(names)}) {\n` +
            `  if (internals?.[name] === undefined) throw new Error(\`dist/index.js keeps no \${name}\`);\n` +
            `}\n` +
            names.map((name) => `export const ${name} = internals.${name};\n`).join(""),
          resolveDir: process.cwd(),
          loader: "js",
        };
      });
    },
  });
  const es = { ...COMMON, format: "esm" } as const;
  await build({
    ...es,
    stdin: {
      contents:
        'export * from "./src/index.ts";\nimport { Codex } from "./src/codex.ts";\n' +
        Object.entries(INTERNALS)
          .map(([source, names]) => `import { ${names.join(", ")} } from "./${source}";\n`)
          .join("") +
        `Object.defineProperty(Codex, Symbol.for(${JSON.stringify(INTERNALS_KEY)}), {\n` +
        `  value: Object.freeze({ ${Object.values(INTERNALS).flat().join(", ")} }),\n` +
        "});\n",
      resolveDir: process.cwd(),
      sourcefile: "index-entry.ts",
      loader: "ts",
    },
    outfile: "dist/index.js",
    plugins: [linkFrom("dist/index.js", false)],
  });
  exported = Object.keys(
    (await import(pathToFileURL(path.resolve("dist/index.js")).href)) as object,
  );
  const linked = [...LAZY, "src/testing/index.ts"];
  for (const source of linked) {
    const outfile = outOf(source);
    const plugins = [linkFrom(outfile, true)];
    const { metafile } = await build({
      ...es,
      entryPoints: [source],
      outfile,
      plugins,
      metafile: true,
    });
    // A copy of a shared module would keep state of its own (a second table of live children).
    const copied = Object.keys(metafile.inputs).filter((input) => shared.has(path.resolve(input)));
    if (copied.length > 0) throw new Error(`${outfile} holds a copy of ${copied.join(", ")}`);
  }
  await build({ ...es, entryPoints: ["src/types.ts"], outfile: "dist/types.js" });
  // Each file that imports from dist/index.js must find there all it imports: load them.
  const urls = linked.map((source) => pathToFileURL(path.resolve(outOf(source))).href);
  execFileSync(
    process.execPath,
    ["--input-type=module", "-e", `for (const u of ${JSON.stringify(urls)}) await import(u);`],
    { stdio: "inherit" },
  );
}

/**
 * esbuild cannot split CommonJS into chunks, so the entry points are one file, each exposed as a
 * namespace of it by a small wrapper file; that keeps one copy of each class between them, as the
 * ES build's chunks do.
 */
async function buildCommonJs(): Promise<void> {
  const sdk = "dist/cjs/sdk.cjs";
  await build({
    ...COMMON,
    stdin: {
      contents: ENTRIES.map((e) => `export * as ${e.name} from "./${e.source}";`).join("\n"),
      resolveDir: process.cwd(),
      sourcefile: "commonjs-entries.ts",
      loader: "ts",
    },
    outfile: sdk,
    format: "cjs",
    // runtime.ts resolves the platform package from its own file.
    define: { "import.meta.url": "__filename" },
    // The optional peers (`ws`, zod's core) are required, not imported: a CommonJS host may
    // have no `import()` at all (Jest's default mode, which fails it as a missing module).
    supported: { "dynamic-import": false },
    // Unminified and readable as it is; a map would double the package for little gain.
    sourcemap: false,
  });
  for (const e of ENTRIES) {
    mkdirSync(path.dirname(e.out), { recursive: true });
    writeFileSync(
      `${e.out}.cjs`,
      `"use strict";\nmodule.exports = require(${JSON.stringify(relative(e.out, sdk))}).${e.name};\n`,
    );
  }
}

/** The specifier that reaches `target` from the module at `from` (both relative to the root). */
function relative(from: string, target: string): string {
  const rel = path.posix.relative(path.posix.dirname(from), target);
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/**
 * Each declaration file asks for the libs of TypeScript that declare the names it uses (below):
 * without @types/node, which declares some of them too, `skipLibCheck: false` would fail on a
 * consumer whose lib lacks one. tsc drops such directives from its output, hence this step.
 */
function referenceUsedLibs(dir: string): void {
  // The libs of TypeScript that declare the names the declarations use, which a consumer's own
  // lib may not include: `AsyncDisposable` and `Symbol.asyncDispose` come from
  // `esnext.disposable` (5.2+), in no target's default lib; the async iterables and generators
  // from ES2018's, in no lib of a target before it (ES2017, say).
  const used: ReadonlyArray<readonly [lib: string, uses: RegExp]> = [
    ["esnext.disposable", /\bAsyncDisposable\b|\bSymbol\.asyncDispose\b/],
    ["es2018.asynciterable", /\bAsyncIterable(?:Iterator)?\b|\bSymbol\.asyncIterator\b/],
    ["es2018.asyncgenerator", /\bAsyncGenerator\b/],
  ];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".d.ts")) continue;
    const file = path.join(entry.parentPath, entry.name);
    const text = readFileSync(file, "utf8");
    const refs = used
      .filter(([, uses]) => uses.test(text))
      .map(([lib]) => `/// <reference lib="${lib}" />\n`);
    if (refs.length > 0) writeFileSync(file, `${refs.join("")}${text}`);
  }
}

/**
 * `stripInternal` leaves an `@internal` constructor out of the declarations, and a class declared
 * without one has a public constructor without parameters: `new Thread()` would compile and fail
 * when used. Each such class (those of `srcDir` whose constructor is tagged `@internal`) is
 * declared in `dtsDir` with `private constructor();` instead, as `Codex`, which has a private
 * one, is.
 */
function closeInternalConstructors(srcDir: string, dtsDir: string): void {
  const internal = new Set<string>();
  for (const { sf } of typeScriptFiles(srcDir, ".ts")) {
    for (const statement of sf.statements) {
      if (!ts.isClassDeclaration(statement) || statement.name === undefined) continue;
      // A class the module keeps to itself is not declared at all.
      if (!(ts.getCombinedModifierFlags(statement) & ts.ModifierFlags.Export)) continue;
      const constructor = statement.members.find(ts.isConstructorDeclaration);
      if (constructor !== undefined && ts.getJSDocTags(constructor).some(isInternalTag)) {
        internal.add(statement.name.text);
      }
    }
  }
  const closed = new Set<string>();
  for (const { file, sf } of typeScriptFiles(dtsDir, ".d.ts")) {
    const insertions: number[] = [];
    for (const statement of sf.statements) {
      if (!ts.isClassDeclaration(statement) || statement.name === undefined) continue;
      if (!internal.has(statement.name.text)) continue;
      if (statement.members.some(ts.isConstructorDeclaration)) {
        throw new Error(`${file}: ${statement.name.text} still declares its internal constructor`);
      }
      // Right after the class body's opening brace.
      insertions.push(statement.members.pos);
      closed.add(statement.name.text);
    }
    if (insertions.length === 0) continue;
    let text = sf.text;
    for (const at of insertions.sort((a, b) => b - a)) {
      text = `${text.slice(0, at)}\n    private constructor();${text.slice(at)}`;
    }
    writeFileSync(file, text);
  }
  const missed = [...internal].filter((name) => !closed.has(name));
  if (missed.length > 0) throw new Error(`no declaration found for ${missed.join(", ")}`);
}

function isInternalTag(tag: ts.JSDocTag): boolean {
  return tag.tagName.text === "internal";
}

/** The files under `dir` whose names end with `suffix`, parsed (generated code left out). */
function typeScriptFiles(dir: string, suffix: string): { file: string; sf: ts.SourceFile }[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !file.split(path.sep).includes("generated"))
    .map((file) => ({
      file,
      sf: ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true),
    }));
}
