/**
 * What the package declares, read with the TypeScript compiler API: the names each entry point
 * exports (values and types), and the `@internal` tags of src/, which `stripInternal` turns into
 * "left out of the published .d.ts" only when they sit on a declaration.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

import ts from "typescript";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The entry points, as source files relative to the repository. */
export const ENTRY_FILES = ["src/index.ts", "src/testing/index.ts", "src/types.ts"] as const;
export type EntryFile = (typeof ENTRY_FILES)[number];

let program: ts.Program | undefined;

// One program for every entry: building it reads all of src/ and the generated types once.
function load(): ts.Program {
  if (program !== undefined) return program;
  const configFile = path.join(ROOT, "tsconfig.json");
  const { config } = ts.readConfigFile(configFile, (file) => ts.sys.readFile(file));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  program = ts.createProgram(
    ENTRY_FILES.map((file) => path.join(ROOT, file)),
    options,
  );
  return program;
}

function sourceFile(file: string): ts.SourceFile {
  const found = load().getSourceFile(path.join(ROOT, file));
  if (found === undefined) throw new Error(`${file} is not part of the program`);
  return found;
}

// The symbols a module exports, star re-exports followed; a re-exported name stays an alias.
function exportedSymbols(file: EntryFile): ts.Symbol[] {
  const checker = load().getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile(file));
  if (moduleSymbol === undefined) throw new Error(`${file} is not a module`);
  return checker.getExportsOfModule(moduleSymbol);
}

/** Every name an entry point exports, runtime values and types alike. */
export function exportedNames(file: EntryFile): Set<string> {
  return new Set(exportedSymbols(file).map((symbol) => symbol.name));
}

function hasInternalTag(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === "internal");
}

/**
 * Names an entry point exports whose declaration is `@internal`: the published .d.ts would
 * export a name it no longer declares.
 */
export function internalExports(file: EntryFile): string[] {
  const checker = load().getTypeChecker();
  return exportedSymbols(file)
    .filter((symbol) => {
      const target =
        symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      return (target.declarations ?? []).some(hasInternalTag);
    })
    .map((symbol) => symbol.name)
    .sort();
}

/**
 * `/** ... @internal ... *\/` comments of src/ that tag nothing `stripInternal` could leave out,
 * as `file:line`: one that no node owns, or one on a top-level statement that is not an exported
 * declaration. Either way the comment was written for a declaration it no longer sits on (a
 * constant put between the two, say), which the published .d.ts then keeps.
 */
export function misplacedInternalTags(): string[] {
  const misplaced: string[] = [];
  for (const file of load().getSourceFiles()) {
    const relative = path.relative(ROOT, file.fileName);
    if (!relative.startsWith(`src${path.sep}`)) continue;
    const owners = new Map<number, ts.Node>();
    const visit = (node: ts.Node): void => {
      for (const doc of ts.getJSDocCommentsAndTags(node)) {
        if (ts.isJSDoc(doc)) owners.set(doc.pos, doc.parent);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
    for (const comment of docComments(file)) {
      if (!comment.text.includes("@internal")) continue;
      const owner = owners.get(comment.pos);
      if (owner !== undefined && !isUnexportedStatement(owner, file)) continue;
      const { line } = file.getLineAndCharacterOfPosition(comment.pos);
      misplaced.push(`${relative}:${line + 1}`);
    }
  }
  return misplaced;
}

// A statement of the file itself that exports nothing (members of classes and interfaces are
// not statements: an @internal on them leaves the member out).
function isUnexportedStatement(node: ts.Node, file: ts.SourceFile): boolean {
  if (node.parent !== file) return false;
  if (ts.isExportDeclaration(node) || ts.isExportAssignment(node)) return false;
  const modifiers = ts.canHaveModifiers(node) ? ts.getModifiers(node) : undefined;
  return !(modifiers ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

// Every `/** ... */` comment of a file: the comments in the leading trivia of its nodes and
// tokens, so none inside a string, template or regular expression counts.
function docComments(file: ts.SourceFile): { pos: number; text: string }[] {
  const text = file.getFullText();
  const found = new Map<number, string>();
  const visit = (node: ts.Node): void => {
    for (const range of ts.getLeadingCommentRanges(text, node.pos) ?? []) {
      const comment = text.slice(range.pos, range.end);
      if (range.kind === ts.SyntaxKind.MultiLineCommentTrivia && comment.startsWith("/**")) {
        found.set(range.pos, comment);
      }
    }
    for (const child of node.getChildren(file)) visit(child);
  };
  visit(file);
  return [...found].map(([pos, comment]) => ({ pos, text: comment }));
}
