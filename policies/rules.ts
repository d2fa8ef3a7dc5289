import {
  groupsInToken,
  noClientSecrets,
  redirectUriExact,
  singleTenantSignIn,
} from "./application-rules";
import {
  grantHasTeams,
  limitAdminGrants,
  noIndividualUserGrants,
  userGrantExceptions,
} from "./grant-rules";
import type { Rule } from "./rule";

/** Every rule of the pack, in the order violations are listed. */
export const RULES: readonly Rule[] = [
  noIndividualUserGrants,
  userGrantExceptions,
  grantHasTeams,
  limitAdminGrants,
  redirectUriExact,
  singleTenantSignIn,
  groupsInToken,
  noClientSecrets,
];
