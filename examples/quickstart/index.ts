/**
 * Quickstart: start the app-server, open a thread, stream one answer, print the result.
 *
 * In your own project, write `Codex.start()` where this uses `startCodex()` (which adds the
 * offline mock when no account is configured).
 */
import { startCodex } from "../_shared/start.js";

await using session = await startCodex();
const { codex, script } = session;

const { serverInfo, platformOs } = codex.metadata;
console.log(`Connected to codex app-server ${serverInfo.version} on ${platformOs}`);

const thread = await codex.threadStart();
console.log(`Thread ${thread.id}\n`);

const prompt = "In three sentences: what is a good first step when a test fails only in CI?";
script.reply(
  "First, reproduce the CI environment locally: same runtime version, same environment " +
    "variables, and a clean checkout. Then read the failing test's full log, not just the " +
    "summary, looking for ordering, timing or network assumptions. Finally, rerun that test " +
    "alone in a loop to tell a real regression from a flaky one.",
);

console.log(`> ${prompt}\n`);
const turn = await thread.turn(prompt);
// The runtime retries a model request it could not make for as long as the provider cannot be
// reached (no network, a proxy down): the signal bounds the turn, and each retry is shown.
for await (const event of turn.stream({ signal: AbortSignal.timeout(90_000) })) {
  if (event.method === "item/agentMessage/delta") process.stdout.write(event.params.delta);
  if (event.method === "error" && event.params.willRetry) {
    const { message, additionalDetails } = event.params.error;
    console.error(`[retrying] ${message}${additionalDetails ? ` (${additionalDetails})` : ""}`);
  }
}
const result = await turn.run();

console.log(`\n\nstatus: ${result.status}`);
console.log(`items: ${result.items.length} (${result.items.map((item) => item.type).join(", ")})`);
console.log(`tokens: ${result.usage?.total.totalTokens ?? "n/a"}`);
