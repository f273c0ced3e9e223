/** Every wire type of the pinned runtime's protocol, and the method maps, for annotations. */
export type * from "./generated/index.js";
export { NOTIFICATION_ROUTES } from "./generated/index.js";
