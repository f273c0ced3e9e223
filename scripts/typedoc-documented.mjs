// A TypeDoc plugin: every public symbol and member of the entry points named in
// `documentedEntryPoints` must have a TSDoc comment. TypeDoc's own `notDocumented` check cannot be
// limited to some entry points, and `codex-app-server-sdk/types` re-exports hundreds of generated
// wire types whose only documentation is what the runtime's schema carries.
//
// `knownUndocumented` lists members (by TypeDoc's full name) still waiting for a comment; an entry
// that no longer matches is a warning too, so the list can only shrink.
import {
  Application,
  DeclarationReflection,
  ParameterType,
  ReflectionKind,
  ReflectionType,
} from "typedoc";

/** The kinds TypeDoc requires documentation for by default, signatures standing for functions. */
const KINDS =
  ReflectionKind.Enum |
  ReflectionKind.EnumMember |
  ReflectionKind.Variable |
  ReflectionKind.CallSignature |
  ReflectionKind.Class |
  ReflectionKind.Interface |
  ReflectionKind.Property |
  ReflectionKind.GetSignature |
  ReflectionKind.SetSignature |
  ReflectionKind.TypeAlias;

/** @param {Application} app */
export function load(app) {
  app.options.addDeclaration({
    name: "documentedEntryPoints",
    help: "Modules (by their name in the site) whose every public symbol and member needs TSDoc.",
    type: ParameterType.Array,
    defaultValue: [],
  });
  app.options.addDeclaration({
    name: "knownUndocumented",
    help: "Full names of members of those modules that may still lack TSDoc.",
    type: ParameterType.Array,
    defaultValue: [],
  });

  app.on(Application.EVENT_VALIDATE_PROJECT, (project) => {
    const modules = new Set(app.options.getValue("documentedEntryPoints"));
    const known = new Set(app.options.getValue("knownUndocumented"));
    const usedKnown = new Set();
    const seen = new Set();
    const queue = project.getReflectionsByKind(KINDS);
    while (queue.length > 0) {
      const ref = queue.shift();
      if (seen.has(ref)) continue;
      seen.add(ref);
      const module = moduleOf(ref);
      if (module === undefined || !modules.has(module.name) || underParameter(ref)) continue;
      // A function's comment lives on its signatures; check those instead of the declaration.
      if (ref instanceof DeclarationReflection) {
        const declaration = ref.type instanceof ReflectionType ? ref.type.declaration : ref;
        const signatures = declaration.getNonIndexSignatures();
        if (signatures.length > 0 && ref.kindOf(ReflectionKind.SignatureContainer)) {
          queue.push(...signatures);
          continue;
        }
      }
      const documented =
        ref.hasComment() || (ref.kindOf(ReflectionKind.SomeSignature) && ref.parent?.hasComment());
      if (documented) continue;
      // Members inherited from outside this package (Error.message, ...) are documented there.
      const symbol = project.getSymbolIdFromReflection(ref);
      if (symbol === undefined || symbol.packageName !== project.packageName) continue;
      const name = ref.kindOf(ReflectionKind.SomeSignature)
        ? ref.parent.getFriendlyFullName()
        : ref.getFriendlyFullName();
      if (known.has(name)) {
        usedKnown.add(name);
        continue;
      }
      app.logger.warn(
        `${name} (${ReflectionKind[ref.kind]}), in ${symbol.packagePath}, has no documentation`,
      );
    }
    const stale = [...known].filter((name) => !usedKnown.has(name));
    if (stale.length > 0) {
      app.logger.warn(`knownUndocumented names that are documented or gone: ${stale.join(", ")}`);
    }
  });
}

/** The entry-point module a reflection belongs to (the project's direct child above it). */
function moduleOf(ref) {
  let r = ref;
  while (r.parent !== undefined && !r.parent.isProject()) r = r.parent;
  return r.kindOf(ReflectionKind.Module) ? r : undefined;
}

function underParameter(ref) {
  for (let r = ref.parent; r !== undefined; r = r.parent) {
    if (r.kindOf(ReflectionKind.Parameter)) return true;
  }
  return false;
}
