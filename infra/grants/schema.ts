import { z } from "zod";

/**
 * The grants file format. Every object is strict, so a misspelled key is an error instead of a
 * setting that silently vanishes, and nothing is coerced: a value YAML reads as a number or a
 * boolean where a string belongs is rejected, not converted. The `.describe()` texts become the
 * descriptions in config/grants.schema.json, which editors show (`npm run schema` regenerates it).
 */

export const GRANTS_FILE_VERSION = 1;

/** Maximum number of characters in a name, which is also a Valohai team or Azure AD group name. */
export const MAX_NAME_LENGTH = 256;
export const MAX_DESCRIPTION_LENGTH = 1024;

const name = z
  .string({ error: "must be a string" })
  .min(1, { error: "must not be empty", abort: true })
  .max(MAX_NAME_LENGTH, { error: `must be at most ${MAX_NAME_LENGTH} characters` })
  // Names are compared exactly with Valohai and Azure AD, so surrounding spaces are rejected
  // instead of trimmed, and a line break cannot hide in one.
  .regex(/^\S(?:.*\S)?$/, {
    error: "must not start or end with whitespace or contain a line break",
  });

const description = z
  .string({ error: "must be a string" })
  .max(MAX_DESCRIPTION_LENGTH, {
    error: `must be at most ${MAX_DESCRIPTION_LENGTH} characters`,
  })
  .optional()
  .describe("Free text for readers of this file.");

const principalRef = z
  .string({ error: "must be a string: a user principal name (name@domain) or an object ID" })
  .describe("A user principal name such as alice@contoso.com, or an Azure AD object ID (GUID).");

const flag = z.boolean({ error: "must be true or false" });

export const teamSchema = z
  .strictObject({
    name: name.describe("Team name in Valohai, unique in this file."),
    admin: flag
      .optional()
      .describe("Marks a team that confers admin rights, which policies grant sparingly."),
    adopt: flag
      .optional()
      .describe("Manage a team that already exists in Valohai under this name instead of failing."),
    description,
  })
  .describe("A Valohai team that grants add users to on sign-in.");

export const managedGroupSchema = z
  .strictObject({
    name: name.describe(
      "Display name of the security group this project creates in Azure AD, unique among all groups.",
    ),
    description: description.describe("Description of the group in Azure AD."),
    members: z
      .array(principalRef, { error: "must be a list of members" })
      .default([])
      .describe(
        "Members by user principal name or object ID. The list is authoritative: a member " +
          "removed here is removed from the group.",
      ),
  })
  .describe("A security group this project creates in Azure AD and whose members it manages.");

export const existingGroupSchema = z
  .strictObject({
    name: name.describe(
      "Name grants use for the group, unique among all groups; need not match its display name.",
    ),
    objectId: z
      .string({ error: "must be a string: quote the object ID" })
      .describe("Object ID (GUID) of the group in Azure AD."),
    description,
  })
  .describe(
    "A group managed outside this project, referenced by object ID; its members are not managed here.",
  );

export const exceptionSchema = z
  .strictObject({
    reason: name.describe("Why this grant names individual users instead of groups."),
    expires: z
      .string({ error: 'must be a date string such as "2027-03-31"' })
      .regex(/^\d{4}-\d{2}-\d{2}$/, {
        error: 'must be a date in the form YYYY-MM-DD, such as "2027-03-31"',
      })
      .describe("Last day (YYYY-MM-DD, UTC) on which the exception applies."),
  })
  .describe("A time-boxed exception that lets a grant name individual users until it expires.");

export const grantSchema = z
  .strictObject({
    name: name.describe("Name of the grant in this file, unique; Valohai's grants carry no name."),
    description,
    groups: z
      .array(name, { error: "must be a list of group names" })
      .default([])
      .describe("Names of groups declared under managedGroups or existingGroups."),
    users: z
      .array(principalRef, { error: "must be a list of users" })
      .default([])
      .describe("Individual users by user principal name or object ID; policies discourage them."),
    teams: z
      .array(name, { error: "must be a list of team names" })
      .default([])
      .describe("Names of teams declared under teams."),
    exception: exceptionSchema.optional(),
  })
  .describe(
    "An access grant: members of its groups, and its users, may sign in and join its teams.",
  );

export const grantsFileSchema = z
  .strictObject({
    version: z
      .literal(GRANTS_FILE_VERSION, {
        error: `must be the number ${GRANTS_FILE_VERSION}, without quotes`,
      })
      .describe("Format version of this file."),
    allowEmptyGrants: flag
      .default(false)
      .describe(
        "Set to true to apply a file with no grants, which removes every access grant in Valohai.",
      ),
    teams: z
      .array(teamSchema, { error: "must be a list of teams" })
      .default([])
      .describe("Valohai teams."),
    managedGroups: z
      .array(managedGroupSchema, { error: "must be a list of groups" })
      .default([])
      .describe("Security groups this project creates in Azure AD, with their members."),
    existingGroups: z
      .array(existingGroupSchema, { error: "must be a list of groups" })
      .default([])
      .describe("Groups managed outside this project, referenced by object ID."),
    grants: z
      .array(grantSchema, { error: "must be a list of grants" })
      .default([])
      .describe("Access grants."),
  })
  .describe("Valohai access grants and the Azure AD groups and Valohai teams they use.");

export type Team = z.infer<typeof teamSchema>;
export type ManagedGroup = z.infer<typeof managedGroupSchema>;
export type ExistingGroup = z.infer<typeof existingGroupSchema>;
export type GrantException = z.infer<typeof exceptionSchema>;
export type Grant = z.infer<typeof grantSchema>;
export type GrantsFile = z.infer<typeof grantsFileSchema>;
