import type { DynamicTool } from "../../src/index.js";

/** A dynamic tool named `lookup` that notes the arguments of each call in `calls`. */
export function lookupTool(calls: unknown[]): DynamicTool {
  return {
    name: "lookup",
    description: "Looks a word up",
    inputSchema: { type: "object", properties: { q: { type: "string" } } },
    handler: (args) => {
      calls.push(args);
      return "found";
    },
  };
}
