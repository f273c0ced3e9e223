/** Every wire type of the pinned runtime's protocol, and the method maps, for annotations. */
export type * from "./generated/index.js";
export {
  CLIENT_REQUEST_METHODS,
  NOTIFICATION_ROUTES,
  SERVER_NOTIFICATION_METHODS,
  SERVER_REQUEST_METHODS,
} from "./generated/index.js";
