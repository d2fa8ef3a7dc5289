import { describe, expect, it } from "vitest";
import { resolveProviderSettings } from "../../infra/valohai/provider-settings";

const config = (values: Record<string, string>) => ({ get: (key: string) => values[key] });

describe("resolveProviderSettings", () => {
  it("reads stack config first", () => {
    const settings = resolveProviderSettings(
      config({
        "valohai-sso:apiUrl": "https://valohai.example.test",
        "valohai-sso:apiToken": "from-config",
        "valohai-sso:organizationId": "12",
      }),
      { VALOHAI_API_URL: "https://env.test", VALOHAI_API_TOKEN: "from-env" },
    );
    expect(settings.apiUrl).toBe("https://valohai.example.test");
    expect(settings.token).toBe("from-config");
    expect(settings.tokenSource).toBe("the stack setting valohai-sso:apiToken");
    expect(settings.organizationId).toBe(12);
  });

  it("falls back to the environment", () => {
    const settings = resolveProviderSettings(config({}), {
      VALOHAI_API_URL: "https://env.test",
      VALOHAI_API_TOKEN: "from-env",
      VALOHAI_ORGANIZATION_ID: "5",
    });
    expect(settings.apiUrl).toBe("https://env.test");
    expect(settings.token).toBe("from-env");
    expect(settings.tokenSource).toBe("the VALOHAI_API_TOKEN environment variable");
    expect(settings.organizationId).toBe(5);
  });

  it("defaults to app.valohai.com and a 30 s timeout", () => {
    const settings = resolveProviderSettings(config({ "valohai-sso:apiToken": "t" }), {});
    expect(settings.apiUrl).toBe("https://app.valohai.com");
    expect(settings.timeoutMs).toBe(30_000);
    expect(settings.organizationId).toBeUndefined();
  });

  it("reads the timeout in seconds", () => {
    const settings = resolveProviderSettings(
      config({ "valohai-sso:apiToken": "t", "valohai-sso:apiTimeoutSeconds": "2.5" }),
      {},
    );
    expect(settings.timeoutMs).toBe(2_500);
  });

  it("missing token names the setting and the command", () => {
    expect(() => resolveProviderSettings(config({}), {})).toThrow(
      "missing Valohai API token: set the stack setting valohai-sso:apiToken with " +
        "`pulumi config set --secret valohai-sso:apiToken <token>`",
    );
  });

  it("rejects a non-integer organization", () => {
    expect(() =>
      resolveProviderSettings(config({ "valohai-sso:apiToken": "t" }), {
        VALOHAI_ORGANIZATION_ID: "acme",
      }),
    ).toThrow('invalid value "acme" for valohai-sso:organizationId: expected a positive integer');
  });

  it("rejects an API URL without a scheme", () => {
    expect(() =>
      resolveProviderSettings(
        config({ "valohai-sso:apiToken": "t", "valohai-sso:apiUrl": "app.valohai.com" }),
        {},
      ),
    ).toThrow('invalid Valohai API URL "app.valohai.com"');
  });

  it("rejects plain http to another host", () => {
    const settings = {
      "valohai-sso:apiToken": "t",
      "valohai-sso:apiUrl": "http://valohai.example",
    };
    expect(() => resolveProviderSettings(config(settings), {})).toThrow(
      /plain http would send the API token unencrypted/,
    );
  });

  it("accepts plain http on this machine", () => {
    const settings = { "valohai-sso:apiToken": "t", "valohai-sso:apiUrl": "http://127.0.0.1:8080" };
    expect(resolveProviderSettings(config(settings), {}).apiUrl).toBe("http://127.0.0.1:8080");
  });

  it.each(["0.0001", "1e12", "Infinity", "abc"])("rejects the timeout %s", (value) => {
    const settings = { "valohai-sso:apiToken": "t", "valohai-sso:apiTimeoutSeconds": value };
    expect(() => resolveProviderSettings(config(settings), {})).toThrow(
      /valohai-sso:apiTimeoutSeconds/,
    );
  });
});
