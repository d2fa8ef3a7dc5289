import { describe, expect, it } from "vitest";
import { UNKNOWN } from "../../infra/valohai/inputs";
import { createTeamProvider, type TeamOutputs } from "../../infra/valohai/team";
import {
  configuredProviders,
  countStepRequests,
  findUndefinedPaths,
  ORGANIZATION,
  TOKEN,
  useFakeValohai,
} from "./helpers";

const startFake = useFakeValohai();

const inputs = { organizationId: ORGANIZATION, name: "ml-engineers" };

async function setup(options: Parameters<typeof startFake>[0] = {}) {
  const fake = await startFake(options);
  const { teams } = await configuredProviders(fake);
  return { fake, provider: teams };
}

async function created(provider: Awaited<ReturnType<typeof setup>>["provider"]) {
  const result = await provider.create!(inputs);
  return { id: result.id, outs: result.outs as TeamOutputs };
}

describe("team provider check", () => {
  it("accepts valid inputs", async () => {
    const { provider } = await setup();
    const result = await provider.check!({} as never, inputs);
    expect(result.failures).toEqual([]);
    expect(result.inputs).toEqual(inputs);
  });

  it("rejects a bad organization and an empty name", async () => {
    const { provider } = await setup();
    const result = await provider.check!({} as never, { organizationId: -1, name: " " });
    expect(result.failures?.map((failure) => failure.property)).toEqual(["organizationId", "name"]);
  });

  it("rejects a non-boolean adopt", async () => {
    const { provider } = await setup();
    const result = await provider.check!({} as never, { ...inputs, adopt: "yes" as never });
    expect(result.failures?.map((failure) => failure.property)).toEqual(["adopt"]);
  });

  it("tolerates unknown values at preview", async () => {
    const { provider } = await setup();
    const news = { organizationId: UNKNOWN as never, name: UNKNOWN, adopt: UNKNOWN as never };
    const result = await provider.check!({} as never, news);
    expect(result.failures).toEqual([]);
  });

  it("takes the organization from the provider settings", async () => {
    const fake = await startFake();
    const { teams } = await configuredProviders(fake, undefined, {
      "valohai-sso:organizationId": "42",
    });
    const result = await teams.check!({} as never, { name: "ml" } as never);
    expect(result.inputs).toEqual({ organizationId: 42, name: "ml" });
    expect(result.failures).toEqual([]);
  });

  it("missing token fails the first request, not check", async () => {
    const provider = createTeamProvider();
    await provider.configure!({ config: { get: () => undefined, require: () => "" } as never });
    const checked = await provider.check!({} as never, inputs);
    expect(checked.failures).toEqual([]);
    await expect(provider.create!(inputs)).rejects.toThrow(
      "pulumi config set --secret valohai-sso:apiToken",
    );
  });
});

describe("team provider diff", () => {
  const olds: TeamOutputs = { ...inputs, teamId: "t1", url: "u" };

  it("no change makes no request", async () => {
    const { fake, provider } = await setup();
    const result = await provider.diff!("t1", olds, inputs);
    expect(result.changes).toBe(false);
    expect(fake.log).toHaveLength(0);
  });

  it("rename updates in place", async () => {
    const { provider } = await setup();
    const result = await provider.diff!("t1", olds, { ...inputs, name: "renamed" });
    expect(result.changes).toBe(true);
    expect(result.replaces).toEqual([]);
  });

  it("new organization replaces, deleting first", async () => {
    const { provider } = await setup();
    const result = await provider.diff!("t1", olds, { ...inputs, organizationId: 8 });
    expect(result.replaces).toEqual(["organizationId"]);
    expect(result.deleteBeforeReplace).toBe(true);
  });

  it("unknown name counts as a change", async () => {
    const { provider } = await setup();
    const result = await provider.diff!("t1", olds, { ...inputs, name: UNKNOWN });
    expect(result.changes).toBe(true);
    expect(result.replaces).toEqual([]);
  });

  it("adopt alone is a change", async () => {
    const { provider } = await setup();
    const result = await provider.diff!("t1", olds, { ...inputs, adopt: true });
    expect(result.changes).toBe(true);
    expect(result.replaces).toEqual([]);
  });
});

describe("team provider create", () => {
  it("creates the team and echoes inputs", async () => {
    const { fake, provider } = await setup();
    const { id, outs } = await created(provider);
    expect(fake.teams.get(id)?.name).toBe("ml-engineers");
    expect(outs).toEqual({ ...inputs, teamId: id, url: `${fake.url}/api/v0/teams/${id}/` });
    expect(findUndefinedPaths(outs)).toEqual([]);
    expect(fake.writes()).toHaveLength(1);
  });

  it("lost response makes no second team", async () => {
    const { fake, provider } = await setup();
    fake.inject({ kind: "lost", method: "POST" });
    const { id } = await created(provider);
    expect(fake.teams.size).toBe(1);
    expect(fake.teams.has(id)).toBe(true);
  });

  it("taken name without adopt explains the choice", async () => {
    const { fake, provider } = await setup();
    const existing = fake.addTeam(ORGANIZATION, "ml-engineers");
    const error = await provider.create!(inputs).catch((reason: Error) => reason);
    expect((error as Error).message).toContain(
      `a Valohai team named "ml-engineers" already exists in organization ${ORGANIZATION} ` +
        `(team ID ${existing.id})`,
    );
    expect((error as Error).message).toContain('Set "adopt: true" on team "ml-engineers"');
    expect(fake.teams.size).toBe(1);
  });

  it("taken name with adopt takes the team over", async () => {
    const { fake, provider } = await setup();
    const existing = fake.addTeam(ORGANIZATION, "ml-engineers");
    const result = await provider.create!({ ...inputs, adopt: true });
    expect(result.id).toBe(existing.id);
    expect(result.outs).toMatchObject({ adopt: true, teamId: existing.id });
    expect(fake.teams.size).toBe(1);
  });

  it("same name in another organization is no conflict", async () => {
    const { fake, provider } = await setup();
    fake.addTeam(ORGANIZATION + 1, "ml-engineers");
    await created(provider);
    expect(fake.teams.size).toBe(2);
  });

  it("403 says an admin token is needed", async () => {
    const { provider } = await setup({ adminOf: [1] });
    await expect(provider.create!(inputs)).rejects.toThrow("must be an admin");
  });

  it("401 names the setting and hides the token", async () => {
    const fake = await startFake({ token: "server-token" });
    const { teams } = await configuredProviders(fake);
    const error = (await teams.create!(inputs).catch((reason: Error) => reason)) as Error;
    expect(error.message).toContain("the stack setting valohai-sso:apiToken");
    expect(error.message).not.toContain(TOKEN);
  });
});

describe("team provider read", () => {
  it("returns the remote name as input and output", async () => {
    const { fake, provider } = await setup();
    const { id, outs } = await created(provider);
    fake.teams.get(id)!.name = "renamed-in-web-app";
    const result = await provider.read!(id, outs);
    expect(result.id).toBe(id);
    expect(result.props?.name).toBe("renamed-in-web-app");
    expect(result.inputs).toEqual({ organizationId: ORGANIZATION, name: "renamed-in-web-app" });
    expect(findUndefinedPaths(result)).toEqual([]);
  });

  it("keeps adopt from state", async () => {
    const { fake, provider } = await setup();
    const team = fake.addTeam(ORGANIZATION, "ml-engineers");
    const result = await provider.read!(team.id, {
      ...inputs,
      adopt: true,
      teamId: team.id,
      url: "",
    });
    expect(result.inputs).toMatchObject({ adopt: true });
  });

  it("404 removes the team from state", async () => {
    const { fake, provider } = await setup();
    const { id, outs } = await created(provider);
    fake.teams.delete(id);
    const result = await provider.read!(id, outs);
    expect(result.id).toBe("");
  });
});

describe("team provider update", () => {
  it("rename sends one PUT", async () => {
    const { fake, provider } = await setup();
    const { id, outs } = await created(provider);
    const counts = await countStepRequests(fake, () =>
      provider.update!(id, outs, { ...inputs, name: "renamed" }),
    );
    expect(counts.total).toBe(1);
    expect(fake.teams.get(id)?.name).toBe("renamed");
  });

  it("adopt alone sends nothing and keeps outputs", async () => {
    const { fake, provider } = await setup();
    const { id, outs } = await created(provider);
    const before = fake.log.length;
    const result = await provider.update!(id, outs, { ...inputs, adopt: false });
    expect(fake.log.length).toBe(before);
    expect(result.outs).toEqual({ ...outs, adopt: false });
  });

  it("outputs survive an update with unchanged inputs", async () => {
    const { provider } = await setup();
    const { id, outs } = await created(provider);
    const result = await provider.update!(id, outs, inputs);
    expect(result.outs).toEqual(outs);
  });

  it("rename to a taken name fails with the field error", async () => {
    const { fake, provider } = await setup();
    fake.addTeam(ORGANIZATION, "taken");
    const { id, outs } = await created(provider);
    await expect(provider.update!(id, outs, { ...inputs, name: "taken" })).rejects.toThrow(
      "name: Team with this name already exists. (unique)",
    );
  });
});

describe("team provider delete", () => {
  it("deletes the team", async () => {
    const { fake, provider } = await setup();
    const { id, outs } = await created(provider);
    await provider.delete!(id, outs);
    expect(fake.teams.size).toBe(0);
  });

  it("404 counts as deleted", async () => {
    const { fake, provider } = await setup();
    const { id, outs } = await created(provider);
    fake.teams.delete(id);
    await expect(provider.delete!(id, outs)).resolves.toBeUndefined();
  });

  it("works with a state that has only an id", async () => {
    const { fake, provider } = await setup();
    const team = fake.addTeam(ORGANIZATION, "old");
    await provider.delete!(team.id, {} as TeamOutputs);
    expect(fake.teams.size).toBe(0);
  });

  it("is retried after 503", async () => {
    const { fake, provider } = await setup();
    const { id, outs } = await created(provider);
    fake.inject({ kind: "503", method: "DELETE" });
    await provider.delete!(id, outs);
    expect(fake.teams.size).toBe(0);
  });
});
