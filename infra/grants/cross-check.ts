import { classifyPrincipal, GUID_PATTERN } from "./principals";
import type { Problem, YamlPath } from "./problems";
import { NameSuggester } from "./suggest";

/** A list of names or principals; an entry is undefined where the schema rejected it. */
type Entries = readonly (string | undefined)[];

/**
 * The parts of a grants file the cross-checks read. A field is undefined where the schema
 * rejected it, so the checks run on the valid parts of a file that also has schema errors. A
 * validated GrantsFile fits this type as it is.
 */
export interface CrossCheckInput {
  allowEmptyGrants?: boolean;
  teams?: readonly { name?: string }[];
  managedGroups?: readonly { name?: string; members?: Entries }[];
  existingGroups?: readonly { name?: string; objectId?: string }[];
  grants?: readonly {
    name?: string;
    groups?: Entries;
    users?: Entries;
    teams?: Entries;
    exception?: { expires?: string };
  }[];
}

/** Returns the 1-based line of the node a path names, for messages that point elsewhere. */
export type LineOf = (path: YamlPath) => number;

/**
 * Checks what the schema alone cannot: names that refer to declarations, duplicates, identifier
 * formats, and a file that would remove every grant. Unused declarations are warnings.
 */
export function crossCheck(file: CrossCheckInput, lineOf?: LineOf): Problem[] {
  const problems: Problem[] = [];
  const error = (path: YamlPath, message: string) =>
    problems.push({ severity: "error", path, message });
  const warning = (path: YamlPath, message: string) =>
    problems.push({ severity: "warning", path, message });
  const where = (path: YamlPath) => (lineOf ? `line ${lineOf(path)}` : describe(path));

  const teamNames = collectNames(
    (file.teams ?? []).map((team, i) => ({ name: team.name, path: ["teams", i] })),
    "team",
    error,
    where,
  );
  const groupNames = collectNames(
    [
      ...(file.managedGroups ?? []).map((group, i) => ({
        name: group.name,
        path: ["managedGroups", i],
      })),
      ...(file.existingGroups ?? []).map((group, i) => ({
        name: group.name,
        path: ["existingGroups", i],
      })),
    ],
    "group",
    error,
    where,
  );
  const grants = file.grants ?? [];
  collectNames(
    grants.map((grant, i) => ({ name: grant.name, path: ["grants", i] })),
    "grant",
    error,
    where,
  );

  (file.managedGroups ?? []).forEach((group, i) => {
    checkPrincipals(group.members ?? [], ["managedGroups", i, "members"], "member", error, where);
  });
  (file.existingGroups ?? []).forEach((group, i) => {
    if (group.objectId !== undefined && !GUID_PATTERN.test(group.objectId)) {
      error(
        ["existingGroups", i, "objectId"],
        `objectId "${group.objectId}" of group "${group.name ?? i}" is not a GUID. ` +
          "Copy the group's Object ID from Azure AD, such as 6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b.",
      );
    }
  });

  // Where the schema rejected a section or one of its names, the declared names are not all
  // known, so references to that section are not checked.
  const groupsKnown = [file.managedGroups, file.existingGroups].every(
    (section) => section !== undefined && section.every((group) => group.name !== undefined),
  );
  const teamsKnown =
    file.teams !== undefined && file.teams.every((team) => team.name !== undefined);
  let usageKnown = file.grants !== undefined;
  const groupSuggester = new NameSuggester(groupNames.keys());
  const teamSuggester = new NameSuggester(teamNames.keys());
  const usedTeams = new Set<string | undefined>();
  const usedGroups = new Set<string | undefined>();
  grants.forEach((grant, i) => {
    const at = (...rest: (string | number)[]) => ["grants", i, ...rest];
    if (grant.groups?.length === 0 && grant.users?.length === 0) {
      error(
        at("name"),
        `grant "${grant.name ?? i}" has no groups and no users, so it matches nobody. Add groups.`,
      );
    }
    if (groupsKnown) {
      checkReferences(grant.groups ?? [], groupNames, groupSuggester, at("groups"), "group", error);
    }
    if (teamsKnown) {
      checkReferences(grant.teams ?? [], teamNames, teamSuggester, at("teams"), "team", error);
    }
    checkPrincipals(grant.users ?? [], at("users"), "user", error, where);
    if (!grant.groups || !grant.teams || grant.groups.includes(undefined)) usageKnown = false;
    grant.groups?.forEach((name) => usedGroups.add(name));
    grant.teams?.forEach((name) => usedTeams.add(name));
    if (grant.exception?.expires !== undefined) {
      checkExpiry(grant.exception.expires, at("exception", "expires"), error);
    }
  });

  if (file.grants?.length === 0 && file.allowEmptyGrants === false) {
    error(
      ["grants"],
      "the file declares no grants, and applying it would delete every access grant in Valohai. " +
        "Add grants, or set allowEmptyGrants: true if removing all access is intended.",
    );
  }

  if (usageKnown) {
    for (const [name, path] of teamNames) {
      if (!usedTeams.has(name)) {
        warning(path, `team "${name}" is declared but no grant uses it.`);
      }
    }
    for (const [name, path] of groupNames) {
      if (!usedGroups.has(name)) {
        warning(path, `group "${name}" is declared but no grant uses it.`);
      }
    }
  }
  return problems;
}

type Report = (path: YamlPath, message: string) => void;

/** Maps each declared name to the path of its name node, reporting duplicates. */
function collectNames(
  items: readonly { name?: string; path: YamlPath }[],
  kind: string,
  error: Report,
  where: (path: YamlPath) => string,
): Map<string, YamlPath> {
  const names = new Map<string, YamlPath>();
  for (const item of items) {
    if (item.name === undefined) continue;
    const path = [...item.path, "name"];
    const first = names.get(item.name);
    if (first) {
      error(
        path,
        `duplicate ${kind} name "${item.name}", first declared on ${where(first)}. Rename or remove one.`,
      );
    } else {
      names.set(item.name, path);
    }
  }
  return names;
}

function checkReferences(
  names: Entries,
  declared: Map<string, YamlPath>,
  suggester: NameSuggester,
  path: YamlPath,
  kind: string,
  error: Report,
): void {
  const seen = new Set<string>();
  const section = kind === "group" ? "managedGroups or existingGroups" : "teams";
  names.forEach((name, j) => {
    if (name === undefined) return;
    if (seen.has(name)) {
      error([...path, j], `${kind} "${name}" is listed twice. Remove the second entry.`);
    }
    seen.add(name);
    if (!declared.has(name)) {
      const hint = suggester.suggestion(name) || ` Declare it under ${section}.`;
      error([...path, j], `unknown ${kind} "${name}".${hint}`);
    }
  });
}

function checkPrincipals(
  values: Entries,
  path: YamlPath,
  kind: string,
  error: Report,
  where: (path: YamlPath) => string,
): void {
  const seen = new Map<string, number>();
  values.forEach((value, j) => {
    if (value === undefined) return;
    const ref = classifyPrincipal(value);
    if (!ref) {
      const fix = value.includes("@")
        ? "A user principal name has the form name@domain, such as alice@contoso.com."
        : "Give a user principal name (name@domain) or an object ID (GUID).";
      error(
        [...path, j],
        `${kind} "${value}" is neither a user principal name nor an object ID. ${fix}`,
      );
      return;
    }
    const key = (ref.form === "objectId" ? ref.objectId : ref.userPrincipalName).toLowerCase();
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, j);
    } else {
      error(
        [...path, j],
        `${kind} "${value}" is listed twice, first on ${where([...path, first])}. Remove the second entry.`,
      );
    }
  });
}

function checkExpiry(expires: string, path: YamlPath, error: Report): void {
  const date = new Date(`${expires}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== expires) {
    error(
      path,
      `expires "${expires}" is not a calendar date. Use YYYY-MM-DD, such as "2027-03-31".`,
    );
  }
}

function describe(path: YamlPath): string {
  return path
    .map((step) => (typeof step === "number" ? `[${step}]` : `.${step}`))
    .join("")
    .slice(1);
}
