import { ifKnown, listOf, TYPES, type Rule, type RuleResource } from "./rule";

/*
 * Rules on Valohai access grants. A grant's `kind`, team `name` and `admin` fields, its name and
 * its exception are plain values in the program, known during `pulumi preview`. Object IDs of new
 * groups and team IDs of new teams are not, so these rules read IDs only to name an offender.
 */

/** Matches a calendar date in the form exception expiry dates use. */
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** Returns the grant's name in the grants file, or its resource name if the input is missing. */
function grantNameOf(grant: RuleResource): string {
  const name = grant.props.grantName;
  return typeof name === "string" && name !== "" ? name : grant.name;
}

/** Names a principal by object ID, with its name from the grants file when that differs. */
function describePrincipal(principal: Record<string, any>): string {
  const objectId = ifKnown(() => principal.objectId);
  const name = typeof principal.name === "string" ? principal.name : undefined;
  if (typeof objectId !== "string" || objectId === "") {
    return `${name ?? "(unnamed)"} (object ID not known until deployment)`;
  }
  return name && name.toLowerCase() !== objectId.toLowerCase() ? `${objectId} (${name})` : objectId;
}

function usersOf(grant: RuleResource): Record<string, any>[] {
  return listOf(grant.props.principals).filter((principal) => principal.kind === "user");
}

interface ExceptionStatus {
  inForce: boolean;
  reason?: string;
  expires?: string;
}

/** Reads a grant's exception, which is in force through its expiry day (UTC) and not after. */
function exceptionStatus(grant: RuleResource, today: string): ExceptionStatus | undefined {
  const exception = grant.props.exception;
  if (!exception || typeof exception !== "object") return undefined;
  const reason = typeof exception.reason === "string" ? exception.reason : undefined;
  const expires = typeof exception.expires === "string" ? exception.expires : undefined;
  const inForce = expires !== undefined && DATE_PATTERN.test(expires) && today <= expires;
  return { inForce, reason, expires };
}

function lapsedExceptionAdvice(status: ExceptionStatus | undefined): string {
  if (!status) {
    return (
      "Add the user to a group and grant the group, or give the grant an exception with a " +
      "reason and an expiry date."
    );
  }
  const expiry =
    status.expires && DATE_PATTERN.test(status.expires)
      ? `expired on ${status.expires}`
      : `has an invalid expiry date "${status.expires ?? ""}" (use YYYY-MM-DD)`;
  return `Its exception ("${status.reason ?? ""}") ${expiry}. Grant a group instead, or renew the exception.`;
}

export const noIndividualUserGrants: Rule = {
  kind: "resource",
  name: "no-individual-user-grants",
  description:
    "Checks that access grants name groups, not individual users, unless a time-boxed exception is in force.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.accessGrant, TYPES.manualAccessGrant],
  validateResource(grant, { today }, report) {
    const users = usersOf(grant);
    if (users.length === 0) return;
    const status = exceptionStatus(grant, today);
    if (status?.inForce) return;
    for (const user of users) {
      report(
        `grant "${grantNameOf(grant)}" must grant groups, not individual users, but grants user ` +
          `${describePrincipal(user)}. ${lapsedExceptionAdvice(status)}`,
      );
    }
  },
};

// CrossGuard 1.21 gives each policy one enforcement level, because a per-violation level is not
// part of its typed API. So this advisory rule reports user grants under an exception in force,
// and `no-individual-user-grants` rejects the same grants once the exception expires.
export const userGrantExceptions: Rule = {
  kind: "resource",
  name: "user-grant-exceptions",
  description:
    "Checks that no access grant relies on a time-boxed exception to grant individual users.",
  enforcementLevel: "advisory",
  resourceTypes: [TYPES.accessGrant, TYPES.manualAccessGrant],
  validateResource(grant, { today }, report) {
    const users = usersOf(grant);
    const status = exceptionStatus(grant, today);
    if (users.length === 0 || !status?.inForce) return;
    for (const user of users) {
      report(
        `grant "${grantNameOf(grant)}" grants user ${describePrincipal(user)} individually under an ` +
          `exception until ${status.expires} ("${status.reason ?? ""}"). After that date the grant ` +
          "is rejected: move the user into a group before then.",
      );
    }
  },
};

export const grantHasTeams: Rule = {
  kind: "resource",
  name: "grant-has-teams",
  description: "Checks that every access grant adds its members to at least one Valohai team.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.accessGrant, TYPES.manualAccessGrant],
  validateResource(grant, _context, report) {
    if (listOf(grant.props.teams).length > 0) return;
    report(
      `grant "${grantNameOf(grant)}" must list at least one team: without teams its members sign ` +
        "in to Valohai without access to any team. Add teams to the grant.",
    );
  },
};

export const limitAdminGrants: Rule = {
  kind: "stack",
  name: "limit-admin-grants",
  description:
    "Checks that admin teams are granted only to groups, and by no more than the allowed number of grants.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.accessGrant, TYPES.manualAccessGrant],
  settings: {
    maxAdminGrants: {
      type: "integer",
      description: "Maximum number of access grants that may give an admin team.",
      default: 1,
      minimum: 0,
    },
  },
  validateStack(grants, { config }, report) {
    const maxAdminGrants = Number(config.maxAdminGrants);
    const adminGrants: { name: string; teams: string[] }[] = [];
    for (const grant of grants) {
      // NOTE: a grant whose outputs are not known yet has no teams here and is skipped. That
      // happens when a provider returns no outputs during preview. The resource rules still run.
      const adminTeams = listOf(grant.props.teams)
        .filter((team) => team.admin === true)
        .map((team) => String(team.name));
      if (adminTeams.length === 0) continue;
      const name = grantNameOf(grant);
      adminGrants.push({ name, teams: adminTeams });
      const teamList = adminTeams.map((team) => `"${team}"`).join(", ");
      for (const user of usersOf(grant)) {
        report(
          `grant "${name}" gives the admin team ${teamList} to user ${describePrincipal(user)}, but ` +
            "admin teams may be granted only to groups. Grant the admin team to a group instead.",
          grant.urn,
        );
      }
    }
    if (adminGrants.length > maxAdminGrants) {
      const listed = adminGrants
        .map((grant) => `"${grant.name}" (${grant.teams.join(", ")})`)
        .join(", ");
      report(
        `at most ${maxAdminGrants} access grant${maxAdminGrants === 1 ? "" : "s"} may give admin ` +
          `teams, but ${adminGrants.length} do: ${listed}. Give admin rights through fewer grants, ` +
          "or raise maxAdminGrants in the policy pack config.",
      );
    }
  },
};
