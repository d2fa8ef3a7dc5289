import { DEFAULT_TIMEOUT_MS, ValohaiClient, type ClientOptions } from "./client";

/** Reads stack configuration by key, as the dynamic-provider host's `configure` request does. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

export interface ProviderSettings {
  apiUrl: string;
  token: string;
  tokenSource: string;
  organizationId?: number;
  timeoutMs: number;
}

/** Client behaviour that tests tune; the exported providers use the defaults. */
export type ClientTuning = Pick<
  ClientOptions,
  "retry" | "maxInFlight" | "random" | "sleep" | "timeoutMs"
>;

export const DEFAULT_API_URL = "https://app.valohai.com";

/**
 * Resolves the provider's settings from stack config, then the environment. Called at run time
 * in the provider host, never while the program runs, so the token is never serialized.
 */
export function resolveProviderSettings(
  config: ConfigSource,
  env: Record<string, string | undefined> = process.env,
): ProviderSettings {
  const apiUrl = config.get("valohai-sso:apiUrl") ?? env.VALOHAI_API_URL ?? DEFAULT_API_URL;
  const configToken = config.get("valohai-sso:apiToken");
  const token = configToken ?? env.VALOHAI_API_TOKEN;
  if (!token) {
    throw new Error(
      "missing Valohai API token: set the stack setting valohai-sso:apiToken with " +
        "`pulumi config set --secret valohai-sso:apiToken <token>`, or the VALOHAI_API_TOKEN environment variable.",
    );
  }
  const tokenSource = configToken
    ? "the stack setting valohai-sso:apiToken"
    : "the VALOHAI_API_TOKEN environment variable";
  const organization = config.get("valohai-sso:organizationId") ?? env.VALOHAI_ORGANIZATION_ID;
  const timeout = config.get("valohai-sso:apiTimeoutSeconds");
  return {
    apiUrl: checkApiUrl(apiUrl),
    token,
    tokenSource,
    organizationId:
      organization === undefined
        ? undefined
        : positiveNumber(organization, "valohai-sso:organizationId", true),
    timeoutMs: timeout === undefined ? DEFAULT_TIMEOUT_MS : timeoutSeconds(timeout) * 1000,
  };
}

export function checkApiUrl(apiUrl: string): string {
  if (!/^https?:\/\/[^/]/.test(apiUrl)) {
    throw new Error(
      `invalid Valohai API URL "${apiUrl}" in valohai-sso:apiUrl or VALOHAI_API_URL: ` +
        "expected the URL of the Valohai host, such as https://app.valohai.com.",
    );
  }
  // The token travels in a header, so plain http is accepted only on this machine.
  const host = new URL(apiUrl).hostname;
  if (apiUrl.startsWith("http:") && !["localhost", "127.0.0.1", "[::1]"].includes(host)) {
    throw new Error(
      `invalid Valohai API URL "${apiUrl}" in valohai-sso:apiUrl or VALOHAI_API_URL: plain http ` +
        "would send the API token unencrypted. Use the https URL of the Valohai host.",
    );
  }
  return apiUrl;
}

/** Upper bound of valohai-sso:apiTimeoutSeconds; a longer wait means a stuck request anyway. */
const MAX_TIMEOUT_SECONDS = 3600;

export function timeoutSeconds(raw: string): number {
  const value = Number(raw);
  if (!(value >= 1 && value <= MAX_TIMEOUT_SECONDS)) {
    throw new Error(
      `invalid value "${raw}" for valohai-sso:apiTimeoutSeconds: expected seconds from 1 to ` +
        `${MAX_TIMEOUT_SECONDS}.`,
    );
  }
  return value;
}

function positiveNumber(raw: string, setting: string, integer: boolean): number {
  const value = Number(raw);
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    throw new Error(
      `invalid value "${raw}" for ${setting}: expected a positive ${integer ? "integer" : "number"}.`,
    );
  }
  return value;
}

/**
 * Holds a provider's settings between `configure` and the lifecycle calls that need them. A
 * settings error waits for the first HTTP request, so that `check` and `diff`, which need no token,
 * still run during a preview.
 */
export class ProviderState {
  private settings?: ProviderSettings;
  private settingsError?: unknown;
  private cachedClient?: ValohaiClient;

  constructor(private readonly tuning: ClientTuning = {}) {}

  configure(config: ConfigSource, env?: Record<string, string | undefined>): void {
    this.cachedClient = undefined;
    this.settings = undefined;
    this.settingsError = undefined;
    try {
      this.settings = resolveProviderSettings(config, env);
    } catch (error) {
      this.settingsError = error;
    }
  }

  /** Returns the organization ID from the provider settings, if they set one. */
  organizationId(): number | undefined {
    return this.settings?.organizationId;
  }

  client(): ValohaiClient {
    if (!this.settings && !this.settingsError) {
      this.configure({ get: () => undefined });
    }
    if (this.settingsError) throw this.settingsError;
    const settings = this.settings as ProviderSettings;
    this.cachedClient ??= new ValohaiClient({
      timeoutMs: settings.timeoutMs,
      ...this.tuning,
      apiUrl: settings.apiUrl,
      token: settings.token,
      tokenSource: settings.tokenSource,
    });
    return this.cachedClient;
  }
}
