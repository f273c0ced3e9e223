/**
 * Writes `docs/protocol-coverage.md`: every client request of the pinned runtime, stable and
 * experimental apart, with the high-level API that covers it or "`codex.request` only".
 *
 *   npm run protocol:coverage              rewrites the page
 *   npm run protocol:coverage -- --check   exits 1 when the page is stale
 *
 * The methods come from the runtime: `generate-json-schema` without and with `--experimental`
 * tells stable from experimental, and `src/generated/maps.ts` (from `generate-ts`) adds the
 * legacy methods neither schema lists. Which API covers a method is the table below, and the
 * table is checked against the SDK's sources: every method the SDK sends (a `.request("...")`
 * call in `src/`, or one of the helpers that send and follow a request) must have an entry, and every entry must be sent somewhere. A new runtime's
 * methods therefore show up as "`codex.request` only" until someone wraps them, and a method the
 * SDK starts or stops sending fails the generation until the table says so.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import * as prettier from "prettier";
import ts from "typescript";

import { locateRuntime } from "../src/runtime.js";
import { installedCodexVersion } from "./generate-protocol.js";
import { isMain } from "./is-main.js";
import { readSurface } from "./runtime-changes.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const COVERAGE_FILE = path.join(ROOT, "docs", "protocol-coverage.md");
const MAPS_FILE = path.join(ROOT, "src", "generated", "maps.ts");
const SOURCES = path.join(ROOT, "src");

/** The high-level API that sends each method, as it reads in the API reference. */
const COVERED_BY: Readonly<Record<string, readonly string[]>> = {
  "account/login/cancel": ["ChatgptLoginHandle.cancel", "DeviceCodeLoginHandle.cancel"],
  "account/login/start": [
    "codex.loginApiKey",
    "codex.loginChatgpt",
    "codex.loginChatgptDeviceCode",
    "codex.loginChatgptAuthTokens",
  ],
  "account/logout": ["codex.logout"],
  "account/rateLimits/read": ["codex.rateLimits"],
  "account/read": ["codex.account"],
  "account/usage/read": ["codex.usage"],
  "command/exec": ["codex.exec"],
  "command/exec/resize": ["CommandHandle.resize"],
  "command/exec/terminate": ["CommandHandle.terminate", "codex.exec (signal, timeout)"],
  "command/exec/write": ["CommandHandle.write", "CommandHandle.closeStdin"],
  "config/batchWrite": ["codex.config.batchWrite"],
  "config/read": ["codex.config.read"],
  "config/value/write": ["codex.config.write"],
  initialize: ["Codex.start", "Codex.connect"],
  "mcpServer/oauth/login": ["codex.mcpLogin"],
  "mcpServerStatus/list": ["codex.mcpServers"],
  "model/list": ["codex.models"],
  "review/start": ["thread.review"],
  "skills/list": ["codex.skills"],
  "thread/archive": ["codex.threadArchive"],
  "thread/compact/start": ["thread.compact"],
  "thread/delete": [
    "codex.threadDelete",
    'thread.review (delivery "detached", a fork whose review does not start)',
  ],
  "thread/fork": ["codex.threadFork", 'thread.review (delivery "detached")'],
  "thread/goal/clear": ["thread.clearGoal"],
  "thread/goal/get": ["thread.goal"],
  "thread/goal/set": ["thread.runGoal", "thread.setGoal", "thread.setGoalStatus"],
  "thread/items/list": ["thread.items", "thread.itemList"],
  "thread/list": ["codex.threads", "codex.threadList"],
  "thread/loaded/list": ["codex.loadedThreads"],
  "thread/name/set": ["thread.setName"],
  "thread/read": ["thread.read"],
  "thread/resume": ["codex.threadResume"],
  "thread/revert": ["thread.revert"],
  "thread/start": ["codex.threadStart"],
  "thread/turns/list": ["thread.turns", "thread.turnList"],
  "thread/unarchive": ["codex.threadUnarchive"],
  "thread/unsubscribe": ["thread.unsubscribe"],
  "turn/interrupt": ["turn.interrupt", "an abort of a turn or review"],
  "turn/start": ["thread.run", "thread.turn", "turn.steer (an external message)"],
  "turn/steer": ["turn.steer"],
};

/** One client request and how it is reached. */
export interface CoverageRow {
  readonly method: string;
  readonly kind: "stable" | "experimental" | "legacy";
  readonly coveredBy: readonly string[];
}

/** The client request methods `src/generated/maps.ts` lists, read as text (it may be fresher than an import). */
export function generatedMethods(mapsSource = readFileSync(MAPS_FILE, "utf8")): string[] {
  const list = /export const CLIENT_REQUEST_METHODS = \[([\s\S]*?)\] as const/.exec(mapsSource);
  if (list === null) throw new Error(`${MAPS_FILE} has no CLIENT_REQUEST_METHODS list`);
  return [...list[1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
}

/**
 * The calls that send a client request, and which of their arguments is its method: a request,
 * and the helpers that send one whose answer they follow.
 */
const SENDERS: ReadonlyMap<string, number> = new Map([
  ["request", 0],
  ["sendFollowed", 1],
  ["#newThread", 0],
]);

/** The literal methods `source` sends, read from its syntax tree. */
export function methodsSentBy(source: string, file = "source.ts"): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const name = ts.isPropertyAccessExpression(callee)
        ? callee.name.text
        : ts.isIdentifier(callee)
          ? callee.text
          : undefined;
      const at = name === undefined ? undefined : SENDERS.get(name);
      const method = at === undefined ? undefined : node.arguments[at];
      if (method !== undefined && ts.isStringLiteral(method)) found.push(method.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true));
  return found;
}

/** The client requests the SDK's sources send: the literal method of each sending call. */
export function sentMethods(dir = SOURCES): Set<string> {
  const sent = new Set<string>();
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "generated" && entry.name !== "testing") walk(full);
      } else if (entry.name.endsWith(".ts")) {
        for (const method of methodsSentBy(readFileSync(full, "utf8"), full)) sent.add(method);
      }
    }
  };
  walk(dir);
  return sent;
}

/**
 * Joins the runtime's methods with the coverage table; throws when the table and the sources
 * disagree, or names a method the runtime does not have.
 */
export function coverageRows(
  methods: readonly string[],
  experimental: ReadonlyMap<string, boolean>,
  sent: ReadonlySet<string>,
  coveredBy: Readonly<Record<string, readonly string[]>> = COVERED_BY,
): CoverageRow[] {
  const problems: string[] = [];
  const known = new Set(methods);
  for (const method of Object.keys(coveredBy)) {
    if (!known.has(method)) problems.push(`${method}: in the table, but not a client request`);
    else if (!sent.has(method)) problems.push(`${method}: in the table, but src/ never sends it`);
  }
  for (const method of sent) {
    if (!known.has(method)) problems.push(`${method}: sent by src/, but not a client request`);
    else if (coveredBy[method] === undefined) {
      problems.push(`${method}: sent by src/, but missing from the table`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`scripts/protocol-coverage.ts is out of date:\n- ${problems.join("\n- ")}`);
  }
  return [...methods]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((method) => {
      const flag = experimental.get(method);
      const kind = flag === undefined ? "legacy" : flag ? "experimental" : "stable";
      return { method, kind, coveredBy: coveredBy[method] ?? [] };
    });
}

/** The page, before Prettier. */
export function renderCoverage(rows: readonly CoverageRow[], version: string): string {
  const of = (kind: CoverageRow["kind"]) => rows.filter((row) => row.kind === kind);
  const covered = rows.filter((row) => row.coveredBy.length > 0).length;
  const table = (group: readonly CoverageRow[]) =>
    [
      "| Method | Covered by |",
      "| --- | --- |",
      ...group.map(
        (row) =>
          `| \`${row.method}\` | ${
            row.coveredBy.length === 0
              ? "`codex.request` only"
              : row.coveredBy.map((api) => `\`${api}\``).join(", ")
          } |`,
      ),
    ].join("\n");
  const section = (kind: CoverageRow["kind"], title: string, intro: string) => {
    const group = of(kind);
    if (group.length === 0) return "";
    const done = group.filter((row) => row.coveredBy.length > 0).length;
    return `## ${title} (${group.length}, ${done} covered)\n\n${intro}\n\n${table(group)}\n`;
  };
  return [
    "# Protocol coverage",
    "",
    `Every client request of the pinned runtime (\`@openai/codex\` ${version}) and the`,
    `high-level API that sends it: ${covered} of ${rows.length} are covered. Every one is reachable,`,
    "typed by method, through [`codex.request`](api-reference.md#codexrequest).",
    "",
    "Generated from the runtime's own schema by `npm run protocol:coverage`",
    "(`scripts/protocol-coverage.ts`), so a new runtime's methods show up here. Do not edit it by",
    "hand: a test fails when it is stale.",
    "",
    section("stable", "Stable", "In the runtime's schema without `--experimental`."),
    section(
      "experimental",
      "Experimental",
      "Only in the schema with `--experimental`: the server accepts them because the SDK sends\n" +
        "`experimentalApi: true` in `initialize` (the default). They may change in any release.",
    ),
    section(
      "legacy",
      "Legacy",
      "In the runtime's TypeScript protocol (`generate-ts`) but in neither JSON Schema.",
    ),
  ].join("\n");
}

/** The page for the installed runtime, formatted as the repository formats Markdown. */
export async function buildCoverage(binary = locateRuntime().binary): Promise<string> {
  const version = installedCodexVersion();
  const surface = readSurface(binary, version);
  const experimental = new Map(
    [...surface.methods.clientRequests].map(([method, { experimental }]) => [method, experimental]),
  );
  const methods = generatedMethods();
  for (const method of experimental.keys()) {
    if (!methods.includes(method)) {
      throw new Error(
        `${method} is in the runtime's schema but not in src/generated: npm run generate`,
      );
    }
  }
  const text = renderCoverage(coverageRows(methods, experimental, sentMethods()), version);
  const config = (await prettier.resolveConfig(COVERAGE_FILE)) ?? {};
  return prettier.format(text, { ...config, filepath: COVERAGE_FILE });
}

function readCurrent(): string | undefined {
  try {
    return readFileSync(COVERAGE_FILE, "utf8");
  } catch {
    return undefined;
  }
}

async function main(args: readonly string[]): Promise<number> {
  const check = args.includes("--check");
  const fresh = await buildCoverage();
  if (check) {
    if (readCurrent() === fresh) return 0;
    console.error("docs/protocol-coverage.md is stale: run npm run protocol:coverage");
    return 1;
  }
  if (readCurrent() !== fresh) writeFileSync(COVERAGE_FILE, fresh);
  console.log(`Wrote ${path.relative(ROOT, COVERAGE_FILE)}.`);
  return 0;
}

if (isMain(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
