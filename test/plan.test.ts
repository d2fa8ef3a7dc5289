import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { buildPlan, renderPlan } from "../infra/offline/plan";
import { checkPolicies } from "../infra/offline/policies";
import { runProgram } from "./helpers/program";

const CONTEXT = { adminTeams: [], warnings: [] };

describe("plan in manual grants mode", () => {
  it("shows the checklist instead of grants", async () => {
    const run = await runProgram(undefined, { "valohai-sso:accessGrantsMode": "manual" });
    const plan = buildPlan("dev", "config/grants.yaml", run, CONTEXT);
    expect(plan.accessGrantsMode).toBe("manual");
    expect(plan.grants).toEqual([]);
    expect(plan.accessGrantChecklist).toContain("b7e4c2d9-1a3f-4c8e-9d2b-6f5a0e3c1b74");
    const text = renderPlan(plan);
    expect(text).toContain(
      "Access grants to enter by hand (valohai-sso:accessGrantsMode is manual)",
    );
    expect(text).toContain("production");
  });

  it("still applies the grant policies", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "valohai-sso-manual-"));
    const file = path.join(dir, "grants.yaml");
    writeFileSync(
      file,
      "version: 1\nteams:\n  - name: execs\ngrants:\n  - name: executives\n" +
        '    users: ["11111111-1111-4111-8111-111111111111"]\n    teams: [execs]\n',
    );
    const config = { "valohai-sso:accessGrantsMode": "manual" };
    const run = await runProgram(file, config);
    const violations = checkPolicies(run, { stack: "dev" });
    expect(violations.map((violation) => violation.policy)).toEqual(["no-individual-user-grants"]);
    expect(violations[0].enforcementLevel).toBe("mandatory");
  });

  it("shows no checklist in api mode", async () => {
    const plan = buildPlan("dev", "config/grants.yaml", await runProgram(), CONTEXT);
    expect(plan.accessGrantsMode).toBe("api");
    expect(plan).not.toHaveProperty("accessGrantChecklist");
    expect(plan.grants).toHaveLength(3);
  });
});

describe("plan ordering", () => {
  it("sorts names by code unit, not locale", async () => {
    const run = await runProgram();
    const plan = buildPlan("dev", "config/grants.yaml", run, CONTEXT);
    const names = plan.teams.map((team) => team.name);
    expect(names).toEqual([...names].sort());
  });
});

describe("offline redirect-uri-exact", () => {
  const selfHosted = { "valohai-sso:valohaiUrl": "https://valohai.contoso.com" };

  it("compares with the pack config, not the stack setting", async () => {
    const run = await runProgram(undefined, selfHosted);
    const policies = checkPolicies(run, { stack: "dev" }).map((violation) => violation.policy);
    // One violation for the unexpected URI, one for the missing app.valohai.com callback.
    expect(policies).toEqual(["redirect-uri-exact", "redirect-uri-exact"]);
  });

  it("passes a self-hosted URL given in the pack config", async () => {
    const run = await runProgram(undefined, selfHosted);
    const policyConfig = { "redirect-uri-exact": { valohaiUrl: "https://valohai.contoso.com" } };
    expect(checkPolicies(run, { stack: "dev", policyConfig })).toEqual([]);
  });
});
