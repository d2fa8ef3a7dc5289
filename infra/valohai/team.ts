import * as pulumi from "@pulumi/pulumi";
import { ValohaiApiError } from "./client";
import { organizationIdOf, teamPath, teamRequestBody, TEAMS_PATH, type TeamBody } from "./contract";
import { isKnown } from "./inputs";
import { ProviderState } from "./provider-settings";

/*
 * Dynamic provider for Valohai teams. Lifecycle methods and the calls they make:
 *   check   no HTTP: validates organizationId and name
 *   diff    no HTTP: a new name updates in place, a new organization replaces
 *   create  POST /api/v0/teams/; a taken name adopts the team only when `adopt` is set
 *   read    GET /api/v0/teams/{id}/; 404 removes the team from state
 *   update  PUT /api/v0/teams/{id}/ with the new name
 *   delete  DELETE /api/v0/teams/{id}/; 404 counts as deleted
 */

export interface TeamInputs {
  organizationId: number;
  name: string;
  adopt?: boolean;
}

export interface TeamOutputs extends TeamInputs {
  teamId: string;
  url: string;
}

const REPLACE_KEYS = ["organizationId"] as const;

export function createTeamProvider(): pulumi.dynamic.ResourceProvider<TeamInputs, TeamOutputs> {
  const state = new ProviderState();
  return {
    async configure(request) {
      state.configure(request.config);
    },

    async check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      if (
        isKnown(news.organizationId) &&
        !(Number.isInteger(news.organizationId) && news.organizationId > 0)
      ) {
        failures.push({
          property: "organizationId",
          reason: `organizationId must be a positive integer, got ${JSON.stringify(news.organizationId)}`,
        });
      }
      if (isKnown(news.name) && (typeof news.name !== "string" || news.name.trim() === "")) {
        failures.push({ property: "name", reason: "name must be a non-empty string" });
      }
      return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
      const replaces = REPLACE_KEYS.filter((key) => olds[key] !== news[key]);
      const changed =
        replaces.length > 0 ||
        olds.name !== news.name ||
        Boolean(olds.adopt) !== Boolean(news.adopt);
      return { changes: changed, replaces, deleteBeforeReplace: false };
    },

    async create(inputs) {
      const client = state.client();
      let team: TeamBody;
      try {
        team = await client.post<TeamBody>(
          TEAMS_PATH,
          teamRequestBody(inputs.organizationId, inputs.name),
        );
      } catch (error) {
        if (!(error instanceof ValohaiApiError) || error.status !== 400) throw error;
        const existing = await findTeamByName(inputs.organizationId, inputs.name);
        if (!existing) throw error;
        if (!inputs.adopt) {
          throw new Error(
            `a Valohai team named "${inputs.name}" already exists in organization ${inputs.organizationId}. ` +
              "Set adopt: true on the team in the grants file to manage the existing team, or rename the team.",
          );
        }
        team = existing;
      }
      return { id: team.id, outs: toOutputs(inputs, team) };
    },

    async read(id, props) {
      try {
        const team = await state.client().get<TeamBody>(teamPath(id));
        const inputs: TeamInputs = {
          organizationId: organizationIdOf(team),
          name: team.name,
          adopt: props?.adopt,
        };
        return { id, props: toOutputs(inputs, team), inputs: inputs as TeamOutputs };
      } catch (error) {
        if (error instanceof ValohaiApiError && error.status === 404)
          return { id: "", props: {} as TeamOutputs };
        throw error;
      }
    },

    async update(id, _olds, news) {
      const team = await state.client().put<TeamBody>(teamPath(id), { name: news.name });
      return { outs: toOutputs(news, { ...team, id }) };
    },

    async delete(id) {
      try {
        await state.client().delete(teamPath(id));
      } catch (error) {
        if (!(error instanceof ValohaiApiError && error.status === 404)) throw error;
      }
    },
  };

  async function findTeamByName(
    organizationId: number,
    name: string,
  ): Promise<TeamBody | undefined> {
    const teams = await state.client().list<TeamBody>(TEAMS_PATH, { organization: organizationId });
    return teams.find((team) => team.name === name);
  }
}

function toOutputs(inputs: TeamInputs, team: TeamBody): TeamOutputs {
  return {
    organizationId: inputs.organizationId,
    name: team.name ?? inputs.name,
    ...(inputs.adopt === undefined ? {} : { adopt: inputs.adopt }),
    teamId: team.id,
    url: team.url ?? "",
  };
}

export const teamProvider = createTeamProvider();

export interface TeamArgs {
  organizationId: pulumi.Input<number>;
  name: pulumi.Input<string>;
  adopt?: pulumi.Input<boolean>;
}

/** A Valohai team, created and kept in step through Valohai's REST API. */
export class Team extends pulumi.dynamic.Resource {
  declare readonly organizationId: pulumi.Output<number>;
  declare readonly name: pulumi.Output<string>;
  declare readonly teamId: pulumi.Output<string>;
  declare readonly url: pulumi.Output<string>;

  constructor(name: string, args: TeamArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      teamProvider,
      name,
      { ...args, teamId: undefined, url: undefined },
      opts,
      "valohai",
      "Team",
    );
  }
}
