import * as pulumi from "@pulumi/pulumi";
import { GUID_PATTERN } from "../grants/principals";
import { StackSettingError } from "../settings-error";
import { OPTIONAL_CLAIMS } from "./claims";

/**
 * Group claims the application emits. `ApplicationGroup` sends only the groups assigned to the
 * application and makes assignment a condition of sign-in. `SecurityGroup` sends every security
 * group of the user, and any user of the tenant can sign in at Azure AD.
 */
export type GroupClaims = "ApplicationGroup" | "SecurityGroup";

export const GROUP_CLAIMS: readonly GroupClaims[] = ["ApplicationGroup", "SecurityGroup"];

/** The stack settings of the Azure AD side, under the `valohai-sso:` namespace, with defaults. */
export interface AzureAdSettings {
  /** Group claims in tokens. `ApplicationGroup` also requires assignment to sign in. */
  groupClaims: GroupClaims;
  /** Extra claims for Valohai's attribute mapping, as names from `OPTIONAL_CLAIMS`. */
  optionalClaims: string[];
  /** Object IDs of owners besides the deploying principal, lowercase and without duplicates. */
  owners: string[];
  /** Whether to declare a conditional access policy that requires MFA for this application. */
  requireMfa: boolean;
  /** Text put before the display name of each managed group, so stacks can share a tenant. */
  groupNamePrefix: string;
}

const NAMESPACE = "valohai-sso";

export function readAzureAdSettings(config: pulumi.Config): AzureAdSettings {
  return {
    groupClaims: readGroupClaims(config),
    optionalClaims: readOptionalClaims(config),
    owners: readOwners(config),
    requireMfa: readBoolean(config, "requireMfa", false),
    groupNamePrefix: config.get("groupNamePrefix") ?? "",
  };
}

function readGroupClaims(config: pulumi.Config): GroupClaims {
  const value = config.get("groupClaims") ?? "ApplicationGroup";
  if (!(GROUP_CLAIMS as readonly string[]).includes(value)) {
    throw new StackSettingError(
      `invalid stack setting ${NAMESPACE}:groupClaims "${value}": use ApplicationGroup ` +
        "(tokens carry only assigned groups, and only their members can sign in) or SecurityGroup.",
    );
  }
  return value as GroupClaims;
}

function readOptionalClaims(config: pulumi.Config): string[] {
  const names = readStringList(config, "optionalClaims", "claim names such as [department]");
  const seen = new Set<string>();
  for (const name of names) {
    if (!(name in OPTIONAL_CLAIMS)) {
      throw new StackSettingError(
        `invalid stack setting ${NAMESPACE}:optionalClaims: unknown claim "${name}". ` +
          `Use names from this list: ${Object.keys(OPTIONAL_CLAIMS).join(", ")}.`,
      );
    }
    if (seen.has(name)) {
      throw new StackSettingError(
        `invalid stack setting ${NAMESPACE}:optionalClaims: claim "${name}" is listed twice. ` +
          "Remove the second entry.",
      );
    }
    seen.add(name);
  }
  return names;
}

function readOwners(config: pulumi.Config): string[] {
  const owners = readStringList(config, "owners", "object IDs of users or service principals");
  for (const owner of owners) {
    if (!GUID_PATTERN.test(owner)) {
      throw new StackSettingError(
        `invalid stack setting ${NAMESPACE}:owners: "${owner}" is not an object ID. ` +
          "Copy the Object ID of the user or service principal from Azure AD.",
      );
    }
  }
  return [...new Set(owners.map((owner) => owner.toLowerCase()))];
}

/** Reads a setting that contains a YAML list of strings, which Pulumi passes as JSON text. */
function readStringList(config: pulumi.Config, key: string, itemDescription: string): string[] {
  const raw = config.get(key);
  if (raw === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new StackSettingError(
      `invalid stack setting ${NAMESPACE}:${key} ${JSON.stringify(raw)}: expected a list of ${itemDescription}. ` +
        `Write it as a YAML list in Pulumi.<stack>.yaml, or run pulumi config set --path '${NAMESPACE}:${key}[0]' VALUE.`,
    );
  }
  return value;
}

function readBoolean(config: pulumi.Config, key: string, fallback: boolean): boolean {
  const raw = config.get(key);
  if (raw === undefined) return fallback;
  if (raw !== "true" && raw !== "false") {
    throw new StackSettingError(
      `invalid stack setting ${NAMESPACE}:${key} "${raw}": use true or false.`,
    );
  }
  return raw === "true";
}
