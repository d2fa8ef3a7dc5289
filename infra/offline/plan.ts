import { compareCodeUnits } from "../grants/problems";
import type { SsoOutputs } from "../program";
import type { AccessGrantInputs } from "../valohai/access-grant";
import type { MockRun, Registration } from "./mock-runtime";
import { checkLoginReadiness, type GrantReadiness } from "./readiness";

/**
 * The resources a run of the program would provision, built from the resources it registered under the
 * mock runtime. Arrays are sorted by name and objects are built in a fixed key order, so the JSON
 * form is stable across runs.
 */
export interface Plan {
  stack: string;
  grantsFile: string;
  application: {
    displayName: string;
    signInAudience: string;
    redirectUris: string[];
    servicePrincipal: boolean;
    groupClaims: string[];
    /** Whether only groups and users assigned to the application can sign in. */
    assignmentRequired: boolean;
    /** Names of the optional and directory attribute claims added for attribute mapping. */
    optionalClaims: string[];
    owners: number;
    mfaPolicy: boolean;
  };
  groups: PlannedGroup[];
  teams: { name: string; organizationId: number; admin: boolean }[];
  grants: { name: string; groups: string[]; users: string[]; teams: string[] }[];
  readiness: GrantReadiness[];
  /** `api` when the program pushes grants to Valohai; `manual` when an admin enters them. */
  accessGrantsMode: "api" | "manual";
  /** In manual mode, the grants for an admin to enter in Valohai's web app. */
  accessGrantChecklist?: string;
  outputs: { redirectUri: string; clientId: string; tenantId: string };
  warnings: string[];
}

/** Inputs of the plan from outside the mock run: the grants file and the command's warnings. */
export interface PlanContext {
  /** Names of the teams the grants file marks as admin, granted or not. */
  adminTeams: readonly string[];
  /** Grants file and stack file warnings, already formatted. */
  warnings: readonly string[];
  /** The organization ID setting as given, before the program reads it. */
  organizationId?: string;
}

export type PlannedGroup =
  | { name: string; kind: "managed"; displayName: string; memberCount: number }
  | { name: string; kind: "existing"; objectId: string };

export const TYPES = {
  application: "azuread:index/application:Application",
  servicePrincipal: "azuread:index/servicePrincipal:ServicePrincipal",
  group: "azuread:index/group:Group",
  team: "pulumi-nodejs:dynamic/valohai:Team",
  accessGrant: "pulumi-nodejs:dynamic/valohai:AccessGrant",
  assignment: "azuread:index/appRoleAssignment:AppRoleAssignment",
  claimsMappingPolicy: "azuread:index/claimsMappingPolicy:ClaimsMappingPolicy",
  conditionalAccessPolicy: "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy",
} as const;

const ASSIGNED_AT_DEPLOY = "assigned by Azure AD at pulumi up";

export function buildPlan(
  stack: string,
  grantsFile: string,
  run: MockRun<SsoOutputs>,
  context: PlanContext,
): Plan {
  const ofType = (type: string) =>
    run.registrations.filter((registration) => registration.type === type).sort(byName);
  const application = ofType(TYPES.application)[0];
  if (!application) {
    throw new Error("the program registered no Azure AD application");
  }
  const appInputs = application.inputs as {
    displayName: string;
    signInAudience: string;
    web?: { redirectUris?: string[] };
    groupMembershipClaims?: string[];
    optionalClaims?: { idTokens?: { name: string }[] };
    owners?: string[];
  };
  const servicePrincipal = ofType(TYPES.servicePrincipal)[0];

  const managed = ofType(TYPES.group).map((group) => ({
    // The grants file's name, which grants use; the display name may carry a stack's prefix.
    name: group.name,
    kind: "managed" as const,
    displayName: group.inputs.displayName as string,
    memberCount: ((group.inputs.members as string[] | undefined) ?? []).length,
    objectId: group.state.objectId as string,
  }));
  const managedIds = new Set(managed.map((group) => group.objectId));
  const grants = ofType(TYPES.accessGrant).map((grant) => ({
    name: grant.name,
    ...(grant.inputs as unknown as AccessGrantInputs),
  }));
  const existing = new Map<string, PlannedGroup>();
  for (const grant of grants) {
    for (const principal of grant.principals) {
      if (principal.kind === "group" && !managedIds.has(principal.objectId)) {
        const name = principal.name ?? principal.objectId;
        existing.set(name, { name, kind: "existing", objectId: principal.objectId });
      }
    }
  }
  const teams = ofType(TYPES.team);
  const adminTeams = new Set(context.adminTeams);
  const checklist = run.result.accessGrantChecklist;

  return {
    stack,
    grantsFile,
    application: {
      displayName: appInputs.displayName,
      signInAudience: appInputs.signInAudience,
      redirectUris: [...(appInputs.web?.redirectUris ?? [])],
      servicePrincipal: servicePrincipal !== undefined,
      groupClaims: [...(appInputs.groupMembershipClaims ?? [])],
      assignmentRequired: servicePrincipal?.inputs.appRoleAssignmentRequired === true,
      optionalClaims: [
        ...(appInputs.optionalClaims?.idTokens ?? []).map((claim) => claim.name),
        ...ofType(TYPES.claimsMappingPolicy).flatMap(mappedClaimNames),
      ],
      owners: (appInputs.owners ?? []).length,
      mfaPolicy: ofType(TYPES.conditionalAccessPolicy).length > 0,
    },
    groups: [
      ...managed.map(({ name, kind, displayName, memberCount }) => ({
        name,
        kind,
        displayName,
        memberCount,
      })),
      ...existing.values(),
    ].sort(byName),
    teams: teams.map((team) => ({
      name: team.inputs.name as string,
      organizationId: team.inputs.organizationId as number,
      admin: adminTeams.has(team.inputs.name as string),
    })),
    grants: grants.map((grant) => ({
      name: grant.grantName ?? grant.name,
      groups: grant.principals.filter((p) => p.kind === "group").map((p) => p.name ?? p.objectId),
      users: grant.principals.filter((p) => p.kind === "user").map((p) => p.name ?? p.objectId),
      teams: grant.teams.map((team) => team.name),
    })),
    readiness: checkLoginReadiness(run),
    accessGrantsMode: checklist === undefined ? "api" : "manual",
    ...(checklist === undefined ? {} : { accessGrantChecklist: checklist }),
    outputs: {
      redirectUri: run.result.redirectUri,
      clientId: ASSIGNED_AT_DEPLOY,
      tenantId: ASSIGNED_AT_DEPLOY,
    },
    warnings: [
      ...context.warnings,
      ...(context.organizationId?.trim() === "0" ? [PLACEHOLDER_ORGANIZATION_WARNING] : []),
    ],
  };
}

export const PLACEHOLDER_ORGANIZATION_WARNING =
  "valohai-sso:organizationId is 0, a placeholder. Set it to your organization's ID " +
  "(GET /api/v0/organizations/ lists it) before pulumi up.";

/** Reads the JWT claim names that a claims mapping policy adds from its JSON definition. */
function mappedClaimNames(policy: Registration): string[] {
  const definitions = (policy.inputs.definitions as string[] | undefined) ?? [];
  return definitions.flatMap((definition) => {
    const parsed = JSON.parse(definition) as {
      ClaimsMappingPolicy?: { ClaimsSchema?: { JwtClaimType?: string }[] };
    };
    return (parsed.ClaimsMappingPolicy?.ClaimsSchema ?? []).flatMap((entry) =>
      entry.JwtClaimType ? [entry.JwtClaimType] : [],
    );
  });
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return compareCodeUnits(a.name, b.name);
}

/** Renders a plan as the text `npm run plan` prints. */
export function renderPlan(plan: Plan): string {
  const lines: string[] = [];
  const add = (line = "") => lines.push(line);
  add(
    `Plan for stack "${plan.stack}" from ${plan.grantsFile} (offline: no Azure AD or Valohai calls)`,
  );
  add();
  renderApplication(plan, add);
  add();
  renderGroups(plan, add);
  add();
  renderTeamsAndGrants(plan, add);
  renderReadiness(plan, add);
  if (plan.accessGrantChecklist !== undefined) {
    add();
    add("Access grants to enter by hand (valohai-sso:accessGrantsMode is manual)");
    for (const line of plan.accessGrantChecklist.trimEnd().split("\n")) {
      add(`  ${line}`);
    }
  }
  add();
  add("Outputs");
  add(`  redirect URI  ${plan.outputs.redirectUri}`);
  add(`  client ID     ${plan.outputs.clientId}`);
  add(`  tenant ID     ${plan.outputs.tenantId}`);
  return lines.join("\n") + "\n";
}

function renderGroups(plan: Plan, add: (line?: string) => void): void {
  add(`Security groups (${plan.groups.length})`);
  const groupWidth = Math.max(0, ...plan.groups.map((group) => group.name.length));
  for (const group of plan.groups) {
    const detail =
      group.kind === "managed"
        ? `managed, ${group.memberCount} member${group.memberCount === 1 ? "" : "s"}` +
          (group.displayName === group.name ? "" : `, display name "${group.displayName}"`)
        : `existing ${group.objectId}, members not managed here`;
    add(`  ${group.name.padEnd(groupWidth)}  ${detail}`);
  }
}

function renderTeamsAndGrants(plan: Plan, add: (line?: string) => void): void {
  const organizations = [...new Set(plan.teams.map((team) => team.organizationId))].join(", ");
  add(
    `Valohai teams (${plan.teams.length})${organizations ? ` in organization ${organizations}` : ""}`,
  );
  for (const team of plan.teams) {
    add(`  ${team.name}${team.admin ? "  (admin)" : ""}`);
  }
  add();
  add(`Access grants (${plan.grants.length})`);
  for (const grant of plan.grants) {
    const principals = [
      ...grant.groups.map((group) => `group ${group}`),
      ...grant.users.map((user) => `user ${user}`),
    ];
    add(`  ${grant.name}: ${principals.join(", ")} -> teams ${grant.teams.join(", ") || "(none)"}`);
  }
}

function renderApplication(plan: Plan, add: (line?: string) => void): void {
  add(`Azure AD application "${plan.application.displayName}"`);
  add(`  sign-in audience   ${plan.application.signInAudience}`);
  for (const uri of plan.application.redirectUris) {
    add(`  redirect URI       ${uri}`);
  }
  add(`  service principal  ${plan.application.servicePrincipal ? "yes" : "no"}`);
  add(`  group claims       ${plan.application.groupClaims.join(", ") || "none"}`);
  const assignment = plan.application.assignmentRequired
    ? "required: only granted groups and users sign in"
    : "not required";
  add(`  assignment         ${assignment}`);
  add(`  optional claims    ${plan.application.optionalClaims.join(", ") || "none"}`);
  add(`  owners             ${plan.application.owners}, the deploying principal included`);
  add(
    `  MFA policy         ${plan.application.mfaPolicy ? "required for this application" : "no"}`,
  );
}

function renderReadiness(plan: Plan, add: (line?: string) => void): void {
  const ready = plan.readiness.filter((grant) => grant.ready).length;
  add();
  add(`Login readiness (${ready} of ${plan.readiness.length} grants ready)`);
  for (const grant of plan.readiness) {
    add(`  ${grant.grant}: ${grant.ready ? "ready" : "NOT READY"}`);
    for (const check of grant.checks) {
      add(`    ${check.ok ? "ok    " : "FAILED"}  ${check.condition}`);
      if (check.fix) add(`            fix: ${check.fix}`);
    }
  }
  if (plan.groups.some((group) => group.kind === "existing")) {
    add("  note: offline, existing groups come from a stand-in directory. pulumi preview looks");
    add("        each one up by object ID and fails if it is missing.");
  }
}
