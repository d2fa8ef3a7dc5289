import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { classifyPrincipal } from "../grants/principals";
import type { GrantsFile } from "../grants/schema";

/** A group that grants can name: created here with its members, or referenced by object ID. */
export interface DeclaredGroup {
  name: string;
  managed: boolean;
  objectId: pulumi.Output<string>;
  resource?: azuread.Group;
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
      : azuread.getUsersOutput({ userPrincipalNames: names.sort() }, opts);
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
): Map<string, DeclaredGroup> {
  const groups = new Map<string, DeclaredGroup>();
  for (const group of grants.managedGroups) {
    const resource = new azuread.Group(group.name, {
      displayName: group.name,
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
    groups.set(group.name, {
      name: group.name,
      managed: false,
      objectId: pulumi.output(group.objectId.toLowerCase()),
    });
  }
  return groups;
}
