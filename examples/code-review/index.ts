/**
 * Code review: `thread.review()` reviews the uncommitted changes of a repository, streams the
 * review as it runs, and `run()` gives the findings in `result.review`. A second review runs
 * detached, on a fork of the thread, leaving the conversation as it was.
 */
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";

import { startCodex } from "../_shared/start.js";

await using session = await startCodex();
const { codex, script, workDir } = session;

// A small repository: one commit, then an uncommitted change with a bug in it.
const git = (...args: string[]) => execFileSync("git", args, { cwd: workDir, encoding: "utf8" });
const source = path.join(workDir, "math.js");
git("init", "-q", "-b", "main");
git("config", "user.email", "example@example.com");
git("config", "user.name", "Example");
await writeFile(source, "export function average(xs) {\n  return sum(xs) / xs.length;\n}\n");
git("add", ".");
git("commit", "-qm", "add average");
await writeFile(source, "export function average(xs) {\n  return sum(xs) / (xs.length - 1);\n}\n");

// Offline, the mock model answers as a reviewer does: JSON the runtime renders into the review.
const reviewerAnswer = (title: string, body: string) =>
  JSON.stringify({
    findings: [
      {
        title,
        body,
        confidence_score: 0.9,
        priority: 1,
        code_location: { absolute_file_path: source, line_range: { start: 2, end: 2 } },
      },
    ],
    overall_correctness: "patch is incorrect",
    overall_explanation: "The new divisor makes every average wrong.",
    overall_confidence_score: 0.8,
  });

const thread = await codex.threadStart({ cwd: workDir });

script.reply(reviewerAnswer("[P1] Off-by-one divisor", "Dividing by length - 1 skews the mean."));
const review = await thread.review("uncommittedChanges");
for await (const event of review.stream()) {
  if (event.method === "item/completed" && event.params.item.type === "enteredReviewMode") {
    console.log(`reviewing: ${event.params.item.review}`);
  }
}
const result = await review.run();
console.log(`status: ${result.status}\n\n${result.review}\n`);

// A detached review runs on a fork, so it needs a thread with a turn: talk first.
script.reply("Thanks, I will fix the divisor.");
await thread.run("I changed how the average is computed.");
script.reply(reviewerAnswer("[P2] Empty input", "An empty array now divides by -1."));
const detached = await thread.review(
  { instructions: "Check math.js for edge cases." },
  { delivery: "detached" },
);
const second = await detached.run();
console.log(`detached review on thread ${detached.threadId} (not ${thread.id}):`);
console.log(second.review);
