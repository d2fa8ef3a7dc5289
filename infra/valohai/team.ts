import * as pulumi from "@pulumi/pulumi";
import { ValohaiApiError } from "./errors";
import {
  objectIdOf,
  organizationIdOf,
  organizationQuery,
  teamPath,
  teamRenameBody,
  teamRequestBody,
  TEAMS_PATH,
  type TeamBody,
} from "./contract";
import { checkOrganizationId, containsUnknown, isKnown, withoutUndefined } from "./inputs";
import { ProviderState, type ClientTuning } from "./provider-settings";

/*
 * Dynamic provider for Valohai teams. Lifecycle methods and the calls they make:
 *   check   no HTTP: validates organizationId, name and adopt, tolerating unknown values
 *   diff    no HTTP: a new name updates in place, a new organization replaces (delete first,
 *           because team names are unique within an organization)
 *   create  POST /api/v0/teams/; after a lost response, a response without an ID, or when the
 *           name is taken, GET /api/v0/teams/?organization=<id> finds the team by name
 *   read    GET /api/v0/teams/{id}/; a JSON 404 removes the team from state
 *   update  PUT /api/v0/teams/{id}/ with the new name; no request when only `adopt` changed
 *   delete  DELETE /api/v0/teams/{id}/; a JSON 404 counts as deleted
 * A 404 that is not JSON comes from a proxy or a wrong apiUrl, so it fails instead.
 */

export interface TeamInputs {
  organizationId: number;
  name: string;
  /** Whether to take over a team of this name that already exists in Valohai. */
  adopt?: boolean;
}

export interface TeamOutputs extends TeamInputs {
  teamId: string;
  url: string;
}

export function createTeamProvider(
  tuning: ClientTuning = {},
): pulumi.dynamic.ResourceProvider<TeamInputs, TeamOutputs> {
  const state = new ProviderState(tuning);
  return {
    async configure(request) {
      state.configure(request.config);
    },

    async check(_olds, news) {
      const inputs = withoutUndefined({
        ...news,
        organizationId: news.organizationId ?? state.organizationId(),
      });
      return { inputs, failures: checkTeamInputs(inputs) };
    },

    async diff(_id, olds, news) {
      const replaces =
        containsUnknown(news.organizationId) || olds.organizationId !== news.organizationId
          ? ["organizationId"]
          : [];
      const changes =
        replaces.length > 0 ||
        containsUnknown(news.name) ||
        olds.name !== news.name ||
        Boolean(olds.adopt) !== Boolean(news.adopt);
      return { changes, replaces, deleteBeforeReplace: true };
    },

    async create(inputs) {
      const client = state.client();
      const findByName = () => findTeamByName(inputs.organizationId, inputs.name);
      let team: TeamBody;
      try {
        // NOTE: after a create whose response was lost, a team found by name counts as the one
        // this create made. A team that someone else created with that name at the same moment
        // would be taken over; Valohai's team fields offer no marker to tell the two apart.
        const body = teamRequestBody(inputs.organizationId, inputs.name);
        team = await client.createOnce<TeamBody>(TEAMS_PATH, body, findByName);
      } catch (error) {
        if (!(error instanceof ValohaiApiError) || error.status !== 400) throw error;
        const existing = await findByName();
        if (!existing) throw error;
        if (!inputs.adopt) throw teamExistsError(inputs, existing);
        team = existing;
      }
      const id = objectIdOf(team);
      if (id === undefined) {
        throw new Error(
          `the Valohai team "${inputs.name}" in organization ${inputs.organizationId} came back ` +
            "without an ID, so this stack cannot manage it.",
        );
      }
      return { id, outs: teamOutputs(inputs, { ...team, id }) };
    },

    async read(id, props) {
      let team: TeamBody;
      try {
        team = await state.client().get<TeamBody>(teamPath(id));
      } catch (error) {
        if (error instanceof ValohaiApiError && error.notFound) {
          return { id: "", props: {} as TeamOutputs };
        }
        throw error;
      }
      if (!team || typeof team !== "object" || Array.isArray(team)) {
        const url = `${state.client().baseUrl}${teamPath(id)}`;
        throw new Error(`GET ${url} returned no team object; check valohai-sso:apiUrl.`);
      }
      // NOTE: an organization this code cannot read keeps the recorded one, because a missing
      // organizationId would make the next diff replace the team.
      const inputs: TeamInputs = withoutUndefined({
        organizationId: (organizationIdOf(team) ?? props?.organizationId) as number,
        name: typeof team?.name === "string" ? team.name : (props?.name as string),
        adopt: props?.adopt,
      });
      const outputs = teamOutputs(inputs, { ...team, id });
      return { id, props: outputs, inputs: inputs as TeamOutputs };
    },

    async update(id, olds, news) {
      let team: Partial<TeamBody> = { id, url: olds.url };
      if (olds.name !== news.name) {
        team = await state.client().put<TeamBody>(teamPath(id), teamRenameBody(news.name));
      }
      return { outs: teamOutputs(news, { ...team, id }) };
    },

    async delete(id) {
      try {
        await state.client().delete(teamPath(id));
      } catch (error) {
        if (!(error instanceof ValohaiApiError && error.notFound)) throw error;
      }
    },
  };

  async function findTeamByName(
    organizationId: number,
    name: string,
  ): Promise<TeamBody | undefined> {
    const teams = await state
      .client()
      .list<TeamBody>(TEAMS_PATH, organizationQuery(organizationId));
    // The `organization` filter of the listing is assumed, so items of other organizations are
    // dropped here; an item that names no organization is kept.
    const matches = teams.filter((team) => {
      const teamOrganization = organizationIdOf(team);
      const sameOrganization =
        teamOrganization === undefined || teamOrganization === organizationId;
      return sameOrganization && team?.name === name;
    });
    if (matches.length > 1) {
      const ids = matches.map((team) => objectIdOf(team) ?? "(no ID)").join(", ");
      throw new Error(
        `found ${matches.length} Valohai teams named "${name}" in organization ` +
          `${organizationId} (team IDs ${ids}), so this stack cannot tell which one is its ` +
          "team. Delete or rename the extra teams in Valohai, then run again.",
      );
    }
    return matches[0];
  }
}

function checkTeamInputs(inputs: TeamInputs): pulumi.dynamic.CheckFailure[] {
  const failures = checkOrganizationId(inputs.organizationId);
  if (inputs.organizationId === undefined) {
    failures.push({
      property: "organizationId",
      reason:
        "organizationId is missing: pass it to the team, or set valohai-sso:organizationId " +
        "or VALOHAI_ORGANIZATION_ID for the provider.",
    });
  }
  if (isKnown(inputs.name) && (typeof inputs.name !== "string" || inputs.name.trim() === "")) {
    failures.push({
      property: "name",
      reason: `name must be a non-empty string, got ${JSON.stringify(inputs.name)}`,
    });
  }
  if (inputs.name === undefined) {
    failures.push({ property: "name", reason: "name is missing: every team needs a name" });
  }
  if (isKnown(inputs.adopt) && typeof inputs.adopt !== "boolean") {
    failures.push({
      property: "adopt",
      reason: `adopt must be true or false, got ${JSON.stringify(inputs.adopt)}`,
    });
  }
  return failures;
}

function teamExistsError(inputs: TeamInputs, existing: TeamBody): Error {
  return new Error(
    `a Valohai team named "${inputs.name}" already exists in organization ` +
      `${inputs.organizationId} (team ID ${existing.id}), and this stack does not manage it. ` +
      `Set "adopt: true" on team "${inputs.name}" in the grants file to manage the existing ` +
      "team from this stack, or rename the team in the grants file to create a new one.",
  );
}

/** Builds the outputs from every input, so that `diff` can compare old outputs with new inputs. */
function teamOutputs(inputs: TeamInputs, team: Partial<TeamBody> & { id: string }): TeamOutputs {
  return withoutUndefined({
    organizationId: inputs.organizationId,
    name: inputs.name,
    adopt: inputs.adopt,
    teamId: team.id,
    url: typeof team.url === "string" ? team.url : "",
  });
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
  declare readonly adopt: pulumi.Output<boolean | undefined>;
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
