import * as path from "node:path";
import { parseArgs } from "node:util";
import { validateGrantsFile } from "../grants/load";
import { formatProblem } from "../grants/problems";
import { runWithMocks } from "../offline/mock-runtime";
import { buildPlan, renderPlan, type Plan } from "../offline/plan";
import {
  checkPolicies,
  policyReport,
  readPolicyConfig,
  type PolicyCheckOptions,
  type Violation,
} from "../offline/policies";
import { readStackConfig } from "../offline/stack-config";
import { runSsoProgram } from "../program";
import { PROJECT } from "../settings";
import { StackSettingError } from "../settings-error";
import { chooseGrantsPath, displayPath } from "./grants-path";
import { PROJECT_DIR, runCli, UsageError } from "./run";

const USAGE = `Usage: npm run plan -- [--stack NAME] [--grants FILE] [--json] [--policy-config FILE]

Runs the Pulumi program offline under Pulumi's mock runtime and prints what it would provision.
  --stack NAME    stack whose Pulumi.<NAME>.yaml settings to use (default: dev)
  --grants FILE   grants file to plan instead of the stack's valohai-sso:grantsFile
  --json          print the plan as JSON
  --policy-config FILE  policy pack config, the JSON pulumi preview --policy-pack-config reads
The policy pack's rules then run over the planned resources. Violations print on stderr as
"stack NAME: LEVEL: POLICY: MESSAGE", and a mandatory one makes the exit status 1.
`;

export interface PlanOptions {
  stack: string;
  grantsFile?: string;
  /** Receives the policy violations of the planned resources. */
  onPolicyViolations?: (violations: Violation[]) => void;
  policyConfig?: PolicyCheckOptions["policyConfig"];
}

/** Plans a stack offline; throws GrantsFileError for an invalid grants file. */
export async function planStack(options: PlanOptions): Promise<Plan> {
  const stackConfig = readStackConfig(PROJECT_DIR, options.stack);
  const config = { ...stackConfig.values };
  const { file: grantsFile, source } = chooseGrantsPath(options.grantsFile, options.stack);
  config[`${PROJECT}:grantsFile`] = grantsFile;

  const validation = validateGrantsFile(displayPath(grantsFile), { source });
  for (const problem of validation.problems) {
    process.stderr.write(`${formatProblem(problem)}\n`);
  }
  if (!validation.grants) {
    throw new UsageError(`${displayPath(grantsFile)} is invalid; nothing was planned.`);
  }

  // The problems are printed above, so the program does not log its warnings a second time.
  const run = await runWithMocks(() => runSsoProgram(PROJECT_DIR, { logWarnings: false }), {
    stack: options.stack,
    config,
  }).catch((error: unknown) => {
    // A bad setting is reported with the stack file it is in, which the message cannot know.
    if (error instanceof StackSettingError) {
      throw new StackSettingError(`${path.basename(stackConfig.file)}: ${error.message}`);
    }
    throw error;
  });
  options.onPolicyViolations?.(
    checkPolicies(run, {
      stack: options.stack,
      policyConfig: options.policyConfig,
    }),
  );
  return buildPlan(options.stack, path.relative(PROJECT_DIR, grantsFile), run, {
    adminTeams: validation.grants.teams.filter((team) => team.admin).map((team) => team.name),
    warnings: [
      ...stackConfig.warnings,
      ...validation.problems.map((problem) => formatProblem(problem)),
    ],
    organizationId: config[`${PROJECT}:organizationId`] ?? process.env.VALOHAI_ORGANIZATION_ID,
  });
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string", default: "dev" },
      grants: { type: "string" },
      json: { type: "boolean", default: false },
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
  const policyFile = values["policy-config"];
  let violations: Violation[] = [];
  const plan = await planStack({
    stack: values.stack,
    grantsFile: values.grants,
    policyConfig: policyFile === undefined ? undefined : readPolicyConfig(policyFile),
    onPolicyViolations: (found) => (violations = found),
  });
  process.stdout.write(values.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
  if (!values.json) {
    // Grants file problems, in FILE:LINE:COL: warning: form, were printed while validating.
    for (const warning of plan.warnings.filter((text) => !text.includes(": warning: "))) {
      process.stderr.write(`warning: ${warning}\n`);
    }
  }
  const policies = policyReport(`stack ${values.stack}`, violations);
  for (const line of [...policies.problems, policies.summary]) process.stderr.write(`${line}\n`);
  return policies.failed ? 1 : 0;
}

if (require.main === module) {
  runCli(main, USAGE, ["plan", "start"]);
}
