// What the properties that hand the SDK any value share (inputs.fuzz, answers.fuzz, toml.fuzz).
import fc from "fast-check";

/**
 * Any value fast-check makes, nested up to `maxDepth`, with the kinds a program may hand over by
 * mistake: dates, maps, sets, typed arrays, big integers, boxed values, null prototypes, sparse
 * arrays and objects that print as code.
 */
export const anyValue = (maxDepth: number): fc.Arbitrary<unknown> =>
  fc.anything({
    maxDepth,
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withNullPrototype: true,
    withObjectString: true,
    withSet: true,
    withSparseArray: true,
    withTypedArray: true,
  });
