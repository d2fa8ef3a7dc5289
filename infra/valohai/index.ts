export { ValohaiClient, RequestLimiter, parseRetryAfter } from "./client";
export type { ClientOptions, RetryOptions } from "./client";
export { ValohaiApiError, describeErrorBody } from "./errors";
export { accessGrantProvider, createAccessGrantProvider, AccessGrant } from "./access-grant";
export type {
  AccessGrantArgs,
  AccessGrantInputs,
  AccessGrantOutputs,
  GrantPrincipal,
  GrantTeam,
} from "./access-grant";
export { teamProvider, createTeamProvider, Team } from "./team";
export type { TeamArgs, TeamInputs, TeamOutputs } from "./team";
export { resolveProviderSettings } from "./provider-settings";
export type { ClientTuning } from "./provider-settings";
