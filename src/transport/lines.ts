import { constants } from "node:buffer";
import { StringDecoder } from "node:string_decoder";
import { plainLines } from "../internal/plain.js";

const CR = 0x0d;

/** The most characters V8 holds in one string. */
const MAX_LINE_CHARS = constants.MAX_STRING_LENGTH;

/** How much of a line too long to hold is kept for the report: its id and method are at its start. */
const HEAD_CHARS = 256;

/**
 * Splits a byte stream into lines. A `StringDecoder` keeps a multi-byte character cut across
 * chunks whole, and since UTF-8 never uses the newline byte inside a character, cutting the text
 * on "\n" cuts the bytes on the newline byte. A chunk is decoded in one native call and its lines
 * are handed on as slices of that text; the start of a line that spans chunks is kept as a rope,
 * so a long line is copied once, when it is complete, not once per chunk.
 *
 * A line longer than a string can hold (`maxChars`) would throw out of the stream's callback:
 * its start is kept, the rest skipped to the next newline, and `overlong` gets the start.
 */
export class LineDecoder {
  readonly #decoder = new StringDecoder("utf8");
  #rest = "";
  // The first characters of `#rest`, up to a head's length, kept apart: cut from the rope, they
  // would flatten all of it into one copy.
  #start = "";
  // The start of a line too long to hold, while the rest of it is skipped.
  #skipped: string | undefined;
  readonly #emit: (line: string) => void;
  readonly #overlong: (head: string) => void;
  readonly #maxChars: number;
  readonly #headChars: number;

  constructor(
    emit: (line: string) => void,
    overlong: (head: string) => void,
    maxChars = MAX_LINE_CHARS,
  ) {
    this.#emit = emit;
    this.#overlong = overlong;
    this.#maxChars = maxChars;
    this.#headChars = Math.min(HEAD_CHARS, maxChars);
  }

  readonly push = (chunk: Buffer): void => {
    const text = this.#decoder.write(chunk);
    let nl = text.indexOf("\n");
    if (nl === -1) return this.#keep(text);
    let from = 0;
    if (this.#rest !== "" || this.#skipped !== undefined) {
      this.#endLine(text, nl);
      from = nl + 1;
      nl = text.indexOf("\n", from);
    }
    while (nl !== -1) {
      // A CRLF ending loses its CR too; an empty line is no message.
      const end = nl > from && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
      if (nl - from > this.#maxChars) this.#overlong(text.slice(from, from + this.#headChars));
      else if (end > from) this.#emit(text.slice(from, end));
      from = nl + 1;
      nl = text.indexOf("\n", from);
    }
    if (from < text.length) this.#keep(text.slice(from));
  };

  /** Emits a last unterminated line, if any. */
  end(): void {
    const text = this.#decoder.end();
    this.#keep(text);
    if (this.#rest !== "" || this.#skipped !== undefined) this.#endLine("", 0);
  }

  // Ends the line begun in an earlier chunk at `text[nl]`. Only that line is joined: the whole
  // chunk might not fit beside a long start.
  #endLine(text: string, nl: number): void {
    const rest = this.#rest;
    const skipped = this.#skipped;
    if (skipped !== undefined) this.#overlong(skipped);
    else if (rest.length + nl > this.#maxChars) this.#overlong(this.#head(text));
    else this.#line(nl === 0 ? rest : rest + text.slice(0, nl));
    this.#rest = "";
    this.#start = "";
    this.#skipped = undefined;
  }

  // Adds to the line in progress, or skips it once it is too long to hold.
  #keep(text: string): void {
    if (this.#skipped !== undefined || text === "") return;
    if (this.#rest.length + text.length > this.#maxChars) {
      this.#skipped = this.#head(text);
      this.#rest = "";
      this.#start = "";
      return;
    }
    this.#rest += text;
    if (this.#start.length < this.#headChars) this.#start = this.#head(text);
  }

  // The start of the line `#rest` holds, completed from `text`, which follows it.
  #head(text: string): string {
    const missing = this.#headChars - this.#start.length;
    return missing > 0 ? this.#start + text.slice(0, missing) : this.#start;
  }

  // A line of more than one piece, by the same rules as the loop's.
  #line(line: string): void {
    const end = line.charCodeAt(line.length - 1) === CR ? line.length - 1 : line.length;
    if (end > 0) this.#emit(end === line.length ? line : line.slice(0, end));
  }
}

/**
 * Keeps the last whole lines of a text stream (stderr), at most `maxChars` characters. A push
 * appends; only when twice the bound has built up is the text joined and cut back to the bound,
 * so a chatty server costs a copy per `maxChars` characters, never a walk of the kept chunks per
 * push. A cut never leaves part of a line: the part it would leave is dropped, so a secret the
 * line holds is either kept whole, for redaction to find, or not at all.
 */
export class TextTail {
  #chunks: string[] = [];
  #size = 0;
  // Whether the stream is inside a line whose start was cut away: the rest of it is dropped too.
  #inCutLine = false;
  readonly #maxChars: number;

  constructor(maxChars = 64 * 1024) {
    this.#maxChars = maxChars;
  }

  push(chunk: string): void {
    let text = chunk;
    if (this.#inCutLine) {
      const nl = text.indexOf("\n");
      if (nl === -1) return;
      this.#inCutLine = false;
      text = text.slice(nl + 1);
    }
    this.#chunks.push(text);
    this.#size += text.length;
    if (this.#size > 2 * this.#maxChars) {
      const all = this.#chunks.join("");
      const from = lineStartWithin(all, this.#maxChars);
      this.#inCutLine = from === -1;
      const kept = from === -1 ? "" : all.slice(from);
      this.#chunks = [kept];
      this.#size = kept.length;
    }
  }

  /** The whole lines kept, as written. */
  text(): string {
    const all = this.#chunks.join("");
    const from = lineStartWithin(all, this.#maxChars);
    return from === -1 ? "" : all.slice(from);
  }
}

/**
 * Where the text's last `maxChars` characters start, moved forward to the start of a line; -1
 * when they all lie in its last line.
 */
function lineStartWithin(text: string, maxChars: number): number {
  if (text.length <= maxChars) return 0;
  const nl = text.indexOf("\n", text.length - maxChars - 1);
  return nl === -1 ? -1 : nl + 1;
}

/**
 * The last `lines` lines of a text, at most `maxChars` characters of them. It cuts anywhere, so
 * it is for text already redacted.
 */
export function lastLines(text: string, lines = 40, maxChars = 4000): string {
  // Only computed when an error is built, so clarity beats speed here. The runtime colours its
  // log lines even into a pipe: an error shows them plain.
  const out = plainLines(text)
    .trimEnd()
    .split("\n")
    .slice(-lines)
    .map((line) => line.trimEnd())
    .join("\n");
  return out.length > maxChars ? out.slice(out.length - maxChars) : out;
}
