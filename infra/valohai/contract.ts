/**
 * Paths and field names of Valohai's REST API, kept in one module. Teams follow Valohai's public
 * API. Valohai does not publish an access-grant endpoint: the shape below follows Valohai's other
 * collections, so a confirmed or self-hosted variant changes only this file.
 */

export const API_PREFIX = "/api/v0/";

export const TEAMS_PATH = "teams/";

export const teamPath = (teamId: string) => `${TEAMS_PATH}${encodeURIComponent(teamId)}/`;

// NOTE: assumed, not published by Valohai. `GET /api/v0/` with an admin token lists the real
// collections, and `OPTIONS` on one lists its writable fields.
export const ACCESS_GRANTS_PATH = "access-grants/";

export const accessGrantPath = (grantId: string) =>
  `${ACCESS_GRANTS_PATH}${encodeURIComponent(grantId)}/`;

/** Query that narrows a team or access-grant listing to one organization. */
export const organizationQuery = (organizationId: number) => ({ organization: organizationId });

/** A team as Valohai returns it; `organization` is an int on create and an object on get. */
export interface TeamBody {
  id: string;
  name: string;
  url?: string;
  organization: number | { id: number; name?: string; username?: string };
}

/** An access grant as this project assumes Valohai returns it. */
export interface AccessGrantBody {
  id: string;
  organization: number | { id: number };
  grant_ids: string[];
  teams: string[];
  url?: string;
}

/** The remote fields of an access grant, named as this project names them. */
export interface AccessGrantFields {
  organizationId: number;
  objectIds: string[];
  teamIds: string[];
}

export function organizationIdOf(body: { organization: TeamBody["organization"] }): number {
  return typeof body.organization === "number" ? body.organization : body.organization.id;
}

export function accessGrantFieldsOf(body: AccessGrantBody): AccessGrantFields {
  return {
    organizationId: organizationIdOf(body),
    objectIds: body.grant_ids ?? [],
    teamIds: body.teams ?? [],
  };
}

export function accessGrantRequestBody(fields: AccessGrantFields) {
  return {
    organization: fields.organizationId,
    grant_ids: fields.objectIds,
    teams: fields.teamIds,
  };
}

export function teamRequestBody(organizationId: number, name: string) {
  return { name, organization: organizationId };
}

export function teamRenameBody(name: string) {
  return { name };
}
