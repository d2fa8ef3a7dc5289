import { ValohaiClient } from "./client";

/** Reads stack configuration by key, as the dynamic-provider host's `configure` request does. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

export interface ProviderSettings {
  apiUrl: string;
  token: string;
  tokenSource: string;
  organizationId?: number;
}

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
  const organizationId = organization === undefined ? undefined : Number(organization);
  return { apiUrl, token, tokenSource, organizationId };
}

/** Holds a provider's settings between `configure` and the lifecycle calls that need them. */
export class ProviderState {
  private settings?: ProviderSettings;
  private cachedClient?: ValohaiClient;

  configure(config: ConfigSource, env?: Record<string, string | undefined>): void {
    this.settings = resolveProviderSettings(config, env);
    this.cachedClient = undefined;
  }

  client(): ValohaiClient {
    if (!this.settings) {
      this.configure({ get: () => undefined });
    }
    const settings = this.settings as ProviderSettings;
    this.cachedClient ??= new ValohaiClient({
      apiUrl: settings.apiUrl,
      token: settings.token,
      tokenSource: settings.tokenSource,
    });
    return this.cachedClient;
  }
}
