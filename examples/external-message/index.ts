/**
 * External messages: content from another tool or agent (here a chat notification), delivered to
 * the model as that tool's output rather than as the user's words. It starts a turn of its own
 * with `thread.run(message)`, or joins a running turn with `turn.steer(message)`.
 */
import { answerDisplay, externalMessage, isShown } from "codex-app-server-sdk";
import { startCodex } from "../_shared/start.js";

await using session = await startCodex();
const { codex, script } = session;
const thread = await codex.threadStart();

// A user request first, so the notification has something to relate to.
script.reply("Noted: I will watch the staging deployment.");
const asked = await thread.run("We are deploying to staging. Tell me if anything fails.");
console.log(`user turn: ${asked.finalResponse}`);

// Then a notification from Slack arrives: untrusted content, with a tool's authority only.
script.reply("The staging checks failed; the deployment should be held until they pass.");
const notified = await thread.run(
  externalMessage("notifications", "Deployment notification: the staging checks failed.", {
    namespace: "slack",
  }),
);
const delivered = notified.items.find((item) => item.type === "functionCallOutput");
console.log(`delivered as: ${delivered?.type} of ${delivered?.name}`);
if (isShown(answerDisplay(notified))) console.log(`answer: ${notified.finalResponse}`);
else console.log("answer withheld by moderation");
