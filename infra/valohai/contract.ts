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

/**
 * A team as Valohai returns it; `organization` is an int on create and an object on get. Read
 * the organization with `organizationIdOf`, which also copes with other shapes.
 */
export interface TeamBody {
  id: string;
  name: string;
  url?: string;
  organization?: unknown;
}

/** An access grant as this project assumes Valohai returns it. */
export interface AccessGrantBody {
  id: string;
  organization?: unknown;
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

/**
 * Reads the organization ID of a team or grant: an integer, a string of digits, or an object
 * with either as `id`. Returns undefined for any other shape, such as null or `{ name }`.
 */
export function organizationIdOf(body: unknown): number | undefined {
  if (!body || typeof body !== "object") return undefined;
  const organization = (body as { organization?: unknown }).organization;
  const value =
    organization && typeof organization === "object"
      ? (organization as { id?: unknown }).id
      : organization;
  if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  if (typeof value === "string" && /^[1-9]\d*$/.test(value)) return Number(value);
  return undefined;
}

/** Reads an object's `id` as a string; a number becomes its digits. Undefined when missing. */
export function objectIdOf(body: unknown): string | undefined {
  if (!body || typeof body !== "object" || Array.isArray(body)) return undefined;
  const id = (body as { id?: unknown }).id;
  if (typeof id === "string" && id !== "") return id;
  if (typeof id === "number" && Number.isFinite(id)) return String(id);
  return undefined;
}

/** Reads the remote fields of a grant body; `organizationId` is undefined when it names none. */
export function accessGrantFieldsOf(
  body: AccessGrantBody,
): Omit<AccessGrantFields, "organizationId"> & { organizationId: number | undefined } {
  return {
    organizationId: organizationIdOf(body),
    objectIds: stringList(body.grant_ids),
    teamIds: stringList(body.teams),
  };
}

function stringList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((item) => typeof item === "string" || typeof item === "number").map(String);
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
