import * as path from "node:path";
import type { MockRun, MockRunOptions, Registration } from "../../infra/offline/mock-runtime";
import type { SsoOutputs } from "../../infra/program";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
export const SAMPLE_GRANTS = path.join(PROJECT_DIR, "config", "grants.yaml");

/**
 * Runs the real program under the mock runtime with the given grants file and settings. The
 * modules load with `await import()` after the test starts, so nothing registers before the mocks.
 */
export async function runProgram(
  grantsFile = SAMPLE_GRANTS,
  config: Record<string, string> = {},
  options: Omit<MockRunOptions, "config"> = {},
): Promise<MockRun<SsoOutputs>> {
  const { runWithMocks } = await import("../../infra/offline/mock-runtime");
  const { runSsoProgram } = await import("../../infra/program");
  return runWithMocks(() => runSsoProgram(PROJECT_DIR), {
    ...options,
    config: {
      "valohai-sso:organizationId": "1234",
      "valohai-sso:grantsFile": grantsFile,
      ...config,
    },
  });
}

export function ofType(run: MockRun<unknown>, type: string): Registration[] {
  return run.registrations.filter((registration) => registration.type === type);
}

export function named(run: MockRun<unknown>, type: string, name: string): Registration {
  const found = ofType(run, type).find((registration) => registration.name === name);
  if (!found) {
    throw new Error(
      `no ${type} named "${name}" among ${ofType(run, type)
        .map((r) => r.name)
        .join(", ")}`,
    );
  }
  return found;
}
