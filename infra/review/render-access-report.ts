import type { AccessReport, EffectiveAccess, Route } from "./access-report";
import type { Principal } from "./effective-access";
import { code, count, table } from "./markdown";

const NOT_MANAGED_HERE = "members not managed here";

/** Renders the access report as Markdown; `source` names the grants file it was built from. */
export function renderAccessReportMarkdown(report: AccessReport, source: string): string {
  const signIn = report.people.filter((person) => person.canSignIn).length;
  const admin = report.teams.filter((team) => team.admin).length;
  const lines = [
    "## Valohai effective access",
    "",
    `Grants file ${code(source)}.`,
    "",
    `**Summary:** ${count(report.people.length, "person", "people")}, ${signIn} can sign in; ` +
      `${count(report.unmanagedGroups.length, "group")} with ${NOT_MANAGED_HERE}; ` +
      `${count(report.teams.length, "team")}, ${admin} admin.`,
    "",
    "### People",
    "",
  ];
  if (report.people.length === 0) {
    lines.push("No people are listed in managed groups or grants.", "");
  } else {
    lines.push(
      ...table(
        ["Person", "Object ID", "Can sign in", "Teams", "Through"],
        report.people.map((person) => [
          code(person.principal.name),
          objectIdOf(person.principal),
          person.canSignIn ? "yes" : "**no**",
          teamList(person),
          routeList(person.routes, person.principal) || "no grant",
        ]),
      ),
      "",
    );
  }

  if (report.unmanagedGroups.length > 0) {
    lines.push(`### Groups with ${NOT_MANAGED_HERE}`, "");
    lines.push(
      ...table(
        ["Group", "Object ID", "Can sign in", "Teams", "Through"],
        report.unmanagedGroups.map((group) => [
          code(group.principal.name),
          objectIdOf(group.principal),
          group.canSignIn ? `yes, ${NOT_MANAGED_HERE}` : "**no**",
          teamList(group),
          routeList(group.routes, group.principal) || "no grant",
        ]),
      ),
      "",
    );
  }

  lines.push("### Teams", "");
  for (const team of report.teams) {
    lines.push(`#### ${code(team.team)}${team.admin ? " **admin**" : ""}`, "");
    if (team.holders.length === 0) {
      lines.push("Nobody gets this team.", "");
      continue;
    }
    lines.push(
      ...table(
        ["Who", "Object ID", "Through"],
        team.holders.map((holder) => [
          holder.principal.kind === "existingGroup"
            ? `${NOT_MANAGED_HERE} of ${code(holder.principal.name)}`
            : code(holder.principal.name),
          objectIdOf(holder.principal),
          routeList(holder.routes, holder.principal),
        ]),
      ),
      "",
    );
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

/** The CSV header; each row is one principal and one team. */
export const ACCESS_REPORT_CSV_HEADER = [
  "principal",
  "principal_type",
  "object_id",
  "can_sign_in",
  "team",
  "admin_team",
  "through_groups",
  "through_grants",
  "exception_expires",
];

/**
 * Renders the access report as CSV (RFC 4180, CRLF line ends): one row per person and team, then
 * one per existing group and team. A principal with no team gets one row with an empty team.
 */
export function renderAccessReportCsv(report: AccessReport): string {
  const rows: string[][] = [ACCESS_REPORT_CSV_HEADER];
  for (const item of [...report.people, ...report.unmanagedGroups]) {
    const principal = item.principal;
    const fixed = [
      principal.name,
      principal.kind === "user" ? "user" : `group, ${NOT_MANAGED_HERE}`,
      principal.kind === "managedGroup" ? "" : (principal.objectId ?? ""),
      item.canSignIn ? "yes" : "no",
    ];
    if (item.teams.length === 0) {
      rows.push([...fixed, "", "", "", item.grants.join("; "), exceptionDates(item.routes)]);
    }
    for (const team of item.teams) {
      const groups = [...new Set(team.routes.map((route) => route.group ?? "(user grant)"))];
      const grants = [...new Set(team.routes.map((route) => route.grant))];
      rows.push([
        ...fixed,
        team.team,
        team.admin ? "yes" : "no",
        groups.join("; "),
        grants.join("; "),
        exceptionDates(team.routes),
      ]);
    }
  }
  return rows.map((row) => row.map(csvField).join(",")).join("\r\n") + "\r\n";
}

/**
 * Quotes a CSV field when needed. A field that a spreadsheet would run as a formula (starting
 * with =, +, -, @, tab or carriage return) gets a leading apostrophe, so it shows as text.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function teamList(item: EffectiveAccess): string {
  if (item.teams.length === 0) return "—";
  return item.teams
    .map((team) => (team.admin ? `${code(team.team)} **admin**` : code(team.team)))
    .join(", ");
}

/** Lists routes; an existing group's own routes show only the grant, since the group is named. */
function routeList(routes: readonly Route[], principal: Principal): string {
  return routes
    .map((route) => {
      if (route.group === undefined) {
        const until = route.exceptionExpires ? ` (exception until ${route.exceptionExpires})` : "";
        return `user grant ${code(route.grant)}${until}`;
      }
      if (principal.kind === "existingGroup") return `grant ${code(route.grant)}`;
      return `group ${code(route.group)} (grant ${code(route.grant)})`;
    })
    .join(", ");
}

function exceptionDates(routes: readonly Route[]): string {
  const dates = routes.flatMap((route) => (route.exceptionExpires ? [route.exceptionExpires] : []));
  return [...new Set(dates)].sort().join("; ");
}

function objectIdOf(principal: Principal): string {
  if (principal.kind === "managedGroup") return "assigned when the group is created";
  return principal.objectId ? code(principal.objectId) : "not known offline";
}
