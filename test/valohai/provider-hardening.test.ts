import { describe, expect, it } from "vitest";
import type { AccessGrantOutputs } from "../../infra/valohai/access-grant";
import type { TeamOutputs } from "../../infra/valohai/team";
import type { FakeValohai } from "../fake-valohai/server";
import { configuredProviders, GROUP_A, ORGANIZATION } from "./helpers";
import { useScriptedServer, type ScriptedRequest, type ScriptedResponse } from "./scripted-server";

const startServer = useScriptedServer();

async function providersFor(respond: (request: ScriptedRequest) => ScriptedResponse) {
  const server = await startServer(respond);
  const providers = await configuredProviders({ url: server.url } as FakeValohai);
  return { server, ...providers };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

const htmlNotFound = (): ScriptedResponse => ({
  status: 404,
  contentType: "text/html",
  body: "<html><head><title>404 Not Found</title></head><body>nginx</body></html>",
});

const teamState: TeamOutputs = {
  organizationId: 9,
  name: "ml",
  teamId: "t1",
  url: "",
};

const grantState: AccessGrantOutputs = {
  organizationId: 9,
  principals: [{ objectId: GROUP_A, kind: "group" }],
  teams: [{ teamId: "t1", name: "ml" }],
  grantId: "g1",
};

const listing = (results: unknown[]): ScriptedResponse => ({
  status: 200,
  body: { count: results.length, next: null, results },
});

describe("providers on an HTML 404", () => {
  it("team read fails instead of dropping state", async () => {
    const { teams } = await providersFor(htmlNotFound);
    const error = await rejection(teams.read!("t1", teamState));
    expect(error.message).toContain("valohai-sso:apiUrl");
  });

  it("team delete fails instead of succeeding", async () => {
    const { teams } = await providersFor(htmlNotFound);
    const error = await rejection(teams.delete!("t1", teamState));
    expect(error.message).toContain("URL may be wrong");
  });

  it("grant read fails instead of dropping state", async () => {
    const { grants } = await providersFor(htmlNotFound);
    const error = await rejection(grants.read!("g1", grantState));
    expect(error.message).toContain("valohai-sso:apiUrl");
  });

  it("grant delete fails instead of succeeding", async () => {
    const { grants } = await providersFor(htmlNotFound);
    const error = await rejection(grants.delete!("g1", grantState));
    expect(error.message).toContain("URL may be wrong");
  });
});

describe("providers reading organizations", () => {
  it.each([
    ["null", null, 9],
    ["a string of digits", "7", 7],
    ["an object with a name only", { name: "org" }, 9],
    ["an object with a string id", { id: "7" }, 7],
    ["an object with a number id", { id: 7 }, 7],
  ])("team read with %s", async (_case, organization, expected) => {
    const { teams } = await providersFor(() => ({
      status: 200,
      body: { id: "t1", name: "ml", organization },
    }));
    const result = await teams.read!("t1", teamState);
    expect(result.id).toBe("t1");
    expect(result.props?.organizationId).toBe(expected);
    expect(result.inputs?.organizationId).toBe(expected);
  });

  it("team read without organization keeps the recorded one", async () => {
    const { teams } = await providersFor(() => ({ status: 200, body: { id: "t1", name: "ml" } }));
    const result = await teams.read!("t1", teamState);
    expect(result.inputs?.organizationId).toBe(9);
  });

  it("team read keeps the string id", async () => {
    const { teams } = await providersFor(() => ({
      status: 200,
      body: { id: 1, name: "ml", organization: 9 },
    }));
    const result = await teams.read!("1", { ...teamState, teamId: "1" });
    expect(result.props?.teamId).toBe("1");
  });

  it.each([
    ["team", null],
    ["grant", null],
    ["team", []],
    ["grant", []],
  ])("%s read of %j fails with the URL", async (kind, body) => {
    const { server, teams, grants } = await providersFor(() => ({ status: 200, body }));
    const read = kind === "team" ? teams.read!("t1", teamState) : grants.read!("g1", grantState);
    const error = await rejection(read);
    expect(error.message).toContain(server.url);
    expect(error.message).toContain("valohai-sso:apiUrl");
  });

  it("grant read with null organization keeps the recorded one", async () => {
    const { grants } = await providersFor(() => ({
      status: 200,
      body: { id: "g1", organization: null, grant_ids: [GROUP_A], teams: ["t1"] },
    }));
    const result = await grants.read!("g1", grantState);
    expect(result.inputs?.organizationId).toBe(9);
    const diff = await grants.diff!("g1", result.props as AccessGrantOutputs, grantState);
    expect(diff.changes).toBe(false);
  });
});

describe("team provider create responses", () => {
  const inputs = { organizationId: ORGANIZATION, name: "ml", adopt: true };

  it("numeric team id is stored as a string", async () => {
    const { teams } = await providersFor(() => ({
      status: 201,
      body: { id: 42, name: "ml", organization: ORGANIZATION },
    }));
    const result = await teams.create!(inputs);
    expect(result.id).toBe("42");
    expect((result.outs as TeamOutputs).teamId).toBe("42");
  });

  it("adopt skips a same-named team of another organization", async () => {
    const { teams } = await providersFor((request) =>
      request.method === "POST"
        ? { status: 400, body: { name: ["Team with this name already exists."] } }
        : listing([
            { id: "other", name: "ml", organization: ORGANIZATION + 1 },
            { id: "mine", name: "ml", organization: { id: ORGANIZATION } },
          ]),
    );
    const result = await teams.create!(inputs);
    expect(result.id).toBe("mine");
  });

  it("two same-named teams fail with both IDs", async () => {
    const { teams } = await providersFor((request) =>
      request.method === "POST"
        ? { status: 400, body: { name: ["Team with this name already exists."] } }
        : listing([
            { id: "first", name: "ml", organization: ORGANIZATION },
            { id: "second", name: "ml", organization: ORGANIZATION },
          ]),
    );
    const error = await rejection(teams.create!(inputs));
    expect(error.message).toContain('found 2 Valohai teams named "ml"');
    expect(error.message).toContain("first, second");
  });
});

describe("access grant provider lookups", () => {
  const inputs = {
    organizationId: ORGANIZATION,
    principals: [{ objectId: GROUP_A, kind: "group" as const }],
    teams: [{ teamId: "t1", name: "ml" }],
  };
  const grant = (id: string, organization: number) => ({
    id,
    organization,
    grant_ids: [GROUP_A],
    teams: ["t1"],
  });

  it("lookup skips a grant of another organization", async () => {
    const { grants } = await providersFor((request) =>
      request.method === "POST"
        ? { status: 500, body: { error: "Internal server error" } }
        : listing([grant("other", ORGANIZATION + 1), grant("mine", ORGANIZATION)]),
    );
    const result = await grants.create!(inputs);
    expect(result.id).toBe("mine");
  });

  it("two matching grants fail with both IDs", async () => {
    const { grants } = await providersFor((request) =>
      request.method === "POST"
        ? { status: 500, body: { error: "Internal server error" } }
        : listing([grant("first", ORGANIZATION), grant("second", ORGANIZATION)]),
    );
    const error = await rejection(grants.create!(inputs));
    expect(error.message).toContain("found 2 Valohai access grants");
    expect(error.message).toContain("may have gone through");
  });
});

describe("access grant provider null entries", () => {
  it("check reports a null principal and team", async () => {
    const { grants } = await providersFor(listing.bind(null, []));
    const result = await grants.check!({} as never, {
      organizationId: ORGANIZATION,
      principals: [null as never],
      teams: [null as never],
    });
    expect(result.failures?.map((failure) => failure.property)).toEqual([
      "principals[0]",
      "teams[0]",
    ]);
  });

  it("diff with null entries reports a change", async () => {
    const { grants } = await providersFor(listing.bind(null, []));
    const news = { ...grantState, principals: [null as never], teams: [null as never] };
    const result = await grants.diff!("g1", grantState, news);
    expect(result.changes).toBe(true);
  });
});
