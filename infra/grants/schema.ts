import { z } from "zod";

/**
 * The grants file format. Every object is strict, so a misspelled key is an error instead of a
 * setting that silently vanishes, and nothing is coerced: a value YAML reads as a number or a
 * boolean where a string belongs is rejected, not converted.
 */

export const GRANTS_FILE_VERSION = 1;

const name = z
  .string({ error: "must be a string" })
  .trim()
  .min(1, { error: "must not be empty" })
  .max(256, { error: "must be at most 256 characters" });

const description = z.string({ error: "must be a string" }).max(1024).optional();

/** An Azure AD object ID or user principal name; `classifyPrincipal` tells which. */
const principalRef = z.string({ error: "must be a string: an object ID or name@domain" });

export const teamSchema = z
  .strictObject({
    /** Team name in Valohai, unique within the organization. */
    name,
    /** Marks a team that confers admin rights, which policies grant only sparingly. */
    admin: z.boolean({ error: "must be true or false" }).optional(),
    /** Take over a team that already exists in Valohai under this name instead of failing. */
    adopt: z.boolean({ error: "must be true or false" }).optional(),
    description,
  })
  .describe("A Valohai team that grants add users to on sign-in.");

export const managedGroupSchema = z
  .strictObject({
    /** Display name of the security group this project creates in Azure AD. */
    name,
    description,
    /** Members as user principal names (name@domain) or object IDs; this list is authoritative. */
    members: z.array(principalRef).default([]),
  })
  .describe("A security group this project creates in Azure AD and whose members it manages.");

export const existingGroupSchema = z
  .strictObject({
    /** Name used by grants in this file; need not match the group's display name. */
    name,
    /** Object ID of the group in Azure AD. */
    objectId: z.string({ error: "must be a string: quote the object ID" }),
    description,
  })
  .describe(
    "A group managed outside this project, referenced by object ID; its members are not managed here.",
  );

export const exceptionSchema = z
  .strictObject({
    /** Why this grant names individual users instead of groups. */
    reason: name,
    /** Last day (YYYY-MM-DD, UTC) on which the exception applies. */
    expires: z
      .string({ error: 'must be a date string such as "2027-03-31"' })
      .regex(/^\d{4}-\d{2}-\d{2}$/, {
        error: 'must be a date in the form YYYY-MM-DD, such as "2027-03-31"',
      }),
  })
  .describe("A time-boxed exception that lets a grant name individual users until it expires.");

export const grantSchema = z
  .strictObject({
    /** Name of the grant in this project; Valohai's grants carry no name. */
    name,
    description,
    /** Names of groups declared under managedGroups or existingGroups. */
    groups: z.array(name).default([]),
    /** Individual users by object ID or user principal name; policies reject these by default. */
    users: z.array(principalRef).default([]),
    /** Names of teams declared under teams. */
    teams: z.array(name).default([]),
    exception: exceptionSchema.optional(),
  })
  .describe(
    "An access grant: members of its groups, and its users, may sign in and join its teams.",
  );

export const grantsFileSchema = z
  .strictObject({
    /** Format version of this file. */
    version: z.literal(GRANTS_FILE_VERSION, { error: `must be ${GRANTS_FILE_VERSION}` }),
    /** Set to true to apply a file with no grants, which removes every grant in Valohai. */
    allowEmptyGrants: z.boolean({ error: "must be true or false" }).default(false),
    teams: z.array(teamSchema).default([]),
    managedGroups: z.array(managedGroupSchema).default([]),
    existingGroups: z.array(existingGroupSchema).default([]),
    grants: z.array(grantSchema).default([]),
  })
  .describe("Valohai access grants and the Azure AD groups and Valohai teams they use.");

export type Team = z.infer<typeof teamSchema>;
export type ManagedGroup = z.infer<typeof managedGroupSchema>;
export type ExistingGroup = z.infer<typeof existingGroupSchema>;
export type GrantException = z.infer<typeof exceptionSchema>;
export type Grant = z.infer<typeof grantSchema>;
export type GrantsFile = z.infer<typeof grantsFileSchema>;
