import { execFile, execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PROJECT_DIR } from "../helpers/program";

const exec = promisify(execFile);
const TSX = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");
const FIXTURES = path.join(__dirname, "fixtures");

/** Runs a command-line tool from infra/cli as a separate process in `cwd`. */
async function run(tool: string, args: string[], cwd = PROJECT_DIR) {
  const script = path.join(PROJECT_DIR, "infra", "cli", tool);
  try {
    const { stdout, stderr } = await exec(TSX, [script, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function git(cwd: string, ...args: string[]): void {
  execFileSync(
    "git",
    [
      "-c",
      "user.name=Review Test",
      "-c",
      "user.email=review@example.com",
      "-c",
      "commit.gpgsign=false",
      ...args,
    ],
    { cwd, stdio: "ignore" },
  );
}

describe("review command", () => {
  let repo: string;

  /** Creates a git repository whose main branch contains a fixture's base as config/grants.yaml. */
  beforeEach(() => {
    repo = mkdtempSync(path.join(tmpdir(), "valohai-sso-review-"));
    git(repo, "init", "-q", "-b", "main");
    execFileSync("mkdir", ["-p", path.join(repo, "config")]);
    copyFileSync(
      path.join(FIXTURES, "mass-removal", "base.yaml"),
      path.join(repo, "config", "grants.yaml"),
    );
    git(repo, "add", ".");
    git(repo, "commit", "-q", "-m", "Add grants");
  });

  afterEach(() => {
    rmSync(repo, { recursive: true, force: true });
  });

  it("compares a git revision with the working tree", async () => {
    copyFileSync(
      path.join(FIXTURES, "mass-removal", "head.yaml"),
      path.join(repo, "config", "grants.yaml"),
    );
    const result = await run(
      "review.ts",
      ["--base", "main", "--grants", "config/grants.yaml"],
      repo,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "**Summary:** 2 teams lost, 2 sign-ins lost, 2 grants removed; no policy violations.",
    );
    expect(result.stdout).toContain("Base `main:config/grants.yaml`, head `config/grants.yaml`.");
    expect(result.stdout).toContain("removes 2 of 4 grants (50%), more than the 25% limit");
  });

  it("reads the grants file from a subfolder", async () => {
    const result = await run(
      "review.ts",
      ["--base", "main", "--grants", "grants.yaml"],
      path.join(repo, "config"),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("**Summary:** no access changes; no policy violations.");
  });

  it("takes a file as the base and another as the head", async () => {
    const dir = path.join(FIXTURES, "member-added");
    const result = await run("review.ts", [
      "--base",
      path.join(dir, "base.yaml"),
      "--head",
      path.join(dir, "head.yaml"),
    ]);
    expect(result.code).toBe(0);
    const expected = readFileSync(path.join(dir, "review.md"), "utf8");
    const body = (text: string) => text.slice(text.indexOf("### "));
    expect(body(result.stdout)).toBe(body(expected));
  });

  it("reports the head version's policy violations", async () => {
    const dir = path.join(FIXTURES, "user-grant-exception");
    const head = path.join(repo, "user-grants.yaml");
    writeFileSync(
      head,
      readFileSync(path.join(dir, "head.yaml"), "utf8").replace(
        /\n\s*exception:[^\n]*(\n\s+(reason|expires):[^\n]*)*/g,
        "",
      ),
    );
    const result = await run("review.ts", ["--base", path.join(dir, "base.yaml"), "--head", head]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("### Policy checks on the head version");
    expect(result.stdout).toMatch(/\| \*\*mandatory\*\* \| `no-individual-user-grants` \|/);
    expect(result.stdout).not.toContain("No policy violations");
  });

  it("says no policy violations for a compliant head", async () => {
    const dir = path.join(FIXTURES, "member-added");
    const result = await run("review.ts", [
      "--base",
      path.join(dir, "base.yaml"),
      "--head",
      path.join(dir, "head.yaml"),
    ]);
    expect(result.stdout).toContain("No policy violations");
  });

  it("reads a revision even when a file has its name", async () => {
    copyFileSync(
      path.join(FIXTURES, "mass-removal", "head.yaml"),
      path.join(repo, "config", "grants.yaml"),
    );
    // A file named like the revision, holding the head itself, must not become the base.
    copyFileSync(path.join(repo, "config", "grants.yaml"), path.join(repo, "main"));
    const result = await run(
      "review.ts",
      ["--base", "main", "--grants", "config/grants.yaml"],
      repo,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Base `main:config/grants.yaml`");
    expect(result.stdout).not.toContain("no access changes");
  });

  it("applies --max-removal-share", async () => {
    copyFileSync(
      path.join(FIXTURES, "mass-removal", "head.yaml"),
      path.join(repo, "config", "grants.yaml"),
    );
    const args = ["--base", "main", "--grants", "config/grants.yaml"];
    const quiet = await run("review.ts", [...args, "--max-removal-share", "50%"], repo);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).not.toContain("Mass removal");
    const loud = await run("review.ts", [...args, "--max-removal-share", "0.4"], repo);
    expect(loud.stdout).toContain("more than the 40% limit");
  });

  it("fails on an invalid base with file and line", async () => {
    writeFileSync(path.join(repo, "config", "grants.yaml"), "version: 1\ngrantz: []\n");
    git(repo, "commit", "-q", "-am", "Break grants");
    copyFileSync(
      path.join(FIXTURES, "mass-removal", "base.yaml"),
      path.join(repo, "config", "grants.yaml"),
    );
    const result = await run(
      "review.ts",
      ["--base", "HEAD", "--grants", "config/grants.yaml"],
      repo,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'HEAD:config/grants.yaml:2:1: error: unknown key "grantz" in the file. Did you mean "grants"?',
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe("");
  });

  it("fails on an invalid head with file and line", async () => {
    writeFileSync(path.join(repo, "config", "grants.yaml"), "version: 2\n");
    const result = await run(
      "review.ts",
      ["--base", "main", "--grants", "config/grants.yaml"],
      repo,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "config/grants.yaml:1:10: error: version must be the number 1, without quotes.",
    );
    expect(result.stdout).toBe("");
  });

  it("fails on an unknown revision", async () => {
    const result = await run(
      "review.ts",
      ["--base", "nosuch", "--grants", "config/grants.yaml"],
      repo,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: cannot read the base version: "nosuch" is neither a file nor a git revision. ' +
        "Fetch the revision (for example git fetch origin main) or pass --base with a file.\n",
    );
  });

  it("fails when the revision lacks the file", async () => {
    writeFileSync(
      path.join(repo, "other.yaml"),
      readFileSync(path.join(repo, "config", "grants.yaml")),
    );
    const result = await run("review.ts", ["--base", "main", "--grants", "other.yaml"], repo);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'main:other.yaml does not exist at revision "main". Check --grants, or pass --base with a file.',
    );
  });

  it("rejects a base that git would take as an option", async () => {
    const target = path.join(repo, "written-by-git");
    const result = await run(
      "review.ts",
      [`--base=--output=${target}`, "--grants", "config/grants.yaml"],
      repo,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot start with "-"');
    expect(existsSync(target)).toBe(false);
  });

  it("requires --base", async () => {
    const result = await run("review.ts", []);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: --base is required");
    expect(result.stderr).toContain("Usage: npm run review");
  });

  it("rejects a share above 1", async () => {
    const result = await run("review.ts", ["--base", "main", "--max-removal-share", "1.5"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid --max-removal-share "1.5"');
  });
});

describe("access-report command", () => {
  it("prints the dev stack's report as Markdown", async () => {
    const result = await run("access-report.ts", []);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Grants file `config/grants.yaml`.");
    expect(result.stdout).toContain(
      "| `alice.virtanen@contoso.com` | not known offline | yes | `data-science`, `ml-research` |",
    );
    expect(result.stdout).toContain(
      "| `ML Production` | `b7e4c2d9-1a3f-4c8e-9d2b-6f5a0e3c1b74` | yes, members not managed here |",
    );
  });

  it("prints CSV with a header row", async () => {
    const result = await run("access-report.ts", ["--stack", "prod", "--format", "csv"]);
    expect(result.code).toBe(0);
    const rows = result.stdout.trimEnd().split("\r\n");
    expect(rows[0]).toBe(
      "principal,principal_type,object_id,can_sign_in,team,admin_team,through_groups,through_grants,exception_expires",
    );
    expect(rows).toContain(
      "dan.korhonen@contoso.com,user,,yes,research,no,ML Research,ml-research,",
    );
    expect(rows).toHaveLength(11);
  });

  it("reports a file given with --grants", async () => {
    const file = path.join(FIXTURES, "user-grant-exception", "head.yaml");
    const result = await run("access-report.ts", ["--grants", file, "--format", "csv"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      readFileSync(path.join(FIXTURES, "user-grant-exception", "access.csv"), "utf8"),
    );
  });

  it("fails on an invalid grants file with file and line", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "valohai-sso-report-"));
    try {
      const file = path.join(dir, "grants.yaml");
      writeFileSync(file, "version: 1\nteams:\n  - name: ops\n    admn: true\n");
      const result = await run("access-report.ts", ["--grants", file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`:4:5: error: unknown key "admn" in teams[0].`);
      expect(result.stdout).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects an unknown format", async () => {
    const result = await run("access-report.ts", ["--format", "xml"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: invalid --format "xml": use md or csv.');
  });
});
