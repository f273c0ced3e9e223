/**
 * Installs the packed package the way users do and uses it from each kind of project they have.
 *
 *   npm run package:consumers
 *
 * Packs the tarball (the `prepack` script builds it), checks what it holds, lints it with
 * publint and Are the Types Wrong, then installs it once into a temporary folder whose
 * subfolders are the consumer projects. Each one runs one offline turn with `createTestCodex`:
 *
 * - `esm-nodenext`: TypeScript, `module: nodenext`, compiled by tsc and run by Node, with
 *   `exactOptionalPropertyTypes`, under which it checks that every option takes `undefined`, and
 *   that the classes only the SDK makes cannot be constructed;
 * - `library`: TypeScript emitting declarations, as a library wrapping the SDK does: they must
 *   name the wire types its functions return (no file of it imports `/types`, which would hide
 *   a wire type no `exports` entry reaches), under `nodenext` and the classic CommonJS way
 *   (`module: commonjs`, node10 resolution);
 * - `wrapped-nodenext`: the node10 declarations of that library, type-checked under `nodenext`;
 * - `cjs-require`: plain JavaScript `require()`, run with require(esm) (Node 20.19+ loads the ES
 *   build) and without it (the CommonJS build, as Jest and older Node load it), the CommonJS
 *   build run as Jest runs it, where `import()` fails: the optional `ws` must load there too,
 *   and both builds in one process, whose error classes must recognize each other's errors;
 * - `bundler`: TypeScript with `moduleResolution: bundler`, bundled by esbuild as ESM;
 * - `esbuild-cjs`: TypeScript bundled by esbuild with `--format=cjs`, as VS Code extensions,
 *   Electron and Lambda do;
 * - `node10` and `cjs-node16`: type-checked only, on TypeScript 5.2 (the oldest we support), with
 *   `moduleResolution: "node"`, and from a CommonJS module under `node16`.
 *
 * The programs they built then run again on Node 22 and 24 (the registry's `node` package, pinned),
 * where `require()` takes an ES module without a flag and the `module-sync` condition applies.
 *
 * Every type check runs with `skipLibCheck: false` and without @types/node. Dependencies come
 * from this repository's node_modules, or from npm's cache (`--prefer-offline`).
 * KEEP_CONSUMERS=1 keeps the temporary folder for a look.
 */
import { execFileSync, type ExecFileSyncOptions } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const TSC = require.resolve("typescript/bin/tsc");
/** The oldest TypeScript whose users the declarations serve (`esnext.disposable` came in 5.2). */
const OLDEST_TYPESCRIPT = "5.2.2";
/** The `ws` the in-vm consumer connects with: the repository's own. */
const WS_VERSION = (
  JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  }
).devDependencies.ws;
const STEP_TIMEOUT = 180_000;

/** One offline turn through all three entry points; plain ES syntax, valid as TS and JS. */
const TURN = `
  const t = await createTestCodex();
  try {
    if (!(t.codex instanceof Codex)) throw new Error("/testing and the main entry differ in Codex");
    if (NOTIFICATION_ROUTES["turn/completed"].turnId !== "turn.id") throw new Error("bad /types");
    t.mock.enqueueAssistantMessage("hello from the consumer");
    const thread = await t.codex.threadStart();
    const result = await thread.run("hello");
    if (result.finalResponse !== "hello from the consumer") throw new Error("unexpected answer");
    t.mock.enqueueFailure("expected failure");
    const failed = await thread.run("fail").then(() => undefined, (err) => err);
    if (!(failed instanceof TurnFailedError)) throw new Error("errors lost their class");
  } finally {
    await t.close();
  }
`;

const TS_MAIN = `import { Codex, TurnFailedError, type TurnResult } from "codex-app-server-sdk";
import { createTestCodex, type TestCodex } from "codex-app-server-sdk/testing";
import { NOTIFICATION_ROUTES, type ThreadItem } from "codex-app-server-sdk/types";

export type Used = [TurnResult, TestCodex, ThreadItem];

async function main(): Promise<void> {${TURN}}

main().then(() => console.log("ok"));
`;

const CJS_MAIN = `"use strict";
const { Codex, TurnFailedError } = require("codex-app-server-sdk");
const { createTestCodex } = require("codex-app-server-sdk/testing");
const { NOTIFICATION_ROUTES } = require("codex-app-server-sdk/types");

async function main() {${TURN}}

main().then(() => console.log("ok " + require.resolve("codex-app-server-sdk")));
`;

/**
 * Both builds in one process, as a program whose ES test hands a client to CommonJS code loads
 * them on a Node without require(esm): an error one build makes is an instance of the other's
 * classes, so a `retryOnOverload` of either retries it.
 */
const BOTH_BUILDS = `"use strict";
const cjs = require("codex-app-server-sdk");

import("codex-app-server-sdk").then((esm) => {
  if (esm.CodexError === cjs.CodexError) throw new Error("one build was loaded, not two");
  const busy = new esm.RetryLimitExceededError(-32000, "retry limit reached");
  const checks = [
    busy instanceof cjs.ServerBusyError,
    busy instanceof cjs.CodexError,
    !(busy instanceof cjs.TurnFailedError),
    cjs.isRetryableError(busy),
    new cjs.TransportClosedError("gone") instanceof esm.TransportClosedError,
  ];
  if (checks.includes(false)) throw new Error("checks failed: " + JSON.stringify(checks));
  console.log("ok");
});
`;

/**
 * The CommonJS build run as Jest's default mode runs a module: compiled by `vm` with no
 * `import()` callback, so an `import()` in it fails. Its optional peer `ws` must load all the
 * same: the connection then fails on the closed port, not for want of `ws`.
 */
const CJS_IN_VM = `"use strict";
const { createRequire } = require("node:module");
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

const root = path.dirname(require.resolve("codex-app-server-sdk/package.json"));
const file = path.join(root, "dist", "cjs", "sdk.cjs");
const params = ["exports", "require", "module", "__filename", "__dirname"];
const run = vm.compileFunction(fs.readFileSync(file, "utf8"), params, { filename: file });
const loaded = { exports: {} };
run(loaded.exports, createRequire(file), loaded, file, path.dirname(file));
loaded.exports.index.Codex.connect("ws://127.0.0.1:9").then(
  () => console.log("connected to a closed port"),
  (err) => console.log(/ECONNREFUSED/.test(err.message) ? "ok" : "failed: " + err.message),
);
`;

/**
 * \`Codex.connect\` from a bundle, which takes \`ws\` in: in an ES module esbuild's copy of it cannot
 * require Node's own modules. The connection must fail on the closed port, not for want of \`ws\`.
 */
const CONNECT = `import { Codex } from "codex-app-server-sdk";

Codex.connect("ws://127.0.0.1:9").then(
  () => console.log("connected to a closed port"),
  (err: Error) => console.log(/ECONNREFUSED/.test(err.message) ? "ok" : "failed: " + err.message),
);
`;

const TYPES_ONLY = `import { Codex, retryOnOverload } from "codex-app-server-sdk";
import { createTestCodex } from "codex-app-server-sdk/testing";
import type { ThreadStartParams } from "codex-app-server-sdk/types";

export async function start(params: ThreadStartParams): Promise<string> {
  const t = await createTestCodex();
  const codex: Codex = t.codex;
  const thread = await codex.threadStart({ model: params.model ?? undefined });
  const result = await retryOnOverload(() => thread.run("hello"));
  await t.close();
  return result.finalResponse ?? "";
}
`;

/**
 * Every option the SDK takes can be given as `undefined` (`{ token: process.env.TOKEN }`), as a
 * program compiled with `exactOptionalPropertyTypes` writes it: a key that refuses it fails the
 * compile, named.
 */
const OPTIONS_TAKE_UNDEFINED = `import type * as Sdk from "codex-app-server-sdk";
import type * as Testing from "codex-app-server-sdk/testing";

type RefusesUndefined<T> = {
  [K in keyof T]-?: {} extends Pick<T, K>
    ? { [P in K]: undefined } extends Pick<T, K>
      ? never
      : K
    : never;
}[keyof T];

interface Inputs {
${[
  "AccountReadOptions",
  "ApprovalHandlers",
  "ClientInfoOptions",
  "CodexOptions",
  "ConfigReadOptions",
  "ConfigWriteOptions",
  "ConnectOptions",
  "DynamicTool",
  "ExecOptions",
  "ExternalMessageInput",
  "ImageInput",
  "ItemListOptions",
  "LocalImageInput",
  "LoginApiKeyOptions",
  "LoginChatgptOptions",
  "LoginWaitOptions",
  "McpLoginOptions",
  "McpServersOptions",
  "MentionInput",
  "RateLimitsOptions",
  "RequestOptions",
  "RetryOnOverloadOptions",
  "ReviewOptions",
  "RunGoalOptions",
  "ServerRequestHandlers",
  "SkillInput",
  "SkillsOptions",
  "TextInput",
  "ThreadForkOptions",
  "ThreadHandlers",
  "ThreadListOptions",
  "ThreadResumeOptions",
  "ThreadSettings",
  "ThreadStartOptions",
  "TurnListOptions",
  "TurnOptions",
  "TurnRunOptions",
  "TurnStreamOptions",
  "UsageOptions",
]
  .map((name) => `  ${name}: Sdk.${name};\n`)
  .join("")}${[
  "AssistantMessageOptions",
  "CodexHomeOptions",
  "ConfigTomlOptions",
  "EnqueueOptions",
  "ExecCommandOptions",
  "MockModelInfo",
  "MockResponse",
  "MockResponseOptions",
  "MockResponsesServerOptions",
  "MockUsage",
  "ReasoningOptions",
  "ResponseOptions",
  "TestCodexOptions",
  "ToolCallOptions",
]
  .map((name) => `  ${name}: Testing.${name};\n`)
  .join("")}  "sse.completed options": NonNullable<Parameters<typeof Testing.sse.completed>[0]>;
  "sse.failed options": NonNullable<Parameters<typeof Testing.sse.failed>[2]>;
  "sse.incomplete options": NonNullable<Parameters<typeof Testing.sse.incomplete>[1]>;
  "waitForRequests options": NonNullable<
    Parameters<Testing.MockResponsesServer["waitForRequests"]>[1]
  >;
  "review target (baseBranch)": Extract<Sdk.ReviewTarget, { baseBranch: string }>;
  "review target (commit)": Extract<Sdk.ReviewTarget, { commit: string }>;
  "review target (instructions)": Extract<Sdk.ReviewTarget, { instructions: string }>;
  "elicitation answer": Sdk.ServerRequestAnswer<"mcpServer/elicitation/request">;
  "token refresh answer": Sdk.ServerRequestAnswer<"account/chatgptAuthTokens/refresh">;
  "permissions answer": Sdk.ServerRequestAnswer<"item/permissions/requestApproval">;
}

type Refused = { [N in keyof Inputs]: \`\${N}.\${RefusesUndefined<Inputs[N]> & string}\` }[keyof Inputs];
export const everyOptionTakesUndefined: [Refused] extends [never] ? true : Refused = true;

// A handler grants what was asked as it was asked, and calls a ready-made policy's handler.
export function grantAsked(
  allow: ReturnType<typeof Sdk.approvalPolicies.allowCommands>,
): Sdk.ApprovalHandlers {
  return {
    permissions: (params) => ({ permissions: params.permissions, scope: "turn" }),
    commandExecution: (params, context) =>
      params.cwd?.startsWith("/safe") ? allow.commandExecution(params, context) : { decision: "decline" },
  };
}
`;

/**
 * The classes whose objects only the SDK makes: no program can call their constructors (the
 * login handles' own, inherited, is protected in the source).
 */
const MADE_BY_THE_SDK = `import {
  CodexConfig,
  CommandHandle,
  McpLoginHandle,
  Paginated,
  Thread,
  TurnHandle,
} from "codex-app-server-sdk";

export function construct(): unknown[] {
  return [
${["CodexConfig", "CommandHandle", "McpLoginHandle", "Paginated", "Thread", "TurnHandle"]
  .map((name) => `    // @ts-expect-error -- its constructor is private\n    new ${name}(),\n`)
  .join("")}  ];
}
`;

/**
 * A library wrapping the SDK, compiled with `declaration: true`: its declarations must name the
 * wire types its functions return, which only a subpath of the package's `exports` can reach.
 */
const LIBRARY = `import { defineTool, type Thread } from "codex-app-server-sdk";

export const history = (thread: Thread) => thread.turns();
export const goal = (thread: Thread) => thread.goal();
export const firstItem = async (thread: Thread) => (await thread.run("hi")).items[0];

// A tool of the library's, typed by a schema written by hand, and a variant of it: the
// declarations must name its type, mark included.
const cities = {
  "~standard": {
    version: 1 as const,
    vendor: "library",
    validate: (value: unknown) => ({ value: value as { city: string } }),
    jsonSchema: { input: () => ({ type: "object", properties: { city: { type: "string" } } }) },
  },
};
export const weather = defineTool({ name: "weather", input: cities, handler: ({ city }) => city });
export const weatherForKids = { ...weather, description: "The weather, in simple words" };
`;

/** Uses the library consumer's declarations, which must resolve (not become `any`) here too. */
const WRAPPED = `import type { Thread } from "codex-app-server-sdk";
import { firstItem } from "./wrapper";

export async function check(thread: Thread): Promise<void> {
  const item = await firstItem(thread);
  // @ts-expect-error the id of an item is a string: the types of the wrapper resolve
  const id: number | undefined = item?.id;
  void id;
}
`;

const STRICT = { strict: true, skipLibCheck: false, types: [], target: "ES2022" };

interface Consumer {
  readonly name: string;
  readonly files: Readonly<Record<string, string>>;
  readonly run: (dir: string) => Promise<void>;
}

const CONSUMERS: readonly Consumer[] = [
  {
    name: "esm-nodenext",
    files: {
      "package.json": json({ private: true, type: "module" }),
      "tsconfig.json": json({
        compilerOptions: {
          ...STRICT,
          exactOptionalPropertyTypes: true,
          module: "nodenext",
          outDir: "out",
        },
        include: ["main.ts", "options.ts", "made-by-the-sdk.ts"],
      }),
      "main.ts": TS_MAIN,
      "options.ts": OPTIONS_TAKE_UNDEFINED,
      "made-by-the-sdk.ts": MADE_BY_THE_SDK,
    },
    run: async (dir) => {
      node(dir, [TSC, "-p", "."]);
      expectOk(node(dir, ["out/main.js"]));
    },
  },
  {
    name: "library",
    files: {
      "package.json": json({ private: true, type: "module" }),
      "tsconfig.json": json({
        compilerOptions: {
          ...STRICT,
          module: "nodenext",
          declaration: true,
          emitDeclarationOnly: true,
          outDir: "out",
        },
        include: ["library.ts"],
      }),
      "tsconfig.node10.json": json({
        compilerOptions: {
          ...STRICT,
          module: "commonjs",
          declaration: true,
          emitDeclarationOnly: true,
          outDir: "out-node10",
        },
        include: ["library.ts"],
      }),
      "library.ts": LIBRARY,
    },
    run: async (dir) => {
      node(dir, [TSC, "-p", "."]);
      // And the classic CommonJS way, module commonjs with no moduleResolution (node10), on the
      // oldest TypeScript, which names folders of declarations by their index.
      node(dir, [oldestTsc(dir), "-p", "tsconfig.node10.json"]);
    },
  },
  {
    name: "wrapped-nodenext",
    files: {
      "package.json": json({ private: true, type: "commonjs" }),
      "tsconfig.json": json({
        compilerOptions: { ...STRICT, module: "nodenext", noEmit: true },
        include: ["wrapped.ts"],
      }),
      "wrapped.ts": WRAPPED,
    },
    run: async (dir) => {
      // The library's declarations written under node10, read under nodenext.
      const emitted = path.join(dir, "../library/out-node10/library.d.ts");
      copyFileSync(emitted, path.join(dir, "wrapper.d.ts"));
      node(dir, [TSC, "-p", "."]);
    },
  },
  {
    name: "cjs-require",
    files: {
      "package.json": json({ private: true, type: "commonjs" }),
      "main.js": CJS_MAIN,
      "in-vm.js": CJS_IN_VM,
      "both-builds.js": BOTH_BUILDS,
    },
    run: async (dir) => {
      expectOk(node(dir, ["main.js"]), "dist/index.js");
      expectOk(node(dir, ["--no-experimental-require-module", "main.js"]), "dist/index.cjs");
      expectOk(node(dir, ["in-vm.js"]));
      expectOk(node(dir, ["--no-experimental-require-module", "both-builds.js"]));
    },
  },
  {
    name: "bundler",
    files: {
      "package.json": json({ private: true, type: "module" }),
      "tsconfig.json": json({
        compilerOptions: { ...STRICT, module: "esnext", moduleResolution: "bundler", noEmit: true },
        include: ["main.ts"],
      }),
      "main.ts": TS_MAIN,
      "connect.ts": CONNECT,
    },
    run: async (dir) => {
      node(dir, [TSC, "-p", "."]);
      await bundle(dir, "esm", "out/main.mjs");
      expectOk(node(dir, ["out/main.mjs"]));
      await bundle(dir, "esm", "out/connect.mjs", "connect.ts");
      expectOk(node(dir, ["out/connect.mjs"]));
    },
  },
  {
    name: "esbuild-cjs",
    files: {
      "package.json": json({ private: true }),
      "main.ts": TS_MAIN,
    },
    run: async (dir) => {
      await bundle(dir, "cjs", "out/main.cjs");
      expectOk(node(dir, ["out/main.cjs"]));
    },
  },
  {
    name: "node10",
    files: {
      "package.json": json({ private: true }),
      "tsconfig.json": json({
        compilerOptions: {
          ...STRICT,
          // An older target's lib, without ES2018's async iterables: the declarations ask for the
          // newer libs they use themselves.
          target: "ES2017",
          module: "commonjs",
          moduleResolution: "node",
          noEmit: true,
        },
        include: ["main.ts", "wrapped.ts"],
      }),
      "main.ts": TYPES_ONLY,
      "wrapped.ts": WRAPPED,
    },
    run: async (dir) => {
      // The declarations the library consumer emitted, which name the SDK's `dts/` files.
      copyFileSync(path.join(dir, "../library/out/library.d.ts"), path.join(dir, "wrapper.d.ts"));
      node(dir, [oldestTsc(dir), "-p", "."]);
    },
  },
  {
    name: "cjs-node16",
    files: {
      "package.json": json({ private: true, type: "commonjs" }),
      "tsconfig.json": json({
        compilerOptions: { ...STRICT, module: "node16", moduleResolution: "node16", noEmit: true },
        include: ["main.cts"],
      }),
      "main.cts": TYPES_ONLY,
    },
    run: async (dir) => {
      node(dir, [oldestTsc(dir), "-p", "."]);
    },
  },
];

/**
 * The Node lines users run beside CI's own: on each, the programs the consumers built run again,
 * as there `require()` takes an ES module without a flag and the `module-sync` condition applies.
 * Each is fetched from the npm registry (the `node` package), pinned.
 */
const OTHER_NODES = ["22.23.3", "24.21.0"] as const;

/** What runs on them: a consumer's folder, Node's arguments and, for `main.js`, the build loaded. */
const ON_OTHER_NODES: readonly { consumer: string; args: string[]; loaded?: string }[] = [
  { consumer: "esm-nodenext", args: ["out/main.js"] },
  { consumer: "cjs-require", args: ["main.js"], loaded: "dist/index.js" },
  {
    consumer: "cjs-require",
    args: ["--no-experimental-require-module", "main.js"],
    loaded: "dist/index.cjs",
  },
  { consumer: "cjs-require", args: ["in-vm.js"] },
  { consumer: "cjs-require", args: ["--no-experimental-require-module", "both-builds.js"] },
  { consumer: "bundler", args: ["out/main.mjs"] },
  { consumer: "bundler", args: ["out/connect.mjs"] },
  { consumer: "esbuild-cjs", args: ["out/main.cjs"] },
];

const work = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-consumers-"));
try {
  const tarball = pack(work);
  node(ROOT, [bin("publint"), "run", "--strict", tarball], true);
  // attw's own TypeScript checks node10, node16 (from CJS and ESM) and bundler resolution.
  node(ROOT, [bin("attw"), tarball], true);

  writeFileSync(path.join(work, "package.json"), json({ private: true }));
  execFileSync(
    npm(),
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--save-exact",
      tarball,
      `typescript@${OLDEST_TYPESCRIPT}`,
      `ws@${WS_VERSION}`,
    ],
    { cwd: work, stdio: "inherit", timeout: STEP_TIMEOUT },
  );
  for (const consumer of CONSUMERS) {
    const dir = path.join(work, consumer.name);
    mkdirSync(dir);
    for (const [file, text] of Object.entries(consumer.files)) {
      writeFileSync(path.join(dir, file), text);
    }
    await consumer.run(dir);
    console.log(`consumer ${consumer.name}: ok`);
  }
  console.log(`consumers: all ${CONSUMERS.length} work from the packed tarball`);
  for (const version of OTHER_NODES) {
    const other = nodeOf(version, work);
    for (const { consumer, args, loaded } of ON_OTHER_NODES) {
      expectOk(node(path.join(work, consumer), args, false, other), loaded);
    }
    console.log(`consumers on Node ${version}: ok`);
  }
} finally {
  if (process.env.KEEP_CONSUMERS === "1") console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

/** Packs the repository into `dir` and checks the tarball's file list. */
function pack(dir: string): string {
  const out = execFileSync(npm(), ["pack", "--json", "--pack-destination", dir], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: STEP_TIMEOUT,
  });
  const [info] = JSON.parse(out.slice(out.indexOf("["))) as {
    filename: string;
    files: { path: string }[];
  }[];
  if (info === undefined) throw new Error("npm pack printed no package");
  const files = new Set(info.files.map((f) => f.path));
  for (const required of [
    "LICENSE",
    "CHANGELOG.md",
    "README.md",
    "dist/index.js",
    "dist/index.cjs",
    "dist/index.d.ts",
    "dist/dts/index.d.ts",
    "dist/testing/index.cjs",
    "dist/types.cjs",
  ]) {
    if (!files.has(required)) throw new Error(`the tarball lacks ${required}`);
  }
  // Declarations written under node10 name a folder of declarations by its index
  // (`codex-app-server-sdk/dts/generated`), which the `./dts/*` pattern cannot resolve.
  const exportsMap = (
    JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      exports: Record<string, unknown>;
    }
  ).exports;
  for (const file of files) {
    const folder = /^dist\/(dts\/.+)\/index\.d\.ts$/.exec(file)?.[1];
    if (folder !== undefined && !(`./${folder}` in exportsMap)) {
      throw new Error(`package.json exports no "./${folder}" for ${file}`);
    }
  }
  const maps = [...files].filter((f) => f.endsWith(".d.ts.map"));
  if (maps.length > 0) throw new Error(`the tarball ships declaration maps: ${maps[0]} ...`);
  const stray = [...files].filter(
    (f) => !/^(dist\/|LICENSE$|README\.md$|CHANGELOG\.md$|package\.json$)/.test(f),
  );
  if (stray.length > 0) throw new Error(`the tarball ships unexpected files: ${stray.join(", ")}`);
  console.log(`packed ${info.filename}: ${files.size} files`);
  return path.join(dir, info.filename);
}

/** Runs Node (this one, or `binary`) with `args` in `cwd`, failing loudly; returns its output. */
function node(cwd: string, args: string[], inherit = false, binary = process.execPath): string {
  const options: ExecFileSyncOptions = {
    cwd,
    encoding: "utf8",
    stdio: inherit ? "inherit" : ["ignore", "pipe", "inherit"],
    timeout: STEP_TIMEOUT,
  };
  return (execFileSync(binary, args, options) ?? "").toString();
}

/**
 * The path of Node `version`'s binary, fetched by npm from the registry's `node` package, whose
 * install script fetches the binary: run whatever `ignore-scripts` says elsewhere.
 */
function nodeOf(version: string, cwd: string): string {
  const args = [
    "exec",
    "--yes",
    "--ignore-scripts=false",
    `--package=node@${version}`,
    "--",
    "node",
    "-p",
    "process.execPath",
  ];
  const binary = execFileSync(npm(), args, { cwd, encoding: "utf8", timeout: STEP_TIMEOUT }).trim();
  const said = execFileSync(binary, ["--version"], { encoding: "utf8" }).trim();
  if (said !== `v${version}`) {
    throw new Error(
      `npm gave Node ${said} for ${version} (${binary}): an install of the node package whose ` +
        "script did not run stays in npm's npx cache (~/.npm/_npx); remove its folder there",
    );
  }
  return binary;
}

function expectOk(stdout: string, loaded?: string): void {
  const line = stdout.trim().split("\n").at(-1) ?? "";
  if (!line.startsWith("ok")) throw new Error(`the consumer did not finish: ${stdout}`);
  if (loaded !== undefined && !line.endsWith(loaded)) {
    throw new Error(`expected ${loaded} to be loaded, got: ${line}`);
  }
}

async function bundle(
  dir: string,
  format: "esm" | "cjs",
  outfile: string,
  entry = "main.ts",
): Promise<void> {
  await build({
    entryPoints: [path.join(dir, entry)],
    outfile: path.join(dir, outfile),
    bundle: true,
    platform: "node",
    format,
    target: "node20",
    logLevel: "warning",
  });
}

/** A command-line tool of this repository's dev dependencies (the link npm made to its script). */
function bin(name: string): string {
  return path.join(ROOT, "node_modules", ".bin", name);
}

function oldestTsc(dir: string): string {
  return createRequire(path.join(dir, "package.json")).resolve("typescript/bin/tsc");
}

function npm(): string {
  return process.platform === "win32" ? "npm.cmd" : "npm";
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
