/** This SDK's version, which is also the version of the Codex runtime it pins. */
export const SDK_VERSION = "0.171.0";
