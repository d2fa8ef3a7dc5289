import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../infra/offline/stack-config";

function projectWith(stackFile: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "valohai-sso-stack-"));
  writeFileSync(path.join(dir, "Pulumi.test.yaml"), stackFile);
  return dir;
}

describe("stack config reader", () => {
  it("reads settings as strings", () => {
    const dir = projectWith(
      "config:\n  valohai-sso:organizationId: 12\n  valohai-sso:owners: [a]\n",
    );
    const config = readStackConfig(dir, "test");
    expect(config.values["valohai-sso:organizationId"]).toBe("12");
    expect(config.values["valohai-sso:owners"]).toBe('["a"]');
    expect(config.warnings).toEqual([]);
  });

  it("warns about a misspelled setting", () => {
    const dir = projectWith("config:\n  valohai-sso:requireMFA: true\n");
    const [warning] = readStackConfig(dir, "test").warnings;
    expect(warning).toMatch(/unknown setting valohai-sso:requireMFA\. Did you mean "requireMfa"\?/);
  });

  it("rejects an API token in clear text", () => {
    const dir = projectWith("config:\n  valohai-sso:apiToken: abc123\n");
    expect(() => readStackConfig(dir, "test")).toThrow(
      /valohai-sso:apiToken is stored in clear text\. .*pulumi config set --secret/,
    );
  });

  it("accepts an encrypted API token", () => {
    const dir = projectWith("config:\n  valohai-sso:apiToken:\n    secure: AAABAKx=\n");
    const config = readStackConfig(dir, "test");
    expect(config.secretKeys).toEqual(["valohai-sso:apiToken"]);
    expect(config.values).not.toHaveProperty("valohai-sso:apiToken");
  });

  it("rejects an encrypted setting the offline tools need", () => {
    const dir = projectWith("config:\n  valohai-sso:organizationId:\n    secure: AAABAKx=\n");
    expect(() => readStackConfig(dir, "test")).toThrow(/organizationId is encrypted/);
  });

  it("names the file and line of a YAML error", () => {
    const dir = projectWith("config:\n  valohai-sso:owners: [a\n");
    expect(() => readStackConfig(dir, "test")).toThrow(/Pulumi\.test\.yaml:\d+:\d+: invalid YAML/);
  });

  it("rejects a stack name made of dots", () => {
    expect(() => readStackConfig(tmpdir(), "..")).toThrow(/invalid stack name/);
  });
});
