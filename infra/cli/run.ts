import * as path from "node:path";
import { GrantsFileError } from "../grants/problems";

/** The project folder, which contains Pulumi.yaml and the stack files. */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** A failure caused by the command's input; printed as one line, without a stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Runs a command-line entry point: results go to stdout, problems to stderr, and bad input exits
 * with status 1 and a message instead of a stack trace. Status 2 is for bad arguments.
 * `scripts` are the package.json scripts that start this command.
 */
export function runCli(
  main: (argv: string[]) => Promise<number>,
  usage: string,
  scripts: readonly string[],
): void {
  enterInvocationFolder(scripts);
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof GrantsFileError) {
        process.stderr.write(`${error.message}\n`);
        process.exitCode = 1;
      } else if (error instanceof UsageError) {
        process.stderr.write(`error: ${error.message}\n`);
        process.exitCode = 1;
      } else if (isArgumentError(error)) {
        process.stderr.write(`error: ${(error as Error).message}\n\n${usage}`);
        process.exitCode = 2;
      } else {
        process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
        if (process.env.DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
        process.exitCode = 1;
      }
    },
  );
}

/**
 * `npm run` starts scripts in the project folder, so a relative path the user typed would resolve
 * there. npm records the folder it was invoked from in INIT_CWD; going back to it makes relative
 * paths mean what the user meant. Only for this command's own scripts: a command that a test
 * started inherits `npm test`'s INIT_CWD, which must not override the folder the test chose.
 */
function enterInvocationFolder(scripts: readonly string[]): void {
  const event = process.env.npm_lifecycle_event;
  const folder = process.env.INIT_CWD;
  if (folder && event && scripts.includes(event)) {
    process.chdir(folder);
  }
}

function isArgumentError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}
