import { appendFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

import { Codex, type ConfigValue, type EventMode } from "../../src/index.js";
import {
  createCodexHome,
  startMockResponsesServer,
  type CodexHome,
  type MockResponsesServer,
} from "../../src/testing/index.js";

const HOOK = fileURLToPath(new URL("../support/hook-command.mjs", import.meta.url));
const hookCommand = (mode: string) =>
  `${JSON.stringify(process.execPath)} ${JSON.stringify(HOOK)} ${mode}`;

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

// A client whose Codex home runs `hooks` (hooks.json), trusted as the runtime asks: each hook's
// current hash written back to config.toml.
async function startWithHooks(
  hooks: Record<string, ConfigValue>,
  events: EventMode,
  given: "hooks.json" | "configOverrides" = "hooks.json",
): Promise<{ codex: Codex; mock: MockResponsesServer }> {
  const mock = await startMockResponsesServer();
  cleanups.push(() => mock.close());
  const home: CodexHome = await createCodexHome({ mockUrl: mock.url });
  cleanups.push(() => home.cleanup());
  if (given === "hooks.json") {
    writeFileSync(path.join(home.codexHome, "hooks.json"), JSON.stringify({ hooks }));
  }
  const configOverrides = given === "configOverrides" ? { hooks } : undefined;
  const codex = await Codex.start({ cwd: home.workDir, env: home.env, events, configOverrides });
  cleanups.push(() => codex.close());
  const listed = (await codex.request("hooks/list", { cwds: [home.workDir] })) as {
    data: { hooks: { key: string; currentHash: string }[] }[];
  };
  for (const { hooks: found } of listed.data) {
    for (const hook of found) {
      const table = `[hooks.state.${JSON.stringify(hook.key)}]`;
      appendFileSync(
        home.configPath,
        `\n${table}\ntrusted_hash = ${JSON.stringify(hook.currentHash)}\n`,
      );
    }
  }
  return { codex, mock };
}

describe("hooks", () => {
  it("gives the runs of the turn's hooks in run()'s result, a blocked prompt's among them", async () => {
    const command = hookCommand("block-prompt");
    for (const events of ["all", "results"] as const) {
      const { codex, mock } = await startWithHooks(
        { UserPromptSubmit: [{ hooks: [{ type: "command", command }] }] },
        events,
      );
      mock.enqueueAssistantMessage("never used");
      const thread = await codex.threadStart();
      const turn = await thread.turn("here is my key");
      const streamed: string[] = [];
      for await (const event of turn.stream()) streamed.push(event.method);
      expect(streamed, events).toContain("hook/completed");
      const result = await turn.run();
      expect(result.status).toBe("completed");
      expect(result.finalResponse).toBeNull();
      expect(result.hooks).toHaveLength(1);
      expect(result.hooks[0]).toMatchObject({ eventName: "userPromptSubmit", status: "blocked" });
      expect(JSON.stringify(result.hooks[0]!.entries)).toContain("prompt refused by hook");
      // A turn of run() alone, which reads only what its result needs.
      const again = await thread.run("my key again");
      expect(again.hooks.map((run) => run.status)).toEqual(["blocked"]);
      expect(mock.responsesRequests).toHaveLength(0);
    }
  });

  it("gives a hook run of the turn's end in a result that run() alone reads, the hook given in configOverrides", async () => {
    // An array of tables, written as inline tables.
    const { codex, mock } = await startWithHooks(
      { Stop: [{ hooks: [{ type: "command", command: hookCommand("stop") }] }] },
      "results",
      "configOverrides",
    );
    mock.enqueueAssistantMessage("Done.");
    const thread = await codex.threadStart();
    const result = await thread.run("finish");
    expect(result.finalResponse).toBe("Done.");
    expect(result.hooks).toMatchObject([{ eventName: "stop", status: "stopped" }]);
  });
});
