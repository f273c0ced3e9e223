import { readFileSync } from "node:fs";
import type { Wire } from "./fuzz-wire.js";

/**
 * One script recorded from the runtime and the mock model (test/support/fixtures/client-fuzz.jsonl,
 * made by scripts/record-client-fuzz.ts): the answers to the client's requests, and what the
 * server sent after the answer recorded last, to the request that `starts` it (`turn/start`, a
 * goal's `thread/goal/set`, `thread/compact/start`).
 */
export interface Recording {
  readonly answers: Readonly<Record<string, Wire>>;
  readonly starts: string;
  readonly messages: readonly Wire[];
}

/** Each scenario's recording, by its name ("plain", "approval", "steer", ...). */
export const RECORDED: ReadonlyMap<string, Recording> = (() => {
  const text = readFileSync(new URL("fixtures/client-fuzz.jsonl", import.meta.url));
  const out = new Map<
    string,
    { answers: Record<string, Wire>; starts: string; messages: Wire[] }
  >();
  for (const line of text.toString("utf8").split("\n").filter(Boolean)) {
    const { scenario, answer, result, message } = JSON.parse(line) as {
      scenario: string;
      answer?: string;
      result?: Wire;
      message?: Wire;
    };
    let entry = out.get(scenario);
    if (entry === undefined) out.set(scenario, (entry = { answers: {}, starts: "", messages: [] }));
    if (answer !== undefined) entry.answers[(entry.starts = answer)] = result!;
    else entry.messages.push(message!);
  }
  return out;
})();
