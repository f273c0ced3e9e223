import { describe, expect, it } from "vitest";
import { TransportClosedError } from "../../src/errors.js";
import { Secrets } from "../../src/internal/redact.js";
import { Connection } from "../../src/rpc/connection.js";
import { StdioTransport } from "../../src/transport/stdio.js";

describe("StdioTransport's stderr tail", () => {
  it("shows no part of a key the server printed where the tail is cut", async () => {
    const key = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0".repeat(4);
    // The tail keeps 4000 characters: the filler puts that cut three characters into the key.
    const filler = "z".repeat(4000 - (key.length - 3) - 1);
    const stderr = `Authorization: Bearer ${key}\n${filler}\n`;
    const script = `process.stderr.write(${JSON.stringify(stderr)}, () => process.exit(3));`;
    const secrets = new Secrets();
    secrets.add(key);
    const connection = new Connection(
      new StdioTransport({ command: process.execPath, args: ["-e", script], env: {} }),
      { secrets },
    );
    const err = (await connection.request("initialize", {}).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(TransportClosedError);
    const { exitCode, stderrTail } = err as TransportClosedError;
    expect(exitCode).toBe(3);
    expect(stderrTail.endsWith(filler)).toBe(true);
    for (const text of [stderrTail, err.message]) {
      for (let at = 0; at + 8 <= key.length; at++)
        expect(text).not.toContain(key.slice(at, at + 8));
    }
  });
});
