/**
 * A thread's life: two turns, list, read with turns, rename, archive and unarchive, resume with
 * overrides, fork, and compact.
 */
import { setTimeout } from "node:timers/promises";

import { ApprovalMode, Sandbox } from "codex-app-server-sdk";
import { startCodex } from "../_shared/start.js";

await using session = await startCodex();
const { codex, script } = session;

const thread = await codex.threadStart();
script.reply("Paris.");
await thread.run("What is the capital of France? One word.");
script.reply("Berlin.");
await thread.run("And of Germany? One word.");
console.log(`thread ${thread.id}: two turns done`);

const listed = await codex.threadList({ limit: 20, archived: false });
const found = listed.data.some((t) => t.id === thread.id);
console.log(`threadList: ${listed.data.length} thread(s); ours listed: ${found}`);

const { thread: stored } = await thread.read({ includeTurns: true });
console.log(`read: ${stored.turns.length} turns, preview ${JSON.stringify(stored.preview)}`);

await thread.setName("Capitals quiz");
console.log(`renamed: ${(await thread.read()).thread.name}`);

await codex.threadArchive(thread.id);
const archived = await codex.threadList({ archived: true });
console.log(`archived: in the archive list = ${archived.data.some((t) => t.id === thread.id)}`);
await codex.threadUnarchive(thread.id);
console.log("unarchived");

// Resume with overrides: they apply to the thread's later turns.
const resumed = await codex.threadResume(thread.id, {
  approvalMode: ApprovalMode.denyAll,
  sandbox: Sandbox.readOnly,
});
console.log(`resumed ${resumed.id} with approvalMode denyAll and a read-only sandbox`);

// A fork is a new thread that starts with a copy of the history, here on another model.
const models = await codex.models();
const otherModel = models.data.find((model) => !model.isDefault)?.id;
const fork = await codex.threadFork(thread.id, otherModel ? { model: otherModel } : {});
const forked = await fork.read({ includeTurns: true });
console.log(
  `forked ${fork.id} (model ${otherModel ?? "unchanged"}): ${forked.thread.turns.length} turns`,
);

// compact() returns once the server accepted it; the work ends with a contextCompaction item.
script.reply("Summary: the user asked for the capitals of France (Paris) and Germany (Berlin).");
const compacted = new Promise<void>((resolve) => {
  const off = codex.on("item/completed", ({ threadId, item }) => {
    if (threadId !== thread.id || item.type !== "contextCompaction") return;
    off();
    resolve();
  });
});
await thread.compact();
const gaveUp = setTimeout(60_000, "timed out", { ref: false });
console.log(`compact: ${await Promise.race([compacted.then(() => "done"), gaveUp])}`);
