import type {
  SkillInterface,
  SkillMetadata,
  SkillsListParams,
  SkillsListResponse,
} from "./generated/index.js";
import {
  checkBoolean,
  checkNonEmpty,
  checkWellFormed,
  refuseNul,
  describe,
  optionNames,
  REQUEST_KEYS,
  splitRequestOptions,
  type RequestOptions,
} from "./internal/validate.js";
import type { Connection } from "./rpc/connection.js";

/** Options of `Codex.skills`. */
export interface SkillsOptions extends RequestOptions {
  /** The working directories whose skills to list; default the app-server's. */
  readonly cwds?: readonly string[] | undefined;
  /** Scan the skill folders again instead of answering from the cache. */
  readonly forceReload?: boolean | undefined;
}

const SKILLS_NAMES = optionNames<SkillsOptions>()({
  own: [...REQUEST_KEYS, "cwds", "forceReload"],
});

/** `skills/list`: the skills available in each working directory, with the errors found loading them. */
export async function listSkills(
  connection: Connection,
  options: SkillsOptions | undefined,
): Promise<SkillsListResponse> {
  const { call, rest } = splitRequestOptions(options, SKILLS_NAMES);
  const { cwds, forceReload } = rest;
  if (cwds !== undefined) {
    if (!Array.isArray(cwds)) throw new TypeError(`cwds must be an array, got ${describe(cwds)}`);
    Array.from(cwds as unknown[], (cwd, i) =>
      refuseNul(checkWellFormed(checkNonEmpty(cwd, `cwds[${i}]`), `cwds[${i}]`), `cwds[${i}]`),
    );
  }
  if (forceReload !== undefined) checkBoolean(forceReload, "forceReload");
  const params: SkillsListParams = {};
  if (cwds !== undefined) params.cwds = [...cwds];
  if (forceReload !== undefined) params.forceReload = forceReload;
  const answer = await connection.request("skills/list", params, call);
  // (What is no list or object, a fault of the server's, is handed on as it came.)
  for (const entry of listOf(answer.data)) {
    for (const skill of listOf((entry as { skills?: unknown } | null)?.skills)) {
      if (typeof skill === "object" && skill !== null) absentForNull(skill as SkillMetadata);
    }
  }
  return answer;
}

// The runtime writes a skill's missing optional strings (and those of its interface) as null,
// where the protocol's type says they are left out: they are, so that a check for `undefined`
// is the one the type asks for.
function absentForNull(skill: SkillMetadata): void {
  const record = skill as unknown as Record<string, unknown>;
  for (const key of ["shortDescription", "interface", "dependencies"]) {
    if (record[key] === null) delete record[key];
  }
  const face = skill.interface as unknown;
  if (typeof face !== "object" || face === null) return;
  const fields = face as Record<string, unknown>;
  for (const key of INTERFACE_OPTIONAL) if (fields[key] === null) delete fields[key];
}

function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

const INTERFACE_OPTIONAL = [
  "displayName",
  "shortDescription",
  "iconSmall",
  "iconLarge",
  "brandColor",
  "defaultPrompt",
] as const satisfies readonly (keyof SkillInterface)[];
