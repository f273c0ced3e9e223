// Shared by standin.mjs and proxy.mjs: the control channel to the test process, line framing on
// bytes, and the raw writes both scripts can be told to make. Plain JavaScript so the scripts run
// on Node without a loader.
import { Buffer } from "node:buffer";
import { setTimeout } from "node:timers";
import net from "node:net";

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into lines (without the newline). Each line is handed on as the exact bytes
 * received, so a relay can forward it unchanged, invalid UTF-8 included.
 */
export function lineSplitter(onLine) {
  let pending = [];
  return {
    push(chunk) {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(NEWLINE, start);
        if (nl === -1) break;
        const piece = chunk.subarray(start, nl);
        const line = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
        pending = [];
        onLine(line);
        start = nl + 1;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    },
    /** The last line if it had no newline, or undefined. */
    end() {
      if (pending.length === 0) return undefined;
      const rest = Buffer.concat(pending);
      pending = [];
      return rest;
    },
  };
}

/** Parses a line as JSON, or returns undefined. */
export function parseJson(bytes) {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
}

/** Reads `--control HOST:PORT` and what follows `--` from argv. */
export function parseArgv(argv) {
  const out = { control: undefined, pathDir: undefined, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      out.rest = argv.slice(i + 1);
      break;
    }
    if (arg === "--control") out.control = argv[++i];
    else if (arg === "--path-dir") out.pathDir = argv[++i];
    else throw new Error(`unknown argument ${arg}`);
  }
  if (out.control === undefined) throw new Error("--control HOST:PORT is required");
  return out;
}

/**
 * Connects to the test's control server (newline-delimited JSON both ways). Resolves once the
 * test's first message (the config) arrives. When the test goes away, `onLost` runs.
 */
export function connectControl(address, role, onMessage, onLost) {
  const colon = address.lastIndexOf(":");
  const socket = net.connect({
    host: address.slice(0, colon),
    port: Number(address.slice(colon + 1)),
  });
  socket.setNoDelay(true);
  let lost = false;
  const lose = () => {
    if (lost) return;
    lost = true;
    onLost();
  };
  socket.on("error", lose);
  socket.on("close", lose);
  const send = (message) => {
    if (!socket.destroyed && socket.writable) socket.write(JSON.stringify(message) + "\n");
  };
  let gotConfig;
  const config = new Promise((resolve) => (gotConfig = resolve));
  let first = true;
  const lines = lineSplitter((line) => {
    const message = JSON.parse(line.toString("utf8"));
    if (first) {
      first = false;
      gotConfig(message);
    } else onMessage(message);
  });
  socket.on("data", (chunk) => lines.push(chunk));
  socket.on("connect", () => send({ t: "hello", role, pid: process.pid }));
  return {
    send,
    config,
    /** Sends what is queued, then closes the channel. */
    flush() {
      return new Promise((resolve) => {
        if (socket.destroyed) return resolve();
        socket.end(resolve);
        setTimeout(resolve, 500).unref();
      });
    },
  };
}

/** Writes to a stream and resolves once the data is handed to the OS. */
export function writeTo(stream, data) {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    stream.write(data, () => resolve());
  });
}

/**
 * Performs one write action on `stream`. Returns false for actions that are not writes (the caller
 * handles `exit`, `delayMs` and the rest).
 */
export async function writeAction(stream, action) {
  if (action.message !== undefined) {
    await writeTo(stream, JSON.stringify(action.message) + "\n");
  } else if (action.line !== undefined) {
    await writeTo(stream, action.line + "\n");
  } else if (action.bytes64 !== undefined) {
    await writeTo(stream, Buffer.from(action.bytes64, "base64"));
  } else if (action.bigLine !== undefined) {
    // `size` bytes in all (newline not counted): prefix, then `fill` repeated, then suffix.
    const { size, prefix = "", suffix = "", fill = "x", newline = true } = action.bigLine;
    const head = Buffer.from(prefix, "utf8");
    const tail = Buffer.from(suffix, "utf8");
    const body = Buffer.alloc(Math.max(0, size - head.length - tail.length), fill);
    await writeTo(stream, Buffer.concat([head, body, tail, Buffer.from(newline ? "\n" : "")]));
  } else if (action.delayMs !== undefined) {
    await new Promise((resolve) => setTimeout(resolve, action.delayMs));
  } else {
    return false;
  }
  return true;
}

/** Reports every exit path (and the exit code) to the test before the process ends. */
export async function exitAfterFlush(control, code, beforeExit) {
  control.send({ t: "exiting", code });
  beforeExit?.();
  await writeTo(process.stdout, "");
  await control.flush();
  process.exit(code);
}

/**
 * Handles one message from the test (after the config): an `answer` settles the pending ask it
 * names in `asks` (ask number -> resolve), with the answer it carries; a `cmd` is carried out by
 * `command` and acknowledged with its `seq`, plus the error message when it failed. Other messages
 * are ignored.
 */
export async function handleControl(message, { asks, command, control }) {
  if (message.t === "answer") {
    asks.get(message.ask)?.(message.answer);
    asks.delete(message.ask);
    return;
  }
  if (message.t !== "cmd") return;
  try {
    await command(message.cmd);
    control.send({ t: "ack", seq: message.seq });
  } catch (err) {
    control.send({ t: "ack", seq: message.seq, error: String(err?.message ?? err) });
  }
}
