import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import { loadGrantsFile, validateGrantsText } from "../grants/load";
import { formatProblem, GrantsFileError } from "../grants/problems";
import type { GrantsFile } from "../grants/schema";
import type { PolicyPackConfig } from "../../policies/evaluate";
import { checkGrantsFilePolicies, readPolicyConfig } from "../offline/policies";
import type { PolicyCheck } from "../review/policy-verdicts";
import { DEFAULT_MAX_REMOVAL_SHARE } from "../review/render-review";
import { reviewGrantsChange } from "../review/review";
import { chooseGrantsPath, displayPath } from "./grants-path";
import { PROJECT } from "../settings";
import { PROJECT_DIR, runCli, UsageError } from "./run";

const USAGE = `Usage: npm run review -- --base REF [--head FILE] [--grants PATH] [--stack NAME]
                          [--max-removal-share SHARE] [--policy-config FILE]

Compares two versions of the grants file and prints a Markdown review for a pull request comment.
  --base REF                 base version: a file, or else a git revision (branch, tag or commit)
                             whose copy of the grants file is read with git show
  --head FILE                head version (default: the grants file in the working tree)
  --grants PATH              the grants file in the repository (default: the stack's
                             valohai-sso:grantsFile)
  --stack NAME               stack whose Pulumi.<NAME>.yaml names the grants file (default: dev)
  --max-removal-share SHARE  warn loudly when the change removes more than this share of the
                             grants: 0 to 1, or a percentage such as 40% (default: ${DEFAULT_MAX_REMOVAL_SHARE})
  --policy-config FILE       policy pack config, the JSON that --policy-pack-config takes
Exit status: 0 when the review was printed, whatever it reports; 1 when an input cannot be read
or is invalid; 2 for invalid options.
`;

/**
 * Runs the policy pack's rules offline over the program's registrations for the head version,
 * under each stack that uses the file, as `npm run check` does.
 */
function policyCheck(policyConfig: PolicyPackConfig | undefined): PolicyCheck {
  return async (head) => {
    const { violations } = await checkGrantsFilePolicies(head.file, head.grants, PROJECT_DIR, {
      policyConfig,
    });
    return violations.map((violation) => ({
      policy: violation.policy,
      enforcementLevel: violation.enforcementLevel,
      message: violation.message,
      ...(violation.resource ? { resource: violation.resource.name } : {}),
    }));
  };
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      base: { type: "string" },
      head: { type: "string" },
      grants: { type: "string" },
      stack: { type: "string", default: "dev" },
      "max-removal-share": { type: "string" },
      "policy-config": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.base === undefined || values.base === "") {
    return invalidOption("--base is required: give a git revision such as main, or a file.");
  }
  const share = parseShare(values["max-removal-share"]);
  if (typeof share === "string") return invalidOption(share);

  const policyFile = values["policy-config"];
  const policyConfig = policyFile === undefined ? undefined : readPolicyConfig(policyFile);
  const grantsPath = chooseGrantsPath(values.grants, values.stack);
  const headFile = values.head === undefined ? grantsPath.file : path.resolve(values.head);
  const head = loadGrantsFile(displayPath(headFile), {
    source: values.head === undefined ? grantsPath.source : "--head",
  });
  for (const problem of head.problems) {
    process.stderr.write(`${formatProblem(problem)}\n`);
  }
  // At a git revision, the stack may have named another grants file: compare with that one.
  const baseFile =
    values.grants === undefined && isGitRevision(values.base)
      ? (stackGrantsFileAt(values.base, values.stack) ?? grantsPath.file)
      : grantsPath.file;
  const base = readBase(values.base, baseFile);

  const markdown = await reviewGrantsChange({
    base,
    head: { label: displayPath(headFile), file: headFile, grants: head.grants },
    checkPolicies: policyCheck(policyConfig),
    maxRemovalShare: share,
    today: new Date().toISOString().slice(0, 10),
  });
  process.stdout.write(markdown);
  return 0;
}

function invalidOption(message: string): number {
  process.stderr.write(`error: ${message}\n\n${USAGE}`);
  return 2;
}

/** Parses a share such as 0.25 or 25%; returns an error message when it is invalid. */
function parseShare(option: string | undefined): number | string {
  if (option === undefined) return DEFAULT_MAX_REMOVAL_SHARE;
  const trimmed = option.trim();
  const percent = trimmed.endsWith("%");
  const value = Number(percent ? trimmed.slice(0, -1) : trimmed) / (percent ? 100 : 1);
  if (trimmed === "" || trimmed === "%" || !Number.isFinite(value) || value < 0 || value > 1) {
    return (
      `invalid --max-removal-share "${option}": give a share from 0 to 1, such as 0.25, ` +
      "or a percentage such as 25%."
    );
  }
  return value;
}

/**
 * Reads the base version from a git revision with `git show`, or else from a file. A revision wins
 * over a file of the same name, so a pull request cannot add a file called `origin/main` and have
 * the review compare the head with itself.
 */
function readBase(reference: string, grantsFile: string): { label: string; grants: GrantsFile } {
  if (!isGitRevision(reference) && isFile(reference)) {
    const label = displayPath(path.resolve(reference));
    return { label, grants: loadGrantsFile(label, { source: "--base" }).grants };
  }
  const label = `${reference}:${displayPath(grantsFile)}`;
  const text = gitShow(reference, grantsFile);
  const result = validateGrantsText(text, label);
  if (!result.grants) {
    throw new GrantsFileError(label, result.problems);
  }
  return { label, grants: result.grants };
}

function isGitRevision(reference: string): boolean {
  if (reference.startsWith("-")) return false;
  try {
    execFileSync("git", ["rev-parse", "--verify", "--quiet", `${reference}^{commit}`], {
      stdio: "ignore",
    });
    return true;
  } catch {
    return false;
  }
}

/** Returns the grants file that `Pulumi.<stack>.yaml` named at a git revision, if it named one. */
function stackGrantsFileAt(revision: string, stack: string): string | undefined {
  let text: string;
  try {
    text = execFileSync("git", ["show", `${revision}:./Pulumi.${stack}.yaml`], {
      cwd: PROJECT_DIR,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch {
    return undefined;
  }
  const config = (parse(text) as { config?: Record<string, unknown> } | null)?.config;
  const setting = config?.[`${PROJECT}:grantsFile`];
  return typeof setting === "string" ? path.resolve(PROJECT_DIR, setting) : undefined;
}

function isFile(candidate: string): boolean {
  try {
    return statSync(candidate).isFile();
  } catch {
    return false;
  }
}

/** Returns the grants file as it is at a git revision; raises UsageError with the fix otherwise. */
function gitShow(revision: string, grantsFile: string): string {
  if (revision.startsWith("-")) {
    // git would read a leading "-" as an option of its own, such as --output.
    throw new UsageError(
      `invalid --base "${revision}": a git revision or file name cannot start with "-".`,
    );
  }
  const location = `${revision}:${displayPath(grantsFile)}`;
  try {
    // "./" makes git resolve the path from the file's own folder instead of the repository root.
    return execFileSync("git", ["show", `${revision}:./${path.basename(grantsFile)}`], {
      cwd: path.dirname(grantsFile),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    throw new UsageError(gitFailure(error, revision, location));
  }
}

function gitFailure(error: unknown, revision: string, location: string): string {
  const failure = error as NodeJS.ErrnoException & { stderr?: string };
  if (failure.code === "ENOENT") {
    return `cannot read the base version ${location}: git was not found. Install git or pass --base with a file.`;
  }
  const stderr = String(failure.stderr ?? "");
  if (/does not exist in|exists on disk, but not in/.test(stderr)) {
    return (
      `cannot read the base version: ${location} does not exist at revision "${revision}". ` +
      "Check --grants, or pass --base with a file."
    );
  }
  if (/not a git repository/i.test(stderr)) {
    return `cannot read the base version ${location}: the grants file is not in a git repository. Pass --base with a file.`;
  }
  if (/invalid object name|unknown revision|bad revision|not a valid object name/i.test(stderr)) {
    return (
      `cannot read the base version: "${revision}" is neither a file nor a git revision. ` +
      "Fetch the revision (for example git fetch origin main) or pass --base with a file."
    );
  }
  const detail = stderr.trim().split("\n")[0] || String(failure.message);
  return `cannot read the base version ${location}: git show failed: ${detail}`;
}

if (require.main === module) {
  runCli(main, USAGE, ["review"]);
}
