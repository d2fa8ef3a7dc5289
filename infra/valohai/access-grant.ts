import * as pulumi from "@pulumi/pulumi";
import { ValohaiApiError } from "./client";
import {
  ACCESS_GRANTS_PATH,
  accessGrantPath,
  accessGrantRequestBody,
  organizationIdOf,
  type AccessGrantBody,
} from "./contract";
import { isKnown, sameSet, sortedUnique } from "./inputs";
import { ProviderState } from "./provider-settings";

/*
 * Dynamic provider for Valohai access grants. Lifecycle methods and the calls they make:
 *   check   no HTTP: validates organizationId, principals and teams, tolerating unknown values
 *   diff    no HTTP: compares object IDs and team IDs as sets; a new organization replaces
 *   create  POST /api/v0/access-grants/
 *   read    GET /api/v0/access-grants/{id}/; 404 removes the grant from state
 *   update  PUT /api/v0/access-grants/{id}/ with the full body, skipped when only names changed
 *   delete  DELETE /api/v0/access-grants/{id}/; 404 counts as deleted
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

export function createAccessGrantProvider(): pulumi.dynamic.ResourceProvider<
  AccessGrantInputs,
  AccessGrantOutputs
> {
  const state = new ProviderState();
  return {
    async configure(request) {
      state.configure(request.config);
    },

    async check(_olds, news) {
      return { inputs: news, failures: checkGrantInputs(news) };
    },

    async diff(_id, olds, news) {
      const replaces = olds.organizationId === news.organizationId ? [] : ["organizationId"];
      const changes =
        replaces.length > 0 ||
        !sameRemoteGrant(olds, news) ||
        JSON.stringify(describeLocally(olds)) !== JSON.stringify(describeLocally(news));
      return { changes, replaces, deleteBeforeReplace: false };
    },

    async create(inputs) {
      const body = requestBody(inputs);
      const grant = await state.client().post<AccessGrantBody>(ACCESS_GRANTS_PATH, body);
      return { id: grant.id, outs: { ...inputs, grantId: grant.id } };
    },

    async read(id, props) {
      try {
        const grant = await state.client().get<AccessGrantBody>(accessGrantPath(id));
        const inputs = inputsFromRemote(grant, props ?? ({} as AccessGrantOutputs));
        return { id, props: { ...inputs, grantId: id }, inputs: inputs as AccessGrantOutputs };
      } catch (error) {
        if (error instanceof ValohaiApiError && error.status === 404) {
          return { id: "", props: {} as AccessGrantOutputs };
        }
        throw error;
      }
    },

    async update(id, olds, news) {
      if (!sameRemoteGrant(olds, news)) {
        await state.client().put<AccessGrantBody>(accessGrantPath(id), requestBody(news));
      }
      return { outs: { ...news, grantId: id } };
    },

    async delete(id) {
      try {
        await state.client().delete(accessGrantPath(id));
      } catch (error) {
        if (!(error instanceof ValohaiApiError && error.status === 404)) throw error;
      }
    },
  };
}

function requestBody(inputs: AccessGrantInputs) {
  return accessGrantRequestBody(
    inputs.organizationId,
    sortedUnique(inputs.principals.map((principal) => principal.objectId)),
    sortedUnique(inputs.teams.map((team) => team.teamId)),
  );
}

function sameRemoteGrant(olds: AccessGrantInputs, news: AccessGrantInputs): boolean {
  return (
    sameSet(
      (olds.principals ?? []).map((principal) => principal.objectId),
      news.principals.map((principal) => principal.objectId),
    ) &&
    sameSet(
      (olds.teams ?? []).map((team) => team.teamId),
      news.teams.map((team) => team.teamId),
    )
  );
}

/** What the grant says beyond Valohai's fields, order-free, so a rename shows as a change. */
function describeLocally(inputs: AccessGrantInputs) {
  const principals = (inputs.principals ?? [])
    .map((p) => `${p.objectId}|${p.kind}|${p.name ?? ""}`)
    .sort();
  const teams = (inputs.teams ?? []).map((t) => `${t.teamId}|${t.name}|${t.admin ?? false}`).sort();
  return { principals, teams, grantName: inputs.grantName, exception: inputs.exception };
}

/** Rebuilds inputs from Valohai's copy, keeping names and kinds recorded for known IDs. */
function inputsFromRemote(grant: AccessGrantBody, recorded: AccessGrantOutputs): AccessGrantInputs {
  const principalsById = new Map((recorded.principals ?? []).map((p) => [p.objectId, p]));
  const teamsById = new Map((recorded.teams ?? []).map((t) => [t.teamId, t]));
  return {
    ...recorded,
    organizationId: organizationIdOf(grant),
    principals: grant.grant_ids.map(
      (objectId) => principalsById.get(objectId) ?? { objectId, kind: "group" },
    ),
    teams: grant.teams.map((teamId) => teamsById.get(teamId) ?? { teamId, name: teamId }),
  };
}

function checkGrantInputs(news: AccessGrantInputs): pulumi.dynamic.CheckFailure[] {
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
  if (
    isKnown(news.principals) &&
    (!Array.isArray(news.principals) || news.principals.length === 0)
  ) {
    failures.push({
      property: "principals",
      reason: "principals must list at least one group or user",
    });
  }
  if (isKnown(news.teams) && !Array.isArray(news.teams)) {
    failures.push({ property: "teams", reason: "teams must be a list" });
  }
  return failures;
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
