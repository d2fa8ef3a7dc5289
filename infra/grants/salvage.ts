import type { z } from "zod";
import type { CrossCheckInput } from "./cross-check";
import {
  existingGroupSchema,
  exceptionSchema,
  grantSchema,
  grantsFileSchema,
  managedGroupSchema,
  teamSchema,
} from "./schema";

/**
 * Keeps the fields of a file that the schema rejected which are valid on their own, so the
 * cross-checks can still report problems in them. An absent list becomes empty and an invalid
 * field becomes undefined; list entries keep their positions, so problems point at the right item.
 */
export function salvageGrantsFile(data: unknown): CrossCheckInput {
  const root = asObject(data);
  if (!root) return {};
  return {
    allowEmptyGrants: valid(grantsFileSchema.shape.allowEmptyGrants, root.allowEmptyGrants),
    teams: items(root.teams, (team) => ({ name: valid(teamSchema.shape.name, team.name) })),
    managedGroups: items(root.managedGroups, (group) => ({
      name: valid(managedGroupSchema.shape.name, group.name),
      members: entries(managedGroupSchema.shape.members.unwrap().element, group.members),
    })),
    existingGroups: items(root.existingGroups, (group) => ({
      name: valid(existingGroupSchema.shape.name, group.name),
      objectId: valid(existingGroupSchema.shape.objectId, group.objectId),
    })),
    grants: items(root.grants, (grant) => {
      const shape = grantSchema.shape;
      const exception = asObject(grant.exception);
      return {
        name: valid(shape.name, grant.name),
        groups: entries(shape.groups.unwrap().element, grant.groups),
        users: entries(shape.users.unwrap().element, grant.users),
        teams: entries(shape.teams.unwrap().element, grant.teams),
        exception: exception && {
          expires: valid(exceptionSchema.shape.expires, exception.expires),
        },
      };
    }),
  };
}

function valid<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

function entries(schema: z.ZodType<string>, value: unknown): (string | undefined)[] | undefined {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map((entry) => valid(schema, entry)) : undefined;
}

function items<T>(value: unknown, pick: (item: Record<string, unknown>) => T): T[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  return value.map((item) => pick(asObject(item) ?? {}));
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
