import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadGrantsFile, validateGrantsFile } from "../../infra/grants/load";
import { GrantsFileError, type LocatedProblem } from "../../infra/grants/problems";

// Each fixture states its expected problems in comment lines of the form
// `# expect: LINE:COL: SEVERITY: MESSAGE`, in the order the validator sorts them.
const FIXTURES = path.join(__dirname, "..", "fixtures", "grants");
const INVALID = path.join(FIXTURES, "invalid");
const VALID = path.join(FIXTURES, "valid");

function fixtureNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".yaml"))
    .sort();
}

function expectedProblems(file: string): string[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.startsWith("# expect: "))
    .map((line) => line.slice("# expect: ".length));
}

function actualProblems(problems: readonly LocatedProblem[]): string[] {
  return problems.map(
    (problem) => `${problem.line}:${problem.column}: ${problem.severity}: ${problem.message}`,
  );
}

describe("invalid grants corpus", () => {
  it("has at least 30 files", () => {
    expect(fixtureNames(INVALID).length).toBeGreaterThanOrEqual(30);
  });

  it.each(fixtureNames(INVALID))("%s reports the expected problems", (name) => {
    const file = path.join(INVALID, name);
    const expected = expectedProblems(file);
    expect(expected.some((line) => /^\d+:\d+: error: /.test(line))).toBe(true);

    const result = validateGrantsFile(file);
    expect(actualProblems(result.problems)).toEqual(expected);
    expect(result.grants).toBeUndefined();
    expect(result.problems.every((problem) => problem.file === file)).toBe(true);
  });

  it.each(fixtureNames(INVALID))("%s is rejected by loadGrantsFile", (name) => {
    const file = path.join(INVALID, name);
    expect(() => loadGrantsFile(file)).toThrow(GrantsFileError);
  });
});

describe("valid grants corpus", () => {
  it.each(fixtureNames(VALID))("%s passes with only expected warnings", (name) => {
    const file = path.join(VALID, name);
    const result = validateGrantsFile(file);
    expect(actualProblems(result.problems)).toEqual(expectedProblems(file));
    expect(result.grants).toBeDefined();
  });

  it("keeps quoted numbers and booleans as strings", () => {
    const { grants } = loadGrantsFile(path.join(VALID, "quoted-numbers.yaml"));
    expect(grants.teams.map((team) => team.name)).toEqual(["2024", "true"]);
    expect(grants.managedGroups[0].name).toBe("007");
    expect(grants.existingGroups[0].name).toBe("1e10");
    expect(grants.grants[0].name).toBe("1");
  });

  it("expands aliases into shared lists", () => {
    const { grants } = loadGrantsFile(path.join(VALID, "anchors.yaml"));
    expect(grants.managedGroups[1].members).toEqual(["alice@contoso.com", "bob@contoso.com"]);
    expect(grants.grants[1].teams).toEqual(["data-science", "ml-research"]);
  });

  it("reads multi-line strings as YAML defines them", () => {
    const { grants } = loadGrantsFile(path.join(VALID, "multiline-strings.yaml"));
    expect(grants.teams[0].description).toBe("Builds and trains models.\nReviews: weekly.\n");
    expect(grants.managedGroups[0].description).toBe("Valohai users who build and train models");
    expect(grants.grants[0].description).toBe("a plain scalar that continues on the next line");
  });

  it("keeps a hash inside a quoted value", () => {
    const { grants } = loadGrantsFile(path.join(VALID, "comments.yaml"));
    expect(grants.teams[0].description).toBe("team #1, not a comment");
    expect(grants.managedGroups[0].members).toEqual(["alice@contoso.com"]);
  });

  it("accepts no grants when allowEmptyGrants is true", () => {
    const { grants } = loadGrantsFile(path.join(VALID, "allow-empty.yaml"));
    expect(grants.allowEmptyGrants).toBe(true);
    expect(grants.grants).toEqual([]);
  });
});
