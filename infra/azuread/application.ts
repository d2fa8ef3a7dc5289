import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { claimsMappingDefinition, directoryClaims, optionalClaimsBlock } from "./claims";
import type { GroupClaims } from "./settings";

/**
 * The default app role, which grants access to an application that defines no roles of its own.
 * Azure AD fixes its ID, so no generated UUID is needed and the assignments never churn.
 */
export const DEFAULT_APP_ROLE_ID = "00000000-0000-0000-0000-000000000000";

/** A group or user to assign to the application so that its members can sign in. */
export interface Assignee {
  /** Stable key that names the assignment, such as `group-Data Scientists`. */
  key: string;
  objectId: pulumi.Input<string>;
  /** Resources that must exist before the assignment, such as the group it assigns. */
  dependsOn: pulumi.Resource[];
}

export interface ValohaiApplicationArgs {
  displayName: string;
  /** The one web redirect URI, Valohai's Azure AD callback. */
  redirectUri: string;
  /** Object IDs of the application's owners; the deploying principal is one of them. */
  owners: pulumi.Input<pulumi.Input<string>[]>;
  groupClaims: GroupClaims;
  /** Claim names from `OPTIONAL_CLAIMS` for Valohai's attribute mapping. */
  optionalClaims: readonly string[];
  /** Declares a conditional access policy that requires MFA to sign in to this application. */
  requireMfa: boolean;
  /** Every granted group and user. They are assigned only when the group claims require it. */
  assignees: readonly Assignee[];
}

/**
 * The Azure AD app registration Valohai signs users in with, its service principal, the
 * assignments that let granted groups and users sign in, and the optional claims mapping and
 * MFA policies. Each property is set by exactly one resource: the application owns its redirect
 * URI, owners and optional claims, so none of the split `Application*` resources are used.
 */
export class ValohaiApplication extends pulumi.ComponentResource {
  readonly application: azuread.Application;
  readonly servicePrincipal: azuread.ServicePrincipal;
  readonly clientId: pulumi.Output<string>;
  /** Whether only assigned groups and users can sign in. */
  readonly assignmentRequired: boolean;
  /** The app role assignment of each assignee by key, empty when assignment is not required. */
  readonly assignments: ReadonlyMap<string, azuread.AppRoleAssignment>;
  readonly mfaPolicy?: azuread.ConditionalAccessPolicy;

  constructor(name: string, args: ValohaiApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("valohai-sso:azuread:ValohaiApplication", name, {}, opts);
    checkAssignees(args.assignees);
    this.assignmentRequired = args.groupClaims === "ApplicationGroup";

    this.application = new azuread.Application(
      name,
      {
        displayName: args.displayName,
        signInAudience: "AzureADMyOrg",
        preventDuplicateNames: true,
        owners: args.owners,
        web: { redirectUris: [args.redirectUri] },
        groupMembershipClaims: [args.groupClaims],
        // A claims mapping policy takes effect only on applications that accept mapped claims
        // (or that have a custom signing key, which Valohai would have to fetch specially).
        api: { mappedClaimsEnabled: directoryClaims(args.optionalClaims).length > 0 },
        ...withOptionalClaims(args.optionalClaims),
      },
      { parent: this },
    );
    this.servicePrincipal = new azuread.ServicePrincipal(
      name,
      {
        clientId: this.application.clientId,
        owners: args.owners,
        appRoleAssignmentRequired: this.assignmentRequired,
      },
      { parent: this, dependsOn: [this.application] },
    );
    this.clientId = this.application.clientId;
    this.assignments = this.assignmentRequired
      ? this.assign(name, args.assignees)
      : new Map<string, azuread.AppRoleAssignment>();
    this.mapDirectoryClaims(name, args);
    if (args.requireMfa) {
      this.mfaPolicy = this.requireMfa(name, args.displayName);
    }

    this.registerOutputs({ clientId: this.clientId });
  }

  private assign(name: string, assignees: readonly Assignee[]) {
    const assignments = new Map<string, azuread.AppRoleAssignment>();
    for (const assignee of assignees) {
      const assignment = new azuread.AppRoleAssignment(
        `${name}-${assignee.key}`,
        {
          appRoleId: DEFAULT_APP_ROLE_ID,
          principalObjectId: assignee.objectId,
          resourceObjectId: this.servicePrincipal.objectId,
        },
        // Graph is eventually consistent: assigning a group or principal that was just created
        // can fail, so the assignment waits for both explicitly.
        { parent: this, dependsOn: [this.servicePrincipal, ...assignee.dependsOn] },
      );
      assignments.set(assignee.key, assignment);
    }
    return assignments;
  }

  private mapDirectoryClaims(name: string, args: ValohaiApplicationArgs): void {
    if (directoryClaims(args.optionalClaims).length === 0) return;
    const policy = new azuread.ClaimsMappingPolicy(
      `${name}-claims`,
      {
        displayName: `${args.displayName} attribute claims`,
        definitions: [claimsMappingDefinition(args.optionalClaims)],
      },
      { parent: this },
    );
    new azuread.ServicePrincipalClaimsMappingPolicyAssignment(
      `${name}-claims`,
      { claimsMappingPolicyId: policy.id, servicePrincipalId: this.servicePrincipal.id },
      { parent: this, dependsOn: [policy, this.servicePrincipal] },
    );
  }

  private requireMfa(name: string, displayName: string): azuread.ConditionalAccessPolicy {
    return new azuread.ConditionalAccessPolicy(
      `${name}-require-mfa`,
      {
        displayName: `${displayName}: require MFA`,
        state: "enabled",
        conditions: {
          clientAppTypes: ["all"],
          applications: { includedApplications: [this.application.clientId] },
          users: { includedUsers: ["All"] },
        },
        grantControls: { operator: "OR", builtInControls: ["mfa"] },
      },
      // The policy names the application by client ID, which Graph resolves through the
      // service principal, so the principal must exist first.
      { parent: this, dependsOn: [this.servicePrincipal] },
    );
  }
}

function withOptionalClaims(names: readonly string[]) {
  const block = optionalClaimsBlock(names);
  return block ? { optionalClaims: block } : {};
}

function checkAssignees(assignees: readonly Assignee[]): void {
  const keys = new Set<string>();
  for (const assignee of assignees) {
    if (keys.has(assignee.key)) {
      throw new Error(`assignee "${assignee.key}" is listed twice. List each group or user once.`);
    }
    keys.add(assignee.key);
  }
}
