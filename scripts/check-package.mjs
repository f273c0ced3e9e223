// Checks the built package as a user gets it: the three `exports` entries resolve by name (through
// package self-reference), share one copy of each class, and run a turn on the offline mock.
import assert from "node:assert/strict";
import { Codex, TurnFailedError, SDK_VERSION } from "codex-app-server-sdk";
import { createTestCodex } from "codex-app-server-sdk/testing";
import { NOTIFICATION_ROUTES } from "codex-app-server-sdk/types";

assert.equal(NOTIFICATION_ROUTES["turn/completed"].turnId, "turn.id");
const t = await createTestCodex();
try {
  assert.ok(t.codex instanceof Codex, "testing and the main entry share the Codex class");
  t.mock.enqueueAssistantMessage("built and working");
  const thread = await t.codex.threadStart();
  assert.equal((await thread.run("hello")).finalResponse, "built and working");
  t.mock.enqueueFailure("expected failure");
  const err = await thread.run("fail").catch((e) => e);
  assert.ok(err instanceof TurnFailedError, "errors keep their class across entries");
} finally {
  await t.close();
}
console.log(`package check: codex-app-server-sdk ${SDK_VERSION} works from dist/`);
