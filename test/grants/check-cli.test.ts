import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runTool } from "../helpers/cli";
import { stackGrantsFiles } from "../../infra/cli/check";
import { validateGrantsFile } from "../../infra/grants/load";
import { PROJECT_DIR } from "../helpers/program";

const FIXTURES = path.join(PROJECT_DIR, "test", "fixtures", "grants");

function check(...args: string[]) {
  return runTool("check.ts", args);
}

function fixture(kind: "valid" | "invalid", name: string): string {
  return path.relative(PROJECT_DIR, path.join(FIXTURES, kind, `${name}.yaml`));
}

describe("check command", () => {
  it("passes the stacks' grants files by default", async () => {
    const result = await check();
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      "config/grants.yaml: ok (0 errors, 0 warnings)\n" +
        "config/grants.yaml: policies ok (0 mandatory, 0 advisory)\n",
    );
    expect(result.stderr).toBe("");
  });

  it("prints every error on stderr and exits 1", async () => {
    const file = fixture("invalid", "mixed-all-at-once");
    const result = await check(file);
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(
      `${file}:10:12: error: teams[0].adopt must be true or false, not the number 1.`,
    );
    expect(lines[3]).toBe(
      `${file}:17:14: error: unknown group "Data Scientist". Did you mean "Data Scientists"?`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe(`${file}: failed (5 errors, 0 warnings)\n`);
  });

  it("checks every file given", async () => {
    const valid = fixture("valid", "anchors");
    const invalid = fixture("invalid", "cross-unknown-team");
    const result = await check(valid, invalid);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${valid}: ok (0 errors, 0 warnings)`);
    expect(result.stdout).toContain(`${invalid}: failed (1 error, 0 warnings)`);
    expect(result.stderr).toBe(
      `${invalid}:12:27: error: unknown team "finance". Declare it under teams.\n`,
    );
  });

  it("passes warnings unless --strict", async () => {
    const file = fixture("valid", "unused-declarations");
    const lenient = await check(file);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toContain(
      `${file}:7:11: warning: team "finance" is declared but no grant uses it.`,
    );
    const strict = await check("--strict", file);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toBe(
      `${file}: failed (0 errors, 2 warnings)\n${file}: policies ok (0 mandatory, 0 advisory)\n`,
    );
  });

  it("names a missing file", async () => {
    const result = await check("config/nosuch.yaml");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "config/nosuch.yaml:1:1: error: cannot read grants file: not found. " +
        "Fix the path or create the file.\n",
    );
  });

  it("rejects an unknown option with usage", async () => {
    const result = await check("--strcit");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Usage: npm run check");
  });
});

describe("stack grants files", () => {
  it("names the stack setting of a missing file", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "valohai-sso-"));
    writeFileSync(
      path.join(dir, "Pulumi.staging.yaml"),
      "config:\n  valohai-sso:grantsFile: config/missing.yaml\n",
    );
    const targets = stackGrantsFiles(dir);
    expect(targets).toHaveLength(1);
    const { problems } = validateGrantsFile(targets[0].file, { source: targets[0].source });
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toBe(
      "cannot read grants file (chosen by the stack setting valohai-sso:grantsFile in " +
        "Pulumi.staging.yaml): not found. Fix the stack setting valohai-sso:grantsFile in " +
        "Pulumi.staging.yaml or create the file.",
    );
  });

  it("reports a directory as unreadable", () => {
    const { problems, grants } = validateGrantsFile(path.join(PROJECT_DIR, "config"));
    expect(grants).toBeUndefined();
    expect(problems.map((problem) => problem.message)).toEqual([
      "cannot read grants file: it is a directory. Fix the path or create the file.",
    ]);
  });

  it("lists a file shared by stacks once", () => {
    const targets = stackGrantsFiles(PROJECT_DIR);
    expect(targets.map((target) => target.file)).toEqual(["config/grants.yaml"]);
  });
});
