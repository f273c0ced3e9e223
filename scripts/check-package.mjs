// Checks the built package as a user gets it: the three `exports` entries resolve by name (through
// package self-reference), share one copy of each class, and run a turn and a command on the
// offline mock; an abort's reason survives the files loaded on first use; and the testing kit
// stops a test's app-server when the runner ends the test process.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import readline from "node:readline";
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import { WebSocketServer } from "ws";
import * as sdk from "codex-app-server-sdk";
import * as testing from "codex-app-server-sdk/testing";
import { NOTIFICATION_ROUTES } from "codex-app-server-sdk/types";

const { Codex, TurnFailedError, SDK_VERSION } = sdk;
const { createTestCodex } = testing;
assert.equal(NOTIFICATION_ROUTES["turn/completed"].turnId, "turn.id");
// Each class keeps the name it is exported as, in both builds: the bundler renames a class that
// names itself in its body (`class _Codex`), which is what a user's logs would show.
const commonJs = createRequire(import.meta.url)("../dist/cjs/sdk.cjs");
for (const [build, entries] of [
  ["ES", { index: sdk, testing }],
  ["CommonJS", commonJs],
]) {
  for (const [entry, values] of Object.entries(entries)) {
    for (const [name, value] of Object.entries(values)) {
      if (
        typeof value !== "function" ||
        !/^class\b/.test(Function.prototype.toString.call(value))
      ) {
        continue;
      }
      assert.equal(value.name, name, `${build} ${entry} entry: class ${name} keeps its name`);
    }
  }
}
// Each ES entry exports at run time what its CommonJS twin does, which is what the source's entry
// exports: nothing the ES build links its files by (the internals it keeps on `Codex`).
for (const [entry, values] of Object.entries({ index: sdk, testing })) {
  assert.deepEqual(
    Object.keys(values).sort(),
    Object.keys(commonJs[entry]).sort(),
    `the ES ${entry} entry exports what the CommonJS one does`,
  );
}
const t = await createTestCodex();
try {
  assert.ok(t.codex instanceof Codex, "testing and the main entry share the Codex class");
  t.mock.enqueueAssistantMessage("built and working");
  const thread = await t.codex.threadStart();
  assert.equal((await thread.run("hello")).finalResponse, "built and working");
  t.mock.enqueueFailure("expected failure");
  const err = await thread.run("fail").catch((e) => e);
  assert.ok(err instanceof TurnFailedError, "errors keep their class across entries");
  // A command's code is a file of its own, loaded on the first exec; what it returns and throws
  // are the entry's classes.
  const command = await t.codex.exec(["sh", "-c", "echo built"]);
  assert.ok(command instanceof sdk.CommandHandle, "a command's handle is the entry's class");
  assert.equal((await command.wait()).stdout, "built\n");
  const slow = await t.codex.exec(["sleep", "30"], { timeout: 100 });
  const stopped = await slow.wait().catch((e) => e);
  assert.ok(stopped instanceof sdk.CommandAbortedError, "a command's errors keep their class");
} finally {
  await t.close();
}

// An abort's reason recorded by a file loaded on first use (a review's, aborted while its fork
// waits for an answer) is known as the caller's in the entry's file, not renamed as the call's
// timeout: the ES build keeps one record of them. A scripted server never answers the fork.
const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
await once(server, "listening");
const controller = new AbortController();
const reason = new sdk.RequestTimeoutError("model/list", 1000);
server.on("connection", (socket) => {
  socket.on("message", (data) => {
    const { id, method } = JSON.parse(String(data));
    if (method === "initialize") {
      const result = { userAgent: "codex/0", serverInfo: { name: "codex", version: "0" } };
      socket.send(JSON.stringify({ id, result }));
    }
    if (method === "thread/fork") controller.abort(reason);
  });
});
const scripted = await Codex.connect(`ws://127.0.0.1:${server.address().port}`);
try {
  const review = scripted.thread("th").review("uncommittedChanges", {
    delivery: "detached",
    signal: controller.signal,
    timeout: 60_000,
  });
  assert.equal(await review.catch((e) => e), reason, "an aborted review rejects with its reason");
} finally {
  await scripted.close();
  server.close();
}

// A test process the runner ends with SIGTERM mid-test: the kit stops the app-server the client
// spawned and removes its home. The kit takes the table of live app-servers from the main entry:
// a copy of its own would be empty, and the server would write its home again once removed.
const child = spawn(
  process.execPath,
  [
    "--input-type=module",
    "-e",
    'const { createTestCodex } = await import("codex-app-server-sdk/testing");' +
      "const t = await createTestCodex(); await t.codex.threadStart();" +
      "console.log(JSON.stringify([t.codex.pid, t.home.codexHome])); setInterval(() => {}, 1000);",
  ],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const [line] = await once(readline.createInterface({ input: child.stdout }), "line");
const [serverPid, home] = JSON.parse(line);
const ended = once(child, "exit");
child.kill("SIGTERM");
assert.deepEqual((await ended).slice(1), ["SIGTERM"], "the test process ends by its signal");
// The server is no child of this process: its state is read until it is gone.
const gone = () => {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${serverPid}/stat`, "utf8"));
  } catch {
    return true;
  }
};
for (let waited = 0; !gone() && waited < 10_000; waited += 20) await sleep(20);
assert.ok(gone(), "the app-server of a test ended by SIGTERM is stopped");
assert.ok(!existsSync(home), "the home of a test ended by SIGTERM is removed");

console.log(`package check: codex-app-server-sdk ${SDK_VERSION} works from dist/`);
