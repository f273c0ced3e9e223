import { thrownMessage } from "./logger.js";

/**
 * Loads an optional peer dependency (`ws`, zod's core) the app installs, on first use. Where it
 * is missing (or too old to have the module asked for), the error says what to install; where it
 * is there but fails to load, it says so and why. Either way what the load threw is the cause.
 */
export async function loadPeer<T>(
  name: string,
  load: () => Promise<T>,
  missing: string,
): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    const message = NOT_THERE.has(code)
      ? missing
      : `the '${name}' package could not be loaded: ${thrownMessage(err)}`;
    throw new Error(message, { cause: err });
  }
}

/** The codes of a load that found no such module: ES `import()`, then CommonJS `require()`. */
const NOT_THERE: ReadonlySet<unknown> = new Set([
  "ERR_MODULE_NOT_FOUND",
  "ERR_PACKAGE_PATH_NOT_EXPORTED",
  "MODULE_NOT_FOUND",
]);
