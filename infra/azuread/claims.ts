import type * as azuread from "@pulumi/azuread";

/**
 * Claims that `valohai-sso:optionalClaims` can add for Valohai's attribute mapping. Azure AD
 * delivers them in two ways:
 * - `optional`: one of Azure AD's predefined optional claims, set on the app registration.
 * - `directory`: a user attribute such as department that is not a predefined optional claim,
 *   so a claims mapping policy on the service principal emits it from the named user attribute.
 */
export type ClaimSource = { kind: "optional" } | { kind: "directory"; attribute: string };

const optional: ClaimSource = { kind: "optional" };
const directory = (attribute: string): ClaimSource => ({ kind: "directory", attribute });

export const OPTIONAL_CLAIMS: Readonly<Record<string, ClaimSource>> = {
  acct: optional,
  auth_time: optional,
  ctry: optional,
  email: optional,
  family_name: optional,
  given_name: optional,
  ipaddr: optional,
  login_hint: optional,
  sid: optional,
  tenant_ctry: optional,
  upn: optional,
  verified_primary_email: optional,
  verified_secondary_email: optional,
  xms_pl: optional,
  xms_tpl: optional,
  city: directory("city"),
  companyName: directory("companyname"),
  country: directory("country"),
  department: directory("department"),
  employeeId: directory("employeeid"),
  jobTitle: directory("jobtitle"),
  postalCode: directory("postalcode"),
  state: directory("state"),
  streetAddress: directory("streetaddress"),
  ...Object.fromEntries(
    Array.from({ length: 15 }, (_, i) => [
      `extensionAttribute${i + 1}`,
      directory(`extensionattribute${i + 1}`),
    ]),
  ),
};

/** Names of the predefined optional claims among `names`, in their order. */
export function predefinedClaims(names: readonly string[]): string[] {
  return names.filter((name) => OPTIONAL_CLAIMS[name]?.kind === "optional");
}

/** Names of the directory attribute claims among `names`, in their order. */
export function directoryClaims(names: readonly string[]): string[] {
  return names.filter((name) => OPTIONAL_CLAIMS[name]?.kind === "directory");
}

/**
 * Builds the app registration's `optionalClaims` block, with each predefined claim in ID tokens,
 * which Valohai reads at sign-in, and in access tokens issued for this application. Returns
 * undefined when there are none, so the registration does not gain an empty block.
 */
export function optionalClaimsBlock(
  names: readonly string[],
): azuread.types.input.ApplicationOptionalClaims | undefined {
  const claims = predefinedClaims(names).map((name) => ({ name }));
  if (claims.length === 0) return undefined;
  return { idTokens: claims, accessTokens: claims };
}

/**
 * Builds the claims mapping policy definition that adds each directory attribute claim to the
 * tokens issued for the application, next to the claims Azure AD includes by default.
 */
export function claimsMappingDefinition(names: readonly string[]): string {
  const schema = directoryClaims(names).map((name) => {
    const source = OPTIONAL_CLAIMS[name] as { kind: "directory"; attribute: string };
    return { Source: "user", ID: source.attribute, JwtClaimType: name };
  });
  return JSON.stringify({
    ClaimsMappingPolicy: { Version: 1, IncludeBasicClaimSet: "true", ClaimsSchema: schema },
  });
}
