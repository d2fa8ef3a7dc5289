import * as pulumi from "@pulumi/pulumi";
import { ValohaiApiError } from "./errors";
import {
  ACCESS_GRANTS_PATH,
  accessGrantFieldsOf,
  accessGrantPath,
  accessGrantRequestBody,
  objectIdOf,
  organizationQuery,
  type AccessGrantBody,
  type AccessGrantFields,
} from "./contract";
import { checkGrantInputs } from "./access-grant-check";
import { containsUnknown, sameSet, sortedUnique, withoutUndefined } from "./inputs";
import { ProviderState, type ClientTuning } from "./provider-settings";

/*
 * Dynamic provider for Valohai access grants. Lifecycle methods and the calls they make:
 *   check   no HTTP: validates organizationId, principals and teams, tolerating unknown values
 *   diff    no HTTP: compares object IDs and team IDs as sets; a new organization replaces
 *   create  POST /api/v0/access-grants/; after a lost response or a response without an ID,
 *           GET /api/v0/access-grants/?organization=<id> finds the grant by its object and team IDs
 *   read    GET /api/v0/access-grants/{id}/; a JSON 404 removes the grant from state
 *   update  PUT /api/v0/access-grants/{id}/ with the full body; no request when only names,
 *           kinds, admin marks, grantName or exception changed, because Valohai stores none of them
 *   delete  DELETE /api/v0/access-grants/{id}/; a JSON 404 counts as deleted
 * A 404 that is not JSON comes from a proxy or a wrong apiUrl, so it fails instead.
 */

export interface GrantPrincipal {
  objectId: string;
  kind: "group" | "user";
  /** Display name, for reviews and policy messages only; Valohai stores object IDs. */
  name?: string;
}

export interface GrantTeam {
  teamId: string;
  name: string;
  /** Whether the grants file marks the team as conferring admin rights. */
  admin?: boolean;
}

export interface GrantExceptionInput {
  reason: string;
  expires: string;
}

export interface AccessGrantInputs {
  organizationId: number;
  principals: GrantPrincipal[];
  teams: GrantTeam[];
  /** The grant's name in the grants file; Valohai's grants carry no name. */
  grantName?: string;
  /** A time-boxed exception that allows user principals until it expires. */
  exception?: GrantExceptionInput;
}

export interface AccessGrantOutputs extends AccessGrantInputs {
  grantId: string;
}

export function createAccessGrantProvider(
  tuning: ClientTuning = {},
): pulumi.dynamic.ResourceProvider<AccessGrantInputs, AccessGrantOutputs> {
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
      return { inputs, failures: checkGrantInputs(inputs) };
    },

    async diff(_id, olds, news) {
      const replaces =
        containsUnknown(news.organizationId) || olds.organizationId !== news.organizationId
          ? ["organizationId"]
          : [];
      const changes =
        replaces.length > 0 ||
        containsUnknown([news.principals, news.teams, news.grantName, news.exception]) ||
        !sameRemoteFields(olds, news) ||
        JSON.stringify(describeLocally(olds)) !== JSON.stringify(describeLocally(news));
      return { changes, replaces, deleteBeforeReplace: false };
    },

    async create(inputs) {
      const fields = remoteFieldsOf(inputs);
      const grant = await state
        .client()
        .createOnce<AccessGrantBody>(ACCESS_GRANTS_PATH, accessGrantRequestBody(fields), () =>
          findGrant(fields),
        );
      return { id: grant.id, outs: grantOutputs(inputs, grant.id) };
    },

    async read(id, props) {
      let grant: AccessGrantBody;
      try {
        grant = await state.client().get<AccessGrantBody>(accessGrantPath(id));
      } catch (error) {
        if (error instanceof ValohaiApiError && error.notFound) {
          return { id: "", props: {} as AccessGrantOutputs };
        }
        throw error;
      }
      if (!grant || typeof grant !== "object" || Array.isArray(grant)) {
        const url = `${state.client().baseUrl}${accessGrantPath(id)}`;
        throw new Error(`GET ${url} returned no access grant object; check valohai-sso:apiUrl.`);
      }
      const inputs = inputsFromRemote(grant, props ?? ({} as AccessGrantOutputs));
      return { id, props: grantOutputs(inputs, id), inputs: inputs as AccessGrantOutputs };
    },

    async update(id, olds, news) {
      if (!sameRemoteFields(olds, news)) {
        const body = accessGrantRequestBody(remoteFieldsOf(news));
        await state.client().put<AccessGrantBody>(accessGrantPath(id), body);
      }
      return { outs: grantOutputs(news, id) };
    },

    async delete(id) {
      try {
        await state.client().delete(accessGrantPath(id));
      } catch (error) {
        if (!(error instanceof ValohaiApiError && error.notFound)) throw error;
      }
    },
  };

  /** Finds a grant with exactly these object IDs and team IDs, in any order. */
  async function findGrant(fields: AccessGrantFields): Promise<AccessGrantBody | undefined> {
    const grants = await state
      .client()
      .list<AccessGrantBody>(ACCESS_GRANTS_PATH, organizationQuery(fields.organizationId));
    // The `organization` filter of the listing is assumed, so grants of other organizations are
    // dropped here; a grant that names no organization is kept.
    const matches = grants.filter((grant) => {
      const remote = accessGrantFieldsOf(grant);
      return (
        (remote.organizationId === undefined || remote.organizationId === fields.organizationId) &&
        sameSet(remote.objectIds, fields.objectIds) &&
        sameSet(remote.teamIds, fields.teamIds)
      );
    });
    if (matches.length > 1) {
      const ids = matches.map((grant) => objectIdOf(grant) ?? "(no ID)").join(", ");
      throw new Error(
        `found ${matches.length} Valohai access grants in organization ` +
          `${fields.organizationId} with the same object IDs and teams (grant IDs ${ids}), so ` +
          "this stack cannot tell which one it created. Delete the extra grants in Valohai, " +
          "then run again.",
      );
    }
    return matches[0];
  }
}

function remoteFieldsOf(inputs: AccessGrantInputs): AccessGrantFields {
  return {
    organizationId: inputs.organizationId,
    objectIds: sortedUnique(inputs.principals.map((principal) => principal.objectId)),
    teamIds: sortedUnique(inputs.teams.map((team) => team.teamId)),
  };
}

/** Checks whether Valohai's copy would stay the same, also for states without principals or teams. */
function sameRemoteFields(olds: AccessGrantInputs, news: AccessGrantInputs): boolean {
  return sameSet(objectIdsOf(olds), objectIdsOf(news)) && sameSet(teamIdsOf(olds), teamIdsOf(news));
}

// `diff` may see null entries in a list, so these read them as undefined instead of throwing.
const objectIdsOf = (inputs: AccessGrantInputs) =>
  (inputs.principals ?? []).map((principal) => principal?.objectId);
const teamIdsOf = (inputs: AccessGrantInputs) => (inputs.teams ?? []).map((team) => team?.teamId);

/** Lists what the grant records beyond Valohai's fields, sorted, so that a rename is a change. */
function describeLocally(inputs: AccessGrantInputs) {
  const principals = (inputs.principals ?? [])
    .map((principal) => `${principal?.objectId}|${principal?.kind}|${principal?.name ?? ""}`)
    .sort();
  const teams = (inputs.teams ?? [])
    .map((team) => `${team?.teamId}|${team?.name}|${team?.admin ?? false}`)
    .sort();
  return {
    principals,
    teams,
    grantName: inputs.grantName ?? null,
    exception: inputs.exception ?? null,
  };
}

/** Rebuilds inputs from Valohai's copy, keeping names and kinds recorded for known IDs. */
function inputsFromRemote(grant: AccessGrantBody, recorded: AccessGrantOutputs): AccessGrantInputs {
  const remote = accessGrantFieldsOf(grant);
  const principalsById = new Map((recorded.principals ?? []).map((p) => [p.objectId, p]));
  const teamsById = new Map((recorded.teams ?? []).map((t) => [t.teamId, t]));
  return withoutUndefined({
    // An organization this code cannot read keeps the recorded one, so that diff reports no change.
    organizationId: (remote.organizationId ?? recorded.organizationId) as number,
    // NOTE: Valohai stores no kind for an object ID, so one added in Valohai's web app shows as
    // a group until the grants file names it.
    principals: remote.objectIds.map(
      (objectId) => principalsById.get(objectId) ?? { objectId, kind: "group" as const },
    ),
    teams: remote.teamIds.map((teamId) => teamsById.get(teamId) ?? { teamId, name: teamId }),
    grantName: recorded.grantName,
    exception: recorded.exception,
  });
}

/** Builds the outputs from every input, so that `diff` can compare old outputs with new inputs. */
function grantOutputs(inputs: AccessGrantInputs, grantId: string): AccessGrantOutputs {
  return withoutUndefined({
    organizationId: inputs.organizationId,
    principals: inputs.principals.map((principal) => withoutUndefined({ ...principal })),
    teams: inputs.teams.map((team) => withoutUndefined({ ...team })),
    grantName: inputs.grantName,
    exception: inputs.exception,
    grantId,
  });
}

export const accessGrantProvider = createAccessGrantProvider();

type InputsOf<T> = { [K in keyof T]: pulumi.Input<T[K]> };

export interface AccessGrantArgs {
  organizationId: pulumi.Input<number>;
  principals: pulumi.Input<pulumi.Input<InputsOf<GrantPrincipal>>[]>;
  teams: pulumi.Input<pulumi.Input<InputsOf<GrantTeam>>[]>;
  grantName?: pulumi.Input<string>;
  exception?: pulumi.Input<GrantExceptionInput>;
}

/** A Valohai access grant: who may sign in through Azure AD, and the teams they join. */
export class AccessGrant extends pulumi.dynamic.Resource {
  declare readonly organizationId: pulumi.Output<number>;
  declare readonly principals: pulumi.Output<GrantPrincipal[]>;
  declare readonly teams: pulumi.Output<GrantTeam[]>;
  declare readonly grantName: pulumi.Output<string | undefined>;
  declare readonly exception: pulumi.Output<GrantExceptionInput | undefined>;
  declare readonly grantId: pulumi.Output<string>;

  constructor(name: string, args: AccessGrantArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      accessGrantProvider,
      name,
      { ...args, grantId: undefined },
      opts,
      "valohai",
      "AccessGrant",
    );
  }
}
