import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { MOCK_TENANT_ID, mockGuid } from "../infra/offline/mock-runtime";
import { TYPES } from "../infra/offline/plan";
import type { AccessGrantInputs } from "../infra/valohai";
import { named, ofType, runProgram, SAMPLE_GRANTS } from "./helpers/program";

const CALLBACK = "https://app.valohai.com/accounts/azure/callback/";

describe("program on the sample grants file", () => {
  it("registers one single-tenant application with exactly the Valohai redirect URI", async () => {
    const run = await runProgram();
    const apps = ofType(run, TYPES.application);
    expect(apps).toHaveLength(1);
    expect(apps[0].inputs.signInAudience).toBe("AzureADMyOrg");
    expect(apps[0].inputs.web).toEqual({ redirectUris: [CALLBACK] });
    expect(apps[0].inputs.displayName).toBe("Valohai");
  });

  it("registers a service principal for the application", async () => {
    const run = await runProgram();
    const app = ofType(run, TYPES.application)[0];
    const principals = ofType(run, TYPES.servicePrincipal);
    expect(principals).toHaveLength(1);
    expect(principals[0].inputs.clientId).toBe(app.state.clientId);
  });

  it("creates each managed group as a security group with its members", async () => {
    const run = await runProgram();
    const groups = ofType(run, TYPES.group);
    expect(groups.map((group) => group.name).sort()).toEqual(["Data Scientists", "ML Research"]);

    const scientists = named(run, TYPES.group, "Data Scientists");
    expect(scientists.inputs.securityEnabled).toBe(true);
    expect(scientists.inputs.mailEnabled).toBe(false);
    expect(scientists.inputs.members).toEqual([
      mockGuid("user::alice.virtanen@contoso.com"),
      mockGuid("user::bob.lindqvist@contoso.com"),
      mockGuid("user::carol.nieminen@contoso.com"),
    ]);

    const research = named(run, TYPES.group, "ML Research");
    expect(research.inputs.members).toEqual([
      mockGuid("user::dan.korhonen@contoso.com"),
      "4f2b8c1e-7d3a-4e59-9b6c-2a1d0e8f7c35",
    ]);
  });

  it("resolves user principal names with one directory lookup", async () => {
    const run = await runProgram();
    const lookups = run.invocations.filter(
      (call) => call.token === "azuread:index/getUsers:getUsers",
    );
    expect(lookups).toHaveLength(1);
    expect(lookups[0].args.userPrincipalNames).toEqual([
      "alice.virtanen@contoso.com",
      "bob.lindqvist@contoso.com",
      "carol.nieminen@contoso.com",
      "dan.korhonen@contoso.com",
    ]);
  });

  it("creates every team in the configured organization", async () => {
    const run = await runProgram();
    const teams = ofType(run, TYPES.team);
    expect(teams.map((team) => team.inputs.name).sort()).toEqual([
      "data-science",
      "ml-research",
      "ops",
      "production",
      "research",
    ]);
    for (const team of teams) {
      expect(team.inputs.organizationId).toBe(1234);
    }
  });

  it("gives each grant its groups' object IDs and its teams' IDs", async () => {
    const run = await runProgram();
    const teamId = (name: string) => named(run, TYPES.team, name).state.teamId;
    const groupId = (name: string) => named(run, TYPES.group, name).state.objectId;
    const grant = (name: string) =>
      named(run, TYPES.accessGrant, name).inputs as unknown as AccessGrantInputs;

    expect(ofType(run, TYPES.accessGrant)).toHaveLength(3);
    expect(grant("data-scientists").principals).toEqual([
      { objectId: groupId("Data Scientists"), kind: "group", name: "Data Scientists" },
    ]);
    expect(grant("data-scientists").teams).toEqual([
      { teamId: teamId("data-science"), name: "data-science" },
      { teamId: teamId("ml-research"), name: "ml-research" },
    ]);
    expect(grant("ml-research").principals).toEqual([
      { objectId: groupId("ML Research"), kind: "group", name: "ML Research" },
    ]);
    expect(grant("ml-research").teams).toEqual([{ teamId: teamId("research"), name: "research" }]);
    expect(grant("ml-production").principals).toEqual([
      { objectId: "b7e4c2d9-1a3f-4c8e-9d2b-6f5a0e3c1b74", kind: "group", name: "ML Production" },
    ]);
    expect(grant("ml-production").teams.map((team) => team.name)).toEqual(["production", "ops"]);
    for (const registration of ofType(run, TYPES.accessGrant)) {
      expect(registration.inputs.organizationId).toBe(1234);
    }
  });

  it("outputs the client ID, tenant ID, redirect URI and support text", async () => {
    const run = await runProgram();
    const clientId = ofType(run, TYPES.application)[0].state.clientId as string;
    expect(run.result.clientId).toBe(clientId);
    expect(run.result.tenantId).toBe(MOCK_TENANT_ID);
    expect(run.result.redirectUri).toBe(CALLBACK);
    expect(run.result.supportMessage).toContain(`Application (client) ID: ${clientId}`);
    expect(run.result.supportMessage).toContain(`Directory (tenant) ID:   ${MOCK_TENANT_ID}`);
    expect(run.result.supportMessage).toContain(CALLBACK);
  });

  it("gives Valohai resources their own type tokens", async () => {
    const run = await runProgram();
    const types = new Set(run.registrations.map((registration) => registration.type));
    expect(types).toContain("pulumi-nodejs:dynamic/valohai:Team");
    expect(types).toContain("pulumi-nodejs:dynamic/valohai:AccessGrant");
    expect(types).not.toContain("pulumi-nodejs:dynamic:Resource");
  });
});

describe("program settings", () => {
  it("derives the redirect URI from a self-hosted Valohai URL", async () => {
    const run = await runProgram(undefined, {
      "valohai-sso:valohaiUrl": "https://valohai.example.com",
    });
    const app = ofType(run, TYPES.application)[0];
    expect(app.inputs.web).toEqual({
      redirectUris: ["https://valohai.example.com/accounts/azure/callback/"],
    });
    expect(run.result.redirectUri).toBe("https://valohai.example.com/accounts/azure/callback/");
  });

  it("rejects a Valohai URL with a path", async () => {
    await expect(
      runProgram(undefined, { "valohai-sso:valohaiUrl": "https://valohai.example.com/login" }),
    ).rejects.toThrow(/valohai-sso:valohaiUrl .* give only the scheme and host/);
  });

  it("rejects a plain http Valohai URL", async () => {
    await expect(
      runProgram(undefined, { "valohai-sso:valohaiUrl": "http://valohai.example.com" }),
    ).rejects.toThrow(/only https redirect URIs/);
  });

  it("rejects a plain http API URL before any request", async () => {
    await expect(
      runProgram(undefined, { "valohai-sso:apiUrl": "http://valohai.example.com" }),
    ).rejects.toThrow(/plain http would send the API token unencrypted/);
  });

  it("rejects an API timeout out of range", async () => {
    await expect(
      runProgram(undefined, { "valohai-sso:apiTimeoutSeconds": "1e12" }),
    ).rejects.toThrow(/valohai-sso:apiTimeoutSeconds: expected seconds from 1 to 3600/);
  });

  it("prefixes managed group display names per stack", async () => {
    const run = await runProgram(undefined, { "valohai-sso:groupNamePrefix": "dev " });
    const group = named(run, TYPES.group, "Data Scientists");
    expect(group.inputs.displayName).toBe("dev Data Scientists");
  });

  it("takes the display name from stack config", async () => {
    const run = await runProgram(undefined, { "valohai-sso:displayName": "Valohai (staging)" });
    expect(ofType(run, TYPES.application)[0].inputs.displayName).toBe("Valohai (staging)");
  });

  it("requires the organization ID", async () => {
    await expect(runProgram(undefined, { "valohai-sso:organizationId": "acme" })).rejects.toThrow(
      /valohai-sso:organizationId "acme"/,
    );
  });
});

describe("program on a relabelled existing group", () => {
  it("keeps the group's app role assignment", async () => {
    const sample = readFileSync(SAMPLE_GRANTS, "utf8");
    const dir = mkdtempSync(path.join(tmpdir(), "valohai-sso-"));
    const file = path.join(dir, "grants.yaml");
    writeFileSync(file, sample.replaceAll("ML Production", "Production Engineers"));
    const names = async (grants?: string) =>
      ofType(await runProgram(grants), TYPES.assignment).map((registration) => registration.name);
    const before = await names();
    const after = await names(file);
    expect(before).toContain("valohai-group-b7e4c2d9-1a3f-4c8e-9d2b-6f5a0e3c1b74");
    expect(after.sort()).toEqual(before.sort());
  });
});

describe("program on an invalid grants file", () => {
  it("registers nothing and names the file and line", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "valohai-sso-"));
    const file = path.join(dir, "grants.yaml");
    writeFileSync(file, "version: 1\ngrants:\n  - name: a\n    groups: [Nobody]\n    teams: []\n");
    await expect(runProgram(file)).rejects.toThrow(`${file}:4:14: error: unknown group "Nobody"`);
  });

  it("names the stack setting when the file is missing", async () => {
    await expect(runProgram("/nonexistent/grants.yaml")).rejects.toThrow(
      /cannot read grants file \(chosen by the stack setting valohai-sso:grantsFile/,
    );
  });
});
