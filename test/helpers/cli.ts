import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { PROJECT_DIR } from "./program";

const exec = promisify(execFile);
const TSX = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command-line tool from infra/cli the way a user does: a separate process in the project
 * folder (or `cwd`), with no Valohai token or Azure secret in its environment.
 */
export async function runTool(tool: string, args: string[], cwd = PROJECT_DIR): Promise<CliResult> {
  const env = { ...process.env, VALOHAI_API_TOKEN: "", ARM_CLIENT_SECRET: "" };
  const script = path.join(PROJECT_DIR, "infra", "cli", tool);
  try {
    const { stdout, stderr } = await exec(TSX, [script, ...args], { cwd, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CliResult;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
