import type { Logger } from "../../src/internal/logger.js";
import { Log } from "../../src/internal/logger.js";

/** One message the SDK logged. */
export interface LogEntry {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
  readonly detail: unknown;
}

/** A `Logger` that keeps every message, and the SDK-side `Log` over it at debug level. */
export function captureLog(): { logger: Logger; log: Log; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry["level"]) =>
    (message: string, detail?: unknown): void => {
      entries.push({ level, message, detail });
    };
  const logger: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
  return { logger, log: new Log(logger, "debug"), entries };
}
