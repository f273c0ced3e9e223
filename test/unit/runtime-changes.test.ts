import { describe, expect, it, vi } from "vitest";

import {
  SDK_CHANGES_PLACEHOLDER,
  diffShapes,
  diffSurfaces,
  hasEntryFor,
  renderEntry,
  shapeOf,
  surfaceFromBundles,
  type Schema,
} from "../../scripts/runtime-changes.js";
import { pendingFor, withEntry, withSdkVersion } from "../../scripts/runtime-upgrade.js";

/** A `{ method, params }` union member, as `generate-json-schema` writes them. */
const member = (method: string, params: string) => ({
  properties: {
    method: { enum: [method], type: "string" },
    params: { $ref: `#/definitions/${params}` },
  },
  required: ["method", "params"],
  type: "object",
});

/** A combined schema bundle: root definitions plus `v2`. */
function bundle(methods: {
  clientRequests?: string[];
  notifications?: string[];
  serverRequests?: string[];
  types?: Record<string, Schema>;
}): Schema {
  const union = (list: string[] = []) => ({ oneOf: list.map((m) => member(m, "Params")) });
  return {
    definitions: {
      ClientRequest: union(methods.clientRequests),
      ServerNotification: union(methods.notifications),
      ServerRequest: union(methods.serverRequests),
      v2: { Params: { type: "object", properties: {} }, ...methods.types },
    },
  };
}

const objectType = (props: Record<string, Schema>, required: string[] = []): Schema => ({
  type: "object",
  properties: props,
  required,
});

describe("diffSurfaces", () => {
  it("lists methods added and removed, stable and experimental apart", () => {
    const before = surfaceFromBundles(
      "1.0.0",
      bundle({ clientRequests: ["a/read"], serverRequests: ["time/read", "clock/read"] }),
      bundle({ clientRequests: ["a/read", "b/read"], serverRequests: ["time/read", "clock/read"] }),
    );
    const after = surfaceFromBundles(
      "1.1.0",
      bundle({ clientRequests: ["a/read", "b/read", "c/set"], notifications: ["x/partial"] }),
      bundle({
        clientRequests: ["a/read", "b/read", "c/set", "d/list"],
        notifications: ["x/partial"],
        serverRequests: ["clock/read"],
      }),
    );
    const changes = diffSurfaces(before, after);
    expect(changes.methods.clientRequests).toMatchObject({
      before: 2,
      after: 4,
      added: [
        { method: "c/set", experimental: false },
        { method: "d/list", experimental: true },
      ],
      removed: [],
      nowStable: ["b/read"],
    });
    expect(changes.methods.notifications.added).toEqual([
      { method: "x/partial", experimental: false },
    ]);
    expect(changes.methods.serverRequests).toMatchObject({
      added: [],
      removed: [{ method: "time/read", experimental: false }],
      nowExperimental: ["clock/read"],
    });

    const entry = renderEntry(changes);
    expect(entry).toContain("## 1.0.0 -> 1.1.0");
    expect(entry).toContain("### Client requests: 2 -> 4");
    expect(entry).toContain("- Added, stable: `c/set`");
    expect(entry).toContain("- Added, experimental: `d/list`");
    expect(entry).toContain("- Now stable: `b/read`");
    expect(entry).toContain("- Removed, stable: `time/read`");
    expect(entry.trimEnd().endsWith(SDK_CHANGES_PLACEHOLDER)).toBe(true);
  });

  it("names a changed type with the path a method reaches it by", () => {
    const display = (displaySchema: Schema) => ({
      Display: displaySchema,
      Moderation: objectType({
        display: { anyOf: [{ $ref: "#/definitions/Display" }, { type: "null" }] },
      }),
      Item: {
        oneOf: [
          objectType({ type: { enum: ["userMessage"] }, text: { type: "string" } }),
          objectType({
            type: { enum: ["agentMessage"] },
            moderation: { $ref: "#/definitions/Moderation" },
          }),
        ],
      },
      Params: objectType({ item: { $ref: "#/definitions/Item" } }),
    });
    const before = bundle({
      notifications: ["item/completed"],
      types: display(objectType({ action: { type: "string" } }, ["action"])),
    });
    const after = bundle({
      notifications: ["item/completed"],
      types: display({
        oneOf: [
          objectType({ mode: { enum: ["show"] } }, ["mode"]),
          objectType({ mode: { enum: ["block"] }, reason: { type: "string" } }, ["mode", "reason"]),
        ],
      }),
    });
    const changes = diffSurfaces(
      surfaceFromBundles("1", before, before),
      surfaceFromBundles("2", after, after),
    );
    expect(changes.changedTypes).toEqual([
      {
        name: "Display",
        where: "`item/completed` `params.item(agentMessage).moderation.display`",
        details: [
          'was an object with `action`; now a union on `mode`: `"show"` | `"block"`',
          '`"show"`: `{}`',
          '`"block"`: `{ reason: string }`',
        ],
      },
    ]);
  });
});

describe("diffShapes", () => {
  it("reports fields added, removed and retyped, ignoring descriptions", () => {
    const before = shapeOf(
      objectType({ a: { type: "string", description: "old words" }, b: { type: "integer" } }, [
        "a",
        "b",
      ]),
    );
    const after = shapeOf(
      objectType(
        { a: { type: "string", description: "new words" }, c: { type: ["string", "null"] } },
        ["a"],
      ),
    );
    expect(diffShapes(before, after)).toEqual([
      "`c` added (optional): `string | null`",
      "`b` removed",
    ]);
    expect(diffShapes(before, before)).toEqual([]);
  });

  it("reports union variants and enum values one by one", () => {
    const variant = (tag: string, extra: Record<string, Schema> = {}) =>
      objectType({ kind: { enum: [tag] }, ...extra }, ["kind"]);
    expect(
      diffShapes(
        shapeOf({ oneOf: [variant("a"), variant("b")] }),
        shapeOf({ oneOf: [variant("a", { n: { type: "number" } }), variant("c")] }),
      ),
    ).toEqual([
      '`"a"`: `n` added (optional): `number`',
      'variant `"c"` added',
      'variant `"b"` removed',
    ]);
    expect(diffShapes(shapeOf({ enum: ["x", "y"] }), shapeOf({ enum: ["x", "z"] }))).toEqual([
      'added `"z"`',
      'removed `"y"`',
    ]);
  });
});

describe("docs/runtime-changes.md", () => {
  it("puts a new entry above the older ones, under the introduction", () => {
    const doc = "# Runtime changes\n\nIntro.\n\n## 1.0.0 -> 1.1.0\n\nOld.\n";
    const next = withEntry(doc, "## 1.1.0 -> 1.2.0\n\nNew.\n");
    expect(next).toBe(
      "# Runtime changes\n\nIntro.\n\n## 1.1.0 -> 1.2.0\n\nNew.\n\n## 1.0.0 -> 1.1.0\n\nOld.\n",
    );
    expect(hasEntryFor(next, "1.2.0")).toBe(true);
    expect(hasEntryFor(next, "1.1.0")).toBe(true);
    expect(hasEntryFor(next, "1.0.0")).toBe(false);
    expect(hasEntryFor(next, "1.2")).toBe(false);
  });
});

describe("pendingFor", () => {
  it("resumes only the upgrade begun towards the version asked for", () => {
    const bundle = { definitions: {} };
    const pending = { from: "1.0.0", to: "1.1.0", stable: bundle, experimental: bundle };
    const text = JSON.stringify(pending);
    expect(pendingFor(text, "1.1.0")).toEqual(pending);
    expect(pendingFor(text, "1.2.0")).toBeUndefined();
    expect(pendingFor(undefined, "1.1.0")).toBeUndefined();
    expect(pendingFor(JSON.stringify({ ...pending, stable: [] }), "1.1.0")).toBeUndefined();
    expect(pendingFor(JSON.stringify({ ...pending, from: 1 }), "1.1.0")).toBeUndefined();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      expect(pendingFor("{", "1.1.0")).toBeUndefined();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/is not JSON/));
    } finally {
      warn.mockRestore();
    }
  });
});

describe("withSdkVersion", () => {
  it("replaces only the SDK_VERSION literal", () => {
    const source = '/** "0.1.0" */\nexport const SDK_VERSION = "0.1.0";\nconst other = "0.1.0";\n';
    expect(withSdkVersion(source, "0.2.0")).toBe(
      '/** "0.1.0" */\nexport const SDK_VERSION = "0.2.0";\nconst other = "0.1.0";\n',
    );
    expect(() => withSdkVersion("export const X = 1;\n", "0.2.0")).toThrow(/SDK_VERSION/);
  });
});
