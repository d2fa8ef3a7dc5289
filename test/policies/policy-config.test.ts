import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readPolicyConfig } from "../../infra/offline/policies";

function configFile(config: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "valohai-sso-policy-")), "config.json");
  writeFileSync(file, JSON.stringify(config));
  return file;
}

describe("policy config file", () => {
  it("accepts levels and valid settings", () => {
    const config = {
      all: "advisory",
      "limit-admin-grants": { enforcementLevel: "mandatory", maxAdminGrants: 2 },
      "redirect-uri-exact": { valohaiUrl: "https://valohai.contoso.com" },
    };
    expect(readPolicyConfig(configFile(config))).toEqual(config);
  });

  it("rejects an unknown policy with a suggestion", () => {
    const file = configFile({ "limit-admin-grant": { maxAdminGrants: 2 } });
    expect(() => readPolicyConfig(file)).toThrow(
      'unknown policy "limit-admin-grant". Did you mean "limit-admin-grants"?',
    );
  });

  it("rejects an unknown setting", () => {
    const file = configFile({ "limit-admin-grants": { maxAdmins: 2 } });
    expect(() => readPolicyConfig(file)).toThrow(
      '"limit-admin-grants" has no setting "maxAdmins"; its settings are maxAdminGrants.',
    );
  });

  it.each([["lots"], ["5"], [-1], [1.5]])("rejects maxAdminGrants %j", (value) => {
    const file = configFile({ "limit-admin-grants": { maxAdminGrants: value } });
    expect(() => readPolicyConfig(file)).toThrow("expected an integer of at least 0");
  });

  it("rejects a URL setting that is not a string", () => {
    const file = configFile({ "redirect-uri-exact": { valohaiUrl: 42 } });
    expect(() => readPolicyConfig(file)).toThrow("expected a string");
  });
});
