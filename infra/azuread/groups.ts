import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { classifyPrincipal } from "../grants/principals";
import type { GrantsFile } from "../grants/schema";
import type { Assignee } from "./application";

/** A group that grants can name: created here with its members, or referenced by object ID. */
export interface DeclaredGroup {
  name: string;
  managed: boolean;
  objectId: pulumi.Output<string>;
  resource?: azuread.Group;
  /** The directory lookup of a group referenced by object ID, which fails if it does not exist. */
  lookup?: pulumi.Output<azuread.GetGroupResult>;
}

/**
 * Resolves user principal names to object IDs with one directory lookup for the whole file,
 * instead of one per member. Object IDs given directly pass through unchanged.
 */
export function resolveUsers(
  references: readonly string[],
  opts?: pulumi.InvokeOutputOptions,
): (reference: string) => pulumi.Output<string> {
  const names = [
    ...new Set(references.filter((ref) => classifyPrincipal(ref)?.form === "userPrincipalName")),
  ];
  const lookup =
    names.length === 0
      ? undefined
      : azuread.getUsersOutput(
          // Missing users are reported below, each by its principal name, instead of the lookup
          // failing as a whole with the provider's message.
          { userPrincipalNames: names.sort(), ignoreMissing: true },
          opts,
        );
  const byName = lookup?.users.apply(
    (users) => new Map(users.map((user) => [user.userPrincipalName.toLowerCase(), user.objectId])),
  );
  return (reference) => {
    const ref = classifyPrincipal(reference);
    if (ref?.form === "objectId") return pulumi.output(ref.objectId);
    if (!byName) throw new Error(`"${reference}" is not a user principal name or an object ID`);
    return byName.apply((map) => {
      const objectId = map.get(reference.toLowerCase());
      if (!objectId) {
        throw new Error(
          `user "${reference}" was not found in Azure AD. Check the user principal name.`,
        );
      }
      return objectId;
    });
  };
}

/** Creates the managed security groups and returns every group a grant can name. */
export function declareGroups(
  grants: GrantsFile,
  owners: pulumi.Input<pulumi.Input<string>[]>,
  resolveUser: (reference: string) => pulumi.Output<string>,
  groupNamePrefix = "",
): Map<string, DeclaredGroup> {
  const groups = new Map<string, DeclaredGroup>();
  for (const group of grants.managedGroups) {
    const resource = new azuread.Group(group.name, {
      displayName: `${groupNamePrefix}${group.name}`,
      description: group.description,
      securityEnabled: true,
      mailEnabled: false,
      preventDuplicateNames: true,
      owners,
      members: group.members.map(resolveUser),
    });
    groups.set(group.name, {
      name: group.name,
      managed: true,
      objectId: resource.objectId,
      resource,
    });
  }
  for (const group of grants.existingGroups) {
    const objectId = group.objectId.toLowerCase();
    const lookup = azuread.getGroupOutput({ objectId });
    warnUnlessSecurityGroup(group.name, objectId, lookup);
    groups.set(group.name, {
      name: group.name,
      managed: false,
      // The object ID waits for the lookup, so that nothing is assigned or granted to a group
      // the directory does not return.
      objectId: lookup.apply(() => objectId),
      lookup,
    });
  }
  return groups;
}

function warnUnlessSecurityGroup(
  name: string,
  objectId: string,
  lookup: pulumi.Output<azuread.GetGroupResult>,
): void {
  lookup.securityEnabled.apply((securityEnabled) => {
    if (securityEnabled === false) {
      pulumi.log.warn(
        `existing group "${name}" (${objectId}) is not a security group, so tokens may not carry ` +
          "it and its members may match no Valohai grant. Reference a security group instead.",
      );
    }
  });
}

/**
 * Names the assignment of a granted group. An existing group is named by its object ID, so that
 * relabelling it in the grants file keeps the assignment: a new assignment of the same group,
 * made before the old one is deleted, would be rejected by Azure AD. A managed group is named by
 * its name, which is also the name of the group resource itself.
 */
export function groupAssigneeKey(grants: GrantsFile, name: string): string {
  const existing = grants.existingGroups.find((group) => group.name === name);
  return existing ? `group-${existing.objectId.toLowerCase()}` : `group-${name}`;
}

/** Names the assignment of a granted user by its reference, case-insensitively. */
export function userAssigneeKey(reference: string): string {
  return `user-${reference.toLowerCase()}`;
}

/**
 * Lists every group and user that some grant names, once each, in grants file order. Declared
 * groups that no grant uses are left out, so they are not assigned to the application.
 */
export function grantedAssignees(
  grants: GrantsFile,
  groups: Map<string, DeclaredGroup>,
  resolveUser: (reference: string) => pulumi.Output<string>,
): Assignee[] {
  const assignees = new Map<string, Assignee>();
  const add = (key: string, assignee: () => Omit<Assignee, "key">) => {
    if (!assignees.has(key)) assignees.set(key, { key, ...assignee() });
  };
  for (const grant of grants.grants) {
    for (const name of grant.groups) {
      const group = groups.get(name) as DeclaredGroup;
      add(groupAssigneeKey(grants, name), () => ({
        objectId: group.objectId,
        dependsOn: group.resource ? [group.resource] : [],
      }));
    }
    // NOTE: a user named by principal name in one grant and by object ID in another gets two
    // keys, and Azure AD rejects the second assignment of the same user.
    for (const reference of grant.users) {
      add(userAssigneeKey(reference), () => ({ objectId: resolveUser(reference), dependsOn: [] }));
    }
  }
  return [...assignees.values()];
}
