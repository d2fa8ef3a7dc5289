import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runTool } from "../helpers/cli";
import { validateGrantsText } from "../../infra/grants/load";
import { TYPES } from "../../infra/offline/plan";
import { ofType, runProgram } from "../helpers/program";

const EMPTY_GRANTS =
  "error: the file declares no grants, and applying it would delete every access grant in " +
  "Valohai. Add grants, or set allowEmptyGrants: true if removing all access is intended.";

function grantsFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "valohai-sso-")), "grants.yaml");
  writeFileSync(file, text);
  return file;
}

function plan(...args: string[]) {
  return runTool("plan.ts", args);
}

describe("plan on a file without grants", () => {
  it("rejects an empty grants list", async () => {
    const file = grantsFile("version: 1\ngrants: []\n");
    const result = await plan("--grants", file, "--json");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:2:9: ${EMPTY_GRANTS}`);
    expect(result.stderr).toContain("nothing was planned");
    expect(result.stdout).toBe("");
  });

  it("rejects a file without a grants section", async () => {
    const file = grantsFile("version: 1\nteams:\n  - name: ops\n");
    const result = await plan("--grants", file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:1:1: ${EMPTY_GRANTS}`);
    expect(result.stdout).toBe("");
  });

  it("plans no grants when allowEmptyGrants is true", async () => {
    const file = grantsFile("version: 1\nallowEmptyGrants: true\ngrants: []\n");
    const result = await plan("--grants", file, "--json");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).grants).toEqual([]);
  });

  it("names the path of a missing file and the option that chose it", async () => {
    const file = path.join(tmpdir(), "valohai-sso-no-such-dir", "grants.yaml");
    const result = await plan("--grants", file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${file}:1:1: error: cannot read grants file (chosen by --grants): not found.`,
    );
    expect(result.stdout).toBe("");
  });
});

describe("program on a file without grants", () => {
  it("rejects an empty grants list", async () => {
    const file = grantsFile("version: 1\ngrants: []\n");
    await expect(runProgram(file)).rejects.toThrow(`${file}:2:9: ${EMPTY_GRANTS}`);
  });

  it("rejects a quoted allowEmptyGrants", async () => {
    const file = grantsFile('version: 1\nallowEmptyGrants: "true"\n');
    await expect(runProgram(file)).rejects.toThrow(
      `${file}:2:19: error: allowEmptyGrants must be true or false, not the string "true".`,
    );
  });

  it("raises a RunError without a stack trace", async () => {
    const { RunError } = await import("@pulumi/pulumi");
    const file = grantsFile("version: 1\ngrants: []\n");
    const error = await runProgram(file).catch((caught: unknown) => caught);
    expect(RunError.isInstance(error)).toBe(true);
  });

  it("declares no grants when allowEmptyGrants is true", async () => {
    const file = grantsFile("version: 1\nallowEmptyGrants: true\n");
    const run = await runProgram(file);
    expect(ofType(run, TYPES.accessGrant)).toHaveLength(0);
    expect(ofType(run, TYPES.application)).toHaveLength(1);
  });

  it("names the path and stack setting of a missing file", async () => {
    const file = path.join(tmpdir(), "valohai-sso-no-such-dir", "grants.yaml");
    await expect(runProgram(file)).rejects.toThrow(
      `${file}:1:1: error: cannot read grants file (chosen by the stack setting ` +
        `valohai-sso:grantsFile ("${file}")): not found.`,
    );
  });
});

describe("line endings and byte order mark", () => {
  it("counts columns of line 1 after a byte order mark from 1", () => {
    const { problems } = validateGrantsText("\uFEFFversion: 2\n", "bom.yaml");
    expect(problems.map((problem) => `${problem.line}:${problem.column}`)).toContain("1:10");
  });

  it("reads old Mac line endings as line breaks", () => {
    const text =
      "version: 1\rteams: [{name: a}]\rgrants:\r  - name: g\r    users: [x]\r    teams: [a]\r";
    const [problem] = validateGrantsText(text, "cr.yaml").problems;
    expect(`${problem.line}:${problem.column}`).toBe("5:13");
  });
});
