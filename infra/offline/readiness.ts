import { DEFAULT_APP_ROLE_ID } from "../azuread/application";
import { compareCodeUnits } from "../grants/problems";
import type { SsoOutputs } from "../program";
import type { AccessGrantInputs, GrantPrincipal } from "../valohai/access-grant";
import type { MockRun, Registration } from "./mock-runtime";

/**
 * Login readiness: for each access grant, whether the conditions for its members to sign in to
 * Valohai and join its teams hold in the setup the program declared. Built from the resources the
 * program registered under the mock runtime and the directory lookups it made.
 */

export interface ReadinessCheck {
  /** The condition, stated as it reads when it holds. */
  condition: string;
  ok: boolean;
  /** Explanation of the failure and its fix, present only when the condition fails. */
  fix?: string;
}

export interface GrantReadiness {
  grant: string;
  ready: boolean;
  checks: ReadinessCheck[];
}

const GET_GROUP = "azuread:index/getGroup:getGroup";

const TYPES = {
  application: "azuread:index/application:Application",
  servicePrincipal: "azuread:index/servicePrincipal:ServicePrincipal",
  group: "azuread:index/group:Group",
  assignment: "azuread:index/appRoleAssignment:AppRoleAssignment",
  team: "pulumi-nodejs:dynamic/valohai:Team",
  accessGrant: "pulumi-nodejs:dynamic/valohai:AccessGrant",
} as const;

/** Facts about one group in the declared setup, by object ID. */
interface GroupFacts {
  found: boolean;
  securityEnabled: boolean;
}

interface DeclaredSetup {
  groupClaims: string[];
  assignmentRequired: boolean;
  /** Object IDs of the groups and users assigned to the application's service principal. */
  assigned: Set<string>;
  groups: Map<string, GroupFacts>;
  teamIds: Set<string>;
}

/** Checks every access grant the program registered, in the order of the grant names. */
export function checkLoginReadiness(run: MockRun<SsoOutputs>): GrantReadiness[] {
  const setup = describeSetup(run);
  return ofType(run, TYPES.accessGrant)
    .map((registration) => {
      const grant = registration.inputs as unknown as AccessGrantInputs;
      const name = grant.grantName ?? registration.name;
      const checks = [
        ...grant.principals.flatMap((principal) => checkPrincipal(principal, setup)),
        checkTeams(name, grant, setup),
      ];
      return { grant: name, ready: checks.every((check) => check.ok), checks };
    })
    .sort((a, b) => compareCodeUnits(a.grant, b.grant));
}

function describeSetup(run: MockRun<SsoOutputs>): DeclaredSetup {
  const application = ofType(run, TYPES.application)[0];
  const servicePrincipal = ofType(run, TYPES.servicePrincipal)[0];
  const servicePrincipalId = servicePrincipal?.state.objectId;
  const assigned = new Set(
    ofType(run, TYPES.assignment)
      .filter((assignment) => assignment.inputs.resourceObjectId === servicePrincipalId)
      .filter((assignment) => assignment.inputs.appRoleId === DEFAULT_APP_ROLE_ID)
      .map((assignment) => assignment.inputs.principalObjectId as string),
  );

  const groups = new Map<string, GroupFacts>();
  for (const group of ofType(run, TYPES.group)) {
    groups.set(group.state.objectId as string, {
      found: true,
      securityEnabled: group.inputs.securityEnabled === true,
    });
  }
  for (const lookup of run.invocations.filter((call) => call.token === GET_GROUP)) {
    const objectId = String(lookup.args.objectId).toLowerCase();
    groups.set(objectId, {
      found: typeof lookup.result.objectId === "string" && lookup.result.objectId !== "",
      securityEnabled: lookup.result.securityEnabled === true,
    });
  }

  return {
    groupClaims: (application?.inputs.groupMembershipClaims as string[] | undefined) ?? [],
    assignmentRequired: servicePrincipal?.inputs.appRoleAssignmentRequired === true,
    assigned,
    groups,
    teamIds: new Set(ofType(run, TYPES.team).map((team) => team.state.teamId as string)),
  };
}

function checkPrincipal(principal: GrantPrincipal, setup: DeclaredSetup): ReadinessCheck[] {
  const label = `${principal.kind} "${principal.name ?? principal.objectId}"`;
  const checks: ReadinessCheck[] = [];
  if (principal.kind === "group") {
    const facts = setup.groups.get(principal.objectId);
    checks.push(checkGroupExists(label, principal.objectId, facts));
    checks.push(checkAssigned(label, principal.objectId, setup));
    checks.push(checkGroupClaims(label, principal.objectId, facts, setup));
  } else {
    checks.push(checkAssigned(label, principal.objectId, setup));
  }
  return checks;
}

function checkGroupExists(
  label: string,
  objectId: string,
  facts: GroupFacts | undefined,
): ReadinessCheck {
  const condition = `${label} exists and is a security group`;
  if (!facts || !facts.found) {
    return {
      condition,
      ok: false,
      fix:
        `no group with object ID ${objectId} was found in Azure AD. Copy the group's Object ID ` +
        "from Azure AD into existingGroups, or declare the group under managedGroups.",
    };
  }
  if (!facts.securityEnabled) {
    return {
      condition,
      ok: false,
      fix:
        `${label} is not a security group, so its members may match no grant. Reference a ` +
        "security group under existingGroups, or declare one under managedGroups.",
    };
  }
  return { condition, ok: true };
}

function checkAssigned(label: string, objectId: string, setup: DeclaredSetup): ReadinessCheck {
  if (!setup.assignmentRequired) {
    return {
      condition: `${label} may sign in: the application does not require assignment`,
      ok: true,
    };
  }
  const condition = `${label} is assigned to the application`;
  if (setup.assigned.has(objectId)) return { condition, ok: true };
  return {
    condition,
    ok: false,
    fix:
      `the application requires assignment and ${label} has none, so Azure AD rejects its ` +
      "sign-in. Name it in a grant so the program assigns it.",
  };
}

function checkGroupClaims(
  label: string,
  objectId: string,
  facts: GroupFacts | undefined,
  setup: DeclaredSetup,
): ReadinessCheck {
  const claims = setup.groupClaims;
  const condition = `tokens carry ${label} (${claims.join(", ") || "no"} group claims)`;
  const emitted =
    claims.includes("All") ||
    (claims.includes("SecurityGroup") && facts?.securityEnabled === true) ||
    (claims.includes("ApplicationGroup") && setup.assigned.has(objectId));
  if (emitted) return { condition, ok: true };
  const fix =
    claims.length === 0
      ? "the application emits no group claims. Set valohai-sso:groupClaims to ApplicationGroup."
      : `${claims.join(", ")} claims leave out ${label}. With ApplicationGroup, the group must ` +
        "be assigned to the application; with SecurityGroup, it must be a security group.";
  return { condition, ok: false, fix };
}

function checkTeams(name: string, grant: AccessGrantInputs, setup: DeclaredSetup): ReadinessCheck {
  const names = grant.teams.map((team) => team.name);
  if (names.length === 0) {
    return {
      condition: "the grant adds its members to at least one team",
      ok: false,
      fix:
        `grant "${name}" has no teams, so its members sign in without team access. ` +
        "Add teams to the grant.",
    };
  }
  const condition =
    names.length === 1 ? `team ${names[0]} exists` : `teams ${names.join(", ")} exist`;
  const missing = grant.teams.filter((team) => !setup.teamIds.has(team.teamId));
  if (missing.length === 0) return { condition, ok: true };
  return {
    condition,
    ok: false,
    fix:
      `team ${missing.map((team) => team.name).join(", ")} is not declared, so the grant ` +
      "gives no access to it. Declare it under teams.",
  };
}

function ofType(run: MockRun<unknown>, type: string): Registration[] {
  return run.registrations.filter((registration) => registration.type === type);
}
