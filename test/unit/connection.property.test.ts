// Property of the connection's text judge: a long line it drops without parsing is always a
// notification of a method of the protocol that nobody reads. Each generated line goes to two
// connections, one that judges (an interest is set) and one that parses every line: what they
// deliver, answer and settle must be the same, except that the first may lack such a
// notification. The lines are written out field by field, so they can carry what JSON.stringify
// never writes: fields in any order, a key twice, a key spelled with an escape.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SERVER_NOTIFICATION_METHODS } from "../../src/generated/maps.js";
import { Connection, type RawNotification } from "../../src/rpc/connection.js";
import { FakeTransport } from "../support/fake-transport.js";

const KNOWN: ReadonlySet<string> = new Set(SERVER_NOTIFICATION_METHODS);
/** The methods lines use and interests name: known notifications, and others. */
const METHODS = [
  "item/started",
  "item/completed",
  "item/agentMessage/delta",
  "thread/tokenUsage/updated",
  "account/rateLimits/updated",
  "item/commandExecution/requestApproval",
  "not/known",
  "",
] as const;
/** Past this many characters a line is judged before it is parsed (see `JUDGED_MIN_CHARS`). */
const LONG = 4096;
/** The id of the request each connection has in flight when the line arrives. */
const PENDING_ID = 1;

type Entry = readonly [key: string, value: unknown];

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...METHODS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const params = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);
const id = fc.oneof(
  fc.constant(PENDING_ID),
  fc.constant(String(PENDING_ID)),
  fc.constantFrom(7, "r-7", null, 1.5, true),
);
/** A field after the params: mostly what the runtime adds (integers), sometimes anything. */
const trailing = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom("emittedAtMs", "a", "seq"), fc.integer()) },
  // An id makes the line a request, which must be answered, whatever comes before it.
  { weight: 2, arbitrary: fc.tuple(fc.constant("id"), id) },
  {
    weight: 2,
    arbitrary: fc.tuple(
      fc.constantFrom("method", "params", "result", "error", "note", "emittedAtMs"),
      fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.jsonValue()),
    ),
  },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 })) },
);

/** A message's fields, in order: mostly a notification as the runtime writes one, else anything. */
const entries: fc.Arbitrary<Entry[]> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(method, params, fc.array(trailing, { maxLength: 3 }))
      .map(([m, p, rest]): Entry[] => [["method", m], ["params", p], ...rest]),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(method, params, id, fc.array(trailing, { maxLength: 2 }))
      .chain(([m, p, i, rest]) =>
        fc.shuffledSubarray<Entry>([["method", m], ["params", p], ["id", i], ...rest]),
      ),
  },
);

/** How a line is made long enough to be judged, if it is. */
const padding = fc.constantFrom("none", "params", "field");

/** Writes the fields as one line; `escaped` spells that field's key with a \u escape. */
function lineOf(fields: Entry[], pad: "none" | "params" | "field", escaped: number): string {
  const parts = fields.map(([key, value], i) => {
    let valueText = JSON.stringify(value) ?? "null";
    if (pad === "params" && key === "params" && valueText.startsWith("{")) {
      valueText = `{${" ".repeat(LONG)}${valueText.slice(1)}`;
    }
    const keyText =
      i === escaped && key.length > 0
        ? `"\\u${key.charCodeAt(0).toString(16).padStart(4, "0")}${JSON.stringify(key.slice(1)).slice(1)}`
        : JSON.stringify(key);
    return `${keyText}:${valueText}`;
  });
  if (pad === "field") parts.splice(1, 0, `"pad":"${"x".repeat(LONG)}"`);
  return `{${parts.join(",")}}`;
}

interface Effects {
  readonly delivered: RawNotification[];
  readonly sent: Record<string, unknown>[];
  readonly settled: unknown;
}

/** Feeds one line to a fresh connection with one request in flight, and records what it did. */
async function effectsOf(line: string, wants?: (method: string) => boolean): Promise<Effects> {
  const transport = new FakeTransport();
  const connection = new Connection(transport);
  if (wants !== undefined) connection.setInterest(wants);
  const delivered: RawNotification[] = [];
  connection.onNotification((n) => delivered.push(n));
  let settled: unknown = "pending";
  connection.request("model/list", {}).then(
    (result) => (settled = { result }),
    (err: unknown) => (settled = { error: (err as Error).name }),
  );
  const request = await transport.waitForSent(1);
  expect(request.id).toBe(PENDING_ID);
  transport.line(line);
  // What the line sets off (a reply to a server request, a settled call) runs on microtasks,
  // which have all run by the next macrotask.
  await new Promise<void>((resolve) => setImmediate(resolve));
  const effects = { delivered, sent: transport.sent.slice(1), settled };
  await connection.close();
  return effects;
}

describe("Connection's text judge (property)", () => {
  it("drops unparsed only notifications of a known method nobody reads", async () => {
    let dropped = 0;
    let judged = 0;
    await fc.assert(
      fc.asyncProperty(
        entries,
        padding,
        fc.integer({ min: -1, max: 4 }),
        fc.subarray([...METHODS]),
        async (fields, pad, escaped, wanted) => {
          const line = lineOf(fields, pad, escaped);
          const wants = (m: string) => (wanted as string[]).includes(m);
          const withJudge = await effectsOf(line, wants);
          const parsed = await effectsOf(line);
          if (line.length >= LONG) judged++;
          expect(withJudge.sent).toEqual(parsed.sent);
          expect(withJudge.settled).toEqual(parsed.settled);
          if (withJudge.delivered.length === parsed.delivered.length) {
            expect(withJudge.delivered).toEqual(parsed.delivered);
            return;
          }
          dropped++;
          expect(line.length).toBeGreaterThanOrEqual(LONG);
          expect(withJudge.delivered).toEqual([]);
          expect(parsed.delivered).toHaveLength(1);
          const [notification] = parsed.delivered;
          expect(KNOWN.has(notification!.method)).toBe(true);
          expect(wants(notification!.method)).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
    // The generator must reach the judge, and the judge must drop some lines, or this proves
    // nothing.
    expect(judged).toBeGreaterThan(100);
    expect(dropped).toBeGreaterThan(10);
  });
});
