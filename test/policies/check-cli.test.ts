import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR } from "../helpers/program";

const exec = promisify(execFile);
const TSX = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");
const ADVICE =
  "Add the user to a group and grant the group, or give the grant an exception with a reason " +
  "and an expiry date.";

/** Runs a command as a user does: a separate process with no credentials. */
async function run(script: string, ...args: string[]) {
  const env = { ...process.env, VALOHAI_API_TOKEN: "", ARM_CLIENT_SECRET: "" };
  try {
    const { stdout, stderr } = await exec(TSX, [script, ...args], { cwd: PROJECT_DIR, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const check = (file: string) => run("infra/cli/check.ts", `test/policies/fixtures/${file}`);

function lines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

describe("check command with the policy rules", () => {
  it("rejects Valohai's two executives granted by user ID", async () => {
    const result = await check("user-grant.yaml");
    const file = "test/policies/fixtures/user-grant.yaml";
    expect(result.code).toBe(1);
    for (const id of [
      "0c7d9e21-3b4a-4f5e-8d6c-1a2b3c4d5e6f",
      "9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d",
    ]) {
      expect(lines(result.stderr)).toContain(
        `${file}: mandatory: no-individual-user-grants: grant "executives" must grant groups, ` +
          `not individual users, but grants user ${id}. ${ADVICE}`,
      );
    }
    expect(lines(result.stdout)[0]).toBe(`${file}: ok (0 errors, 0 warnings)`);
    expect(lines(result.stdout)[1]).toMatch(
      new RegExp(`^${file}: policies failed \\(2 mandatory, \\d+ advisory\\)$`),
    );
  });

  it("rejects a user grant whose exception expired", async () => {
    const result = await check("expired-exception.yaml");
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toContain(
      "test/policies/fixtures/expired-exception.yaml: mandatory: no-individual-user-grants: " +
        'grant "visiting-researcher" must grant groups, not individual users, but grants user ' +
        'erin.salo@contoso.com (object ID not known until deployment). Its exception ("Visiting ' +
        'researcher until the group is created") expired on 2020-01-31. Grant a group instead, ' +
        "or renew the exception.",
    );
  });

  it("shows a user grant under an exception without failing", async () => {
    const result = await check("active-exception.yaml");
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      "test/policies/fixtures/active-exception.yaml: advisory: user-grant-exceptions: grant " +
        '"visiting-researcher" grants user erin.salo@contoso.com (object ID not known until ' +
        "deployment) individually under an exception until 2999-12-31",
    );
    expect(result.stdout).toMatch(/policies ok \(0 mandatory, \d+ advisory\)/);
  });

  it("rejects a grant with no teams", async () => {
    const result = await check("no-teams.yaml");
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toContain(
      'test/policies/fixtures/no-teams.yaml: mandatory: grant-has-teams: grant "contractors" ' +
        "must list at least one team: without teams its members sign in to Valohai without " +
        "access to any team. Add teams to the grant.",
    );
  });

  it("rejects two admin grants", async () => {
    const result = await check("two-admin-grants.yaml");
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toContain(
      "test/policies/fixtures/two-admin-grants.yaml: mandatory: limit-admin-grants: at most 1 " +
        'access grant may give admin teams, but 2 do: "platform-admins" (admins), ' +
        '"security-admins" (admins). Give admin rights through fewer grants, or raise ' +
        "maxAdminGrants in the policy pack config.",
    );
  });

  it("accepts two admin grants when the policy config allows them", async () => {
    const result = await run(
      "infra/cli/check.ts",
      "--policy-config",
      "test/policies/fixtures/two-admin-grants.policy-config.json",
      "test/policies/fixtures/two-admin-grants.yaml",
    );
    expect(result.stderr).not.toContain("limit-admin-grants");
    expect(result.code).toBe(0);
  });

  it("passes the sample grants file of every stack", async () => {
    const result = await run("infra/cli/check.ts");
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain(": mandatory: ");
    expect(result.stdout).toMatch(
      /config\/grants\.yaml: policies ok \(0 mandatory, \d+ advisory\)/,
    );
  });
});

describe("plan command with the policy rules", () => {
  it("prints the plan and fails on a user grant", async () => {
    const result = await run(
      "infra/cli/plan.ts",
      "--grants",
      "test/policies/fixtures/user-grant.yaml",
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("executives: user 0c7d9e21-3b4a-4f5e-8d6c-1a2b3c4d5e6f");
    expect(lines(result.stderr)).toContain(
      'stack dev: mandatory: no-individual-user-grants: grant "executives" must grant groups, ' +
        `not individual users, but grants user 0c7d9e21-3b4a-4f5e-8d6c-1a2b3c4d5e6f. ${ADVICE}`,
    );
    expect(result.stderr).toMatch(/stack dev: policies failed \(2 mandatory, \d+ advisory\)/);
  });
});
