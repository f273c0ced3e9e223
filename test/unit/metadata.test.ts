import { describe, expect, it } from "vitest";
import { CodexError } from "../../src/errors.js";
import { normalizeMetadata } from "../../src/launch.js";
import type { InitializeResponse } from "../../src/generated/index.js";

const response = (fields: Record<string, unknown>) =>
  ({
    codexHome: "/h",
    platformFamily: "unix",
    platformOs: "linux",
    ...fields,
  }) as InitializeResponse;

describe("normalizeMetadata", () => {
  it("derives the server name and version from the user agent", () => {
    const metadata = normalizeMetadata(response({ userAgent: " my_app/0.169.0 (Linux) xterm " }));
    expect(metadata.serverInfo).toEqual({ name: "my_app", version: "0.169.0" });
    expect(metadata.userAgent).toBe("my_app/0.169.0 (Linux) xterm");
  });

  it("takes the client's name, which may hold a space or a slash, as the user agent's start", () => {
    const ua = (name: string) => response({ userAgent: `${name}/0.171.0 (Linux) xterm (${name})` });
    for (const name of ["My App", "acme/bot", "a/b c/d", " acme/bot", "trail "]) {
      expect(normalizeMetadata(ua(name), name).serverInfo).toEqual({ name, version: "0.171.0" });
    }
    // Without the name, the first slash ends it.
    expect(normalizeMetadata(ua("My App")).serverInfo).toEqual({
      name: "My App",
      version: "0.171.0",
    });
    // A name the user agent does not start with (the runtime changed it) is no help.
    expect(normalizeMetadata(ua("acme_bot"), "acme bot").serverInfo).toEqual({
      name: "acme_bot",
      version: "0.171.0",
    });
    expect(() => normalizeMetadata(ua("x"), 42 as never)).toThrow(
      new CodexError("clientName must be a string, got number"),
    );
  });

  it("splits a user agent without a slash at its first white space", () => {
    const metadata = normalizeMetadata(response({ userAgent: "codex 0.171.0 (Linux)" }));
    expect(metadata.serverInfo).toEqual({ name: "codex", version: "0.171.0" });
  });

  it("prefers a serverInfo the server sent, trimmed", () => {
    const metadata = normalizeMetadata(
      response({ userAgent: "x/1", serverInfo: { name: " codex ", version: " 2.0 " } }),
    );
    expect(metadata.serverInfo).toEqual({ name: "codex", version: "2.0" });
  });

  it("fails naming what is missing", () => {
    expect(() => normalizeMetadata(response({ userAgent: "" }))).toThrow(
      /initialize response missing required metadata/,
    );
    expect(() => normalizeMetadata(response({ userAgent: "no-version-here" }))).toThrow(
      /serverVersion=""/,
    );
  });

  it("is a CodexError that shows at most 200 characters of each value", () => {
    const long = "x".repeat(100_000);
    let error: unknown;
    try {
      normalizeMetadata(response({ userAgent: long }));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CodexError);
    const message = (error as Error).message;
    expect(message).toContain(`userAgent="${"x".repeat(200)}…"`);
    expect(message.length).toBeLessThan(700);
  });

  it("refuses what is no answer to initialize, naming it", () => {
    for (const [value, got] of [
      [null, "null"],
      ["x", "string"],
      [[], "an array"],
    ] as const) {
      expect(() => normalizeMetadata(value as never)).toThrow(
        new CodexError(`response must be the answer to initialize, got ${got}`),
      );
    }
  });
});

describe("the package's engines", () => {
  it("admit no Node without Symbol.asyncDispose (20.4) or with URL.canParse's fault (before 20.5)", async () => {
    const { readFile } = await import("node:fs/promises");
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
    const [, major, minor] = /^>=(\d+)(?:\.(\d+))?/.exec(String(pkg.engines?.node)) ?? [];
    expect(Number(major) * 1000 + Number(minor ?? 0)).toBeGreaterThanOrEqual(20_005);
    // What `await using` needs of the Node running the tests, as of any the engines admit.
    expect(typeof Symbol.asyncDispose).toBe("symbol");
  });
});
