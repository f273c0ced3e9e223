// Stands in for a program's own entry module in the import timing (bench/import-cost.ts): a real
// program has loaded a file of its own before it imports a client, so Node's ES module loader
// for files has already started. Empty on purpose.
