// Properties of LineDecoder: whatever way the byte stream is cut into chunks, the decoder emits
// exactly the lines that were written, in order, none lost, duplicated or mangled. Its rules: it
// cuts on the newline byte; one "\r" right before it goes with it (CRLF endings); a line left
// empty is skipped; end() emits an unterminated last line by the same rules.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineDecoder, TextTail } from "../../src/transport/lines.js";

/** A line's text: any well-formed Unicode (multi-byte UTF-8 included) without a newline. */
const lineText = fc
  .oneof(
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.string({ unit: "grapheme", maxLength: 20 }),
    fc.constantFrom("", "\r", "\r\r", " ", "é", "😀", "\u0000", "{}", "a\rb"),
  )
  .map((s) => s.replaceAll("\n", ""))
  // Lone surrogates have no UTF-8 form; the wire never carries them.
  .filter((s) => Buffer.from(s, "utf8").toString("utf8") === s);

/** Cut points into a buffer of `length` bytes: sorted, distinct, inside (0, length). */
function cutsFor(length: number) {
  return fc
    .oneof(
      {
        weight: 4,
        arbitrary: fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) })),
      },
      // Now and then every byte on its own.
      {
        weight: 1,
        arbitrary: fc.constant(Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1)),
      },
    )
    .map((cuts) => [...new Set(cuts)].filter((c) => c > 0 && c < length).sort((a, b) => a - b));
}

function chunked(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let from = 0;
  for (const cut of cuts) {
    chunks.push(bytes.subarray(from, cut));
    from = cut;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

function decode(chunks: readonly Buffer[], end = true): string[] {
  const out: string[] = [];
  const decoder = new LineDecoder(
    (line) => out.push(line),
    () => expect.unreachable("no line here is too long to hold"),
  );
  // Copies, so a decoder that kept a view into a chunk we reuse would show.
  for (const chunk of chunks) decoder.push(Buffer.from(chunk));
  if (end) decoder.end();
  return out;
}

/** Bytes of the lines with their endings, and the arbitrary that cuts them. */
const stream = (ending: fc.Arbitrary<string>) =>
  fc.array(fc.tuple(lineText, ending), { maxLength: 25 }).chain((lines) => {
    const bytes = Buffer.from(lines.map(([text, end]) => text + end).join(""), "utf8");
    return fc.tuple(fc.constant(lines), fc.constant(bytes), cutsFor(bytes.length));
  });

/** What the decoder emits for a line's text: one trailing "\r" dropped, nothing if empty. */
const emitted = (text: string): string[] => {
  const line = text.endsWith("\r") ? text.slice(0, -1) : text;
  return line === "" ? [] : [line];
};

describe("LineDecoder properties", () => {
  it("emits exactly the non-empty lines, in order, however the bytes are chunked (LF)", () => {
    fc.assert(
      fc.property(stream(fc.constant("\n")), ([lines, bytes, cuts]) => {
        const expected = lines.flatMap(([text]) => emitted(text));
        expect(decode(chunked(bytes, cuts))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("with CRLF or mixed endings, drops the ending's \\r, and skips blank lines", () => {
    fc.assert(
      fc.property(stream(fc.constantFrom("\n", "\r\n")), ([lines, bytes, cuts]) => {
        const expected = lines.flatMap(([text, end]) =>
          end === "\r\n" ? (text === "" ? [] : [text]) : emitted(text),
        );
        expect(decode(chunked(bytes, cuts))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("round-trips JSON messages sent with CRLF endings, whatever the chunking", () => {
    const messages = fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 15 });
    fc.assert(
      fc.property(
        messages.chain((values) => {
          const bytes = Buffer.from(values.map((v) => `${JSON.stringify(v)}\r\n`).join(""));
          return fc.tuple(fc.constant(values), fc.constant(bytes), cutsFor(bytes.length));
        }),
        ([values, bytes, cuts]) => {
          const parsed = decode(chunked(bytes, cuts)).map((line) => JSON.parse(line) as unknown);
          // JSON.stringify(-0) is "0": compare what the wire can carry.
          expect(parsed).toEqual(values.map((v) => JSON.parse(JSON.stringify(v)) as unknown));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("holds an unterminated last line until end(), and emits it once", () => {
    fc.assert(
      fc.property(
        stream(fc.constant("\n")),
        lineText.filter((text) => emitted(text).length > 0),
        ([lines, bytes, cuts], last) => {
          const tail = Buffer.from(last, "utf8");
          const all = Buffer.concat([bytes, tail]);
          const chunks = chunked(
            all,
            [...cuts, bytes.length].filter((c) => c > 0),
          );
          const complete = lines.flatMap(([text]) => emitted(text));
          expect(decode(chunks, false)).toEqual(complete);
          expect(decode(chunks, true)).toEqual([...complete, ...emitted(last)]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("reports each line longer than the bound by its start, in its place, and emits the others", () => {
    const max = 12;
    fc.assert(
      fc.property(
        stream(fc.constantFrom("\n", "\r\n")),
        lineText,
        fc.boolean(),
        ([lines, bytes, cuts], last, end) => {
          const events: string[] = [];
          const decoder = new LineDecoder(
            (line) => events.push(`line ${line}`),
            (head) => events.push(`overlong ${head}`),
            max,
          );
          const all = Buffer.concat([bytes, Buffer.from(last, "utf8")]);
          for (const chunk of chunked(
            all,
            [...cuts, bytes.length].filter((c) => c > 0),
          )) {
            decoder.push(Buffer.from(chunk));
          }
          if (end) decoder.end();
          // The bound counts what comes before the newline, a CR included.
          const expected = (text: string) =>
            text.length > max
              ? [`overlong ${text.slice(0, max)}`]
              : emitted(text).map((l) => `line ${l}`);
          expect(events).toEqual([
            ...lines.flatMap(([text, ending]) => expected(ending === "\r\n" ? `${text}\r` : text)),
            ...(end ? expected(last) : []),
          ]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("skips a line far longer than the bound, and goes on with the next", () => {
    const events: string[] = [];
    const decoder = new LineDecoder(
      (line) => events.push(`line ${line}`),
      (head) => events.push(`overlong ${head.length} ${head.slice(0, 8)}`),
      1000,
    );
    decoder.push(Buffer.from('{"id":1,'));
    for (let i = 0; i < 1000; i++) decoder.push(Buffer.alloc(1000, 120));
    decoder.push(Buffer.from('"}\n{"id":2}\n'));
    expect(events).toEqual(['overlong 256 {"id":1,', 'line {"id":2}']);
  });

  it("decodes lines of any size split anywhere, multi-byte characters cut in the middle", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom("a", "é", "€", "😀"), fc.integer({ min: 1, max: 20_000 })),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.array(fc.integer({ min: 1, max: 70_000 }), { maxLength: 12 }),
        (runs, rawCuts) => {
          const lines = runs.map(([char, count]) => char.repeat(count));
          const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(""), "utf8");
          const cuts = [...new Set(rawCuts.map((c) => c % bytes.length))]
            .filter((c) => c > 0)
            .sort((a, b) => a - b);
          expect(decode(chunked(bytes, cuts))).toEqual(lines);
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** The longest end of `text` of at most `max` characters that starts where a line starts. */
function wholeLinesEnd(text: string, max: number): string {
  for (let at = Math.max(0, text.length - max); at < text.length; at++) {
    if (at === 0 || text[at - 1] === "\n") return text.slice(at);
  }
  return "";
}

describe("TextTail properties", () => {
  it("keeps the longest end of the stream that fits its bound and starts a line, however it is pushed", () => {
    const pieces = fc.array(
      fc.oneof(
        fc.constantFrom("\n", "secret-line\n", "\n\n"),
        fc.string({ maxLength: 30 }),
        fc.integer({ min: 1, max: 400 }).map((n) => "x".repeat(n)),
      ),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(pieces, fc.integer({ min: 1, max: 200 }), (chunks, max) => {
        const tail = new TextTail(max);
        let all = "";
        for (const chunk of chunks) {
          tail.push(chunk);
          all += chunk;
          expect(tail.text()).toBe(wholeLinesEnd(all, max));
        }
      }),
      { numRuns: 300 },
    );
  });
});
