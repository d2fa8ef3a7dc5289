import { classifyPrincipal, GUID_PATTERN } from "./principals";
import { suggestion, type Problem, type YamlPath } from "./problems";
import type { GrantsFile } from "./schema";

/**
 * Checks what the schema alone cannot: names that refer to declarations, duplicates, identifier
 * formats, and a file that would remove every grant. Unused declarations are warnings.
 */
export function crossCheck(file: GrantsFile): Problem[] {
  const problems: Problem[] = [];
  const error = (path: YamlPath, message: string) =>
    problems.push({ severity: "error", path, message });
  const warning = (path: YamlPath, message: string) =>
    problems.push({ severity: "warning", path, message });

  const teamNames = collectNames(file.teams, "teams", "team", error);
  const groupNames = collectNames(
    [
      ...file.managedGroups.map((group, i) => ({ name: group.name, path: ["managedGroups", i] })),
      ...file.existingGroups.map((group, i) => ({ name: group.name, path: ["existingGroups", i] })),
    ],
    undefined,
    "group",
    error,
  );
  collectNames(file.grants, "grants", "grant", error);

  file.managedGroups.forEach((group, i) => {
    checkPrincipals(group.members, ["managedGroups", i, "members"], "member", error);
  });
  file.existingGroups.forEach((group, i) => {
    if (!GUID_PATTERN.test(group.objectId)) {
      error(
        ["existingGroups", i, "objectId"],
        `objectId "${group.objectId}" of group "${group.name}" is not a GUID. ` +
          "Copy the group's Object ID from Azure AD, such as 6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b.",
      );
    }
  });

  const usedTeams = new Set<string>();
  const usedGroups = new Set<string>();
  file.grants.forEach((grant, i) => {
    const at = (...rest: (string | number)[]) => ["grants", i, ...rest];
    if (grant.groups.length === 0 && grant.users.length === 0) {
      error(
        at("name"),
        `grant "${grant.name}" has no groups and no users, so it matches nobody. Add groups.`,
      );
    }
    checkReferences(
      grant.groups,
      groupNames,
      at("groups"),
      "group",
      "managedGroups or existingGroups",
      error,
    );
    checkReferences(grant.teams, teamNames, at("teams"), "team", "teams", error);
    checkPrincipals(grant.users, at("users"), "user", error);
    grant.groups.forEach((name) => usedGroups.add(name));
    grant.teams.forEach((name) => usedTeams.add(name));
    if (grant.exception) {
      checkExpiry(grant.exception.expires, at("exception", "expires"), error);
    }
  });

  if (file.grants.length === 0 && !file.allowEmptyGrants) {
    error(
      file.grants === undefined ? [] : ["grants"],
      "the file declares no grants, and applying it would delete every access grant in Valohai. " +
        "Add grants, or set allowEmptyGrants: true if removing all access is intended.",
    );
  }

  file.teams.forEach((team, i) => {
    if (!usedTeams.has(team.name)) {
      warning(["teams", i, "name"], `team "${team.name}" is declared but no grant uses it.`);
    }
  });
  for (const [name, path] of groupNames) {
    if (!usedGroups.has(name)) {
      warning(path, `group "${name}" is declared but no grant uses it.`);
    }
  }
  return problems;
}

type Report = (path: YamlPath, message: string) => void;

/** Maps each declared name to the path of its name node, reporting duplicates. */
function collectNames(
  items: readonly { name: string; path?: YamlPath }[],
  section: string | undefined,
  kind: string,
  error: Report,
): Map<string, YamlPath> {
  const names = new Map<string, YamlPath>();
  items.forEach((item, i) => {
    const path = [...(item.path ?? [section as string, i]), "name"];
    const first = names.get(item.name);
    if (first) {
      error(
        path,
        `duplicate ${kind} name "${item.name}", first declared at ${describe(first)}. Rename or remove one.`,
      );
    } else {
      names.set(item.name, path);
    }
  });
  return names;
}

function checkReferences(
  names: readonly string[],
  declared: Map<string, YamlPath>,
  path: YamlPath,
  kind: string,
  section: string,
  error: Report,
): void {
  const seen = new Set<string>();
  names.forEach((name, j) => {
    if (seen.has(name)) {
      error([...path, j], `${kind} "${name}" is listed twice. Remove the second entry.`);
    }
    seen.add(name);
    if (!declared.has(name)) {
      const hint = suggestion(name, declared.keys()) || ` Declare it under ${section}.`;
      error([...path, j], `unknown ${kind} "${name}".${hint}`);
    }
  });
}

function checkPrincipals(
  values: readonly string[],
  path: YamlPath,
  kind: string,
  error: Report,
): void {
  const seen = new Set<string>();
  values.forEach((value, j) => {
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
    if (seen.has(key)) {
      error([...path, j], `${kind} "${value}" is listed twice. Remove the second entry.`);
    }
    seen.add(key);
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
