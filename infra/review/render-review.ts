import type { GrantsFile } from "../grants/schema";
import type {
  DeclarationChange,
  FieldChange,
  GrantsComparison,
  MemberChange,
  TeamAccessChange,
} from "./compare";
import type { Principal } from "./effective-access";
import { code, codeList, compareText, count, escapeText, table } from "./markdown";
import { renderPolicyVerdicts, type PolicyVerdict } from "./policy-verdicts";

/** Share of the base version's grants that a change may remove before the review warns. */
export const DEFAULT_MAX_REMOVAL_SHARE = 0.25;

/** Exceptions that expire within this many days are called out in the review. */
const EXPIRY_NOTICE_DAYS = 30;

export interface ReviewDocument {
  comparison: GrantsComparison;
  /** The head version, whose exceptions the review lists. */
  head: GrantsFile;
  /** Labels naming the source of each version, such as `main:config/grants.yaml`. */
  baseLabel: string;
  headLabel: string;
  /** Policy violations in the head version. */
  verdicts: readonly PolicyVerdict[];
  /** Share of base grants (0 to 1) whose removal triggers the mass-removal warning. */
  maxRemovalShare?: number;
  /** Today's date as YYYY-MM-DD (UTC), for telling expired exceptions. */
  today: string;
}

/** Renders the Markdown of a pull request comment that reviews a change of grants. */
export function renderReview(review: ReviewDocument): string {
  const { comparison } = review;
  const lines: string[] = ["## Valohai access review", ""];
  const add = (...more: string[]) => lines.push(...more);
  add(`**Summary:** ${summarize(review)}.`, "");
  add(`Base ${code(review.baseLabel)}, head ${code(review.headLabel)}.`, "");

  const massRemoval = massRemovalWarning(comparison, review.maxRemovalShare);
  if (massRemoval) add("> [!CAUTION]", `> ${massRemoval}`, "");
  const touched = touchedAdminTeams(comparison);
  if (touched.length > 0) {
    add(
      "> [!WARNING]",
      `> **Admin teams.** This change touches ${codeList(touched)}. Changes to admin teams are ` +
        "listed first in each section and marked **admin**.",
      "",
    );
  }

  section(lines, "Team access", renderTeamAccess(comparison.teamAccess));
  section(lines, "Sign-in", renderSignIn(comparison));
  section(lines, "Managed group members", renderMembers(comparison.members));
  section(lines, "Grants", renderDeclarations("Grant", comparison.grants));
  section(lines, "Teams", renderDeclarations("Team", comparison.teams));
  section(lines, "Groups", renderDeclarations("Group", comparison.groups));
  section(lines, "Exceptions in the head version", renderExceptions(review.head, review.today));
  section(lines, "Policy checks on the head version", renderPolicyVerdicts(review.verdicts));
  return `${lines.join("\n").trimEnd()}\n`;
}

function section(lines: string[], title: string, body: string[]): void {
  if (body.length > 0) lines.push(`### ${title}`, "", ...body, "");
}

/** Builds the one-line summary: counts per kind of change, or "no access changes". */
function summarize(review: ReviewDocument): string {
  const { comparison } = review;
  const byChange = <T extends { change: string }>(items: readonly T[], change: string) =>
    items.filter(
      (item) => item.change === change && (!("affectsAccess" in item) || item.affectsAccess),
    ).length;
  const tallies: [number, string, string][] = [
    [byChange(comparison.teamAccess, "gains"), "team", "gained"],
    [byChange(comparison.teamAccess, "loses"), "team", "lost"],
    [byChange(comparison.signIn, "gains"), "sign-in", "gained"],
    [byChange(comparison.signIn, "loses"), "sign-in", "lost"],
    [byChange(comparison.members, "added"), "member", "added"],
    [byChange(comparison.members, "removed"), "member", "removed"],
  ];

  for (const [noun, items] of [
    ["grant", comparison.grants],
    ["team", comparison.teams],
    ["group", comparison.groups],
  ] as const) {
    for (const change of ["added", "changed", "removed"]) {
      tallies.push([byChange(items, change), noun === "team" ? "team declaration" : noun, change]);
    }
  }

  const changes = tallies
    .filter(([n]) => n > 0)
    .map(([n, noun, verb]) => `${count(n, noun)} ${verb}`);
  const parts = [changes.length > 0 ? changes.join(", ") : "no access changes"];

  const adminChanges = countAdminChanges(comparison);
  if (adminChanges > 0) parts.push(count(adminChanges, "admin change"));
  const otherChanges = [...comparison.grants, ...comparison.teams, ...comparison.groups].filter(
    (item) => !item.affectsAccess,
  ).length;
  if (otherChanges > 0) parts.push(count(otherChanges, "other change"));
  const expired = review.head.grants.filter(
    (grant) => grant.exception && grant.exception.expires < review.today,
  ).length;
  if (expired > 0) parts.push(count(expired, "expired exception"));
  parts.push(summarizeVerdicts(review.verdicts));
  return parts.join("; ");
}

/** Counts violations per enforcement level, such as "2 mandatory and 1 advisory policy violations". */
function summarizeVerdicts(verdicts: readonly PolicyVerdict[]): string {
  if (verdicts.length === 0) return "no policy violations";
  const levels = (["mandatory", "advisory", "disabled"] as const)
    .map((level) => [level, verdicts.filter((v) => v.enforcementLevel === level).length] as const)
    .filter(([, n]) => n > 0)
    .map(([level, n]) => `${n} ${level}`);
  const listed =
    levels.length === 1 ? levels[0] : `${levels.slice(0, -1).join(", ")} and ${levels.at(-1)}`;
  return `${listed} policy violation${verdicts.length === 1 ? "" : "s"}`;
}

function countAdminChanges(comparison: GrantsComparison): number {
  const declarations = [...comparison.grants, ...comparison.teams, ...comparison.groups];
  return [
    ...comparison.teamAccess,
    ...comparison.signIn,
    ...comparison.members,
    ...declarations.filter((item) => item.affectsAccess),
  ].filter((item) => item.admin).length;
}

/** Lists the admin teams that any change touches. */
function touchedAdminTeams(comparison: GrantsComparison): string[] {
  const admin = new Set(comparison.adminTeams);
  const declarations = [...comparison.grants, ...comparison.teams, ...comparison.groups];
  const touched = new Set([
    ...comparison.teamAccess.filter((change) => change.admin).map((change) => change.team),
    ...comparison.members.flatMap((change) => change.teams.filter((team) => admin.has(team))),
    ...declarations.filter((item) => item.affectsAccess).flatMap((item) => item.adminTeams),
  ]);
  return [...touched].sort(compareText);
}

/** Returns the warning text when the change removes too large a share of grants, or all of them. */
export function massRemovalWarning(
  comparison: GrantsComparison,
  maxShare = DEFAULT_MAX_REMOVAL_SHARE,
): string | undefined {
  const { base, head, removed } = comparison.grantCounts;
  if (base === 0 || removed === 0) return undefined;
  if (head === 0) {
    return (
      `**Mass removal.** This change removes ${base === 1 ? "the only grant" : `all ${count(base, "grant")}`}. Nobody will be able ` +
      "to sign in to Valohai through Azure AD after it is applied."
    );
  }
  const share = removed / base;
  if (share <= maxShare) return undefined;
  return (
    `**Mass removal.** This change removes ${removed} of ${count(base, "grant")} ` +
    `(${Math.round(share * 100)}%), more than the ${Math.round(maxShare * 100)}% limit of this ` +
    "review. A renamed grant counts as removed; the Sign-in section lists who actually loses access."
  );
}

function renderTeamAccess(changes: readonly TeamAccessChange[]): string[] {
  const lines: string[] = [];
  const teams = [...new Set(changes.map((change) => change.team))];
  for (const team of teams) {
    const rows = changes.filter((change) => change.team === team);
    const mark = rows[0].admin ? " **admin**" : "";
    lines.push(`#### ${code(team)}${mark}`, "");
    lines.push(
      ...table(
        ["Change", "Principal", "Object ID", "Through grant"],
        rows.map((row) => [
          row.change,
          describePrincipal(row.principal),
          objectIdOf(row.principal),
          codeList(row.grants),
        ]),
      ),
      "",
    );
  }
  return trimTrailingBlank(lines);
}

function renderSignIn(comparison: GrantsComparison): string[] {
  if (comparison.signIn.length === 0) return [];
  return table(
    ["Change", "Principal", "Object ID", "Grants"],
    comparison.signIn.map((change) => [
      (change.admin ? "**admin** " : "") +
        (change.change === "gains" ? "can now sign in" : "can no longer sign in"),
      describePrincipal(change.principal),
      objectIdOf(change.principal),
      codeList(change.grants),
    ]),
  );
}

function renderMembers(changes: readonly MemberChange[]): string[] {
  const lines: string[] = [];
  const groups = [...new Set(changes.map((change) => change.group))];
  for (const group of groups) {
    const rows = changes.filter((change) => change.group === group);
    const mark = rows.some((row) => row.admin) ? " **admin**" : "";
    lines.push(`#### ${code(group)}${mark}`, "");
    lines.push(
      ...table(
        ["Change", "Member", "Object ID", "Teams through this group"],
        rows.map((row) => [
          row.change,
          code(row.member.name),
          objectIdOf(row.member),
          codeList(row.teams),
        ]),
      ),
      "",
    );
  }
  return trimTrailingBlank(lines);
}

function renderDeclarations(noun: string, changes: readonly DeclarationChange[]): string[] {
  if (changes.length === 0) return [];
  return table(
    ["Change", noun, "Details"],
    changes.map((change) => [
      change.admin && change.affectsAccess ? `**admin** ${change.change}` : change.change,
      code(change.name),
      describeFields(change) || "—",
    ]),
  );
}

function describeFields(change: DeclarationChange): string {
  const whole = change.change !== "changed";
  return change.fields
    .map((field) => describeField(field, whole))
    .filter((text) => text !== "")
    .join("; ");
}

function describeField(field: FieldChange, whole: boolean): string {
  if (field.kind === "list") {
    if (whole) {
      const values = [...field.added, ...field.removed];
      return values.length > 0 ? `${field.field}: ${codeList(values)}` : "";
    }
    const parts = [
      ...(field.added.length > 0 ? [`added ${codeList(field.added)}`] : []),
      ...(field.removed.length > 0 ? [`removed ${codeList(field.removed)}`] : []),
    ];
    return `${field.field}: ${parts.join(", ")}`;
  }
  if (field.field === "description") {
    return whole ? "" : "description changed";
  }
  if (whole) {
    const value = field.to ?? field.from;
    return value === undefined ? "" : `${field.field}: ${code(value)}`;
  }
  if (field.from === undefined) return `${field.field}: set to ${code(field.to as string)}`;
  if (field.to === undefined) return `${field.field}: removed, was ${code(field.from)}`;
  return `${field.field}: ${code(field.from)} → ${code(field.to)}`;
}

/** Lists every exception in the head version with its expiry and whether it has expired. */
function renderExceptions(head: GrantsFile, today: string): string[] {
  const grants = head.grants
    .filter((grant) => grant.exception !== undefined)
    .sort((a, b) => compareText(a.name, b.name));
  if (grants.length === 0) return [];
  return table(
    ["Grant", "Users", "Reason", "Expires", "Status"],
    grants.map((grant) => {
      const exception = grant.exception as { reason: string; expires: string };
      return [
        code(grant.name),
        codeList([...grant.users].sort(compareText)),
        escapeText(exception.reason),
        exception.expires,
        expiryStatus(exception.expires, today),
      ];
    }),
  );
}

function expiryStatus(expires: string, today: string): string {
  const days = Math.round((Date.parse(expires) - Date.parse(today)) / 86_400_000);
  if (days < 0) return "**expired**";
  if (days === 0) return "expires today";
  if (days <= EXPIRY_NOTICE_DAYS) return `expires in ${count(days, "day")}`;
  return "active";
}

function describePrincipal(principal: Principal): string {
  switch (principal.kind) {
    case "managedGroup":
      return `managed group ${code(principal.name)}`;
    case "existingGroup":
      return `existing group ${code(principal.name)}`;
    case "user":
      return `user ${code(principal.name)}`;
  }
}

/** Shows the object ID when the file gives it, and otherwise when Azure AD assigns or resolves it. */
function objectIdOf(principal: Principal): string {
  if (principal.kind === "existingGroup") return code(principal.objectId);
  if (principal.kind === "managedGroup") return "assigned when the group is created";
  if (principal.objectId) return code(principal.objectId);
  return "not known offline";
}

function trimTrailingBlank(lines: string[]): string[] {
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}
