import { describe, expect, it } from "vitest";
import type { MockRun } from "../../infra/offline/mock-runtime";
import { buildPlan, renderPlan, TYPES } from "../../infra/offline/plan";
import { checkLoginReadiness, type GrantReadiness } from "../../infra/offline/readiness";
import type { SsoOutputs } from "../../infra/program";
import { runProgram } from "../helpers/program";
import { EXISTING_GROUP_ID, GRANTS_WITH_UNUSED_GROUPS, writeGrantsFile } from "./fixtures";

function grantNamed(readiness: GrantReadiness[], name: string): GrantReadiness {
  const found = readiness.find((grant) => grant.grant === name);
  if (!found) throw new Error(`no readiness for grant "${name}"`);
  return found;
}

function failedChecks(grant: GrantReadiness) {
  return grant.checks.filter((check) => !check.ok);
}

describe("login readiness on the sample grants file", () => {
  it("reports every grant ready", async () => {
    const readiness = checkLoginReadiness(await runProgram());
    expect(readiness.map((grant) => grant.grant)).toEqual([
      "data-scientists",
      "ml-production",
      "ml-research",
    ]);
    for (const grant of readiness) {
      expect(failedChecks(grant)).toEqual([]);
      expect(grant.ready).toBe(true);
    }
  });

  it("checks group, assignment, claims and teams", async () => {
    const readiness = checkLoginReadiness(await runProgram());
    expect(grantNamed(readiness, "data-scientists").checks).toEqual([
      { condition: 'group "Data Scientists" exists and is a security group', ok: true },
      { condition: 'group "Data Scientists" is assigned to the application', ok: true },
      {
        condition: 'tokens carry group "Data Scientists" (ApplicationGroup group claims)',
        ok: true,
      },
      { condition: "teams data-science, ml-research exist", ok: true },
    ]);
  });

  it("checks users granted individually for assignment", async () => {
    const readiness = checkLoginReadiness(
      await runProgram(writeGrantsFile(GRANTS_WITH_UNUSED_GROUPS)),
    );
    const conditions = grantNamed(readiness, "contractors").checks.map((check) => check.condition);
    expect(conditions).toContain('user "carol@contoso.com" is assigned to the application');
    expect(grantNamed(readiness, "contractors").ready).toBe(true);
  });
});

describe("login readiness failures", () => {
  it("reports an existing group that is missing", async () => {
    const run = await runProgram(undefined, {}, { groups: { [EXISTING_GROUP_ID]: null } });
    const grant = grantNamed(checkLoginReadiness(run), "ml-production");
    expect(grant.ready).toBe(false);
    expect(failedChecks(grant)[0].condition).toBe(
      'group "ML Production" exists and is a security group',
    );
    expect(failedChecks(grant)[0].fix).toContain(
      `no group with object ID ${EXISTING_GROUP_ID} was found in Azure AD`,
    );
  });

  it("reports a non-security existing group", async () => {
    const run = await runProgram(
      undefined,
      {},
      { groups: { [EXISTING_GROUP_ID]: { displayName: "ML Production", securityEnabled: false } } },
    );
    const grant = grantNamed(checkLoginReadiness(run), "ml-production");
    expect(grant.ready).toBe(false);
    expect(failedChecks(grant)).toHaveLength(1);
    expect(failedChecks(grant)[0].fix).toMatch(
      /is not a security group.*Reference a security group/,
    );
  });

  it("reports a group missing from claims", async () => {
    const run = await runProgram(
      undefined,
      { "valohai-sso:groupClaims": "SecurityGroup" },
      { groups: { [EXISTING_GROUP_ID]: { displayName: "ML Production", securityEnabled: false } } },
    );
    const grant = grantNamed(checkLoginReadiness(run), "ml-production");
    const conditions = failedChecks(grant).map((check) => check.condition);
    expect(conditions).toContain('tokens carry group "ML Production" (SecurityGroup group claims)');
  });

  it("reports a granted group without assignment", async () => {
    const run = await runProgram();
    const withoutAssignment: MockRun<SsoOutputs> = {
      ...run,
      registrations: run.registrations.filter(
        (registration) =>
          !(
            registration.type === TYPES.assignment &&
            registration.name === "valohai-group-ML Research"
          ),
      ),
    };
    const grant = grantNamed(checkLoginReadiness(withoutAssignment), "ml-research");
    expect(failedChecks(grant).map((check) => check.condition)).toEqual([
      'group "ML Research" is assigned to the application',
      'tokens carry group "ML Research" (ApplicationGroup group claims)',
    ]);
    expect(failedChecks(grant)[0].fix).toContain("Azure AD rejects its sign-in");
  });

  it("reports a grant without teams", async () => {
    const file = writeGrantsFile(`version: 1
managedGroups:
  - name: Analysts
grants:
  - name: analysts
    groups: [Analysts]
`);
    const grant = grantNamed(checkLoginReadiness(await runProgram(file)), "analysts");
    expect(failedChecks(grant)).toEqual([
      {
        condition: "the grant adds its members to at least one team",
        ok: false,
        fix: 'grant "analysts" has no teams, so its members sign in without team access. Add teams to the grant.',
      },
    ]);
  });
});

describe("login readiness without assignment", () => {
  it("skips assignment under SecurityGroup claims", async () => {
    const run = await runProgram(undefined, { "valohai-sso:groupClaims": "SecurityGroup" });
    const grant = grantNamed(checkLoginReadiness(run), "data-scientists");
    expect(grant.ready).toBe(true);
    expect(grant.checks[1].condition).toBe(
      'group "Data Scientists" may sign in: the application does not require assignment',
    );
  });
});

const NO_CONTEXT = { adminTeams: [], warnings: [] };

describe("plan text for login readiness", () => {
  it("prints each failed condition with its fix", async () => {
    const run = await runProgram(undefined, {}, { groups: { [EXISTING_GROUP_ID]: null } });
    const text = renderPlan(buildPlan("dev", "config/grants.yaml", run, NO_CONTEXT));
    expect(text).toContain("Login readiness (2 of 3 grants ready)");
    expect(text).toContain("  ml-production: NOT READY");
    expect(text).toContain('    FAILED  group "ML Production" exists and is a security group');
    expect(text).toContain(
      `            fix: no group with object ID ${EXISTING_GROUP_ID} was found in Azure AD.`,
    );
    expect(text).toContain('    ok      group "Data Scientists" is assigned to the application');
  });

  it("prints claims, assignment and MFA settings", async () => {
    const run = await runProgram(undefined, {
      "valohai-sso:optionalClaims": JSON.stringify(["email", "department"]),
      "valohai-sso:requireMfa": "true",
    });
    const text = renderPlan(buildPlan("dev", "config/grants.yaml", run, NO_CONTEXT));
    expect(text).toContain("  group claims       ApplicationGroup");
    expect(text).toContain("  assignment         required: only granted groups and users sign in");
    expect(text).toContain("  optional claims    email, department");
    expect(text).toContain("  MFA policy         required for this application");
  });
});
