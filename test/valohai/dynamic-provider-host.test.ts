import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UNKNOWN } from "../../infra/valohai/inputs";
import { startFakeValohai, type FakeValohai } from "../fake-valohai/server";
import { GROUP_A, GROUP_B, ORGANIZATION } from "./helpers";
import {
  compileProviders,
  ProviderHost,
  secret,
  serializeProviders,
  type Props,
} from "./provider-host";

// A token that must show up nowhere but in the Authorization header the fake server receives.
const CANARY = "canary-token-5d0c8e1f9a";
const TEAM_URN = "urn:pulumi:dev::valohai-sso::pulumi-nodejs:dynamic/valohai:Team::ml";
const GRANT_URN = "urn:pulumi:dev::valohai-sso::pulumi-nodejs:dynamic/valohai:AccessGrant::ds";

let outDir: string;
let serialized: ReturnType<typeof serializeProviders>;
let fake: FakeValohai;
let host: ProviderHost;
const seen: string[] = [];

/** Records a value that the host returned, for the final canary check. */
function record<T>(value: T): T {
  seen.push(JSON.stringify(value));
  return value;
}

async function errorOf(promise: Promise<unknown>): Promise<string> {
  const error = (await promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (reason: unknown) => reason,
  )) as { message: string; details?: string };
  return record(`${error.message} ${error.details ?? ""}`);
}

beforeAll(async () => {
  outDir = compileProviders();
  // The token sits in the serializing process's environment, as it may when `pulumi up` runs.
  serialized = serializeProviders(outDir, { VALOHAI_API_TOKEN: CANARY });
  fake = await startFakeValohai({ token: CANARY });
  host = await ProviderHost.start();
  await host.configure({
    "valohai-sso:apiUrl": fake.url,
    "valohai-sso:apiToken": secret(CANARY),
    "valohai-sso:organizationId": String(ORGANIZATION),
  });
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await fake?.stop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe("providers in Pulumi's dynamic-provider host", () => {
  const teamProps = () => ({
    organizationId: ORGANIZATION,
    name: "ml",
    __provider: serialized.teamProvider,
  });
  const team: { id: string; outs: Props } = { id: "", outs: {} };
  const grant: { id: string; outs: Props; inputs: Props } = { id: "", outs: {}, inputs: {} };

  it("serialized providers contain no token", () => {
    expect(serialized.containsSecrets).toBe(false);
    expect(serialized.teamProvider).not.toContain(CANARY);
    expect(serialized.accessGrantProvider).not.toContain(CANARY);
    expect(serialized.teamProvider).toContain("exports.handler");
  });

  it("rotating the token changes no serialized provider", () => {
    const rotated = serializeProviders(outDir, { VALOHAI_API_TOKEN: "rotated-token" });
    expect(rotated.teamProvider).toBe(serialized.teamProvider);
    expect(rotated.accessGrantProvider).toBe(serialized.accessGrantProvider);
  });

  it("team check accepts inputs and unknowns", async () => {
    const checked = record(await host.check(TEAM_URN, {}, teamProps()));
    expect(checked.failures).toEqual([]);
    expect(checked.inputs.name).toBe("ml");
    const preview = record(await host.check(TEAM_URN, {}, { ...teamProps(), name: UNKNOWN }));
    expect(preview.failures).toEqual([]);
  });

  it("team check reports bad inputs", async () => {
    const checked = record(await host.check(TEAM_URN, {}, { ...teamProps(), name: "" }));
    expect(checked.failures.map((failure: { property: string }) => failure.property)).toEqual([
      "name",
    ]);
  });

  it("team create, read and diff", async () => {
    const created = record(await host.create(TEAM_URN, teamProps()));
    team.id = created.id;
    team.outs = created.properties;
    expect(fake.teams.get(team.id)?.name).toBe("ml");
    expect(team.outs.teamId).toBe(team.id);
    expect(team.outs.__provider).toBe(serialized.teamProvider);

    const read = record(await host.read(TEAM_URN, team.id, team.outs, teamProps()));
    expect(read.id).toBe(team.id);
    expect(read.inputs).toMatchObject({ organizationId: ORGANIZATION, name: "ml" });

    const before = fake.log.length;
    const unchanged = record(await host.diff(TEAM_URN, team.id, team.outs, teamProps()));
    expect(unchanged.unchanged).toBe(true);
    expect(fake.log.length).toBe(before);
    const renamed = record(
      await host.diff(TEAM_URN, team.id, team.outs, { ...teamProps(), name: "ml-2" }),
    );
    expect(renamed.changes).toBe(true);
    expect(renamed.replaces).toEqual([]);
    const moved = record(
      await host.diff(TEAM_URN, team.id, team.outs, { ...teamProps(), organizationId: 99 }),
    );
    expect(moved.replaces).toEqual(["organizationId"]);
    expect(moved.deleteBeforeReplace).toBe(true);
  });

  it("grant check, create, read and diff", async () => {
    grant.inputs = {
      organizationId: ORGANIZATION,
      principals: [
        { objectId: GROUP_A, kind: "group", name: "Data Science" },
        { objectId: GROUP_B, kind: "group" },
      ],
      teams: [{ teamId: team.id, name: "ml", admin: false }],
      grantName: "data-science",
      __provider: serialized.accessGrantProvider,
    };
    const preview = record(
      await host.check(
        GRANT_URN,
        {},
        {
          ...grant.inputs,
          teams: [{ teamId: UNKNOWN, name: "ml" }],
        },
      ),
    );
    expect(preview.failures).toEqual([]);
    const checked = record(await host.check(GRANT_URN, {}, grant.inputs));
    expect(checked.failures).toEqual([]);

    const created = record(await host.create(GRANT_URN, checked.inputs));
    grant.id = created.id;
    grant.outs = created.properties;
    expect(fake.grants.get(grant.id)?.teams).toEqual([team.id]);
    expect(grant.outs.grantId).toBe(grant.id);

    const read = record(await host.read(GRANT_URN, grant.id, grant.outs, grant.inputs));
    expect(read.id).toBe(grant.id);
    expect(read.inputs?.principals).toEqual(grant.inputs.principals);

    const reordered = {
      ...grant.inputs,
      principals: [...(grant.inputs.principals as unknown[])].reverse(),
    };
    const diff = record(await host.diff(GRANT_URN, grant.id, grant.outs, reordered));
    expect(diff.unchanged).toBe(true);
  });

  it("new provider code alone is no change", async () => {
    const olds = { ...grant.outs, __provider: "exports.handler = () => ({});" };
    const diff = record(await host.diff(GRANT_URN, grant.id, olds, grant.inputs));
    expect(diff.unchanged).toBe(true);
    const updated = record(await host.update(GRANT_URN, grant.id, olds, grant.inputs));
    expect(updated.properties).toMatchObject({ grantId: grant.id, grantName: "data-science" });
    expect(updated.properties.__provider).toBe(serialized.accessGrantProvider);
  });

  it("update of both resources", async () => {
    const renamed = record(
      await host.update(TEAM_URN, team.id, team.outs, { ...teamProps(), name: "ml-2" }),
    );
    expect(renamed.properties).toMatchObject({ name: "ml-2", teamId: team.id });
    expect(fake.teams.get(team.id)?.name).toBe("ml-2");

    const news = { ...grant.inputs, principals: [{ objectId: GROUP_A, kind: "group" }] };
    const updated = record(await host.update(GRANT_URN, grant.id, grant.outs, news));
    expect(updated.properties).toMatchObject({ grantId: grant.id, grantName: "data-science" });
    expect(fake.grants.get(grant.id)?.grant_ids).toEqual([GROUP_A]);
    grant.outs = updated.properties;
  });

  it("taken team name without adopt fails with guidance", async () => {
    fake.addTeam(ORGANIZATION, "taken");
    const message = await errorOf(host.create(TEAM_URN, { ...teamProps(), name: "taken" }));
    expect(message).toContain('Set "adopt: true" on team "taken"');
  });

  it("delete, then read removes from state", async () => {
    await host.delete(GRANT_URN, grant.id, grant.outs);
    await host.delete(TEAM_URN, team.id, team.outs);
    expect(fake.grants.size).toBe(0);
    expect([...fake.teams.values()].map((item) => item.name)).toEqual(["taken"]);
    const deleted = record(await host.read(TEAM_URN, team.id, team.outs, teamProps()));
    expect(deleted.id).toBe("");
    await host.delete(TEAM_URN, team.id, team.outs);
  });

  it("rejected token fails without showing it", async () => {
    fake.token = "rotated-token";
    const message = await errorOf(host.create(TEAM_URN, { ...teamProps(), name: "new" }));
    expect(message).toContain("Valohai rejected the API token");
    expect(message).toContain("the stack setting valohai-sso:apiToken");
    const readMessage = await errorOf(host.read(TEAM_URN, "some-id", team.outs, teamProps()));
    expect(readMessage).toContain("HTTP 401");
  });

  it("canary appears nowhere but in requests", () => {
    expect(seen.length).toBeGreaterThan(10);
    for (const value of seen) expect(value).not.toContain(CANARY);
    expect(host.output).not.toContain(CANARY);
    expect(fake.log.some((entry) => entry.authorization === `Token ${CANARY}`)).toBe(true);
  });
});
