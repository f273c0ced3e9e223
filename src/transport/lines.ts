const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines. It cuts on the newline byte before decoding, so a multi-byte
 * character split across chunks is never mangled, and a long line costs one copy, not one per
 * chunk.
 */
export class LineDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: Buffer): void {
    let start = 0;
    const first = chunk.indexOf(NEWLINE);
    if (first === -1) return this.keep(chunk, 0);
    if (this.pendingBytes > 0) {
      this.pending.push(chunk.subarray(0, first));
      this.emitLine(Buffer.concat(this.pending, this.pendingBytes + first).toString("utf8"));
      this.pending = [];
      this.pendingBytes = 0;
      start = first + 1;
    }
    // Every complete line left in the chunk is decoded in one go, then split.
    const last = chunk.lastIndexOf(NEWLINE);
    if (last > start) {
      for (const line of chunk.toString("utf8", start, last).split("\n")) this.emitLine(line);
    }
    this.keep(chunk, last + 1);
  }

  private keep(chunk: Buffer, from: number): void {
    if (from < chunk.length) {
      this.pending.push(chunk.subarray(from));
      this.pendingBytes += chunk.length - from;
    }
  }

  private emitLine(line: string): void {
    // A CRLF ending loses its CR too; an empty line is no message.
    const end =
      line.length > 0 && line.charCodeAt(line.length - 1) === CR ? line.length - 1 : line.length;
    if (end > 0) this.emit(end === line.length ? line : line.slice(0, end));
  }

  /** Emits a last unterminated line, if any. */
  end(): void {
    if (this.pendingBytes > 0) {
      const line = Buffer.concat(this.pending, this.pendingBytes).toString("utf8");
      this.pending = [];
      this.pendingBytes = 0;
      this.emitLine(line);
    }
  }
}

/** Keeps the last part of a text stream (stderr) within fixed bounds. */
export class TextTail {
  private chunks: string[] = [];
  private size = 0;

  constructor(private readonly maxChars = 64 * 1024) {}

  push(text: string): void {
    this.chunks.push(text);
    this.size += text.length;
    while (this.size > this.maxChars && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
    }
  }

  /** The last `lines` lines, at most `maxChars` characters. */
  tail(lines = 40, maxChars = 4000): string {
    // Only computed when an error is built, so clarity beats speed here.
    const out = this.chunks.join("").trimEnd().split("\n").slice(-lines).join("\n");
    return out.length > maxChars ? out.slice(out.length - maxChars) : out;
  }
}
