import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";

import {
  buildGeneratedFiles,
  generateProtocol,
  installedCodexVersion,
  readTree,
  runGenerateTs,
  type FileTree,
} from "../../scripts/generate-protocol.js";
import * as Generated from "../../src/generated/index.js";
import {
  CLIENT_REQUEST_METHODS,
  NOTIFICATION_ROUTES,
  SERVER_NOTIFICATION_METHODS,
  type ClientRequestMap,
  type ServerNotificationMap,
  type ServerRequestMap,
} from "../../src/generated/index.js";

const CHECKED_IN = fileURLToPath(new URL("../../src/generated", import.meta.url));

describe("src/generated", () => {
  let tmp: string;
  let fresh: FileTree;

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-generated-"));
    generateProtocol(tmp);
    fresh = readTree(tmp);
  });

  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it("matches a fresh run of the generator byte for byte", () => {
    const checkedIn = readTree(CHECKED_IN);
    const missing = [...fresh.keys()].filter((f) => !checkedIn.has(f));
    const extra = [...checkedIn.keys()].filter((f) => !fresh.has(f));
    const differing = [...fresh.keys()].filter(
      (f) => checkedIn.has(f) && checkedIn.get(f) !== fresh.get(f),
    );
    const problems = [
      ...missing.map((f) => `missing: ${f}`),
      ...extra.map((f) => `extra: ${f}`),
      ...differing.map((f) => `differs: ${f}`),
    ];
    expect(
      problems,
      `src/generated is out of date with the pinned runtime; run npm run generate.\n` +
        problems.slice(0, 50).join("\n"),
    ).toEqual([]);
  });

  it("gives field kinds only of fields the params types have, in kinds the checks know", () => {
    const known = new Set(["boolean", "number", "string", "string[]", "array", "object"]);
    const tables = Object.entries(Generated).filter(([name]) => name.endsWith("_PARAMS_FIELDS"));
    expect(tables.length).toBeGreaterThan(100);
    for (const [name, json] of tables) {
      const keys = (Generated as Record<string, unknown>)[name.replace(/_FIELDS$/, "_KEYS")];
      expect(keys, name).toBeInstanceOf(Array);
      const fields = JSON.parse(json as string) as Record<string, unknown[]>;
      for (const [field, kinds] of Object.entries(fields)) {
        expect(keys as string[], `${name}.${field}`).toContain(field);
        for (const kind of kinds) {
          const ok =
            kind === null ||
            known.has(kind as string) ||
            (Array.isArray(kind) && kind.every((v) => typeof v === "string")) ||
            (typeof kind === "object" && Array.isArray((kind as { each?: unknown }).each));
          expect(ok, `${name}.${field}: ${JSON.stringify(kind)}`).toBe(true);
        }
      }
    }
  });

  it("maps JSON integers to number, never bigint", () => {
    const offenders = [...fresh].filter(([, text]) => /(?<![\w$])bigint(?![\w$])/.test(text));
    expect(offenders.map(([file]) => file)).toEqual([]);
  });
});

describe("maps", () => {
  it("routes notifications by turn, thread and login", () => {
    expect(NOTIFICATION_ROUTES["turn/completed"].turnId).toBe("turn.id");
    expect(NOTIFICATION_ROUTES["turn/completed"].threadId).toBe("threadId");
    expect(NOTIFICATION_ROUTES["thread/started"].threadId).toBe("thread.id");
    expect(NOTIFICATION_ROUTES["item/agentMessage/delta"].turnId).toBe("turnId");
    expect(NOTIFICATION_ROUTES["account/login/completed"].loginId).toBe("loginId");
    expect(Object.keys(NOTIFICATION_ROUTES).sort()).toEqual([...SERVER_NOTIFICATION_METHODS]);
  });

  it("types methods end to end", () => {
    const id: ClientRequestMap["thread/start"]["result"]["thread"]["id"] = "x";
    expect(id).toBe("x");
    expect(CLIENT_REQUEST_METHODS).toContain("thread/start");
    expectTypeOf<ClientRequestMap["account/logout"]["params"]>().toEqualTypeOf<undefined>();
    expectTypeOf<ServerNotificationMap["turn/completed"]["turn"]["id"]>().toEqualTypeOf<string>();
    expectTypeOf<ServerRequestMap["item/tool/call"]["result"]>().not.toEqualTypeOf<
      ServerRequestMap["item/tool/requestUserInput"]["result"]
    >();
  });

  it("exports the root's type of each name v2 also defines, with the prefix Root", () => {
    // Root wire shapes use the root's: a conversation summary's source, a ResponseItem's action.
    type Summary = ClientRequestMap["getConversationSummary"]["result"]["summary"];
    expectTypeOf<Summary["source"]>().toEqualTypeOf<Generated.RootSessionSource>();
    expectTypeOf<Generated.RootSessionSource>().not.toEqualTypeOf<Generated.SessionSource>();
    type WebSearch = Extract<Generated.ResponseItem, { type: "web_search_call" }>;
    expectTypeOf<NonNullable<WebSearch["action"]>>().toEqualTypeOf<Generated.RootWebSearchAction>();
    const action: Generated.RootWebSearchAction = { type: "open_page", url: "https://x" };
    expect(action.type).toBe("open_page");
  });

  it("fails loudly when a request's response type cannot be resolved", () => {
    const raw = new Map(runGenerateTs());
    const union = raw.get("ClientRequest.ts") ?? "";
    raw.set(
      "ClientRequest.ts",
      union.replace(
        "export type ClientRequest = ",
        'export type ClientRequest = { "method": "future/method", id: RequestId, params: undefined, } | ',
      ),
    );
    expect(() => buildGeneratedFiles(raw, installedCodexVersion())).toThrow(
      /future\/method: no response type \(tried FutureMethodResponse\)/,
    );
  });
});
