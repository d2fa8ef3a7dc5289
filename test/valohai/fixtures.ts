import type { ClientTuning } from "../../infra/valohai/provider-settings";
import { createAccessGrantProvider } from "../../infra/valohai/access-grant";
import { createTeamProvider } from "../../infra/valohai/team";

// Constants and helpers for the Valohai tests and the request-count benchmark. Nothing here loads
// vitest, because the benchmark runs outside the test runner.
import type { FakeValohai } from "../fake-valohai/server";

export const TOKEN = "test-token-7f3c";
export const ORGANIZATION = 7;
export const GROUP_A = "11111111-1111-4111-8111-111111111111";
export const GROUP_B = "22222222-2222-4222-8222-222222222222";
export const USER_C = "33333333-3333-4333-8333-333333333333";

/** Backoff short enough for tests; waits are real but a few milliseconds at most. */
export const FAST_RETRY: ClientTuning = {
  retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 4, maxRetryAfterMs: 5 },
};

/** Stack config as the provider host passes it to `configure`. */
export function stackConfig(fake: FakeValohai, extra: Record<string, string> = {}) {
  const values: Record<string, string> = {
    "valohai-sso:apiUrl": fake.url,
    "valohai-sso:apiToken": TOKEN,
    ...extra,
  };
  return {
    get: (key: string): string | undefined => values[key],
    require(key: string): string {
      if (values[key] === undefined) throw new Error(`missing ${key}`);
      return values[key];
    },
  };
}

/** Team and access-grant providers configured for the fake server, as the host would. */
export async function configuredProviders(
  fake: FakeValohai,
  tuning: ClientTuning = FAST_RETRY,
  extra: Record<string, string> = {},
) {
  const teams = createTeamProvider(tuning);
  const grants = createAccessGrantProvider(tuning);
  await teams.configure?.({ config: stackConfig(fake, extra) });
  await grants.configure?.({ config: stackConfig(fake, extra) });
  return { teams, grants };
}

/** Counts the requests a step sends, by method. */
export async function countStepRequests(fake: FakeValohai, step: () => Promise<unknown>) {
  const start = fake.log.length;
  await step();
  const sent = fake.log.slice(start);
  return {
    total: sent.length,
    writes: sent.filter((entry) => entry.method !== "GET").length,
    reads: sent.filter((entry) => entry.method === "GET").length,
  };
}

/** Paths of `undefined` values inside a value; the provider host cannot encode them. */
export function findUndefinedPaths(value: unknown, path = "$"): string[] {
  if (value === undefined) return [path];
  if (Array.isArray(value))
    return value.flatMap((item, i) => findUndefinedPaths(item, `${path}[${i}]`));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) =>
      findUndefinedPaths(item, `${path}.${key}`),
    );
  }
  return [];
}
