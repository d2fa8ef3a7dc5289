import { describe, expect, it } from "vitest";
import { seededRandom, type FakeValohai, type FaultKind } from "../fake-valohai/server";
import { configuredProviders, ORGANIZATION, useFakeValohai } from "./helpers";
import { MiniEngine, type Desired } from "./mini-engine";

const startFake = useFakeValohai();

const objectId = (n: number) => `${String(n).padStart(8, "0")}-0000-4000-8000-000000000000`;

const initial: Desired = {
  organizationId: ORGANIZATION,
  teams: ["ml", "ops", "research", "platform", "analytics", "admins"].map((name) => ({ name })),
  grants: [
    { key: "g1", objectIds: [objectId(1)], teams: ["ml"] },
    { key: "g2", objectIds: [objectId(2), objectId(3)], teams: ["ml", "ops"] },
    { key: "g3", objectIds: [objectId(4)], teams: ["research"] },
    { key: "g4", objectIds: [objectId(5)], teams: ["platform", "ops"] },
    { key: "g5", objectIds: [objectId(6), objectId(7)], teams: ["analytics"] },
    { key: "g6", objectIds: [objectId(8)], teams: ["admins"] },
    { key: "g7", objectIds: [objectId(9)], teams: [] },
    { key: "g8", objectIds: [objectId(10)], teams: ["ml", "research", "analytics"] },
  ],
};

const changed: Desired = {
  organizationId: ORGANIZATION,
  teams: [
    { name: "ml" },
    { name: "ops" },
    { name: "research" },
    { name: "platform" },
    { name: "admins" },
    { name: "data" },
  ],
  grants: [
    { key: "g1", objectIds: [objectId(1), objectId(11)], teams: ["ml"] },
    { key: "g2", objectIds: [objectId(3), objectId(2)], teams: ["ops", "ml"] },
    { key: "g3", objectIds: [objectId(4)], teams: ["research", "data"] },
    { key: "g4", objectIds: [objectId(5)], teams: ["platform"] },
    { key: "g6", objectIds: [objectId(12)], teams: ["admins"] },
    { key: "g8", objectIds: [objectId(10)], teams: ["ml", "research"] },
    { key: "g9", objectIds: [objectId(13)], teams: ["data"] },
  ],
};

const destroyed: Desired = { organizationId: ORGANIZATION, teams: [], grants: [] };

/** Runs `up` until it succeeds, at most `rounds` times, as a person re-running `pulumi up`. */
async function converge(engine: MiniEngine, desired: Desired, rounds = 10): Promise<number> {
  for (let round = 1; round <= rounds; round++) {
    const errors = await engine.up(desired);
    if (errors.length === 0) return round;
  }
  throw new Error(`no convergence after ${rounds} rounds`);
}

/** Asserts that Valohai contains exactly the desired teams and grants, and that state points at them. */
function expectMatches(fake: FakeValohai, engine: MiniEngine, desired: Desired) {
  const teamNames = [...fake.teams.values()].map((team) => team.name).sort();
  expect(teamNames).toEqual(desired.teams.map((team) => team.name).sort());
  const nameOf = (teamId: string) => fake.teams.get(teamId)?.name ?? `missing ${teamId}`;
  const remoteGrants = [...fake.grants.values()]
    .map((grant) => `${[...grant.grant_ids].sort()} -> ${grant.teams.map(nameOf).sort()}`)
    .sort();
  const desiredGrants = desired.grants
    .map((grant) => `${[...grant.objectIds].sort()} -> ${[...grant.teams].sort()}`)
    .sort();
  expect(remoteGrants).toEqual(desiredGrants);
  expect([...engine.teams.values()].map((entry) => entry.id).sort()).toEqual(
    [...fake.teams.keys()].sort(),
  );
  expect([...engine.grants.values()].map((entry) => entry.id).sort()).toEqual(
    [...fake.grants.keys()].sort(),
  );
}

async function runScenario(seed: number, kinds: FaultKind[], prepare = (_fake: FakeValohai) => {}) {
  const fake = await startFake();
  prepare(fake);
  const providers = await configuredProviders(fake, {
    retry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 4, maxRetryAfterMs: 2 },
    random: seededRandom(seed + 1),
  });
  const engine = new MiniEngine(providers);
  fake.randomFaults = { rate: 0.3, kinds, random: seededRandom(seed) };
  const rounds: number[] = [];
  for (const desired of [initial, changed, destroyed]) {
    rounds.push(await converge(engine, desired));
    expectMatches(fake, engine, desired);
  }
  const faults = fake.log.filter((entry) => entry.fault !== undefined).length;
  return { fake, rounds, faults };
}

describe("providers under injected faults", () => {
  for (const seed of [1, 2, 3]) {
    it(`429 and 503 on 30% of requests, seed ${seed}`, async () => {
      const { fake, faults } = await runScenario(seed, ["429", "503"]);
      expect(faults).toBeGreaterThan(fake.log.length * 0.15);
      expect(fake.teams.size).toBe(0);
      expect(fake.grants.size).toBe(0);
    });
  }

  it("lost responses and resets leave no duplicates", async () => {
    const { fake } = await runScenario(4, ["429", "503", "reset", "lost"], (fake) => {
      fake.inject({ kind: "lost", method: "POST", pathPrefix: "/api/v0/teams/", times: 2 });
      fake.inject({ kind: "lost", method: "POST", pathPrefix: "/api/v0/access-grants/", times: 2 });
    });
    const lostCreates = fake.log.filter(
      (entry) => entry.fault === "lost" && entry.method === "POST",
    );
    expect(lostCreates.length).toBeGreaterThanOrEqual(4);
  });

  it("refresh after faults keeps state", async () => {
    const fake = await startFake();
    const providers = await configuredProviders(fake, {
      retry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 4, maxRetryAfterMs: 2 },
      random: seededRandom(9),
    });
    const engine = new MiniEngine(providers);
    await converge(engine, initial);
    fake.randomFaults = { rate: 0.3, kinds: ["429", "503"], random: seededRandom(10) };
    await engine.refresh();
    expectMatches(fake, engine, initial);
    expect(await engine.up(initial)).toEqual([]);
  });
});
