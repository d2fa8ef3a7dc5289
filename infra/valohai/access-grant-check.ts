import type * as pulumi from "@pulumi/pulumi";
import type { AccessGrantInputs } from "./access-grant";
import { checkOrganizationId, isKnown } from "./inputs";

/** Azure AD object IDs are GUIDs. */
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks an access grant's inputs. A value unknown at preview, whether a whole list or one field
 * inside it, passes here and is checked again when it is known.
 */
export function checkGrantInputs(inputs: AccessGrantInputs): pulumi.dynamic.CheckFailure[] {
  const failures = checkOrganizationId(inputs.organizationId);
  if (inputs.organizationId === undefined) {
    failures.push({
      property: "organizationId",
      reason:
        "organizationId is missing: pass it to the grant, or set valohai-sso:organizationId " +
        "or VALOHAI_ORGANIZATION_ID for the provider.",
    });
  }
  failures.push(...checkPrincipals(inputs.principals));
  failures.push(...checkTeams(inputs.teams));
  if (isKnown(inputs.grantName) && typeof inputs.grantName !== "string") {
    failures.push({ property: "grantName", reason: "grantName must be a string" });
  }
  return failures;
}

function checkPrincipals(principals: unknown): pulumi.dynamic.CheckFailure[] {
  if (!isKnown(principals)) {
    return principals === undefined
      ? [{ property: "principals", reason: "principals is missing: list at least one group" }]
      : [];
  }
  if (!Array.isArray(principals) || principals.length === 0) {
    return [{ property: "principals", reason: "principals must list at least one group or user" }];
  }
  const failures: pulumi.dynamic.CheckFailure[] = [];
  principals.forEach((principal: unknown, index) => {
    if (!isKnown(principal)) return;
    if (!principal || typeof principal !== "object") {
      failures.push({
        property: `principals[${index}]`,
        reason: `each principal must be an object with objectId and kind, got ${JSON.stringify(principal)}`,
      });
      return;
    }
    const { objectId, kind } = principal as { objectId?: unknown; kind?: unknown };
    if (isKnown(objectId) && !(typeof objectId === "string" && OBJECT_ID.test(objectId))) {
      failures.push({
        property: `principals[${index}].objectId`,
        reason: `objectId must be an Azure AD object ID (a GUID), got ${JSON.stringify(objectId)}`,
      });
    }
    if (isKnown(kind) && kind !== "group" && kind !== "user") {
      failures.push({
        property: `principals[${index}].kind`,
        reason: `kind must be "group" or "user", got ${JSON.stringify(kind)}`,
      });
    }
  });
  return failures;
}

function checkTeams(teams: unknown): pulumi.dynamic.CheckFailure[] {
  if (!isKnown(teams)) {
    return teams === undefined
      ? [{ property: "teams", reason: "teams is missing: list the teams, or [] for none" }]
      : [];
  }
  if (!Array.isArray(teams)) {
    return [{ property: "teams", reason: `teams must be a list, got ${JSON.stringify(teams)}` }];
  }
  const failures: pulumi.dynamic.CheckFailure[] = [];
  teams.forEach((team: unknown, index) => {
    if (!isKnown(team)) return;
    if (!team || typeof team !== "object") {
      failures.push({
        property: `teams[${index}]`,
        reason: `each team must be an object with teamId and name, got ${JSON.stringify(team)}`,
      });
      return;
    }
    const { teamId } = team as { teamId?: unknown };
    if (isKnown(teamId) && !(typeof teamId === "string" && teamId !== "")) {
      failures.push({
        property: `teams[${index}].teamId`,
        reason: `teamId must be the ID of a Valohai team, got ${JSON.stringify(teamId)}`,
      });
    }
  });
  return failures;
}
