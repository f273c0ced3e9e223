// Codex.start over a fake transport in place of the child process, for tests that decide which
// messages arrive when: `vi.mock("../../src/transport/stdio.js", () => fakeStdio(Base, keep))`.
import type { Codex as CodexClass, CodexOptions } from "../../src/index.js";
import type { FakeTransport } from "./fake-transport.js";

/**
 * The module that replaces stdio.js: its transport is a `Base`, each one made handed to `made`
 * (read only then: the mock's factory may run before the test file's own variables exist).
 */
export function fakeStdio<T extends FakeTransport>(
  Base: new () => T,
  made: (transport: T) => void,
): { StdioTransport: new () => FakeTransport } {
  const Fake = Base as new () => FakeTransport;
  class StdioTransport extends Fake {
    constructor() {
      super();
      made(this as unknown as T);
    }
    get pid(): undefined {
      return undefined;
    }
    get stats(): Record<string, number> {
      return {};
    }
  }
  return { StdioTransport };
}

/** Starts `Codex` over the fake transport, answering its `initialize` with `initialized`. */
export async function startOverFake<T extends FakeTransport>(
  Codex: typeof CodexClass,
  made: readonly T[],
  initialized: unknown,
  options: CodexOptions = {},
): Promise<{ codex: CodexClass; transport: T }> {
  const starting = Codex.start({ launchArgs: ["codex-stand-in"], ...options });
  await Promise.resolve();
  const transport = made.at(-1)!;
  const init = await transport.waitForSent(1);
  transport.deliver({ id: init.id, result: initialized });
  return { codex: await starting, transport };
}
