import { describe, expect, it } from "vitest";
import type { MockRun, Registration } from "../../infra/offline/mock-runtime";
import { MOCK_DEPLOYER_ID, mockGuid } from "../../infra/offline/mock-runtime";
import { TYPES } from "../../infra/offline/plan";
import { named, ofType, runProgram } from "../helpers/program";
import {
  EXISTING_GROUP_ID,
  GRANTED_USER_ID,
  GRANTS_WITH_UNUSED_GROUPS,
  UNUSED_EXISTING_GROUP_ID,
  writeGrantsFile,
} from "./fixtures";

const DEFAULT_ROLE = "00000000-0000-0000-0000-000000000000";
const CALLBACK = "https://app.valohai.com/accounts/azure/callback/";

function application(run: MockRun<unknown>): Registration {
  return ofType(run, TYPES.application)[0];
}

function servicePrincipal(run: MockRun<unknown>): Registration {
  return ofType(run, TYPES.servicePrincipal)[0];
}

function assignedObjectIds(run: MockRun<unknown>): string[] {
  return ofType(run, TYPES.assignment)
    .map((assignment) => assignment.inputs.principalObjectId as string)
    .sort();
}

describe("application group claims", () => {
  it("emits ApplicationGroup claims and requires assignment by default", async () => {
    const run = await runProgram();
    expect(application(run).inputs.groupMembershipClaims).toEqual(["ApplicationGroup"]);
    expect(servicePrincipal(run).inputs.appRoleAssignmentRequired).toBe(true);
  });

  it("keeps redirect URI, audience and name check", async () => {
    const run = await runProgram();
    expect(application(run).inputs.web).toEqual({ redirectUris: [CALLBACK] });
    expect(application(run).inputs.signInAudience).toBe("AzureADMyOrg");
    expect(application(run).inputs.preventDuplicateNames).toBe(true);
  });

  it("emits SecurityGroup claims without assignments", async () => {
    const run = await runProgram(undefined, { "valohai-sso:groupClaims": "SecurityGroup" });
    expect(application(run).inputs.groupMembershipClaims).toEqual(["SecurityGroup"]);
    expect(servicePrincipal(run).inputs.appRoleAssignmentRequired).toBe(false);
    expect(ofType(run, TYPES.assignment)).toHaveLength(0);
  });

  it("rejects an unknown group claims setting", async () => {
    await expect(runProgram(undefined, { "valohai-sso:groupClaims": "All" })).rejects.toThrow(
      /invalid stack setting valohai-sso:groupClaims "All": use ApplicationGroup/,
    );
  });

  it("manages no property through a split resource", async () => {
    const run = await runProgram();
    const types = run.registrations.map((registration) => registration.type);
    for (const split of [
      "azuread:index/applicationRedirectUris:ApplicationRedirectUris",
      "azuread:index/applicationOwner:ApplicationOwner",
      "azuread:index/applicationOptionalClaims:ApplicationOptionalClaims",
      "azuread:index/applicationRegistration:ApplicationRegistration",
      "azuread:index/groupMember:GroupMember",
    ]) {
      expect(types).not.toContain(split);
    }
  });
});

describe("application role assignments", () => {
  it("assigns granted groups the default role", async () => {
    const run = await runProgram();
    const assignments = ofType(run, TYPES.assignment);
    expect(assignments).toHaveLength(3);
    for (const assignment of assignments) {
      expect(assignment.inputs.appRoleId).toBe(DEFAULT_ROLE);
      expect(assignment.inputs.resourceObjectId).toBe(servicePrincipal(run).state.objectId);
    }
    expect(assignedObjectIds(run)).toEqual(
      [
        named(run, TYPES.group, "Data Scientists").state.objectId,
        named(run, TYPES.group, "ML Research").state.objectId,
        EXISTING_GROUP_ID,
      ].sort(),
    );
  });

  it("looks up each existing group by object ID", async () => {
    const run = await runProgram(writeGrantsFile(GRANTS_WITH_UNUSED_GROUPS));
    const lookups = run.invocations.filter(
      (call) => call.token === "azuread:index/getGroup:getGroup",
    );
    expect(lookups.map((call) => call.args.objectId).sort()).toEqual(
      [EXISTING_GROUP_ID, UNUSED_EXISTING_GROUP_ID].sort(),
    );
  });

  it("assigns no group that no grant uses", async () => {
    const run = await runProgram(writeGrantsFile(GRANTS_WITH_UNUSED_GROUPS));
    const assigned = assignedObjectIds(run);
    expect(assigned).not.toContain(named(run, TYPES.group, "Unused Managed").state.objectId);
    expect(assigned).not.toContain(UNUSED_EXISTING_GROUP_ID);
  });

  it("assigns a group named by two grants once", async () => {
    const run = await runProgram(writeGrantsFile(GRANTS_WITH_UNUSED_GROUPS));
    const scientists = named(run, TYPES.group, "Data Scientists").state.objectId;
    expect(assignedObjectIds(run).filter((id) => id === scientists)).toHaveLength(1);
  });

  it("assigns users granted individually", async () => {
    const run = await runProgram(writeGrantsFile(GRANTS_WITH_UNUSED_GROUPS));
    const assigned = assignedObjectIds(run);
    expect(assigned).toContain(mockGuid("user::carol@contoso.com"));
    expect(assigned).toContain(GRANTED_USER_ID);
    expect(assigned).toHaveLength(4);
  });

  it("names assignments after the granted group or user", async () => {
    const run = await runProgram(writeGrantsFile(GRANTS_WITH_UNUSED_GROUPS));
    const names = ofType(run, TYPES.assignment).map((assignment) => assignment.name);
    expect(names.sort()).toEqual(
      [
        "valohai-group-Data Scientists",
        "valohai-group-b7e4c2d9-1a3f-4c8e-9d2b-6f5a0e3c1b74",
        "valohai-user-carol@contoso.com",
        `valohai-user-${GRANTED_USER_ID}`,
      ].sort(),
    );
  });
});

describe("application owners", () => {
  it("owns by the deployer by default", async () => {
    const run = await runProgram();
    expect(application(run).inputs.owners).toEqual([MOCK_DEPLOYER_ID]);
    expect(servicePrincipal(run).inputs.owners).toEqual([MOCK_DEPLOYER_ID]);
  });

  it("adds configured owners after the deployer", async () => {
    const owner = "6F1C2A34-5B6D-4E7F-8A9B-0C1D2E3F4A5B";
    const run = await runProgram(undefined, {
      "valohai-sso:owners": JSON.stringify([owner, MOCK_DEPLOYER_ID]),
    });
    const expected = [MOCK_DEPLOYER_ID, owner.toLowerCase()];
    expect(application(run).inputs.owners).toEqual(expected);
    expect(servicePrincipal(run).inputs.owners).toEqual(expected);
    for (const group of ofType(run, TYPES.group)) {
      expect(group.inputs.owners).toEqual(expected);
    }
  });

  it("rejects an owner that is not an object ID", async () => {
    await expect(
      runProgram(undefined, { "valohai-sso:owners": JSON.stringify(["alice@contoso.com"]) }),
    ).rejects.toThrow(/valohai-sso:owners: "alice@contoso.com" is not an object ID/);
  });

  it("rejects owners that are not a list", async () => {
    await expect(
      runProgram(undefined, { "valohai-sso:owners": "6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b" }),
    ).rejects.toThrow(/valohai-sso:owners .*expected a list of object IDs/);
  });
});

describe("application optional claims", () => {
  it("adds no optional claims by default", async () => {
    const run = await runProgram();
    expect(application(run).inputs.optionalClaims).toBeUndefined();
    expect(application(run).inputs.api).toEqual({ mappedClaimsEnabled: false });
    expect(ofType(run, TYPES.claimsMappingPolicy)).toHaveLength(0);
  });

  it("puts predefined claims in ID and access tokens", async () => {
    const run = await runProgram(undefined, {
      "valohai-sso:optionalClaims": JSON.stringify(["email", "upn"]),
    });
    const claims = [{ name: "email" }, { name: "upn" }];
    expect(application(run).inputs.optionalClaims).toEqual({
      idTokens: claims,
      accessTokens: claims,
    });
    expect(ofType(run, TYPES.claimsMappingPolicy)).toHaveLength(0);
  });

  it("maps directory attributes through a policy", async () => {
    const run = await runProgram(undefined, {
      "valohai-sso:optionalClaims": JSON.stringify(["department", "jobTitle", "employeeId"]),
    });
    const policy = named(run, TYPES.claimsMappingPolicy, "valohai-claims");
    expect(JSON.parse((policy.inputs.definitions as string[])[0])).toEqual({
      ClaimsMappingPolicy: {
        Version: 1,
        IncludeBasicClaimSet: "true",
        ClaimsSchema: [
          { Source: "user", ID: "department", JwtClaimType: "department" },
          { Source: "user", ID: "jobtitle", JwtClaimType: "jobTitle" },
          { Source: "user", ID: "employeeid", JwtClaimType: "employeeId" },
        ],
      },
    });
    expect(application(run).inputs.api).toEqual({ mappedClaimsEnabled: true });
    expect(application(run).inputs.optionalClaims).toBeUndefined();
  });

  it("assigns the mapping policy to the principal", async () => {
    const run = await runProgram(undefined, {
      "valohai-sso:optionalClaims": JSON.stringify(["department"]),
    });
    const policy = named(run, TYPES.claimsMappingPolicy, "valohai-claims");
    const assignment = named(run, POLICY_ASSIGNMENT, "valohai-claims");
    expect(assignment.inputs.claimsMappingPolicyId).toBe(policy.id);
    expect(assignment.inputs.servicePrincipalId).toBe(servicePrincipal(run).id);
    expect(assignment.dependencies).toContain(policy.urn);
    expect(assignment.dependencies).toContain(servicePrincipal(run).urn);
  });

  it("rejects an unknown claim with the names", async () => {
    await expect(
      runProgram(undefined, { "valohai-sso:optionalClaims": JSON.stringify(["officeLocation"]) }),
    ).rejects.toThrow(/unknown claim "officeLocation". Use names from this list: acct, /);
  });

  it("rejects a claim listed twice", async () => {
    await expect(
      runProgram(undefined, { "valohai-sso:optionalClaims": JSON.stringify(["email", "email"]) }),
    ).rejects.toThrow(/claim "email" is listed twice/);
  });
});

const POLICY_ASSIGNMENT =
  "azuread:index/servicePrincipalClaimsMappingPolicyAssignment:ServicePrincipalClaimsMappingPolicyAssignment";

describe("application MFA policy", () => {
  it("declares no conditional access policy by default", async () => {
    const run = await runProgram();
    expect(ofType(run, TYPES.conditionalAccessPolicy)).toHaveLength(0);
  });

  it("requires MFA for this application when enabled", async () => {
    const run = await runProgram(undefined, { "valohai-sso:requireMfa": "true" });
    const policies = ofType(run, TYPES.conditionalAccessPolicy);
    expect(policies).toHaveLength(1);
    expect(policies[0].inputs.state).toBe("enabled");
    expect(policies[0].inputs.conditions).toEqual({
      clientAppTypes: ["all"],
      applications: { includedApplications: [application(run).state.clientId] },
      users: { includedUsers: ["All"] },
    });
    expect(policies[0].inputs.grantControls).toEqual({ operator: "OR", builtInControls: ["mfa"] });
    expect(policies[0].dependencies).toContain(servicePrincipal(run).urn);
  });

  it("rejects a non-boolean requireMfa", async () => {
    await expect(runProgram(undefined, { "valohai-sso:requireMfa": "yes" })).rejects.toThrow(
      /valohai-sso:requireMfa "yes": use true or false/,
    );
  });
});

describe("application dependencies", () => {
  it("creates the principal after the application", async () => {
    const run = await runProgram();
    expect(servicePrincipal(run).dependencies).toEqual([application(run).urn]);
  });

  it("assigns a group after group and principal", async () => {
    const run = await runProgram();
    const assignment = named(run, TYPES.assignment, "valohai-group-Data Scientists");
    expect(assignment.dependencies).toEqual(
      [named(run, TYPES.group, "Data Scientists").urn, servicePrincipal(run).urn].sort(),
    );
  });

  it("parents children to the component", async () => {
    const run = await runProgram(undefined, { "valohai-sso:requireMfa": "true" });
    const component = named(run, "valohai-sso:azuread:ValohaiApplication", "valohai");
    for (const child of [
      application(run),
      servicePrincipal(run),
      ...ofType(run, TYPES.assignment),
      ...ofType(run, TYPES.conditionalAccessPolicy),
    ]) {
      expect(child.parent).toBe(component.urn);
    }
  });

  it("creates each access grant after its assignments", async () => {
    const run = await runProgram();
    const grants: [string, string][] = [
      ["data-scientists", "valohai-group-Data Scientists"],
      ["ml-research", "valohai-group-ML Research"],
      ["ml-production", "valohai-group-b7e4c2d9-1a3f-4c8e-9d2b-6f5a0e3c1b74"],
    ];
    for (const [grant, assignment] of grants) {
      expect(named(run, TYPES.accessGrant, grant).dependencies).toContain(
        named(run, TYPES.assignment, assignment).urn,
      );
    }
  });

  it("creates a user grant after the user assignments", async () => {
    const run = await runProgram(writeGrantsFile(GRANTS_WITH_UNUSED_GROUPS));
    const dependencies = named(run, TYPES.accessGrant, "contractors").dependencies;
    expect(dependencies).toContain(
      named(run, TYPES.assignment, "valohai-user-carol@contoso.com").urn,
    );
    expect(dependencies).toContain(
      named(run, TYPES.assignment, `valohai-user-${GRANTED_USER_ID}`).urn,
    );
  });

  it("creates access grants after their managed groups", async () => {
    const run = await runProgram();
    expect(named(run, TYPES.accessGrant, "data-scientists").dependencies).toContain(
      named(run, TYPES.group, "Data Scientists").urn,
    );
  });
});

describe("application on a second run", () => {
  it("registers identical resources", async () => {
    const config = {
      "valohai-sso:optionalClaims": JSON.stringify(["email", "department"]),
      "valohai-sso:requireMfa": "true",
      "valohai-sso:owners": JSON.stringify(["6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b"]),
    };
    const file = writeGrantsFile(GRANTS_WITH_UNUSED_GROUPS);
    const first = await runProgram(file, config);
    const second = await runProgram(file, config);
    const byUrn = (run: MockRun<unknown>) =>
      [...run.registrations].sort((a, b) => a.urn.localeCompare(b.urn));
    expect(byUrn(second)).toEqual(byUrn(first));
    expect(second.result).toEqual(first.result);
  });
});
