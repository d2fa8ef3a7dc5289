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
  const report: Reporter = {
    error: (path, message) => problems.push({ severity: "error", path, message }),
    warning: (path, message) => problems.push({ severity: "warning", path, message }),
    where: (path) => (lineOf ? `line ${lineOf(path)}` : describe(path)),
  };

  const declared = checkDeclarations(file, report);
  const usage = checkGrants(file, declared, report);
  if (file.grants?.length === 0 && file.allowEmptyGrants === false) {
    report.error(
      ["grants"],
      "the file declares no grants, and applying it would delete every access grant in Valohai. " +
        "Add grants, or set allowEmptyGrants: true if removing all access is intended.",
    );
  }
  if (usage.complete) {
    reportUnused(declared.teams, usage.teams, "team", report);
    reportUnused(declared.groups, usage.groups, "group", report);
  }
  return problems;
}

interface Reporter {
  error: (path: YamlPath, message: string) => void;
  warning: (path: YamlPath, message: string) => void;
  /** Describes where a node is, for messages that point at a second place. */
  where: (path: YamlPath) => string;
}

/** Declared team and group names, each mapped to the path of its name node. */
interface Declarations {
  teams: Map<string, YamlPath>;
  groups: Map<string, YamlPath>;
  /** False where the schema rejected a section or one of its names, so some names are unknown. */
  teamsKnown: boolean;
  groupsKnown: boolean;
}

/** Checks the declarations: duplicate names, group members and object IDs. */
function checkDeclarations(file: CrossCheckInput, report: Reporter): Declarations {
  const managedGroups = file.managedGroups ?? [];
  const existingGroups = file.existingGroups ?? [];
  const teams = collectNames(
    (file.teams ?? []).map((team, i) => ({ name: team.name, path: ["teams", i] })),
    "team",
    report,
  );
  const groups = collectNames(
    [
      ...managedGroups.map((group, i) => ({ name: group.name, path: ["managedGroups", i] })),
      ...existingGroups.map((group, i) => ({ name: group.name, path: ["existingGroups", i] })),
    ],
    "group",
    report,
  );
  collectNames(
    (file.grants ?? []).map((grant, i) => ({ name: grant.name, path: ["grants", i] })),
    "grant",
    report,
  );

  managedGroups.forEach((group, i) => {
    checkPrincipals(group.members ?? [], ["managedGroups", i, "members"], "member", report);
  });
  const objectIds = new Map<string, string>();
  existingGroups.forEach((group, i) => {
    const first =
      group.objectId === undefined ? undefined : objectIds.get(group.objectId.toLowerCase());
    if (group.objectId !== undefined && first !== undefined) {
      report.error(
        ["existingGroups", i, "objectId"],
        `group "${group.name ?? i}" has the same objectId as group "${first}": both are one Azure AD ` +
          "group, which can be assigned to the application only once. Keep one entry.",
      );
    } else if (group.objectId !== undefined) {
      objectIds.set(group.objectId.toLowerCase(), group.name ?? String(i));
    }
    if (group.objectId !== undefined && !GUID_PATTERN.test(group.objectId)) {
      report.error(
        ["existingGroups", i, "objectId"],
        `objectId "${group.objectId}" of group "${group.name ?? i}" is not a GUID. ` +
          "Copy the group's Object ID from Azure AD, such as 6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b.",
      );
    }
  });

  const allNamed = (section?: readonly { name?: string }[]) =>
    section !== undefined && section.every((item) => item.name !== undefined);
  return {
    teams,
    groups,
    teamsKnown: allNamed(file.teams),
    groupsKnown: allNamed(file.managedGroups) && allNamed(file.existingGroups),
  };
}

/** Names the grants use; incomplete where the schema rejected a grant's list. */
interface Usage {
  teams: Set<string | undefined>;
  groups: Set<string | undefined>;
  complete: boolean;
}

/** Checks each grant's references, users and exception, and collects the names it uses. */
function checkGrants(file: CrossCheckInput, declared: Declarations, report: Reporter): Usage {
  const usage: Usage = { teams: new Set(), groups: new Set(), complete: file.grants !== undefined };
  const groupSuggester = new NameSuggester(declared.groups.keys());
  const teamSuggester = new NameSuggester(declared.teams.keys());
  (file.grants ?? []).forEach((grant, i) => {
    const at = (...rest: (string | number)[]) => ["grants", i, ...rest];
    if (grant.groups?.length === 0 && grant.users?.length === 0) {
      report.error(
        at("name"),
        `grant "${grant.name ?? i}" has no groups and no users, so it matches nobody. Add groups.`,
      );
    }
    // Duplicates are always reported. Unknown names only when every declared name is known,
    // because a declaration the schema rejected would make each of its uses look unknown.
    checkReferences(grant.groups ?? [], at("groups"), "group", report, {
      declared: declared.groups,
      suggester: groupSuggester,
      complete: declared.groupsKnown,
    });
    checkReferences(grant.teams ?? [], at("teams"), "team", report, {
      declared: declared.teams,
      suggester: teamSuggester,
      complete: declared.teamsKnown,
    });
    checkPrincipals(grant.users ?? [], at("users"), "user", report);
    if (grant.exception?.expires !== undefined) {
      checkExpiry(grant.exception.expires, at("exception", "expires"), report);
    }
    if (grant.exception !== undefined && grant.users?.length === 0) {
      report.warning(
        at("exception"),
        `grant "${grant.name ?? i}" has an exception but no users, and an exception only allows ` +
          "individual users. Remove the exception.",
      );
    }

    if (!grant.groups || grant.groups.includes(undefined)) usage.complete = false;
    if (!grant.teams || grant.teams.includes(undefined)) usage.complete = false;
    grant.groups?.forEach((name) => usage.groups.add(name));
    grant.teams?.forEach((name) => usage.teams.add(name));
  });
  return usage;
}

function reportUnused(
  declared: Map<string, YamlPath>,
  used: Set<string | undefined>,
  kind: string,
  report: Reporter,
): void {
  for (const [name, path] of declared) {
    if (!used.has(name)) {
      report.warning(path, `${kind} "${name}" is declared but no grant uses it.`);
    }
  }
}

/** Maps each declared name to the path of its name node, reporting duplicates. */
function collectNames(
  items: readonly { name?: string; path: YamlPath }[],
  kind: string,
  report: Reporter,
): Map<string, YamlPath> {
  const names = new Map<string, YamlPath>();
  for (const item of items) {
    if (item.name === undefined) continue;
    const path = [...item.path, "name"];
    const first = names.get(item.name);
    if (first) {
      report.error(
        path,
        `duplicate ${kind} name "${item.name}", first declared on ${report.where(first)}. Rename or remove one.`,
      );
    } else {
      names.set(item.name, path);
    }
  }
  return names;
}

function checkReferences(
  names: Entries,
  path: YamlPath,
  kind: string,
  report: Reporter,
  declarations: { declared: Map<string, YamlPath>; suggester: NameSuggester; complete: boolean },
): void {
  const seen = new Set<string>();
  const section = kind === "group" ? "managedGroups or existingGroups" : "teams";
  names.forEach((name, j) => {
    if (name === undefined) return;
    if (seen.has(name)) {
      report.error([...path, j], `${kind} "${name}" is listed twice. Remove the second entry.`);
    }
    seen.add(name);
    if (declarations.complete && !declarations.declared.has(name)) {
      const hint = declarations.suggester.suggestion(name) || ` Declare it under ${section}.`;
      report.error([...path, j], `unknown ${kind} "${name}".${hint}`);
    }
  });
}

function checkPrincipals(values: Entries, path: YamlPath, kind: string, report: Reporter): void {
  const seen = new Map<string, number>();
  values.forEach((value, j) => {
    if (value === undefined) return;
    const ref = classifyPrincipal(value);
    if (!ref) {
      const fix = value.includes("@")
        ? "A user principal name has the form name@domain, such as alice@contoso.com."
        : "Give a user principal name (name@domain) or an object ID (GUID).";
      report.error(
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
      report.error(
        [...path, j],
        `${kind} "${value}" is listed twice, first on ${report.where([...path, first])}. Remove the second entry.`,
      );
    }
  });
}

function checkExpiry(expires: string, path: YamlPath, report: Reporter): void {
  const date = new Date(`${expires}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== expires) {
    report.error(
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
