import * as pulumi from "@pulumi/pulumi";
import { readAzureAdSettings, type AzureAdSettings } from "./azuread/settings";
import { StackSettingError } from "./settings-error";
import { checkApiUrl, timeoutSeconds } from "./valohai/provider-settings";

/** The stack settings the program reads, under the `valohai-sso:` namespace, with defaults. */
export interface StackSettings extends AzureAdSettings {
  /** Display name of the Azure AD application registration. */
  displayName: string;
  /** Base URL of the Valohai web app; the redirect URI is derived from it. */
  valohaiUrl: string;
  /** Integer ID of the Valohai organization whose teams and grants are managed. */
  organizationId: number;
  /** Grants file path, relative to the project folder. */
  grantsFile: string;
  /** `api` pushes access grants through Valohai's API; `manual` outputs a checklist instead. */
  accessGrantsMode: AccessGrantsMode;
}

export type AccessGrantsMode = "api" | "manual";

export const PROJECT = "valohai-sso";
export const DEFAULT_VALOHAI_URL = "https://app.valohai.com";
export const DEFAULT_GRANTS_FILE = "config/grants.yaml";

/** Path of Valohai's Azure AD callback; sign-in compares the full URI, trailing slash included. */
export const CALLBACK_PATH = "/accounts/azure/callback/";

export function readStackSettings(config = new pulumi.Config(PROJECT)): StackSettings {
  const valohaiUrl = config.get("valohaiUrl") ?? DEFAULT_VALOHAI_URL;
  redirectUriFor(valohaiUrl);
  checkProviderSettings(config);
  return {
    displayName: readDisplayName(config),
    valohaiUrl,
    organizationId: readOrganizationId(config),
    grantsFile: config.get("grantsFile") ?? DEFAULT_GRANTS_FILE,
    accessGrantsMode: readAccessGrantsMode(config),
    ...readAzureAdSettings(config),
  };
}

function readDisplayName(config: pulumi.Config): string {
  const name = config.get("displayName") ?? "Valohai";
  if (name.trim() === "") {
    throw new StackSettingError(
      `invalid stack setting ${PROJECT}:displayName: it is empty. Set a display name such as ` +
        "Valohai, or remove the setting to use that default.",
    );
  }
  return name;
}

/**
 * Checks the settings only the providers read, so that a bad API URL or timeout stops the program
 * (and the offline plan) instead of the first request at pulumi up.
 */
function checkProviderSettings(config: pulumi.Config): void {
  try {
    const apiUrl = config.get("apiUrl");
    if (apiUrl !== undefined) checkApiUrl(apiUrl);
    const timeout = config.get("apiTimeoutSeconds");
    if (timeout !== undefined) timeoutSeconds(timeout);
  } catch (error) {
    throw new StackSettingError((error as Error).message);
  }
}

function readAccessGrantsMode(config: pulumi.Config): AccessGrantsMode {
  const mode = config.get("accessGrantsMode") ?? "api";
  if (mode !== "api" && mode !== "manual") {
    throw new StackSettingError(
      `invalid stack setting ${PROJECT}:accessGrantsMode "${mode}": use "api" to push access ` +
        `grants through Valohai's API, or "manual" to output a checklist for an admin to enter ` +
        "in Valohai's web app.",
    );
  }
  return mode;
}

function readOrganizationId(config: pulumi.Config): number {
  const raw = config.get("organizationId") ?? process.env.VALOHAI_ORGANIZATION_ID;
  if (raw === undefined) {
    throw new StackSettingError(
      `missing stack setting ${PROJECT}:organizationId: set it with ` +
        `\`pulumi config set ${PROJECT}:organizationId <id>\` or the VALOHAI_ORGANIZATION_ID ` +
        "environment variable; GET /api/v0/organizations/ lists the IDs.",
    );
  }
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value)) {
    throw new StackSettingError(
      `invalid stack setting ${PROJECT}:organizationId "${raw}": it must be the integer ID of the ` +
        "Valohai organization, listed by GET /api/v0/organizations/.",
    );
  }
  return value;
}

/** Derives the redirect URI from the Valohai URL, rejecting URLs that cannot work for sign-in. */
export function redirectUriFor(valohaiUrl: string): string {
  let url: URL;
  try {
    url = new URL(valohaiUrl);
  } catch {
    throw new StackSettingError(
      `invalid stack setting ${PROJECT}:valohaiUrl "${valohaiUrl}": expected a URL such as ${DEFAULT_VALOHAI_URL}.`,
    );
  }
  if (url.protocol !== "https:") {
    throw new StackSettingError(
      `invalid stack setting ${PROJECT}:valohaiUrl "${valohaiUrl}": Azure AD accepts only https redirect URIs ` +
        "for web apps. Use the https URL of your Valohai installation.",
    );
  }
  if (
    (url.pathname !== "/" && url.pathname !== "") ||
    url.search ||
    url.hash ||
    url.username ||
    url.password
  ) {
    throw new StackSettingError(
      `invalid stack setting ${PROJECT}:valohaiUrl "${valohaiUrl}": give only the scheme and host, such as ` +
        `${DEFAULT_VALOHAI_URL}; the callback path ${CALLBACK_PATH} is added by the program.`,
    );
  }
  return `${url.origin}${CALLBACK_PATH}`;
}
