/**
 * A Standard Schema whose `validate`, a getter, gives a function that takes any value the first
 * time it is read and nothing after: a check that reads it again finds no function. Its JSON
 * Schema is `json`; `reads()` says how often `validate` was read.
 */
export function validateReadOnce(json: object): { schema: object; reads: () => number } {
  let reads = 0;
  const schema = {
    "~standard": {
      version: 1,
      vendor: "mine",
      get validate() {
        return reads++ === 0 ? (value: unknown) => ({ value }) : undefined;
      },
      jsonSchema: { input: () => json },
    },
  };
  return { schema, reads: () => reads };
}
