import { describe, expect, it } from "vitest";
import type { AccessGrantInputs, AccessGrantOutputs } from "../../infra/valohai/access-grant";
import { UNKNOWN } from "../../infra/valohai/inputs";
import type { FakeValohai } from "../fake-valohai/server";
import {
  configuredProviders,
  countStepRequests,
  findUndefinedPaths,
  GROUP_A,
  GROUP_B,
  ORGANIZATION,
  USER_C,
  useFakeValohai,
} from "./helpers";

const startFake = useFakeValohai();

async function setup() {
  const fake = await startFake();
  const { grants } = await configuredProviders(fake);
  const ml = fake.addTeam(ORGANIZATION, "ml");
  const ops = fake.addTeam(ORGANIZATION, "ops");
  const inputs: AccessGrantInputs = {
    organizationId: ORGANIZATION,
    principals: [
      { objectId: GROUP_A, kind: "group", name: "Data Science" },
      { objectId: GROUP_B, kind: "group", name: "Platform" },
    ],
    teams: [{ teamId: ml.id, name: "ml" }],
    grantName: "data-science",
  };
  return { fake, provider: grants, inputs, ml, ops };
}

async function created(context: Awaited<ReturnType<typeof setup>>) {
  const result = await context.provider.create!(context.inputs);
  return { id: result.id, outs: result.outs as AccessGrantOutputs };
}

function remoteGrant(fake: FakeValohai, id: string) {
  const grant = fake.grants.get(id);
  return grant && { grant_ids: [...grant.grant_ids].sort(), teams: [...grant.teams].sort() };
}

describe("access grant provider check", () => {
  it("accepts valid inputs", async () => {
    const { provider, inputs } = await setup();
    const result = await provider.check!({} as never, inputs);
    expect(result.failures).toEqual([]);
  });

  it("rejects bad object IDs, kinds and team IDs", async () => {
    const { provider, inputs } = await setup();
    const result = await provider.check!({} as never, {
      ...inputs,
      principals: [{ objectId: "not-a-guid", kind: "robot" as never }],
      teams: [{ teamId: "", name: "x" }],
    });
    expect(result.failures?.map((failure) => failure.property)).toEqual([
      "principals[0].objectId",
      "principals[0].kind",
      "teams[0].teamId",
    ]);
  });

  it("rejects an empty principal list", async () => {
    const { provider, inputs } = await setup();
    const result = await provider.check!({} as never, { ...inputs, principals: [] });
    expect(result.failures).toEqual([
      { property: "principals", reason: "principals must list at least one group or user" },
    ]);
  });

  it("tolerates unknown lists and unknown items", async () => {
    const { provider, inputs } = await setup();
    const wholeLists = await provider.check!({} as never, {
      ...inputs,
      principals: UNKNOWN as never,
      teams: UNKNOWN as never,
    });
    expect(wholeLists.failures).toEqual([]);
    const items = await provider.check!({} as never, {
      ...inputs,
      principals: [UNKNOWN as never, { objectId: UNKNOWN, kind: "group" }],
      teams: [{ teamId: UNKNOWN, name: "new-team" }],
    });
    expect(items.failures).toEqual([]);
  });
});

describe("access grant provider diff", () => {
  it("order of principals and teams is no change", async () => {
    const { fake, provider, inputs, ops } = await setup();
    const olds: AccessGrantOutputs = {
      ...inputs,
      teams: [...inputs.teams, { teamId: ops.id, name: "ops" }],
      grantId: "g1",
    };
    const news = {
      ...olds,
      principals: [...olds.principals].reverse(),
      teams: [...olds.teams].reverse(),
    };
    const result = await provider.diff!("g1", olds, news);
    expect(result.changes).toBe(false);
    expect(fake.log).toHaveLength(0);
  });

  it("new team updates in place", async () => {
    const { provider, inputs, ops } = await setup();
    const result = await provider.diff!(
      "g1",
      { ...inputs, grantId: "g1" },
      { ...inputs, teams: [...inputs.teams, { teamId: ops.id, name: "ops" }] },
    );
    expect(result.changes).toBe(true);
    expect(result.replaces).toEqual([]);
  });

  it("new organization replaces", async () => {
    const { provider, inputs } = await setup();
    const result = await provider.diff!(
      "g1",
      { ...inputs, grantId: "g1" },
      {
        ...inputs,
        organizationId: 8,
      },
    );
    expect(result.replaces).toEqual(["organizationId"]);
    expect(result.deleteBeforeReplace).toBe(false);
  });

  it("unknown team ID inside the list is a change", async () => {
    const { provider, inputs } = await setup();
    const result = await provider.diff!(
      "g1",
      { ...inputs, grantId: "g1" },
      { ...inputs, teams: [{ teamId: UNKNOWN, name: "ml" }] },
    );
    expect(result.changes).toBe(true);
    expect(result.replaces).toEqual([]);
  });

  it("unknown principal list is a change", async () => {
    const { provider, inputs } = await setup();
    const result = await provider.diff!(
      "g1",
      { ...inputs, grantId: "g1" },
      { ...inputs, principals: UNKNOWN as never },
    );
    expect(result.changes).toBe(true);
  });

  it("a renamed principal is a change", async () => {
    const { provider, inputs } = await setup();
    const result = await provider.diff!(
      "g1",
      { ...inputs, grantId: "g1" },
      {
        ...inputs,
        principals: [{ ...inputs.principals[0], name: "Renamed" }, inputs.principals[1]],
      },
    );
    expect(result.changes).toBe(true);
  });
});

describe("access grant provider create", () => {
  it("posts object IDs and team IDs and echoes inputs", async () => {
    const context = await setup();
    const { id, outs } = await created(context);
    expect(remoteGrant(context.fake, id)).toEqual({
      grant_ids: [GROUP_A, GROUP_B],
      teams: [context.ml.id],
    });
    expect(outs).toEqual({ ...context.inputs, grantId: id });
    expect(findUndefinedPaths(outs)).toEqual([]);
  });

  it("lost response makes no second grant", async () => {
    const context = await setup();
    context.fake.inject({ kind: "lost", method: "POST" });
    const { id } = await created(context);
    expect(context.fake.grants.size).toBe(1);
    expect(context.fake.grants.has(id)).toBe(true);
  });

  it("lost response ignores grants with other teams", async () => {
    const context = await setup();
    context.fake.addGrant(ORGANIZATION, [GROUP_A, GROUP_B], [context.ops.id]);
    context.fake.inject({ kind: "reset", method: "POST" });
    const { id } = await created(context);
    expect(context.fake.grants.size).toBe(2);
    expect(remoteGrant(context.fake, id)?.teams).toEqual([context.ml.id]);
  });

  it("rejected body fails with the field error", async () => {
    const context = await setup();
    const error = await context.provider.create!({
      ...context.inputs,
      teams: [{ teamId: "no-such-team", name: "x" }],
    }).catch((reason: Error) => reason);
    expect((error as Error).message).toContain("teams: unknown team no-such-team (does_not_exist)");
    expect(context.fake.grants.size).toBe(0);
  });
});

describe("access grant provider read", () => {
  it("returns changes made in the web app", async () => {
    const context = await setup();
    const { id, outs } = await created(context);
    const grant = context.fake.grants.get(id)!;
    grant.grant_ids = [GROUP_A, USER_C];
    grant.teams = [context.ml.id, context.ops.id];
    const result = await context.provider.read!(id, outs);
    expect(result.inputs?.principals).toEqual([
      { objectId: GROUP_A, kind: "group", name: "Data Science" },
      { objectId: USER_C, kind: "group" },
    ]);
    expect(result.inputs?.teams).toEqual([
      { teamId: context.ml.id, name: "ml" },
      { teamId: context.ops.id, name: context.ops.id },
    ]);
    expect(result.props?.grantName).toBe("data-science");
    expect(findUndefinedPaths(result)).toEqual([]);
  });

  it("unchanged grant reads back as no diff", async () => {
    const context = await setup();
    const { id, outs } = await created(context);
    const result = await context.provider.read!(id, outs);
    const diff = await context.provider.diff!(id, result.props!, context.inputs);
    expect(diff.changes).toBe(false);
  });

  it("404 removes the grant from state", async () => {
    const context = await setup();
    const { id, outs } = await created(context);
    context.fake.grants.delete(id);
    const result = await context.provider.read!(id, outs);
    expect(result.id).toBe("");
  });
});

describe("access grant provider update", () => {
  it("new team sends one PUT with the full body", async () => {
    const context = await setup();
    const { id, outs } = await created(context);
    const news = {
      ...context.inputs,
      teams: [...context.inputs.teams, { teamId: context.ops.id, name: "ops" }],
    };
    const counts = await countStepRequests(context.fake, () =>
      context.provider.update!(id, outs, news),
    );
    expect(counts).toEqual({ total: 1, writes: 1, reads: 0 });
    expect(remoteGrant(context.fake, id)?.teams).toEqual([context.ml.id, context.ops.id].sort());
  });

  it("names, admin marks and exception alone send nothing", async () => {
    const context = await setup();
    const { id, outs } = await created(context);
    const news: AccessGrantInputs = {
      ...context.inputs,
      principals: context.inputs.principals.map((p) => ({ ...p, name: `${p.name} (new)` })),
      teams: context.inputs.teams.map((t) => ({ ...t, admin: true })),
      grantName: "renamed",
      exception: { reason: "contractor", expires: "2027-01-31" },
    };
    const counts = await countStepRequests(context.fake, () =>
      context.provider.update!(id, outs, news),
    );
    expect(counts.total).toBe(0);
    const result = await context.provider.update!(id, outs, news);
    expect(result.outs).toEqual({ ...news, grantId: id });
  });

  it("is retried after 429", async () => {
    const context = await setup();
    const { id, outs } = await created(context);
    context.fake.inject({ kind: "429", retryAfter: "0", method: "PUT" });
    await context.provider.update!(id, outs, {
      ...context.inputs,
      principals: [context.inputs.principals[0]],
    });
    expect(remoteGrant(context.fake, id)?.grant_ids).toEqual([GROUP_A]);
  });
});

describe("access grant provider delete", () => {
  it("deletes the grant", async () => {
    const context = await setup();
    const { id, outs } = await created(context);
    await context.provider.delete!(id, outs);
    expect(context.fake.grants.size).toBe(0);
  });

  it("404 counts as deleted", async () => {
    const context = await setup();
    const { id, outs } = await created(context);
    context.fake.grants.delete(id);
    await expect(context.provider.delete!(id, outs)).resolves.toBeUndefined();
  });

  it("works with a state that has only an id", async () => {
    const context = await setup();
    const grant = context.fake.addGrant(ORGANIZATION, [GROUP_A], []);
    await context.provider.delete!(grant.id, {} as AccessGrantOutputs);
    expect(context.fake.grants.size).toBe(0);
  });
});
