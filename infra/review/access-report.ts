import type { GrantsFile } from "../grants/schema";
import { addTo, adminTeams, userPrincipal, type Principal } from "./effective-access";
import { compareText } from "./markdown";

/** One route to a team: through a group the grant names, or as a user the grant names directly. */
export interface Route {
  /** The group, or undefined when the grant names the user directly. */
  group?: string;
  grant: string;
  /** Last day of the grant's exception, for a grant that names the user directly. */
  exceptionExpires?: string;
}

/** A team and every route that gives it. */
export interface TeamRoutes {
  team: string;
  admin: boolean;
  routes: Route[];
}

/** Effective access of one principal according to one grants file. */
export interface EffectiveAccess {
  /** A user, or an existing group whose members are not managed here. */
  principal: Principal;
  /** The managed groups that list a user; empty for an existing group. */
  memberOf: string[];
  /** True when at least one grant matches, which is what Valohai requires to sign in. */
  canSignIn: boolean;
  grants: string[];
  /** Every route by which a grant matches, whether or not the grant gives teams. */
  routes: Route[];
  teams: TeamRoutes[];
}

/** The holders of one team, each with the routes that give it. */
export interface TeamHolders {
  team: string;
  admin: boolean;
  holders: { principal: Principal; routes: Route[] }[];
}

/** Effective access for a quarterly review: per person, per existing group and per team. */
export interface AccessReport {
  people: EffectiveAccess[];
  unmanagedGroups: EffectiveAccess[];
  teams: TeamHolders[];
}

/**
 * Builds the access report of a grants file. People are the members of managed groups and the
 * users grants name directly. Existing groups represent members that this file does not list.
 */
export function buildAccessReport(file: GrantsFile): AccessReport {
  const admin = adminTeams(file);
  const entries = new Map<
    string,
    { principal: Principal; memberOf: Set<string>; routes: Route[] }
  >();
  const entryFor = (principal: Principal) => {
    let entry = entries.get(principal.key);
    if (!entry) {
      entry = { principal, memberOf: new Set(), routes: [] };
      entries.set(principal.key, entry);
    }
    return entry;
  };

  const grantsByGroup = new Map<string, Set<string>>();
  for (const grant of file.grants) {
    grant.groups.forEach((group) => addTo(grantsByGroup, group, grant.name));
    const expires = grant.exception?.expires;
    for (const user of grant.users) {
      const route = expires
        ? { grant: grant.name, exceptionExpires: expires }
        : { grant: grant.name };
      entryFor(userPrincipal(user)).routes.push(route);
    }
  }
  for (const group of file.managedGroups) {
    for (const member of group.members) {
      const entry = entryFor(userPrincipal(member));
      entry.memberOf.add(group.name);
      for (const grant of grantsByGroup.get(group.name) ?? []) {
        entry.routes.push({ group: group.name, grant });
      }
    }
  }
  for (const group of file.existingGroups) {
    const objectId = group.objectId.toLowerCase();
    const principal: Principal = {
      kind: "existingGroup",
      key: `existing:${objectId}`,
      name: group.name,
      objectId,
    };
    const entry = entryFor(principal);
    for (const grant of grantsByGroup.get(group.name) ?? []) {
      entry.routes.push({ group: group.name, grant });
    }
  }

  const teamsOfGrant = new Map(file.grants.map((grant) => [grant.name, grant.teams]));
  const access = [...entries.values()].map((entry): EffectiveAccess => {
    const routesByTeam = new Map<string, Route[]>();
    for (const route of entry.routes) {
      for (const team of teamsOfGrant.get(route.grant) ?? []) {
        routesByTeam.set(team, [...(routesByTeam.get(team) ?? []), route]);
      }
    }
    return {
      principal: entry.principal,
      memberOf: [...entry.memberOf].sort(compareText),
      canSignIn: entry.routes.length > 0,
      grants: [...new Set(entry.routes.map((route) => route.grant))].sort(compareText),
      routes: sortRoutes(entry.routes),
      teams: [...routesByTeam]
        .map(([team, routes]) => ({ team, admin: admin.has(team), routes: sortRoutes(routes) }))
        .sort((a, b) => compareText(a.team, b.team)),
    };
  });
  access.sort((a, b) => compareText(a.principal.name, b.principal.name));

  return {
    people: access.filter((item) => item.principal.kind === "user"),
    unmanagedGroups: access.filter((item) => item.principal.kind === "existingGroup"),
    teams: holdersByTeam(file, access, admin),
  };
}

/** Lists who gets each declared team, admin teams first: people, then existing groups, by name. */
function holdersByTeam(
  file: GrantsFile,
  access: readonly EffectiveAccess[],
  admin: Set<string>,
): TeamHolders[] {
  const ordered = [
    ...access.filter((item) => item.principal.kind === "user"),
    ...access.filter((item) => item.principal.kind !== "user"),
  ];
  return file.teams
    .map((team) => ({
      team: team.name,
      admin: admin.has(team.name),
      holders: ordered.flatMap((item) => {
        const routes = item.teams.find((entry) => entry.team === team.name)?.routes;
        return routes ? [{ principal: item.principal, routes }] : [];
      }),
    }))
    .sort((a, b) => Number(b.admin) - Number(a.admin) || compareText(a.team, b.team));
}

function sortRoutes(routes: readonly Route[]): Route[] {
  const unique = new Map(routes.map((route) => [`${route.group ?? ""}\n${route.grant}`, route]));
  return [...unique.values()].sort(
    (a, b) => compareText(a.group ?? "", b.group ?? "") || compareText(a.grant, b.grant),
  );
}
