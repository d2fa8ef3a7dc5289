import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { ValohaiApplication } from "./azuread/application";
import {
  declareGroups,
  grantedAssignees,
  groupAssigneeKey,
  resolveUsers,
  userAssigneeKey,
  type DeclaredGroup,
} from "./azuread/groups";
import { loadGrantsFile } from "./grants/load";
import { formatProblem, GrantsFileError } from "./grants/problems";
import type { GrantsFile } from "./grants/schema";
import { PROJECT, readStackSettings, redirectUriFor, type StackSettings } from "./settings";
import { AccessGrant, Team } from "./valohai";
import { accessGrantChecklist } from "./valohai/checklist";
import { ManualAccessGrant } from "./valohai/manual-access-grant";

/** The stack outputs: what Valohai support needs to finish the integration, and more. */
export interface SsoOutputs {
  clientId: pulumi.Output<string>;
  tenantId: pulumi.Output<string>;
  redirectUri: string;
  supportMessage: pulumi.Output<string>;
  teamIds: pulumi.Output<Record<string, string>>;
  grantIds: pulumi.Output<Record<string, string>>;
  /** Grants for an admin to enter by hand; set only when accessGrantsMode is `manual`. */
  accessGrantChecklist?: pulumi.Output<string>;
}

/** Runs the whole program: reads the stack settings and grants file, then declares everything. */
export function runSsoProgram(projectDir = process.cwd(), options: RunOptions = {}): SsoOutputs {
  const { settings, grants, problems } = readInputs(projectDir);
  if (options.logWarnings ?? true) {
    for (const problem of problems) {
      pulumi.log.warn(formatProblem(problem));
    }
  }
  return declareSsoSetup(settings, grants);
}

export interface RunOptions {
  /** Log the grants file's warnings through Pulumi; the offline plan prints them itself. */
  logWarnings?: boolean;
}

/**
 * Reads the stack settings and the grants file. Problems in either are raised as a RunError,
 * which `pulumi up` prints without the program's stack trace.
 */
function readInputs(projectDir: string) {
  try {
    const settings = readStackSettings();
    const grantsPath = path.resolve(projectDir, settings.grantsFile);
    const loaded = loadGrantsFile(grantsPath, {
      source: `the stack setting ${PROJECT}:grantsFile ("${settings.grantsFile}")`,
    });
    return { settings, ...loaded };
  } catch (error) {
    if (error instanceof GrantsFileError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

/** Declares the Azure AD application, groups, Valohai teams and access grants. */
export function declareSsoSetup(settings: StackSettings, grants: GrantsFile): SsoOutputs {
  const client = azuread.getClientConfigOutput();
  const owners = ownersOf(client.objectId, settings.owners);
  const redirectUri = redirectUriFor(settings.valohaiUrl);

  const resolveUser = resolveUsers([
    ...grants.managedGroups.flatMap((group) => group.members),
    ...grants.grants.flatMap((grant) => grant.users),
  ]);
  const groups = declareGroups(grants, owners, resolveUser, settings.groupNamePrefix);
  const app = new ValohaiApplication("valohai", {
    displayName: settings.displayName,
    redirectUri,
    owners,
    groupClaims: settings.groupClaims,
    optionalClaims: settings.optionalClaims,
    requireMfa: settings.requireMfa,
    assignees: grantedAssignees(grants, groups, resolveUser),
  });
  const teams = declareTeams(settings, grants);
  const manual = settings.accessGrantsMode === "manual";
  const declared = declareAccessGrants(settings, grants, groups, teams, resolveUser, app);
  const accessGrants = manual
    ? new Map<string, AccessGrant>()
    : (declared as Map<string, AccessGrant>);

  const tenantId = client.tenantId;
  return {
    clientId: app.clientId,
    tenantId,
    redirectUri,
    supportMessage: supportMessage(app.clientId, tenantId, redirectUri),
    teamIds: recordOf(teams, (team) => team.teamId),
    grantIds: recordOf(accessGrants, (grant) => grant.grantId),
    ...(manual ? { accessGrantChecklist: checklistOf(settings, grants, groups, resolveUser) } : {}),
  };
}

function declareTeams(settings: StackSettings, grants: GrantsFile): Map<string, Team> {
  const teams = new Map<string, Team>();
  for (const team of grants.teams) {
    teams.set(
      team.name,
      new Team(team.name, {
        organizationId: settings.organizationId,
        name: team.name,
        ...(team.adopt === undefined ? {} : { adopt: team.adopt }),
      }),
    );
  }
  return teams;
}

function declareAccessGrants(
  settings: StackSettings,
  grants: GrantsFile,
  groups: Map<string, DeclaredGroup>,
  teams: Map<string, Team>,
  resolveUser: (reference: string) => pulumi.Output<string>,
  app: ValohaiApplication,
): Map<string, AccessGrant | ManualAccessGrant> {
  const adminTeams = new Set(grants.teams.filter((team) => team.admin).map((team) => team.name));
  // In manual mode an admin enters the grants by hand, but they are declared all the same, so
  // that the policies check them as they check grants pushed through the API.
  const Grant = settings.accessGrantsMode === "manual" ? ManualAccessGrant : AccessGrant;
  const declared = new Map<string, AccessGrant | ManualAccessGrant>();
  for (const grant of grants.grants) {
    const grantGroups = grant.groups.map((name) => groups.get(name) as DeclaredGroup);
    const principals = principalsOf(grant, groups, resolveUser);
    const grantTeams = grant.teams.map((name) => ({
      teamId: (teams.get(name) as Team).teamId,
      name,
      ...(adminTeams.has(name) ? { admin: true } : {}),
    }));
    // Members must exist in Azure AD, and be allowed to sign in, before Valohai matches them, so
    // the grant waits for its groups and for the assignments of its groups and users.
    const dependsOn = [
      ...grantGroups.flatMap((group) => (group.resource ? [group.resource] : [])),
      ...assignmentsOf(app, [
        ...grant.groups.map((name) => groupAssigneeKey(grants, name)),
        ...grant.users.map(userAssigneeKey),
      ]),
    ];
    declared.set(
      grant.name,
      new Grant(
        grant.name,
        {
          organizationId: settings.organizationId,
          principals,
          teams: grantTeams,
          grantName: grant.name,
          ...(grant.exception ? { exception: grant.exception } : {}),
        },
        { dependsOn },
      ),
    );
  }
  return declared;
}

function principalsOf(
  grant: GrantsFile["grants"][number],
  groups: Map<string, DeclaredGroup>,
  resolveUser: (reference: string) => pulumi.Output<string>,
) {
  return [
    ...grant.groups.map((name) => {
      const group = groups.get(name) as DeclaredGroup;
      return { objectId: group.objectId, kind: "group" as const, name: group.name };
    }),
    ...grant.users.map((user) => ({
      objectId: resolveUser(user),
      kind: "user" as const,
      name: user,
    })),
  ];
}

/** In manual mode, Valohai gets teams from the program and grants from an admin's hands. */
function checklistOf(
  settings: StackSettings,
  grants: GrantsFile,
  groups: Map<string, DeclaredGroup>,
  resolveUser: (reference: string) => pulumi.Output<string>,
) {
  return accessGrantChecklist(
    settings.organizationId,
    grants.grants.map((grant) => ({
      name: grant.name,
      principals: principalsOf(grant, groups, resolveUser),
      teams: grant.teams,
    })),
  );
}

/** Lists the deploying principal first, then the configured owners, each object ID once. */
function ownersOf(deployer: pulumi.Output<string>, configured: readonly string[]) {
  return deployer.apply((id) => [...new Set([id.toLowerCase(), ...configured])]);
}

function assignmentsOf(app: ValohaiApplication, keys: readonly string[]): pulumi.Resource[] {
  return keys.flatMap((key) => {
    const assignment = app.assignments.get(key);
    return assignment ? [assignment] : [];
  });
}

function recordOf<T>(items: Map<string, T>, pick: (item: T) => pulumi.Output<string>) {
  const entries = [...items].map(([name, item]) =>
    pick(item).apply((value) => [name, value] as const),
  );
  return pulumi.all(entries).apply((pairs) => Object.fromEntries(pairs));
}

/** Builds the text to send to Valohai support, which needs these values to finish the integration. */
export function supportMessage(
  clientId: pulumi.Input<string>,
  tenantId: pulumi.Input<string>,
  redirectUri: string,
) {
  return pulumi.interpolate`To: support@valohai.com
Subject: Azure AD sign-in for our Valohai organization

Please enable Azure AD single sign-on for our organization with these values:
  Application (client) ID: ${clientId}
  Directory (tenant) ID:   ${tenantId}
  Redirect URI:            ${redirectUri}
`;
}
