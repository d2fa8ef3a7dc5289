import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import type { Registration } from "../infra/offline/mock-runtime";
import { TYPES } from "../infra/offline/plan";
import { PROJECT_DIR } from "./helpers/program";

const exec = promisify(execFile);
const CANARY = "canary-token-5f0c7a1e";

let registrations: Registration[];

// One run, in a plain Node process that compiles the program as `pulumi up` does.
beforeAll(async () => {
  const config = { "valohai-sso:organizationId": "42" };
  const { stdout } = await exec(
    process.execPath,
    [path.join(PROJECT_DIR, "test/support/run-as-pulumi.js"), JSON.stringify(config)],
    {
      cwd: PROJECT_DIR,
      env: { ...process.env, VALOHAI_API_TOKEN: CANARY },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  registrations = JSON.parse(stdout);
}, 120_000);

function dynamicResources(): Registration[] {
  return registrations.filter((r) => r.type === TYPES.team || r.type === TYPES.accessGrant);
}

describe("program compiled as pulumi up compiles it", () => {
  it("type-checks and registers every resource", () => {
    const types = registrations.map((r) => r.type);
    expect(types.filter((type) => type === TYPES.application)).toHaveLength(1);
    expect(types.filter((type) => type === TYPES.team)).toHaveLength(5);
    expect(types.filter((type) => type === TYPES.accessGrant)).toHaveLength(3);
  });

  it("serializes each dynamic provider", () => {
    for (const resource of dynamicResources()) {
      expect(resource.serializedProvider, resource.name).toMatch(/exports\.handler/);
    }
  });

  it("keeps the API token out of serialized providers", () => {
    for (const resource of dynamicResources()) {
      expect(resource.serializedProvider).not.toContain(CANARY);
    }
    expect(JSON.stringify(registrations)).not.toContain(CANARY);
  });

  it("keeps zod and yaml out of serialized providers", () => {
    for (const resource of dynamicResources()) {
      expect(resource.serializedProvider).not.toMatch(/require\("(zod|yaml)"\)/);
    }
  });
});
