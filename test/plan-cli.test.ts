import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runTool } from "./helpers/cli";
import { PROJECT_DIR } from "./helpers/program";

const exec = promisify(execFile);

function plan(...args: string[]) {
  return runTool("plan.ts", args);
}

describe("plan command", () => {
  it("prints the sample's application, groups, teams and grants", async () => {
    const result = await plan();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Azure AD application "Valohai (dev)"');
    expect(result.stdout).toContain("sign-in audience   AzureADMyOrg");
    expect(result.stdout).toContain(
      "redirect URI       https://app.valohai.com/accounts/azure/callback/",
    );
    expect(result.stdout).toMatch(/Data Scientists +managed, 3 members/);
    expect(result.stdout).toMatch(/ML Research +managed, 2 members/);
    expect(result.stdout).toMatch(
      /ML Production +existing b7e4c2d9-1a3f-4c8e-9d2b-6f5a0e3c1b74, members not managed here/,
    );
    expect(result.stdout).toContain("Valohai teams (5)");
    expect(result.stdout).toContain(
      "data-scientists: group Data Scientists -> teams data-science, ml-research",
    );
    expect(result.stdout).toContain("ml-research: group ML Research -> teams research");
    expect(result.stdout).toContain("ml-production: group ML Production -> teams production, ops");
  });

  it("prints stable JSON with --json", async () => {
    const first = await plan("--json");
    const second = await plan("--json");
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(second.stdout);
    const parsed = JSON.parse(first.stdout);
    expect(Object.keys(parsed)).toEqual([
      "stack",
      "grantsFile",
      "application",
      "groups",
      "teams",
      "grants",
      "readiness",
      "accessGrantsMode",
      "outputs",
      "warnings",
    ]);
    expect(parsed.application.redirectUris).toEqual([
      "https://app.valohai.com/accounts/azure/callback/",
    ]);
    expect(parsed.grants).toEqual([
      {
        name: "data-scientists",
        groups: ["Data Scientists"],
        users: [],
        teams: ["data-science", "ml-research"],
      },
      { name: "ml-production", groups: ["ML Production"], users: [], teams: ["production", "ops"] },
      { name: "ml-research", groups: ["ML Research"], users: [], teams: ["research"] },
    ]);
  });

  it("uses the prod stack's settings with --stack prod", async () => {
    const result = await plan("--stack", "prod", "--json");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).application.displayName).toBe("Valohai");
  });

  it("fails on an invalid grants file with file and line", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "valohai-sso-"));
    const file = path.join(dir, "grants.yaml");
    writeFileSync(file, "version: 1\nteams:\n  - name: ops\n    admn: true\n");
    const result = await plan("--grants", file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${file}:4:5: error: unknown key "admn" in teams[0]. Did you mean "admin"?`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe("");
  });

  it("fails on an unknown stack", async () => {
    const result = await plan("--stack", "nosuch");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Pulumi.nosuch.yaml not found");
  });

  it("rejects an empty --grants", async () => {
    const result = await plan("--grants", "");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("--grants is empty");
    expect(result.stdout).toBe("");
  });

  it("prints each grants file warning once", async () => {
    const file = writeGrants(
      "version: 1\nteams:\n  - name: ops\n  - name: admins\n    admin: true\n" +
        "existingGroups:\n  - name: G\n    objectId: 6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b\n" +
        "grants:\n  - name: g\n    groups: [G]\n    teams: [ops]\n",
    );
    const result = await plan("--grants", file, "--json");
    expect(result.code).toBe(0);
    const unused = result.stderr.split("\n").filter((line) => line.includes('team "admins"'));
    expect(unused).toEqual([
      `${file}:4:11: warning: team "admins" is declared but no grant uses it.`,
    ]);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.warnings).toContain(unused[0]);
    expect(parsed.teams).toContainEqual({ name: "admins", organizationId: 0, admin: true });
  });

  it("warns about the placeholder organization ID", async () => {
    const result = await plan();
    expect(result.stderr).toContain("warning: valohai-sso:organizationId is 0, a placeholder.");
    expect(result.stdout).not.toContain("placeholder");
  });

  it("resolves --grants against the folder npm was run from", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "valohai-sso-"));
    copyFileSync(path.join(PROJECT_DIR, "config", "grants.yaml"), path.join(dir, "mine.yaml"));
    const { stdout } = await exec(
      "npm",
      ["--prefix", PROJECT_DIR, "run", "-s", "plan", "--", "--grants", "mine.yaml", "--json"],
      { cwd: dir, env: { ...process.env, npm_lifecycle_event: "", INIT_CWD: "" } },
    );
    expect(JSON.parse(stdout).grantsFile).toBe(
      path.relative(PROJECT_DIR, path.join(dir, "mine.yaml")),
    );
  });
});

function writeGrants(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "valohai-sso-"));
  const file = path.join(dir, "grants.yaml");
  writeFileSync(file, text);
  return file;
}
