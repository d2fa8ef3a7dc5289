import * as path from "node:path";
import { GrantsFileError } from "../grants/problems";

/** The project folder, which holds Pulumi.yaml and the stack files. */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** A failure caused by the command's input; printed as one line, without a stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Runs a command-line entry point: results go to stdout, problems to stderr, and bad input exits
 * with status 1 and a message instead of a stack trace. Status 2 is for bad arguments.
 */
export function runCli(main: (argv: string[]) => Promise<number>, usage: string): void {
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

function isArgumentError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}
