import { readdirSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { validateGrantsFile } from "../grants/load";
import { formatProblem } from "../grants/problems";
import { printGrantsFilePolicies, readPolicyConfig } from "../offline/policies";
import { readStackConfig } from "../offline/stack-config";
import { DEFAULT_GRANTS_FILE, PROJECT } from "../settings";
import { PROJECT_DIR, runCli, UsageError } from "./run";

const USAGE = `Usage: npm run check -- [--strict] [--policy-config FILE] [FILE ...]

Validates grants files and prints each problem as FILE:LINE:COL: SEVERITY: MESSAGE on stderr.
With no FILE, checks the grants file of every stack (Pulumi.<stack>.yaml).
A valid file is then run through the program offline and checked against the policy pack's
rules. Violations print on stderr as FILE: LEVEL: POLICY: MESSAGE.
  --strict               fail on warnings and advisory violations as well as errors
  --policy-config FILE   policy pack config, the JSON pulumi preview --policy-pack-config reads
Exit status: 0 when no file has errors or mandatory violations, 1 otherwise.
`;

/** A grants file to check, and what chose it (for the message when it cannot be read). */
interface Target {
  file: string;
  source?: string;
}

/** Lists the grants files the stacks use, each once, in stack-name order. */
export function stackGrantsFiles(projectDir = PROJECT_DIR): Target[] {
  const stacks = readdirSync(projectDir)
    .map((name) => /^Pulumi\.(.+)\.yaml$/.exec(name)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
  const targets = new Map<string, Target>();
  for (const stack of stacks) {
    const config = readStackConfig(projectDir, stack);
    const setting = config.values[`${PROJECT}:grantsFile`] ?? DEFAULT_GRANTS_FILE;
    const file = path.relative(process.cwd(), path.resolve(projectDir, setting)) || setting;
    if (!targets.has(file)) {
      targets.set(file, {
        file,
        source: `the stack setting ${PROJECT}:grantsFile in Pulumi.${stack}.yaml`,
      });
    }
  }
  return [...targets.values()];
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      strict: { type: "boolean", default: false },
      "policy-config": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const targets: Target[] =
    positionals.length > 0 ? positionals.map((file) => ({ file })) : stackGrantsFiles();
  let failed = printStackWarnings() > 0 && values.strict;
  if (targets.length === 0) {
    throw new UsageError(
      `no stack file Pulumi.<stack>.yaml in ${PROJECT_DIR} names a grants file. Pass FILE instead.`,
    );
  }
  const policyFile = values["policy-config"];
  const policyConfig = policyFile === undefined ? undefined : readPolicyConfig(policyFile);
  for (const target of targets) {
    const { problems, grants } = validateGrantsFile(target.file, { source: target.source });
    const errors = problems.filter((problem) => problem.severity === "error").length;
    const warnings = problems.length - errors;
    for (const problem of problems) {
      process.stderr.write(`${formatProblem(problem)}\n`);
    }
    const fails = errors > 0 || (values.strict && warnings > 0);
    failed ||= fails;
    process.stdout.write(
      `${target.file}: ${fails ? "failed" : "ok"} (${count(errors, "error")}, ${count(warnings, "warning")})\n`,
    );
    if (grants) {
      const options = { strict: values.strict, policyConfig };
      failed = (await printGrantsFilePolicies(target.file, grants, PROJECT_DIR, options)) || failed;
    }
  }
  return failed ? 1 : 0;
}

/**
 * Prints the warnings of every stack file and returns how many there were. Without this a
 * misspelled setting such as requireMFA would be ignored without a word; --strict fails on it.
 */
function printStackWarnings(): number {
  const warnings = readdirSync(PROJECT_DIR)
    .map((name) => /^Pulumi\.(.+)\.yaml$/.exec(name)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort()
    .flatMap((stack) => readStackConfig(PROJECT_DIR, stack).warnings);
  for (const warning of warnings) {
    process.stderr.write(`warning: ${warning}\n`);
  }
  return warnings.length;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

if (require.main === module) {
  runCli(main, USAGE, ["check"]);
}
