import { ifKnown, listOf, TYPES, type Rule, type RuleResource } from "./rule";

/*
 * Rules on the Azure AD app registration Valohai signs users in with. Every field they read
 * (redirect URIs, sign-in audience, group claims, password) is a plain input of the program.
 */

/** Path of Valohai's Azure AD callback; sign-in compares the full URI, trailing slash included. */
const CALLBACK_PATH = "/accounts/azure/callback/";

/** Azure AD's default sign-in audience when an application does not set one (azuread 6.x). */
const DEFAULT_SIGN_IN_AUDIENCE = "AzureADMyOrg";

/** `groupMembershipClaims` values that put group object IDs into the token. */
const GROUP_CLAIMS = ["SecurityGroup", "ApplicationGroup", "All"];

/** Derives Valohai's callback URI from its base URL, or returns undefined for a URL that cannot
 * serve as one (not https, or with a path, query or fragment). */
export function valohaiCallbackUri(valohaiUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(valohaiUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" || url.pathname !== "/" || url.search || url.hash) return undefined;
  return `${url.origin}${CALLBACK_PATH}`;
}

function applicationNameOf(application: RuleResource): string {
  const displayName = ifKnown(() => application.props.displayName);
  return typeof displayName === "string" && displayName !== "" ? displayName : application.name;
}

export const redirectUriExact: Rule = {
  kind: "resource",
  name: "redirect-uri-exact",
  description:
    "Checks that the app registration's web redirect URIs are exactly Valohai's callback URI.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.application],
  settings: {
    valohaiUrl: {
      type: "string",
      description: "https URL of the Valohai web app, scheme and host only.",
      default: "https://app.valohai.com",
    },
  },
  validateResource(application, { config }, report) {
    const name = applicationNameOf(application);
    const valohaiUrl = String(config.valohaiUrl);
    const expected = valohaiCallbackUri(valohaiUrl);
    if (!expected) {
      report(
        `the policy setting valohaiUrl "${valohaiUrl}" must be an https URL with scheme and host ` +
          `only, such as https://app.valohai.com, so application "${name}" cannot be checked.`,
      );
      return;
    }
    const uris = listOf(application.props.web?.redirectUris).map(String);
    if (!uris.includes(expected)) {
      report(
        `application "${name}" must have the web redirect URI ${expected}, Valohai's callback ` +
          "for Azure AD sign-in, but does not: sign-in fails with a redirect URI mismatch.",
      );
    }
    for (const uri of uris.filter((uri) => uri !== expected)) {
      const near = uri.replace(/\/?$/, "/").toLowerCase() === expected.toLowerCase();
      const hint = near
        ? " Sign-in compares the URI exactly, case and trailing slash included."
        : "";
      report(
        `application "${name}" must have exactly one web redirect URI, ${expected}, but also ` +
          `has ${uri}. Remove it.${hint}`,
      );
    }
  },
};

export const singleTenantSignIn: Rule = {
  kind: "resource",
  name: "single-tenant-sign-in",
  description:
    "Checks that the app registration signs in accounts of its own directory only (AzureADMyOrg).",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.application],
  validateResource(application, _context, report) {
    const audience = application.props.signInAudience ?? DEFAULT_SIGN_IN_AUDIENCE;
    if (audience === DEFAULT_SIGN_IN_AUDIENCE) return;
    report(
      `application "${applicationNameOf(application)}" must set signInAudience to AzureADMyOrg ` +
        `(accounts in this directory only), but sets "${audience}".`,
    );
  },
};

export const groupsInToken: Rule = {
  kind: "resource",
  name: "groups-in-token",
  description:
    "Checks that the app registration puts group object IDs into tokens, which group grants need.",
  enforcementLevel: "advisory",
  resourceTypes: [TYPES.application],
  validateResource(application, _context, report) {
    const claims = listOf(application.props.groupMembershipClaims).map(String);
    if (claims.some((claim) => GROUP_CLAIMS.includes(claim))) return;
    const found = claims.length > 0 ? `it sets [${claims.join(", ")}]` : "it sets none";
    report(
      `application "${applicationNameOf(application)}" must include SecurityGroup, ` +
        "ApplicationGroup or All in groupMembershipClaims so that tokens carry the group object " +
        `IDs Valohai matches group grants against, but ${found}.`,
    );
  },
};

export const noClientSecrets: Rule = {
  kind: "resource",
  name: "no-client-secrets",
  description:
    "Checks that the app registration has no password credentials; Valohai needs only its client and tenant IDs.",
  enforcementLevel: "advisory",
  resourceTypes: [TYPES.application, TYPES.applicationPassword],
  validateResource(resource, _context, report) {
    if (resource.type === TYPES.applicationPassword) {
      const applicationId = ifKnown(() => resource.props.applicationId);
      const target = typeof applicationId === "string" ? ` for application ${applicationId}` : "";
      report(
        `application password "${resource.name}"${target} must be removed: Valohai needs only ` +
          "the client ID and tenant ID, and an unused secret can leak.",
      );
      return;
    }
    if (resource.props.password === undefined || resource.props.password === null) return;
    report(
      `application "${applicationNameOf(resource)}" must have no password credential: Valohai ` +
        "needs only the client ID and tenant ID. Remove the password block.",
    );
  },
};
