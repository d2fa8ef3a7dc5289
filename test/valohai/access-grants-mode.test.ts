import { describe, expect, it } from "vitest";
import { TYPES } from "../../infra/offline/plan";
import { ofType, runProgram } from "../helpers/program";

describe("valohai-sso:accessGrantsMode", () => {
  it("api mode declares grants and no checklist", async () => {
    const run = await runProgram();
    expect(ofType(run, TYPES.accessGrant)).toHaveLength(3);
    expect(run.result.accessGrantChecklist).toBeUndefined();
  });

  it("manual mode declares teams but no grants", async () => {
    const run = await runProgram(undefined, { "valohai-sso:accessGrantsMode": "manual" });
    expect(ofType(run, TYPES.team)).toHaveLength(5);
    expect(ofType(run, TYPES.accessGrant)).toHaveLength(0);
    expect(run.result.grantIds).toEqual({});
  });

  it("manual checklist lists object IDs and team names", async () => {
    const run = await runProgram(undefined, { "valohai-sso:accessGrantsMode": "manual" });
    const checklist = run.result.accessGrantChecklist as string;
    expect(checklist).toContain("Access grants for Valohai organization 1234.");
    expect(checklist).toContain("3. ml-production");
    expect(checklist).toContain('[ ] b7e4c2d9-1a3f-4c8e-9d2b-6f5a0e3c1b74 (group "ML Production")');
    expect(checklist).toContain("Teams: production, ops");
    expect(checklist).toContain("Teams: data-science, ml-research");
    const scientists = ofType(run, TYPES.group).find((group) => group.name === "Data Scientists");
    expect(scientists?.state.objectId).toBeDefined();
    expect(checklist).toContain(`[ ] ${scientists?.state.objectId} (group "Data Scientists")`);
  });

  it("rejects an unknown mode with the allowed values", async () => {
    await expect(runProgram(undefined, { "valohai-sso:accessGrantsMode": "off" })).rejects.toThrow(
      /valohai-sso:accessGrantsMode "off": use "api" .* or "manual"/,
    );
  });

  it("organization ID falls back to VALOHAI_ORGANIZATION_ID", async () => {
    const saved = process.env.VALOHAI_ORGANIZATION_ID;
    process.env.VALOHAI_ORGANIZATION_ID = "77";
    try {
      const run = await runProgram(undefined, { "valohai-sso:organizationId": undefined as never });
      expect(ofType(run, TYPES.team)[0].inputs.organizationId).toBe(77);
    } finally {
      if (saved === undefined) delete process.env.VALOHAI_ORGANIZATION_ID;
      else process.env.VALOHAI_ORGANIZATION_ID = saved;
    }
  });
});
