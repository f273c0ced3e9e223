import { describe, expect, it } from "vitest";
import { CodexConfig } from "../../src/config.js";
import { Connection } from "../../src/rpc/connection.js";
import { FakeTransport } from "../support/fake-transport.js";

describe("CodexConfig.write", () => {
  it("rejects a value JSON would turn into null (which removes the key) before any I/O", async () => {
    const transport = new FakeTransport();
    const config = new CodexConfig(new Connection(transport));
    await expect(config.write("model_context_window", Number.NaN)).rejects.toThrow(
      /^edit\.value must be a finite number, got NaN$/,
    );
    await expect(config.write("tools", { web_search: true, x: Infinity } as never)).rejects.toThrow(
      /^edit\.value\.x must be a finite number/,
    );
    await expect(
      config.batchWrite([{ keyPath: "a", value: { when: new Date() } as never }]),
    ).rejects.toThrow(/^edits\[0\]\.value\.when must be a plain object or an array, got a Date$/);
    expect(transport.sent).toHaveLength(0);
  });
});
