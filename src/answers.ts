/**
 * The safe default sent for each server request when there is no handler or its answer is not
 * valid. What a valid answer is lives in `answer-checks.ts`, loaded with the first answer a
 * handler gives.
 */
import type { ServerRequestMap, ServerRequestMethod } from "./generated/index.js";

/**
 * The answers given when there is no handler, or the handler failed: nothing is allowed. Never
 * handed out as they are: `defaultAnswer` gives copies.
 */
export const DEFAULT_ANSWERS = {
  "item/commandExecution/requestApproval": { decision: "decline" },
  "item/fileChange/requestApproval": { decision: "decline" },
  "item/permissions/requestApproval": { permissions: {}, scope: "turn" },
  "item/tool/requestUserInput": { answers: {} },
  "mcpServer/elicitation/request": { action: "cancel", content: null, _meta: null },
  execCommandApproval: { decision: { denied: { rejection: "declined by the client" } } },
  applyPatchApproval: { decision: { denied: { rejection: "declined by the client" } } },
} as const satisfies Partial<{ [M in ServerRequestMethod]: ServerRequestMap[M]["result"] }>;

/** The server requests with a safe default answer. */
export type DefaultedMethod = keyof typeof DEFAULT_ANSWERS;

/** Whether `method` has a safe default answer. */
export function hasDefault(method: string): method is DefaultedMethod {
  return Object.hasOwn(DEFAULT_ANSWERS, method);
}

/**
 * The safe default answer to `method`, a fresh copy each time: one handed to a handler or shown
 * in an event and changed there must not change what later requests are answered.
 */
export function defaultAnswer<M extends DefaultedMethod>(method: M): ServerRequestMap[M]["result"] {
  return structuredClone(DEFAULT_ANSWERS[method]) as ServerRequestMap[M]["result"];
}
