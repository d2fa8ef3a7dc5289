import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

/**
 * Points TMPDIR at one folder for the whole run and removes it afterwards, so the temporary grants
 * files, git repositories and stack files that tests create are not left behind. Test workers and
 * the commands they start inherit the variable.
 */
export default function setup(): () => void {
  const folder = mkdtempSync(path.join(tmpdir(), "valohai-sso-tests-"));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = folder;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(folder, { recursive: true, force: true });
  };
}
