import * as path from "node:path";
import { parseArgs } from "node:util";
import { validateGrantsFile } from "../grants/load";
import { formatProblem } from "../grants/problems";
import { runWithMocks } from "../offline/mock-runtime";
import { buildPlan, renderPlan, type Plan } from "../offline/plan";
import { readStackConfig } from "../offline/stack-config";
import { runSsoProgram } from "../program";
import { DEFAULT_GRANTS_FILE, PROJECT } from "../settings";
import { PROJECT_DIR, runCli, UsageError } from "./run";

const USAGE = `Usage: npm run plan -- [--stack NAME] [--grants FILE] [--json]

Runs the Pulumi program offline under Pulumi's mock runtime and prints what it would provision.
  --stack NAME    stack whose Pulumi.<NAME>.yaml settings to use (default: dev)
  --grants FILE   grants file to plan instead of the stack's valohai-sso:grantsFile
  --json          print the plan as JSON
`;

export interface PlanOptions {
  stack: string;
  grantsFile?: string;
}

/** Plans a stack offline; throws GrantsFileError for an invalid grants file. */
export async function planStack(options: PlanOptions): Promise<Plan> {
  const stackConfig = readStackConfig(PROJECT_DIR, options.stack);
  const config = { ...stackConfig.values };
  const settingKey = `${PROJECT}:grantsFile`;
  const grantsFile = options.grantsFile
    ? path.resolve(options.grantsFile)
    : path.resolve(PROJECT_DIR, config[settingKey] ?? DEFAULT_GRANTS_FILE);
  config[settingKey] = grantsFile;

  const source = options.grantsFile
    ? "--grants"
    : `the stack setting ${settingKey} in ${path.basename(stackConfig.file)}`;
  const validation = validateGrantsFile(grantsFile, { source });
  for (const problem of validation.problems) {
    process.stderr.write(`${formatProblem(problem)}\n`);
  }
  if (!validation.grants) {
    throw new UsageError(`${displayPath(grantsFile)} is invalid; nothing was planned.`);
  }

  const run = await runWithMocks(() => runSsoProgram(PROJECT_DIR), {
    stack: options.stack,
    config,
  });
  return buildPlan(options.stack, path.relative(PROJECT_DIR, grantsFile), run);
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") ? file : relative;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string", default: "dev" },
      grants: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const plan = await planStack({ stack: values.stack, grantsFile: values.grants });
  process.stdout.write(values.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
  return 0;
}

if (require.main === module) {
  runCli(main, USAGE);
}
