import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import { audio, image, localAudio, localImage, mention, skill, text } from "../../src/inputs.js";
import { toUserInputs } from "../../src/inputs.js";
import {
  ApprovalMode,
  Sandbox,
  approvalFields,
  checkEventMode,
  sandboxMode,
  sandboxPolicy,
  settingsConfig,
} from "../../src/options.js";
import { turnParams } from "../../src/thread.js";
import {
  THREAD_FORK_NAMES,
  THREAD_RESUME_NAMES,
  THREAD_START_NAMES,
  canonicalThreadId,
  checkForkPoint,
  threadRequest,
} from "../../src/thread-options.js";
import type { ThreadResumeOptions, ThreadStartOptions, TurnOptions } from "../../src/index.js";
import { SDK_VERSION } from "../../src/version.js";
import pkg from "../../package.json" with { type: "json" };

describe("ApprovalMode", () => {
  it("maps each preset to its wire fields", () => {
    expect(approvalFields(ApprovalMode.denyAll)).toEqual({ approvalPolicy: "never" });
    expect(approvalFields(ApprovalMode.autoReview)).toEqual({
      approvalPolicy: "on-request",
      approvalsReviewer: "auto_review",
    });
    expect(approvalFields(ApprovalMode.askUser)).toEqual({
      approvalPolicy: "on-request",
      approvalsReviewer: "user",
    });
  });

  it("rejects an unknown value, naming the valid ones", () => {
    expect(() => approvalFields("allow_all")).toThrow(
      /approvalMode must be one of ApprovalMode.denyAll, ApprovalMode.autoReview, ApprovalMode.askUser; got "allow_all"/,
    );
  });
});

describe("Sandbox", () => {
  it("is a mode string on threads and a full policy object on turns", () => {
    expect(sandboxMode(Sandbox.readOnly)).toBe("read-only");
    expect(sandboxMode(Sandbox.workspaceWrite)).toBe("workspace-write");
    expect(sandboxMode(Sandbox.fullAccess)).toBe("danger-full-access");
    expect(sandboxPolicy({ sandbox: Sandbox.readOnly })).toEqual({
      type: "readOnly",
      networkAccess: false,
    });
    expect(sandboxPolicy({ sandbox: Sandbox.workspaceWrite })).toEqual({
      type: "workspaceWrite",
      writableRoots: [],
      networkAccess: false,
      excludeTmpdirEnvVar: false,
      excludeSlashTmp: false,
    });
    expect(sandboxPolicy({ sandbox: Sandbox.fullAccess })).toEqual({ type: "dangerFullAccess" });
    expect(sandboxPolicy({})).toBeUndefined();
  });

  it("puts network access and writable directories into the policy, where the preset has them", () => {
    expect(sandboxPolicy({ sandbox: Sandbox.readOnly, networkAccess: true })).toEqual({
      type: "readOnly",
      networkAccess: true,
    });
    expect(
      sandboxPolicy({
        sandbox: Sandbox.workspaceWrite,
        networkAccess: true,
        additionalDirectories: ["/data", "/tmp/x"],
      }),
    ).toEqual({
      type: "workspaceWrite",
      writableRoots: ["/data", "/tmp/x"],
      networkAccess: true,
      excludeTmpdirEnvVar: false,
      excludeSlashTmp: false,
    });
    for (const [options, message] of [
      [
        { networkAccess: true },
        "networkAccess is part of the sandbox policy: give sandbox with it",
      ],
      [
        { additionalDirectories: ["/a"] },
        "additionalDirectories is part of the sandbox policy: give sandbox with it",
      ],
      [
        { sandbox: Sandbox.fullAccess, networkAccess: false },
        "sandbox fullAccess has no networkAccess: it allows everything",
      ],
      [
        { sandbox: Sandbox.fullAccess, additionalDirectories: [] },
        "sandbox fullAccess has no additionalDirectories: it allows everything",
      ],
      [
        { sandbox: Sandbox.readOnly, additionalDirectories: ["/a"] },
        "sandbox readOnly has no additionalDirectories: it writes nowhere",
      ],
      [{ sandbox: Sandbox.readOnly, networkAccess: "yes" }, "networkAccess must be a boolean"],
      [
        { sandbox: Sandbox.workspaceWrite, additionalDirectories: ["rel"] },
        'additionalDirectories[0] must be an absolute path, got "rel"',
      ],
      [
        // eslint-disable-next-line no-sparse-arrays -- a hole would be sent as null
        { sandbox: Sandbox.workspaceWrite, additionalDirectories: ["/a", , "/b"] },
        "additionalDirectories[1] must be",
      ],
      [
        { sandbox: Sandbox.workspaceWrite, additionalDirectories: ["/a\ud800"] },
        "additionalDirectories[0] holds a lone surrogate",
      ],
    ] as const) {
      expect(() => sandboxPolicy(options as never)).toThrow(message);
    }
  });

  it("rejects the raw wire string, naming the presets", () => {
    expect(() => sandboxMode("workspace")).toThrow(/Sandbox.readOnly, Sandbox.workspaceWrite/);
  });
});

describe("toUserInputs", () => {
  it("sends a plain string as exactly one {type, text} item", () => {
    expect(toUserInputs("hi")).toEqual([{ type: "text", text: "hi" }]);
    expect(Object.keys(toUserInputs("hi")[0]!)).toEqual(["type", "text"]);
  });

  it("maps every item kind and lists", () => {
    expect(
      toUserInputs([
        text("a"),
        image("data:image/png;base64,iVBORw0KGgoAAAANSUhEUg=="),
        localImage("/tmp/x.png"),
        { type: "image", fileId: "file_1", detail: "auto" },
        audio("data:audio/wav;base64,AA=="),
        { type: "audio", fileId: "file_2", url: undefined },
        localAudio("/tmp/x.wav"),
        skill("s", "/p"),
        mention("m", "/q"),
      ]),
    ).toEqual([
      { type: "text", text: "a" },
      { type: "image", url: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==" },
      { type: "localImage", path: "/tmp/x.png" },
      { type: "image", fileId: "file_1", detail: "auto" },
      { type: "audio", url: "data:audio/wav;base64,AA==" },
      { type: "audio", fileId: "file_2" },
      { type: "localAudio", path: "/tmp/x.wav" },
      { type: "skill", name: "s", path: "/p" },
      { type: "mention", name: "m", path: "/q" },
    ]);
  });

  it("takes an image or audio by url or by fileId, one of the two", () => {
    for (const type of ["image", "audio"] as const) {
      expect(() => toUserInputs({ type } as never)).toThrow(
        new TypeError(`input[0] of type "${type}" needs a string url or fileId`),
      );
      // @ts-expect-error -- a url or a file id, not both
      expect(() => toUserInputs([text("a"), { type, url: "data:x", fileId: "f" }])).toThrow(
        new TypeError("input[1] gives both url and fileId: give one of them"),
      );
      expect(() => toUserInputs({ type, fileId: 7 } as never)).toThrow(
        new TypeError(`input[0] of type "${type}" needs a string fileId`),
      );
    }
    expect(() =>
      toUserInputs({ type: "audio", url: "data:audio/wav;base64,AA==", detail: "low" } as never),
    ).toThrow(/^input\[0\] has no field "detail"; its fields are type, url, fileId$/);
  });

  it("refuses an image the runtime would leave out: by its bytes, whatever type the URL names", () => {
    const of = (bytes: number[] | string) =>
      `data:image/png;base64,${Buffer.from(typeof bytes === "string" ? bytes : Uint8Array.from(bytes)).toString("base64")}`;
    const decodable = [
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13],
      [0xff, 0xd8, 0xff, 0xe0, 0, 16],
      "GIF89a....",
      "GIF87a....",
      "RIFF\x10\x00\x00\x00WEBPVP8 ",
    ];
    for (const bytes of decodable) expect(() => toUserInputs(image(of(bytes)))).not.toThrow();
    for (const bytes of [
      "BM\x3a\x00\x00\x00",
      "<svg xmlns=",
      "hello",
      "II*\x00tiff",
      "RIFF\x10\x00\x00\x00WAVEfmt ",
    ]) {
      expect(() => toUserInputs(image(of(bytes))), bytes).toThrow(
        "input[0].url of an image item does not begin as a PNG, JPEG, GIF or WebP image, the formats the runtime decodes (whatever type the URL names): it would leave the image out",
      );
    }
  });

  it("refuses more text than the runtime takes at once, counted in characters over the items", () => {
    const limit = 2 ** 20;
    expect(() => toUserInputs("x".repeat(limit))).not.toThrow();
    expect(() =>
      toUserInputs([text("x".repeat(limit / 2)), text("y".repeat(limit / 2 + 1))]),
    ).toThrow(
      new RangeError(
        "input holds 1,048,577 characters of text (Unicode code points), more than the 1,048,576 the runtime takes at once",
      ),
    );
    // A character outside the BMP is two UTF-16 units, and one character.
    expect(() => toUserInputs("\u{1F600}".repeat(limit))).not.toThrow();
    expect(() => toUserInputs("\u{1F600}".repeat(limit + 1))).toThrow(RangeError);
    // One item alone, not in a list, too.
    expect(() => toUserInputs(text("x".repeat(limit + 1)))).toThrow(RangeError);
  });

  it("refuses a file: URL given as a local file's path, which names no file there", () => {
    for (const type of ["localImage", "localAudio"] as const) {
      // With two slashes or one, as url.pathToFileURL and file:/ write it.
      for (const url of ["FILE:///tmp/x.ogg", "file:/tmp/x.ogg"]) {
        expect(() => toUserInputs({ type, path: url })).toThrow(
          new TypeError(
            `input[0].path of a ${type} item is a file: URL, not a path: give the path (url.fileURLToPath)`,
          ),
        );
      }
      for (const path of ["file-notes/x.ogg", "file:x.ogg"]) {
        expect(toUserInputs({ type, path })).toEqual([{ type, path }]);
      }
    }
  });

  it("refuses a path with a NUL character, by which no file is found", () => {
    const items = [
      localImage("/a/b\0.png"),
      localAudio("/a/b\0.wav"),
      skill("s", "/w/\0/SKILL.md"),
      mention("m", "app://\0"),
    ];
    for (const item of items) {
      expect(() => toUserInputs([text("x"), item])).toThrow(
        new TypeError(
          `input[1].path of a ${item.type} item contains a NUL character, which no path can hold`,
        ),
      );
    }
  });

  it("refuses a local audio file of a format the runtime attaches none of, by its extension", () => {
    for (const path of ["/a/clip.flac", "/a/clip.mp4", "/a/clip", "/a/clip.wave"]) {
      expect(() => toUserInputs(localAudio(path))).toThrow(
        new TypeError(
          `input[0].path of a localAudio item must name a .wav, .mp3, .m4a, .webm or .ogg file, got ${JSON.stringify(path)}: the runtime attaches no other audio format`,
        ),
      );
    }
    for (const path of ["/a/b.wav", "/a/b.Mp3", "b.M4A", "/a/b.webm", "/a/b.ogg"]) {
      expect(toUserInputs(localAudio(path))).toEqual([{ type: "localAudio", path }]);
    }
  });

  it("refuses a skill by a relative path, which the runtime finds no skill by", () => {
    expect(() => toUserInputs({ type: "skill", name: "s", path: "skills/s/SKILL.md" })).toThrow(
      new TypeError(
        'input[0].path of a skill item must be the absolute path of its SKILL.md, got "skills/s/SKILL.md": the runtime leaves out a skill it cannot find by its path',
      ),
    );
    for (const path of ["/w/skills/s/SKILL.md", "C:\\w\\SKILL.md"]) {
      expect(toUserInputs({ type: "skill", name: "s", path })).toEqual([
        { type: "skill", name: "s", path },
      ]);
    }
  });

  it("throws a TypeError for anything else", () => {
    expect(() => toUserInputs(42 as never)).toThrow(TypeError);
    expect(() => toUserInputs({ type: "video" } as never)).toThrow(/unsupported input item/);
    expect(() => toUserInputs({ type: "text" } as never)).toThrow(/needs a string text/);
    // In a list, each names the item at fault.
    const list = (item: unknown) => toUserInputs([text("a"), item] as never);
    expect(() => list(undefined)).toThrow(
      new TypeError("input[1] is an unsupported input item: undefined"),
    );
    expect(() => list({ type: "video" })).toThrow(
      new TypeError('input[1] is an unsupported input item: object of type "video"'),
    );
    expect(() => list({ type: "image" })).toThrow(
      new TypeError('input[1] of type "image" needs a string url or fileId'),
    );
    expect(() => list({ type: "localImage", path: 7 })).toThrow(
      new TypeError('input[1] of type "localImage" needs a string path'),
    );
    expect(() => toUserInputs([])).toThrow(/empty/);
  });

  it("does not take the names of Object's own members for item types", () => {
    for (const type of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      expect(() => toUserInputs({ type } as never)).toThrow(
        `input[0] is an unsupported input item: object of type "${type}"`,
      );
    }
    expect(() => toUserInputs({ type: 10n } as never)).toThrow(
      "input[0] is an unsupported input item: object of type bigint",
    );
  });
});

describe("preset checks", () => {
  it("describe a value JSON cannot write (a BigInt, a cycle) instead of throwing another error", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => approvalFields(10n)).toThrow(/approvalMode must be one of .*; got bigint$/);
    expect(() => sandboxMode(cyclic)).toThrow(/sandbox must be one of .*; got object$/);
    expect(() => settingsConfig({ webSearch: 1n as never })).toThrow(
      /webSearch must be one of .*; got bigint$/,
    );
    expect(() => checkEventMode(cyclic)).toThrow(/events must be "all" or "results"; got object$/);
    expect(() => checkEventMode("some")).toThrow(/got "some"$/);
  });
});

describe("turnParams", () => {
  it("accepts an output schema declared as const", () => {
    const schema = {
      type: "object",
      properties: { answer: { type: "string" } },
      required: ["answer"],
    } as const;
    expect(turnParams("th", "go", { outputSchema: schema }).outputSchema).toEqual(schema);
  });

  it("refuses an output schema that is no object, as the model would only after the turn ran", () => {
    for (const [outputSchema, got] of [
      ["hello", "got string"],
      [42, "got number"],
      [[{ type: "object" }], "got an array"],
      [true, "got boolean"],
    ] as const) {
      // @ts-expect-error -- a JSON Schema is an object
      expect(() => turnParams("th", "go", { outputSchema })).toThrow(
        new TypeError(`outputSchema must be a plain JSON Schema object, ${got}`),
      );
    }
    expect(turnParams("th", "go", { outputSchema: null }).outputSchema).toBeNull();
    // A zod schema given where a JSON Schema goes: the message names the option it is for.
    class ZodLike {
      readonly "~standard" = { version: 1, vendor: "zod", validate: () => ({}) };
    }
    // ArkType's schemas are functions.
    const callable = Object.assign(() => undefined, { "~standard": { version: 1 } });
    expect(() => turnParams("th", "go", { outputSchema: callable as never })).toThrow(
      "give a zod or other Standard Schema as output",
    );
    expect(() => turnParams("th", "go", { outputSchema: new ZodLike() as never })).toThrow(
      "outputSchema takes a plain JSON Schema object; give a zod or other Standard Schema as output",
    );
  });

  it("validates everything before any I/O and sends only what was given", () => {
    expect(turnParams("th", "go", {})).toEqual({
      threadId: "th",
      input: [{ type: "text", text: "go" }],
    });
    expect(
      turnParams("th", "go", {
        approvalMode: ApprovalMode.denyAll,
        sandbox: Sandbox.readOnly,
        effort: "low",
        model: undefined,
      }),
    ).toEqual({
      threadId: "th",
      input: [{ type: "text", text: "go" }],
      approvalPolicy: "never",
      sandboxPolicy: { type: "readOnly", networkAccess: false },
      effort: "low",
    });
    expect(() => turnParams("th", "go", { sandbox: "nope" as never })).toThrow(TypeError);
    expect(
      turnParams("th", "go", { sandbox: Sandbox.workspaceWrite, networkAccess: true }),
    ).toMatchObject({ sandboxPolicy: { type: "workspaceWrite", networkAccess: true } });
    expect(() => turnParams("th", "go", { networkAccess: true })).toThrow(
      "networkAccess is part of the sandbox policy",
    );
  });

  it("refuses what the server would run with, drop or refuse without naming the option", () => {
    const cases: Array<[object, string]> = [
      // A model named "" would be sent to the model provider, for this turn and the later ones.
      [{ model: "" }, "model must be a non-empty string, got an empty string"],
      [{ cwd: " " }, "cwd must be a non-empty string, got only white space"],
      [{ effort: "" }, "effort must be a non-empty string"],
      [{ permissions: "" }, "permissions must be a non-empty string"],
      // An id naming nothing, refused on a steer too.
      [{ clientUserMessageId: "" }, "clientUserMessageId must be a non-empty string"],
      [{ runtimeWorkspaceRoots: ["rel"] }, "runtimeWorkspaceRoots[0] must be an absolute path"],
      [{ runtimeWorkspaceRoots: [""] }, "runtimeWorkspaceRoots[0] must be a non-empty string"],
      // The server's refusal names its sandboxPolicy, which the caller never gave.
      [
        { permissions: ":workspace", sandbox: Sandbox.readOnly },
        "permissions and sandbox cannot be combined: give one of them",
      ],
      // A collaboration mode's model is taken before `model`, for the later turns too.
      [
        { collaborationMode: { mode: "default", settings: { model: "", reasoning_effort: null } } },
        "collaborationMode.settings.model must be a non-empty string, got an empty string",
      ],
      [
        { collaborationMode: { mode: "plan", settings: { model: "m", reasoning_effort: " " } } },
        "collaborationMode.settings.reasoning_effort must be a non-empty string",
      ],
      [
        { collaborationMode: { mode: "nope", settings: { model: "m" } } },
        'collaborationMode.mode must be one of plan, default, got "nope"',
      ],
      [
        { collaborationMode: { mode: "plan" } },
        "collaborationMode.settings must be an object { model, reasoning_effort, developer_instructions }, got undefined",
      ],
      [{ collaborationMode: "plan" }, "collaborationMode must be an object { mode, settings }"],
      // A misspelt field would be dropped: the instructions would never reach the model.
      [
        {
          collaborationMode: {
            mode: "default",
            settings: { model: "m", developerInstructions: "Be terse." },
          },
        },
        'collaborationMode.settings has no field "developerInstructions"; its fields are model, ' +
          "reasoning_effort, developer_instructions",
      ],
      [
        { collaborationMode: { mode: "plan", settings: { model: "m" }, extra: 1 } },
        'collaborationMode has no field "extra"; its fields are mode, settings',
      ],
      // The runtime takes a name for untrusted context only.
      [
        { additionalContext: { ci: { value: "v", kind: "application", name: "bot" } } },
        'additionalContext["ci"].name is for untrusted context only: give it with kind untrusted',
      ],
      // And only a name it can read: a lowercase letter, then lowercase letters, digits or _.
      ...["", "Slack", "bad name", "\u00e9t\u00e9", "9lives", "a".repeat(65)].map(
        (name) =>
          [
            { additionalContext: { ci: { value: "v", kind: "untrusted", name } } },
            `additionalContext["ci"].name must be a lowercase letter, then up to 63 lowercase ` +
              `letters, digits or _ (as the runtime requires), got ${JSON.stringify(name)}`,
          ] as [object, string],
      ),
    ];
    for (const [options, message] of cases) {
      expect(() => turnParams("th", "go", options), JSON.stringify(options)).toThrow(message);
    }
    const mode = { mode: "plan", settings: { model: "m", reasoning_effort: null } };
    expect(turnParams("th", "go", { collaborationMode: mode } as never)).toMatchObject({
      collaborationMode: mode,
    });
    expect(
      turnParams("th", "go", {
        additionalContext: { ci: { value: "v", kind: "untrusted", name: "slack_bot2" } },
      }),
    ).toMatchObject({ additionalContext: { ci: { name: "slack_bot2" } } });
    // Keys the runtime writes as a tag, or makes a tool's name, rewriting what one cannot hold.
    const keyed = (key: string, kind: string) => ({
      additionalContext: { [key]: { value: "v", kind } },
    });
    for (const key of ["", "a>b", "<x", "a\tb", "a\nb"]) {
      expect(() => turnParams("th", "go", keyed(key, "application") as never), key).toThrow(
        `additionalContext[${JSON.stringify(key)}]: the key of an application entry is written as a tag`,
      );
    }
    for (const key of ["", "a b", "ci.result", "\u00e9t\u00e9", "k".repeat(129)]) {
      expect(() => turnParams("th", "go", keyed(key, "untrusted") as never), key).toThrow(
        `additionalContext[${JSON.stringify(key)}]: the key of an untrusted entry without a name is the name the model sees`,
      );
    }
    for (const [key, kind] of [
      ["ci-result.v2", "application"],
      ["src/main.ts", "application"],
      ["build log", "application"],
      ["\u00e9t\u00e9", "application"],
      ["Slack_1", "untrusted"],
      ["k".repeat(128), "untrusted"],
    ] as const) {
      expect(turnParams("th", "go", keyed(key, kind) as never), key).toMatchObject(
        keyed(key, kind),
      );
    }
    // An explicit name names the entry: the key is free.
    expect(
      turnParams("th", "go", {
        additionalContext: { "a b": { value: "v", kind: "untrusted", name: "ab" } },
      }),
    ).toMatchObject({ additionalContext: { "a b": { name: "ab" } } });
    // Metadata under a key the runtime keeps for its own, which it would drop.
    for (const option of ["responsesapiClientMetadata", "responsesapiClientMetadataPatch"]) {
      expect(() => turnParams("th", "go", { [option]: { trace: "t", session_id: "s" } })).toThrow(
        new TypeError(
          `${option}["session_id"] is a key the runtime keeps for its own: it would drop it`,
        ),
      );
    }
    expect(
      turnParams("th", "go", { responsesapiClientMetadata: { Session_Id: "s", cwd: "/w" } }),
    ).toMatchObject({ responsesapiClientMetadata: { Session_Id: "s", cwd: "/w" } });
    // Strings alone: the runtime refuses the turn, after the one in flight, for another value.
    for (const option of ["responsesapiClientMetadata", "responsesapiClientMetadataPatch"]) {
      for (const [value, got] of [
        [42, "number"],
        [null, "null"],
        [{ v: "1" }, "object"],
      ] as const) {
        expect(() => turnParams("th", "go", { [option]: { build: value } })).toThrow(
          new TypeError(`${option}["build"] must be a string, got ${got}`),
        );
      }
      // Left undefined, a key is not sent, as JSON writes it.
      expect(turnParams("th", "go", { [option]: { a: "1", b: undefined } })).toMatchObject({
        [option]: { a: "1" },
      });
    }
    // A value the runtime keeps whole: 4,000 bytes of UTF-8 (a character outside the BMP is 4).
    const context = (value: string) => ({
      additionalContext: { ci: { value, kind: "untrusted" } },
    });
    const whole = "\u{1F600}".repeat(1000);
    expect(turnParams("th", "go", context(whole) as never)).toMatchObject(context(whole));
    expect(() => turnParams("th", "go", context(`${whole}x`) as never)).toThrow(
      new RangeError(
        'additionalContext["ci"].value is 4,001 bytes of UTF-8, more than the 4,000 the runtime ' +
          "keeps whole (it cuts out the middle)",
      ),
    );
    expect(
      turnParams("th", "go", { permissions: ":workspace", runtimeWorkspaceRoots: ["/w"] }),
    ).toMatchObject({ permissions: ":workspace", runtimeWorkspaceRoots: ["/w"] });
  });
});

describe("options read once", () => {
  // A getter that gives the checks one value, then another: the one checked must be the one used.
  function answersDifferently(name: string, first: unknown, then: unknown) {
    let reads = 0;
    const options = Object.defineProperty({}, name, {
      enumerable: true,
      get() {
        reads += 1;
        return reads === 1 ? first : then;
      },
    });
    return { options, reads: () => reads };
  }

  it("takes a thread start's option as the checks read it", () => {
    const { options, reads } = answersDifferently("personality", "none", "bogus");
    const { params } = threadRequest(options as never, THREAD_START_NAMES, true);
    expect(params).toMatchObject({ personality: "none" });
    expect(reads()).toBe(1);
  });
});

describe("SDK_VERSION", () => {
  it("equals the package version and the pinned runtime", () => {
    expect(SDK_VERSION).toBe(pkg.version);
    expect(pkg.dependencies["@openai/codex"]).toBe(pkg.version);
  });
});

describe("typed settings and config", () => {
  const start = (options: object) => threadRequest(options as never, THREAD_START_NAMES, true);

  it("refuses a path with a NUL character, which the runtime takes and then finds nothing by", () => {
    const resume = (options: object) => threadRequest(options as never, THREAD_RESUME_NAMES, false);
    const nul = (name: string) =>
      new TypeError(`${name} contains a NUL character, which no path can hold`);
    expect(() => start({ cwd: "/w/a\0b" })).toThrow(nul("cwd"));
    expect(() => start({ runtimeWorkspaceRoots: ["/w", "/r\0"] })).toThrow(
      nul("runtimeWorkspaceRoots[1]"),
    );
    expect(() => resume({ path: "/h/rollout\0.jsonl" })).toThrow(nul("path"));
    expect(() => turnParams("th", "go", { cwd: "/w\0" })).toThrow(nul("cwd"));
    expect(() =>
      turnParams("th", "go", { sandbox: "workspaceWrite", additionalDirectories: ["/a\0"] }),
    ).toThrow(nul("additionalDirectories[0]"));
    const environments = [{ environmentId: "local", cwd: "/w", runtimeWorkspaceRoots: ["/r\0"] }];
    expect(() => start({ environments })).toThrow(nul("environments[0].runtimeWorkspaceRoots[0]"));
    expect(() =>
      turnParams("th", "go", { environments: [{ environmentId: "local", cwd: "/w\0" }] }),
    ).toThrow(nul("environments[0].cwd"));
    expect(start({ cwd: "/w/a b" }).params).toMatchObject({ cwd: "/w/a b" });
  });

  it("refuses an entry of environments or selectedCapabilityRoots of the wrong shape, naming its field", () => {
    // The server's refusal named no field ("invalid type: integer 42, expected a string"), and a
    // field it does not have was dropped.
    const cases: Array<[() => unknown, string]> = [
      [
        () =>
          turnParams("th", "go", { environments: [{ environmentId: "local", cwd: 42 as never }] }),
        "environments[0].cwd must be a string, got number",
      ],
      [
        () => start({ environments: [{ environmentId: "local" }] }),
        "environments[0].cwd must be a string, got undefined",
      ],
      [
        () => start({ environments: ["local"] }),
        "environments[0] must be an object { environmentId, cwd, runtimeWorkspaceRoots }, got string",
      ],
      [
        () =>
          start({ environments: [{ environmentId: "e", cwd: "/w", runtimeWorkspaceRoots: [1] }] }),
        "environments[0].runtimeWorkspaceRoots must be an array of strings or null, got an array",
      ],
      [
        () => start({ environments: [{ environmentId: "e", cwd: "/w", workspaceRoots: [] }] }),
        'environments[0] has no field "workspaceRoots"; its fields are environmentId, cwd, runtimeWorkspaceRoots',
      ],
      [
        () => start({ selectedCapabilityRoots: [42] }),
        "selectedCapabilityRoots[0] must be an object { id, location }, got number",
      ],
      [
        () => start({ selectedCapabilityRoots: [{ id: "r", location: { type: "environment" } }] }),
        "selectedCapabilityRoots[0].location.environmentId must be a string, got undefined",
      ],
    ];
    for (const [call, message] of cases) expect(call, message).toThrow(new TypeError(message));
    const environments = [
      { environmentId: "e", cwd: "/w", runtimeWorkspaceRoots: null },
      { environmentId: "f", cwd: "/v", runtimeWorkspaceRoots: ["/v/a"] },
    ];
    const location = { type: "environment", environmentId: "e", path: "/w/skills" };
    const selectedCapabilityRoots = [{ id: "skills", location }];
    expect(start({ environments, selectedCapabilityRoots }).params).toMatchObject({
      environments,
      selectedCapabilityRoots,
    });
    expect(turnParams("th", "go", { environments })).toMatchObject({ environments });
  });

  it("refuses a wire field of the wrong shape, a list, an object or an enum's, naming it, before any I/O", () => {
    const resume = (options: object) => threadRequest(options as never, THREAD_RESUME_NAMES, false);
    const fork = (options: object) => threadRequest(options as never, THREAD_FORK_NAMES, false);
    for (const [call, message] of [
      [() => resume({ history: "" }), "history must be an array or null, got a string"],
      // A rollout path: empty, dropped by the server; of white space, read in the Codex home.
      [() => resume({ path: "" }), "path must be a non-empty string, got an empty string"],
      [() => resume({ path: " \t" }), "path must be a non-empty string, got only white space"],
      [() => fork({ path: "" }), "path must be a non-empty string, got an empty string"],
      // One of some strings, or an object: the strings are named.
      [
        () => start({ multiAgentMode: "" }),
        'multiAgentMode must be one of "explicitRequestOnly", "proactive", an object or null, got ""',
      ],
      [
        () => start({ environments: "local" }),
        "environments must be an array or null, got a string",
      ],
      // What the runtime ignores, on a turn too.
      [
        () => start({ personality: "pragmatic" }),
        'personality "pragmatic" selects no style in this runtime, which ignores it: only "none" changes anything',
      ],
      [
        () => turnParams("th", "go", { multiAgentMode: "proactive" } as never),
        'multiAgentMode is ignored by this runtime (it is always "explicitRequestOnly"): give effort "ultra" for proactive multi-agent work',
      ],
    ] as const) {
      expect(call).toThrow(new TypeError(message));
    }
    // The option types take only the values the runtime reads.
    expectTypeOf<TurnOptions["personality"]>().toEqualTypeOf<"none" | null | undefined>();
    expectTypeOf<TurnOptions["multiAgentMode"]>().toEqualTypeOf<
      "explicitRequestOnly" | null | undefined
    >();
    expectTypeOf<ThreadStartOptions["multiAgentMode"]>().toEqualTypeOf<
      "explicitRequestOnly" | null | undefined
    >();
    expectTypeOf<ThreadResumeOptions["personality"]>().toEqualTypeOf<"none" | null | undefined>();
    expectTypeOf<ThreadResumeOptions>().not.toHaveProperty("multiAgentMode");
    // What the runtime's types take passes: the runtime checks what they hold.
    expect(resume({ history: [] }).params).toMatchObject({ history: [] });
    expect(start({ environments: null }).params).toMatchObject({ environments: null });
  });

  it("refuses a lone surrogate in a string option or setting, naming it", () => {
    for (const [options, message] of [
      [{ model: "gpt\ud800" }, "options.model holds a lone surrogate"],
      [{ cwd: "/tmp", baseInstructions: "a\udc00" }, "options.baseInstructions holds a lone"],
      [{ reasoningEffort: "high\ud800" }, "reasoningEffort holds a lone surrogate"],
      [{ additionalDirectories: ["/a\ud800"] }, "additionalDirectories[0] holds a lone surrogate"],
    ] as const) {
      expect(() => start(options)).toThrow(message);
    }
  });

  it("refuses a null in config, naming it, which the runtime would read as an empty string", () => {
    for (const [config, name] of [
      [{ model: null }, "config.model"],
      [
        { shell_environment_policy: { set: { FOO: null, BAR: "bar" } } },
        "config.shell_environment_policy.set.FOO",
      ],
      [
        { "sandbox_workspace_write.writable_roots": ["/a", null] },
        "config.sandbox_workspace_write.writable_roots[1]",
      ],
    ] as const) {
      expect(() => start({ config })).toThrow(
        `${name} must not be null: TOML has no null (leave the key out)`,
      );
    }
    // A config of null is none (the wire field's own null), as before.
    expect(start({ config: null }).params).toMatchObject({ config: null });
  });

  it("refuses in config a variable an environment table would set under another name", () => {
    for (const [config, table] of [
      [
        { shell_environment_policy: { set: { "FOO=inj": "rest" } } },
        "shell_environment_policy.set",
      ],
      [{ "shell_environment_policy.set.FOO=inj": "rest" }, "shell_environment_policy.set"],
      [{ "mcp_servers.s.env": { "FOO=inj": "rest" } }, "mcp_servers.s.env"],
    ] as const) {
      expect(() => start({ config })).toThrow(
        new RegExp(
          `^config ${table.replaceAll(".", "\\.")} key "FOO" \\+ "=\\.\\.\\." is no variable name`,
        ),
      );
    }
    expect(() =>
      start({ config: { mcp_servers: { s: { command: "x", env: { K: "\u0000" } } } } }),
    ).toThrow("config mcp_servers.s.env.K must not contain NUL characters");
  });

  it("refuses config keys the runtime would ignore or apply by chance, naming them", () => {
    const spaced =
      "must be dot-separated names, none empty, with white space around it or holding a `: ` " +
      "(a key: value line): the runtime would read it as written, a setting it does not know";
    for (const [config, message] of [
      [
        { "sandbox_workspace_write. writable_roots": ["/x"] },
        `config key "sandbox_workspace_write. writable_roots" ${spaced}`,
      ],
      [{ " model": "o3" }, `config key " model" ${spaced}`],
      [{ "a..b": 1 }, `config key "a..b" ${spaced}`],
      [
        {
          sandbox_workspace_write: { exclude_slash_tmp: true },
          "sandbox_workspace_write.writable_roots": ["/x"],
        },
        "config gives sandbox_workspace_write as a whole table and sandbox_workspace_write.writable_roots apart, which the runtime applies in no fixed order, the table replacing what the key set: give sandbox_workspace_write.writable_roots inside sandbox_workspace_write",
      ],
      [
        { "a.b": true, "a.b.x": 1 },
        "config gives a.b a value and a.b.x under it, which the runtime cannot both take: give one",
      ],
    ] as const) {
      expect(() => start({ config })).toThrow(new TypeError(message));
    }
    // Keys nested in a table are names of their own (a provider's, say), spaces and all.
    const nested = { model_providers: { "my provider": { name: "mine" } }, "a.b": 1, "a.c": 2 };
    expect(start({ config: nested }).params).toMatchObject({ config: nested });
  });

  it("refuses a whole number past 2^53 in config, which JSON would send as 1e+21", () => {
    expect(() => start({ config: { model_auto_compact_token_limit: 1e21 } })).toThrow(
      new RangeError(
        "options.config.model_auto_compact_token_limit must be an integer between -(2^53-1) and 2^53-1, got 1e+21",
      ),
    );
  });

  it("names a misspelt sandbox preset before what it would conflict with", () => {
    for (const options of [
      { sandbox: "readonly", config: { sandbox_mode: "read-only" } },
      { sandbox: "readonly", permissions: ":workspace" },
    ]) {
      expect(() => start(options)).toThrow(/^sandbox must be one of/);
    }
  });

  it("refuses a setting given both ways, dotted or nested, naming both", () => {
    const cases: Array<[object, string]> = [
      [
        { webSearch: "disabled", config: { web_search: "live" } },
        "webSearch and config both set web_search: give it in one of them",
      ],
      [
        { networkAccess: true, config: { sandbox_workspace_write: { network_access: false } } },
        "networkAccess and config both set sandbox_workspace_write.network_access",
      ],
      [
        { additionalDirectories: ["/a"], config: { "sandbox_workspace_write.writable_roots": [] } },
        "additionalDirectories and config both set sandbox_workspace_write.writable_roots",
      ],
    ];
    for (const [options, message] of cases) expect(() => start(options)).toThrow(message);
  });

  it("takes a path absolute on either system, as the server may run on Windows", () => {
    const params = start({
      sandbox: Sandbox.workspaceWrite,
      additionalDirectories: ["C:\\data", "\\\\host\\share", "/srv"],
      runtimeWorkspaceRoots: ["D:\\work"],
    });
    expect(params.params).toMatchObject({
      runtimeWorkspaceRoots: ["D:\\work"],
      config: { "sandbox_workspace_write.writable_roots": ["C:\\data", "\\\\host\\share", "/srv"] },
    });
    for (const relative of ["C:data", "data\\x", "./x"]) {
      expect(() => start({ runtimeWorkspaceRoots: [relative] })).toThrow(
        "runtimeWorkspaceRoots[0] must be an absolute path",
      );
    }
    // Held to the server's system once it is known: one path is relative on the other.
    const on = (platformFamily: string, options: object) => () =>
      threadRequest(options as never, THREAD_START_NAMES, true, platformFamily);
    const windowsDir = { sandbox: Sandbox.workspaceWrite, additionalDirectories: ["C:\\data"] };
    expect(on("unix", windowsDir)).toThrow(
      `additionalDirectories[0] must be an absolute path on the server's system (unix), got "C:\\\\data"`,
    );
    expect(on("windows", { runtimeWorkspaceRoots: ["/srv"] })).toThrow(
      "runtimeWorkspaceRoots[0] must be an absolute path on the server's system (windows)",
    );
    expect(on("windows", windowsDir)).not.toThrow();
    // A system the client does not know (an older server names none): either form is taken.
    expect(on("", windowsDir)).not.toThrow();
    expect(on("", { runtimeWorkspaceRoots: ["rel"] })).toThrow(
      'runtimeWorkspaceRoots[0] must be an absolute path, got "rel"',
    );
    expect(() =>
      turnParams(
        "t",
        "hi",
        { sandbox: Sandbox.workspaceWrite, additionalDirectories: ["/srv"] },
        "windows",
      ),
    ).toThrow("additionalDirectories[0] must be an absolute path on the server's system (windows)");
  });

  it("refuses what the server would run with, drop or refuse without naming the option", () => {
    const cases: Array<[object, string]> = [
      [{ model: "" }, "model must be a non-empty string, got an empty string"],
      [{ cwd: "" }, "cwd must be a non-empty string"],
      [{ modelProvider: " " }, "modelProvider must be a non-empty string"],
      [{ runtimeWorkspaceRoots: ["a/b"] }, "runtimeWorkspaceRoots[0] must be an absolute path"],
      [
        { permissions: ":workspace", sandbox: Sandbox.workspaceWrite },
        "permissions and sandbox cannot be combined",
      ],
      // Settings of the workspace-write sandbox, which these do not read.
      [
        { permissions: ":workspace", networkAccess: true },
        "networkAccess sets the workspaceWrite sandbox, which permissions replaces",
      ],
      [
        { sandbox: Sandbox.readOnly, networkAccess: true },
        "sandbox readOnly takes no networkAccess on a thread (the workspaceWrite sandbox's): give it on a turn",
      ],
      [
        { sandbox: Sandbox.readOnly, additionalDirectories: ["/a"] },
        "sandbox readOnly has no additionalDirectories",
      ],
      [
        { sandbox: Sandbox.fullAccess, networkAccess: false },
        "sandbox fullAccess has no networkAccess",
      ],
      [
        { networkAccess: true, config: { sandbox_mode: "danger-full-access" } },
        'config sandbox_mode "danger-full-access" has no networkAccess',
      ],
      [
        { additionalDirectories: ["/a"], config: { sandbox_mode: "read-only" } },
        'config sandbox_mode "read-only" has no additionalDirectories',
      ],
      [
        { approvalMode: ApprovalMode.askUser, config: { "approval_policy.granular.rules": true } },
        "approvalMode and config both set approval_policy",
      ],
      // A preset with the config key it sets: the preset would win without a word.
      [
        { approvalMode: ApprovalMode.askUser, config: { approval_policy: "never" } },
        "approvalMode and config both set approval_policy: give it in one of them",
      ],
      [
        { approvalMode: ApprovalMode.autoReview, config: { approvals_reviewer: "user" } },
        "approvalMode and config both set approvals_reviewer",
      ],
      [
        { sandbox: Sandbox.fullAccess, config: { sandbox_mode: "read-only" } },
        "sandbox and config both set sandbox_mode: give it in one of them",
      ],
    ];
    for (const [options, message] of cases) {
      expect(() => start(options), JSON.stringify(options)).toThrow(message);
    }
    expect(start({ sandbox: Sandbox.workspaceWrite, networkAccess: true }).params).toMatchObject({
      sandbox: "workspace-write",
      config: { "sandbox_workspace_write.network_access": true },
    });
  });

  it("leaves the default approvalMode out when config sets the approvals", () => {
    for (const config of [
      { approval_policy: "never" },
      { approvals_reviewer: "user" },
      { "approval_policy.granular.rules": true },
    ]) {
      const { params } = start({ config });
      expect(params).not.toHaveProperty("approvalPolicy");
      expect(params).not.toHaveProperty("approvalsReviewer");
      expect(params).toMatchObject({ config });
    }
    expect(start({ config: { model: "m" } }).params).toMatchObject({
      approvalPolicy: "on-request",
      approvalsReviewer: "auto_review",
    });
    // denyAll sends no reviewer: the config's stands beside it.
    const config = { approvals_reviewer: "user" };
    expect(start({ approvalMode: ApprovalMode.denyAll, config }).params).toEqual({
      approvalPolicy: "never",
      config,
    });
  });

  it("refuses a null approvalMode instead of reading it as the default", () => {
    expect(() => start({ approvalMode: null })).toThrow(/^approvalMode must be one of .*got null$/);
  });

  it("merges settings with config that sets other keys", () => {
    const { params } = start({
      webSearch: "live",
      config: { model: "gpt-x", sandbox_workspace_write: { exclude_slash_tmp: true } },
    });
    expect((params as { config: unknown }).config).toEqual({
      model: "gpt-x",
      sandbox_workspace_write: { exclude_slash_tmp: true },
      web_search: "live",
    });
  });

  it("puts a setting inside a table config gives on its path, which the server would apply in either order", () => {
    const given = { sandbox_workspace_write: { network_access: true }, model: "m" };
    const { params } = start({ additionalDirectories: ["/data"], config: given });
    expect((params as { config: unknown }).config).toEqual({
      sandbox_workspace_write: { network_access: true, writable_roots: ["/data"] },
      model: "m",
    });
    // The caller's config is not changed.
    expect(given).toEqual({ sandbox_workspace_write: { network_access: true }, model: "m" });
  });
});

describe("checkForkPoint", () => {
  it("refuses an empty turn id, or both ends, naming them; accepts one end or none", () => {
    expect(() => checkForkPoint({ lastTurnId: "" })).toThrow(
      "lastTurnId must be a non-empty string",
    );
    expect(() => checkForkPoint({ beforeTurnId: "" })).toThrow(
      "beforeTurnId must be a non-empty string",
    );
    expect(() => checkForkPoint({ beforeTurnId: "t\ud800" })).toThrow(
      "beforeTurnId holds a lone surrogate",
    );
    expect(() => checkForkPoint({ lastTurnId: "a", beforeTurnId: "b" })).toThrow(
      "lastTurnId and beforeTurnId cannot be combined: give one of them",
    );
    for (const point of [{}, { lastTurnId: "a" }, { beforeTurnId: "b", lastTurnId: null }]) {
      expect(() => checkForkPoint(point)).not.toThrow();
    }
  });
});

describe("canonicalThreadId", () => {
  const hex = fc.constantFrom(..."0123456789abcdefABCDEF");
  const digits = fc.array(hex, { minLength: 32, maxLength: 32 }).map((d) => d.join(""));
  const hyphenated = (d: string) =>
    `${d.slice(0, 8)}-${d.slice(8, 12)}-${d.slice(12, 16)}-${d.slice(16, 20)}-${d.slice(20)}`;

  it("names a UUID in each spelling the runtime takes as the server does", () => {
    fc.assert(
      fc.property(digits, (d) => {
        const canonical = hyphenated(d.toLowerCase());
        for (const spelling of [
          d,
          hyphenated(d),
          `urn:uuid:${hyphenated(d)}`,
          `{${hyphenated(d)}}`,
        ]) {
          expect(canonicalThreadId(spelling)).toBe(canonical);
        }
      }),
    );
  });

  it("gives any other id as it is", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), (id) => {
        fc.pre(!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
        fc.pre(!/^[0-9a-f]{32}$/i.test(id));
        expect(canonicalThreadId(id)).toBe(id);
      }),
    );
    // Of the lengths of a spelling, but none.
    for (const id of [
      "x".repeat(32),
      `URN:UUID:${"0".repeat(8)}-0000-0000-0000-${"0".repeat(12)}`,
    ]) {
      expect(canonicalThreadId(id)).toBe(id);
    }
    expect(canonicalThreadId(`[${hyphenated("a".repeat(32))}]`)).toBe(
      `[${hyphenated("a".repeat(32))}]`,
    );
  });
});
