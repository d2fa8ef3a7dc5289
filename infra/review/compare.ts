import type { Grant, GrantsFile, Team } from "../grants/schema";
import {
  accessByPrincipal,
  addTo,
  adminTeams,
  managedMembers,
  userPrincipal,
  type Principal,
  type PrincipalAccess,
} from "./effective-access";
import { compareText } from "./markdown";

/** A group or user that gains or loses a team between two versions of a grants file. */
export interface TeamAccessChange {
  team: string;
  admin: boolean;
  change: "gains" | "loses";
  principal: Principal;
  /** Grants that give the team: in the head version for a gain, in the base for a loss. */
  grants: string[];
}

/** A group or user that starts or stops matching any grant, and so can or can no longer sign in. */
export interface SignInChange {
  change: "gains" | "loses";
  principal: Principal;
  grants: string[];
  /** The grants give an admin team: in the head version for a gain, in the base for a loss. */
  admin: boolean;
}

/** A member added to or removed from a managed group. */
export interface MemberChange {
  group: string;
  change: "added" | "removed";
  member: Principal;
  /** Teams the group gives: in the head version for an addition, in the base for a removal. */
  teams: string[];
  admin: boolean;
}

/** A changed list (groups, users, teams) or a changed value; `undefined` means not set. */
export type FieldChange =
  | { kind: "list"; field: string; added: string[]; removed: string[] }
  | { kind: "value"; field: string; from?: string; to?: string };

/** A grant, team or group that was added, removed or changed. */
export interface DeclarationChange {
  name: string;
  change: "added" | "removed" | "changed";
  /** Touches a team marked admin in either version. */
  admin: boolean;
  /** The admin teams it touches, sorted. */
  adminTeams: string[];
  /** False when only descriptions or the adopt flag changed. */
  affectsAccess: boolean;
  fields: FieldChange[];
}

/** Everything that differs between two versions of a grants file, each list in a stable order. */
export interface GrantsComparison {
  /** Teams marked admin in either version. */
  adminTeams: string[];
  teamAccess: TeamAccessChange[];
  signIn: SignInChange[];
  members: MemberChange[];
  grants: DeclarationChange[];
  teams: DeclarationChange[];
  groups: DeclarationChange[];
  grantCounts: { base: number; head: number; removed: number };
}

/** Compares the base and head versions of a grants file. */
export function compareGrants(base: GrantsFile, head: GrantsFile): GrantsComparison {
  const admin = new Set([...adminTeams(base), ...adminTeams(head)]);
  const baseAccess = accessByPrincipal(base);
  const headAccess = accessByPrincipal(head);
  const headGrantNames = new Set(head.grants.map((grant) => grant.name));
  const removedGrants = base.grants.filter((grant) => !headGrantNames.has(grant.name));
  return {
    adminTeams: [...admin].sort(compareText),
    teamAccess: compareTeamAccess(baseAccess, headAccess, admin),
    signIn: compareSignIn(baseAccess, headAccess, admin),
    members: compareMembers(base, head, admin),
    grants: compareGrantDeclarations(base, head, admin),
    teams: compareTeamDeclarations(base, head, admin),
    groups: compareGroupDeclarations(base, head, admin),
    grantCounts: {
      base: base.grants.length,
      head: head.grants.length,
      removed: removedGrants.length,
    },
  };
}

function compareTeamAccess(
  base: Map<string, PrincipalAccess>,
  head: Map<string, PrincipalAccess>,
  admin: Set<string>,
): TeamAccessChange[] {
  const changes: TeamAccessChange[] = [];
  const collect = (
    from: Map<string, PrincipalAccess>,
    to: Map<string, PrincipalAccess>,
    change: "gains" | "loses",
  ) => {
    for (const [key, access] of to) {
      for (const [team, grants] of access.teams) {
        if (!from.get(key)?.teams.has(team)) {
          const principal = access.principal;
          changes.push({ team, admin: admin.has(team), change, principal, grants: sorted(grants) });
        }
      }
    }
  };
  collect(base, head, "gains");
  collect(head, base, "loses");
  return changes.sort(
    (a, b) =>
      adminFirst(a, b) ||
      compareText(a.team, b.team) ||
      compareText(a.change, b.change) ||
      comparePrincipals(a.principal, b.principal),
  );
}

function compareSignIn(
  base: Map<string, PrincipalAccess>,
  head: Map<string, PrincipalAccess>,
  admin: Set<string>,
): SignInChange[] {
  const changes: SignInChange[] = [];
  const collect = (
    from: Map<string, PrincipalAccess>,
    to: Map<string, PrincipalAccess>,
    change: "gains" | "loses",
  ) => {
    for (const [key, access] of to) {
      if (from.has(key)) continue;
      changes.push({
        change,
        principal: access.principal,
        grants: sorted(access.grants),
        admin: [...access.teams.keys()].some((team) => admin.has(team)),
      });
    }
  };
  collect(base, head, "gains");
  collect(head, base, "loses");
  return changes.sort(
    (a, b) =>
      adminFirst(a, b) ||
      compareText(a.change, b.change) ||
      comparePrincipals(a.principal, b.principal),
  );
}

function compareMembers(base: GrantsFile, head: GrantsFile, admin: Set<string>): MemberChange[] {
  const baseMembers = managedMembers(base);
  const headMembers = managedMembers(head);
  const baseTeams = teamsByGroup(base);
  const headTeams = teamsByGroup(head);
  const changes: MemberChange[] = [];
  const collect = (
    from: Map<string, Map<string, Principal>>,
    to: Map<string, Map<string, Principal>>,
    teamsOf: Map<string, Set<string>>,
    change: "added" | "removed",
  ) => {
    for (const [group, members] of to) {
      const teams = sorted(teamsOf.get(group) ?? []);
      const touchesAdmin = teams.some((team) => admin.has(team));
      for (const [key, member] of members) {
        if (!from.get(group)?.has(key)) {
          changes.push({ group, change, member, teams, admin: touchesAdmin });
        }
      }
    }
  };
  collect(baseMembers, headMembers, headTeams, "added");
  collect(headMembers, baseMembers, baseTeams, "removed");
  return changes.sort(
    (a, b) =>
      adminFirst(a, b) ||
      compareText(a.group, b.group) ||
      compareText(a.change, b.change) ||
      comparePrincipals(a.member, b.member),
  );
}

/** Maps each group name to the teams its grants give. */
function teamsByGroup(file: GrantsFile): Map<string, Set<string>> {
  const teams = new Map<string, Set<string>>();
  for (const grant of file.grants) {
    for (const group of grant.groups) {
      for (const team of grant.teams) addTo(teams, group, team);
    }
  }
  return teams;
}

function compareGrantDeclarations(
  base: GrantsFile,
  head: GrantsFile,
  admin: Set<string>,
): DeclarationChange[] {
  return compareDeclarations(base.grants, head.grants, (before, after) => {
    const fields: FieldChange[] = [
      listChange("groups", before?.groups, after?.groups),
      userListChange(before, after),
      listChange("teams", before?.teams, after?.teams),
      valueChange("exception reason", before?.exception?.reason, after?.exception?.reason),
      valueChange("exception expires", before?.exception?.expires, after?.exception?.expires),
    ].filter(isChange);
    const description = valueChange("description", before?.description, after?.description);
    return {
      adminTeams: adminAmong([...(before?.teams ?? []), ...(after?.teams ?? [])], admin),
      affectsAccess: fields.length > 0,
      fields: isChange(description) ? [...fields, description] : fields,
    };
  });
}

function compareTeamDeclarations(
  base: GrantsFile,
  head: GrantsFile,
  admin: Set<string>,
): DeclarationChange[] {
  return compareDeclarations(base.teams, head.teams, (before, after) => {
    const adminChange = valueChange("admin", flag(before, "admin"), flag(after, "admin"));
    const other = [
      valueChange("adopt", flag(before, "adopt"), flag(after, "adopt")),
      valueChange("description", before?.description, after?.description),
    ].filter(isChange);
    const added = before === undefined || after === undefined;
    return {
      adminTeams: adminAmong([(after ?? before)?.name as string], admin),
      affectsAccess: added || isChange(adminChange),
      fields: isChange(adminChange) ? [adminChange, ...other] : other,
    };
  });
}

function compareGroupDeclarations(
  base: GrantsFile,
  head: GrantsFile,
  admin: Set<string>,
): DeclarationChange[] {
  const describeGroups = (file: GrantsFile) => [
    ...file.managedGroups.map((group) => ({
      name: group.name,
      kind: "managed",
      objectId: undefined as string | undefined,
      description: group.description,
    })),
    ...file.existingGroups.map((group) => ({
      name: group.name,
      kind: "existing",
      objectId: group.objectId.toLowerCase(),
      description: group.description,
    })),
  ];
  const baseTeams = teamsByGroup(base);
  const headTeams = teamsByGroup(head);
  return compareDeclarations(describeGroups(base), describeGroups(head), (before, after) => {
    const name = (after ?? before)?.name as string;
    const fields = [
      valueChange("kind", before?.kind, after?.kind),
      valueChange("object ID", before?.objectId, after?.objectId),
    ].filter(isChange);
    const description = valueChange("description", before?.description, after?.description);
    const teams = [...(baseTeams.get(name) ?? []), ...(headTeams.get(name) ?? [])];
    return {
      adminTeams: adminAmong(teams, admin),
      affectsAccess: fields.length > 0,
      fields: isChange(description) ? [...fields, description] : fields,
    };
  });
}

type Assess<T> = (
  before: T | undefined,
  after: T | undefined,
) => Pick<DeclarationChange, "adminTeams" | "affectsAccess" | "fields">;

/** Pairs declarations by name and keeps those added, removed or changed, admin ones first. */
function compareDeclarations<T extends { name: string }>(
  base: readonly T[],
  head: readonly T[],
  assess: Assess<T>,
): DeclarationChange[] {
  const baseByName = new Map(base.map((item) => [item.name, item]));
  const headByName = new Map(head.map((item) => [item.name, item]));
  const changes: DeclarationChange[] = [];
  for (const name of new Set([...baseByName.keys(), ...headByName.keys()])) {
    const before = baseByName.get(name);
    const after = headByName.get(name);
    const assessed = assess(before, after);
    if (before && after && assessed.fields.length === 0) continue;
    let change: DeclarationChange["change"] = "changed";
    if (!before) change = "added";
    if (!after) change = "removed";
    changes.push({
      name,
      change,
      admin: assessed.adminTeams.length > 0,
      adminTeams: assessed.adminTeams,
      affectsAccess: assessed.affectsAccess || !before || !after,
      fields: assessed.fields,
    });
  }
  return changes.sort((a, b) => adminFirst(a, b) || compareText(a.name, b.name));
}

function listChange(
  field: string,
  before: readonly string[] = [],
  after: readonly string[] = [],
): FieldChange {
  return {
    kind: "list",
    field,
    added: after.filter((value) => !before.includes(value)).sort(compareText),
    removed: before.filter((value) => !after.includes(value)).sort(compareText),
  };
}

/** Compares user references by principal key, so a change of letter case is no change. */
function userListChange(before?: Grant, after?: Grant): FieldChange {
  const keys = (grant?: Grant) => new Set((grant?.users ?? []).map((u) => userPrincipal(u).key));
  const beforeKeys = keys(before);
  const afterKeys = keys(after);
  const users = (grant: Grant | undefined, exclude: Set<string>) =>
    (grant?.users ?? []).filter((user) => !exclude.has(userPrincipal(user).key)).sort(compareText);
  return {
    kind: "list",
    field: "users",
    added: users(after, beforeKeys),
    removed: users(before, afterKeys),
  };
}

function valueChange(field: string, from?: string, to?: string): FieldChange {
  return { kind: "value", field, from, to };
}

function isChange(change: FieldChange): boolean {
  return change.kind === "list"
    ? change.added.length > 0 || change.removed.length > 0
    : change.from !== change.to;
}

/** Shows a team flag as yes or no, where an unset flag is no; undefined when there is no team. */
function flag(team: Team | undefined, key: "admin" | "adopt"): string | undefined {
  if (team === undefined) return undefined;
  return team[key] ? "yes" : "no";
}

function adminAmong(teams: readonly string[], admin: Set<string>): string[] {
  return sorted(new Set(teams.filter((team) => admin.has(team))));
}

function adminFirst(a: { admin: boolean }, b: { admin: boolean }): number {
  return Number(b.admin) - Number(a.admin);
}

export function comparePrincipals(a: Principal, b: Principal): number {
  return compareText(a.kind, b.kind) || compareText(a.name, b.name) || compareText(a.key, b.key);
}

function sorted(values: Iterable<string>): string[] {
  return [...values].sort(compareText);
}
