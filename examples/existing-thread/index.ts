/**
 * Threads are stored by the server: resume one by id and carry on where it stopped.
 *
 *   npm run example -- existing-thread            creates a thread, then resumes it
 *   npm run example -- existing-thread <threadId> resumes a thread of yours (real service)
 */
import { startCodex } from "../_shared/start.js";

await using session = await startCodex();
const { codex, script } = session;

let threadId = process.argv[2];
if (threadId === undefined) {
  const first = await codex.threadStart();
  script.reply("Noted: the project codename is Bluebird.");
  const result = await first.run("Remember this: the project codename is Bluebird.");
  console.log(`new thread ${first.id}: ${result.finalResponse}`);
  threadId = first.id;
}

// `threadResume` loads the stored thread into the server and returns a handle to it.
const thread = await codex.threadResume(threadId);
const { thread: stored } = await thread.read({ includeTurns: true });
console.log(`resumed ${thread.id}: ${stored.turns.length} earlier turn(s)`);

script.reply("The project codename is Bluebird.");
const next = await thread.run("What is the project codename?");
console.log(`follow-up answer: ${next.finalResponse}`);
