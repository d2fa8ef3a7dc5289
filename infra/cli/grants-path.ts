import * as path from "node:path";
import { readStackConfig } from "../offline/stack-config";
import { DEFAULT_GRANTS_FILE, PROJECT } from "../settings";
import { PROJECT_DIR, UsageError } from "./run";

/** A grants file path and what chose it, for the message when the file cannot be read. */
export interface GrantsPath {
  file: string;
  source: string;
}

/**
 * Picks the grants file a command reads: the `--grants` option when given, otherwise the stack
 * setting `valohai-sso:grantsFile` of `Pulumi.<stack>.yaml`, relative to the project folder.
 */
export function chooseGrantsPath(grantsOption: string | undefined, stack: string): GrantsPath {
  if (grantsOption !== undefined) {
    if (grantsOption.trim() === "") {
      throw new UsageError("--grants is empty: give the path of a grants file.");
    }
    return { file: path.resolve(grantsOption), source: "--grants" };
  }
  const config = readStackConfig(PROJECT_DIR, stack);
  const setting = config.values[`${PROJECT}:grantsFile`] ?? DEFAULT_GRANTS_FILE;
  return {
    file: path.resolve(PROJECT_DIR, setting),
    source: `the stack setting ${PROJECT}:grantsFile in ${path.basename(config.file)}`,
  };
}

/** Shows a path relative to the working folder when it lies inside it. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative)
    ? file
    : relative;
}
