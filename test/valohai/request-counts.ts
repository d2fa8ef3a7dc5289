import { startFakeValohai, type FakeValohai } from "../fake-valohai/server";
import { configuredProviders, FAST_RETRY, ORGANIZATION, TOKEN } from "./fixtures";
import { MiniEngine, type Desired } from "./mini-engine";

/** Requests of one step against the fake server. */
export interface StepCount {
  step: string;
  requests: number;
  writes: number;
  listings: number;
}

const objectId = (n: number) => `${String(n).padStart(8, "0")}-1111-4111-8111-111111111111`;

/** T teams and G grants, grant i giving group i access to team i mod T. */
export function desiredSet(teamCount: number, grantCount: number): Desired {
  const teams = Array.from({ length: teamCount }, (_, i) => ({ name: `team-${i}` }));
  const grants = Array.from({ length: grantCount }, (_, i) => ({
    key: `grant-${i}`,
    objectIds: [objectId(i)],
    teams: [`team-${i % teamCount}`],
  }));
  return { organizationId: ORGANIZATION, teams, grants };
}

async function count(fake: FakeValohai, step: string, work: () => Promise<unknown>) {
  const start = fake.log.length;
  const result = await work();
  if (Array.isArray(result) && result.length > 0) {
    throw new Error(`step "${step}" failed: ${String(result[0])}`);
  }
  const sent = fake.log.slice(start);
  return {
    step,
    requests: sent.length,
    writes: sent.filter((entry) => entry.method !== "GET").length,
    listings: sent.filter((entry) => entry.method === "GET" && entry.query.organization).length,
  };
}

/**
 * Counts requests for the steps of a stack's life: create, a preview with no change, a refresh,
 * one changed grant, a create whose first response is lost, and an adopted team. Uses a fresh
 * fake server.
 */
export async function countRequests(teamCount: number, grantCount: number): Promise<StepCount[]> {
  const fake = await startFakeValohai({ token: TOKEN });
  try {
    const engine = new MiniEngine(await configuredProviders(fake, FAST_RETRY));
    const desired = desiredSet(teamCount, grantCount);
    const counts = [
      await count(fake, `create ${teamCount} teams and ${grantCount} grants`, () =>
        engine.up(desired),
      ),
      await count(fake, "up with no change (check and diff only)", () => engine.up(desired)),
      await count(fake, `refresh of ${grantCount} grants`, () => engine.refresh()),
    ];
    const changed = structuredClone(desired);
    changed.grants[0].objectIds.push(objectId(10_000));
    counts.push(await count(fake, "change one grant", () => engine.up(changed)));
    const grown = structuredClone(changed);
    grown.grants.push({ key: "late", objectIds: [objectId(20_000)], teams: ["team-0"] });
    fake.inject({ kind: "lost", method: "POST" });
    counts.push(await count(fake, "create one grant, response lost", () => engine.up(grown)));
    const adopting = structuredClone(grown);
    fake.addTeam(ORGANIZATION, "made-in-web-app");
    adopting.teams.push({ name: "made-in-web-app", adopt: true });
    counts.push(await count(fake, "adopt one team whose name is taken", () => engine.up(adopting)));
    return counts;
  } finally {
    await fake.stop();
  }
}
