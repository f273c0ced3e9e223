/**
 * `npm run demo`: the quickstart example end to end, right after `npm ci`.
 *
 * With a Codex login (`$CODEX_HOME/auth.json` or `~/.codex/auth.json`) or `OPENAI_API_KEY`, it
 * talks to the real Codex service with your normal config. Without, or with
 * `CODEX_SDK_OFFLINE=1`, the same code runs the real app-server against a local mock model, so
 * nothing leaves this machine. See examples/_shared/start.ts.
 */
import { detectMode } from "../examples/_shared/start.js";

const mode = detectMode();
console.log("codex-app-server-sdk demo: the quickstart example, end to end\n");

try {
  await import("../examples/quickstart/index.js");
  console.log(`\nThis ran against the ${mode.label}.`);
  if (mode.offline && !mode.forced) {
    console.log(
      "For real answers, log in with `npx codex login` (or set OPENAI_API_KEY) and rerun.",
    );
  }
  console.log("More examples: `npm run example` lists them; `npm run example -- <name>` runs one.");
} catch (error) {
  if (mode.offline) throw error;
  // The account is configured, but the service could not be used: no network, a login that
  // expired, a proxy down. Said as such, with the way to run offline.
  const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(`\nThe demo could not use the ${mode.label}:\n  ${why}`);
  console.error(
    "Check the network and the login; `CODEX_SDK_OFFLINE=1 npm run demo` runs it offline.",
  );
  process.exitCode = 1;
}
