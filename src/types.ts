/**
 * Every wire type of the pinned runtime's protocol, and the method maps, for annotations.
 * Generated from the runtime's own schema; their documentation is what that schema carries.
 *
 * @module codex-app-server-sdk/types
 */
export type * from "./generated/index.js";
export {
  CLIENT_REQUEST_METHODS,
  NOTIFICATION_ROUTES,
  SERVER_NOTIFICATION_METHODS,
  SERVER_REQUEST_METHODS,
} from "./generated/index.js";
