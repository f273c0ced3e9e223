// What the client knows of the threads it follows stays true when the server answers several
// follow-up requests in one read. Codex runs here over a fake transport in place of the child
// process, so the test decides which answers arrive together.
import { expect, it, vi } from "vitest";
import { FakeTransport } from "../support/fake-transport.js";

const transports: FakeTransport[] = [];
vi.mock("../../src/transport/stdio.js", async () => {
  const { FakeTransport: Fake } = await import("../support/fake-transport.js");
  class StdioTransport extends Fake {
    constructor() {
      super();
      transports.push(this);
    }
    get pid(): undefined {
      return undefined;
    }
  }
  return { StdioTransport };
});

const { Codex } = await import("../../src/index.js");

async function startCodex() {
  const starting = Codex.start({ launchArgs: ["codex-stand-in"] });
  await Promise.resolve();
  const transport = transports.at(-1)!;
  const init = await transport.waitForSent(1);
  transport.deliver({
    id: init.id,
    result: { userAgent: "codex/0.0.1", serverInfo: { name: "codex", version: "0.0.1" } },
  });
  return { codex: await starting, transport };
}

it("keeps the unsubscribe answered right after a resume in the same read", async () => {
  const { codex, transport } = await startCodex();
  const thread = codex.thread("th");
  const before = transport.sent.length;
  const resumed = codex.threadResume("th");
  const unsubscribed = thread.unsubscribe();
  const resume = await transport.waitForSent(before + 1);
  const unsubscribe = await transport.waitForSent(before + 2);
  expect([resume.method, unsubscribe.method]).toEqual(["thread/resume", "thread/unsubscribe"]);
  // One read: the two answers are handled before either caller's code goes on.
  transport.deliver({ id: resume.id, result: { thread: { id: "th" } } });
  transport.deliver({ id: unsubscribe.id, result: { status: "unsubscribed" } });
  await resumed;
  await unsubscribed;
  // The unsubscribe was the last word: a turn is refused, and nothing is sent.
  await expect(thread.run("x")).rejects.toThrow(/unsubscribed from thread th/);
  expect(transport.sent.filter((m) => m.method === "turn/start")).toHaveLength(0);
  await codex.close();
});
