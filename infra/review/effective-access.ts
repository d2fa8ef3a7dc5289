import { classifyPrincipal } from "../grants/principals";
import type { GrantsFile } from "../grants/schema";

/**
 * A principal a grant can name: a group from the grants file or an individual user. The key
 * identifies the same principal in two versions of a file. Managed groups are keyed by name and
 * existing groups by object ID. Users are keyed by lowercased object ID or user principal name,
 * because Azure AD compares user principal names case-insensitively.
 */
export type Principal =
  | { kind: "managedGroup"; key: string; name: string }
  | { kind: "existingGroup"; key: string; name: string; objectId: string }
  | { kind: "user"; key: string; name: string; objectId?: string };

/** Access of one principal in a grants file: the grants that match it and the teams each gives. */
export interface PrincipalAccess {
  principal: Principal;
  grants: Set<string>;
  /** Team name to the names of the grants that give it. */
  teams: Map<string, Set<string>>;
}

/** Makes the principal for a user reference, keeping the user principal name as written. */
export function userPrincipal(reference: string): Principal {
  const ref = classifyPrincipal(reference);
  if (ref?.form === "objectId") {
    return {
      kind: "user",
      key: `user:${ref.objectId}`,
      name: ref.objectId,
      objectId: ref.objectId,
    };
  }
  return { kind: "user", key: `user:${reference.toLowerCase()}`, name: reference };
}

/** Maps each group name declared in a file to its principal. */
export function groupPrincipals(file: GrantsFile): Map<string, Principal> {
  const groups = new Map<string, Principal>();
  for (const group of file.managedGroups) {
    groups.set(group.name, {
      kind: "managedGroup",
      key: `managed:${group.name}`,
      name: group.name,
    });
  }
  for (const group of file.existingGroups) {
    const objectId = group.objectId.toLowerCase();
    groups.set(group.name, {
      kind: "existingGroup",
      key: `existing:${objectId}`,
      name: group.name,
      objectId,
    });
  }
  return groups;
}

/** Returns the names of the teams marked `admin: true`. */
export function adminTeams(file: GrantsFile): Set<string> {
  return new Set(file.teams.filter((team) => team.admin).map((team) => team.name));
}

/** Lists, for each group and user that grants name, the grants matching it and the teams given. */
export function accessByPrincipal(file: GrantsFile): Map<string, PrincipalAccess> {
  const groups = groupPrincipals(file);
  const access = new Map<string, PrincipalAccess>();
  for (const grant of file.grants) {
    const principals = [
      ...grant.groups.map((name) => groups.get(name) as Principal),
      ...grant.users.map(userPrincipal),
    ];
    for (const principal of principals) {
      let entry = access.get(principal.key);
      if (!entry) {
        entry = { principal, grants: new Set(), teams: new Map() };
        access.set(principal.key, entry);
      }
      entry.grants.add(grant.name);
      for (const team of grant.teams) {
        addTo(entry.teams, team, grant.name);
      }
    }
  }
  return access;
}

/** Maps each managed group name to its members, keyed as user principals. */
export function managedMembers(file: GrantsFile): Map<string, Map<string, Principal>> {
  const members = new Map<string, Map<string, Principal>>();
  for (const group of file.managedGroups) {
    const byKey = new Map<string, Principal>();
    for (const member of group.members) {
      const principal = userPrincipal(member);
      byKey.set(principal.key, principal);
    }
    members.set(group.name, byKey);
  }
  return members;
}

/** Adds a value to the set stored under a key, creating the set when needed. */
export function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const values = map.get(key);
  if (values) {
    values.add(value);
  } else {
    map.set(key, new Set([value]));
  }
}
