import { parseArgs } from "node:util";
import { loadGrantsFile } from "../grants/load";
import { formatProblem } from "../grants/problems";
import { buildAccessReport } from "../review/access-report";
import { renderAccessReportCsv, renderAccessReportMarkdown } from "../review/render-access-report";
import { chooseGrantsPath, displayPath } from "./grants-path";
import { runCli } from "./run";

const USAGE = `Usage: npm run access-report -- [--stack NAME] [--grants FILE] [--format md|csv]

Prints who can sign in to Valohai and which teams they get, from one grants file: per person,
per group whose members are not managed here, and per team.
  --stack NAME     stack whose Pulumi.<NAME>.yaml names the grants file (default: dev)
  --grants FILE    grants file to report on instead of the stack's valohai-sso:grantsFile
  --format md|csv  Markdown (default), or CSV with one row per person and team and a header
Exit status: 0 when the report was printed; 1 when the grants file cannot be read or is invalid;
2 for invalid options.
`;

const FORMATS = ["md", "csv"];

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string", default: "dev" },
      grants: { type: "string" },
      format: { type: "string", default: "md" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!FORMATS.includes(values.format)) {
    process.stderr.write(`error: invalid --format "${values.format}": use md or csv.\n\n${USAGE}`);
    return 2;
  }
  const grantsPath = chooseGrantsPath(values.grants, values.stack);
  const label = displayPath(grantsPath.file);
  const { grants, problems } = loadGrantsFile(label, { source: grantsPath.source });
  for (const problem of problems) {
    process.stderr.write(`${formatProblem(problem)}\n`);
  }
  const report = buildAccessReport(grants);
  process.stdout.write(
    values.format === "csv"
      ? renderAccessReportCsv(report)
      : renderAccessReportMarkdown(report, label),
  );
  return 0;
}

if (require.main === module) {
  runCli(main, USAGE, ["access-report"]);
}
