import * as pulumi from "@pulumi/pulumi";

/** One access grant as an admin enters it in Valohai's web app. */
export interface ChecklistGrant {
  name: string;
  principals: { objectId: pulumi.Input<string>; kind: "group" | "user"; name?: string }[];
  teams: string[];
}

/**
 * Renders the access grants as a checklist for an organization admin, for stacks whose
 * `valohai-sso:accessGrantsMode` is `manual` because the grants cannot be pushed through the API.
 */
export function accessGrantChecklist(
  organizationId: number,
  grants: ChecklistGrant[],
): pulumi.Output<string> {
  const sections = grants.map((grant, index) =>
    pulumi.all(grant.principals.map((principal) => principal.objectId)).apply((objectIds) => {
      const principals = grant.principals.map((principal, i) => {
        const label = principal.name
          ? ` (${principal.kind} "${principal.name}")`
          : ` (${principal.kind})`;
        return `     [ ] ${objectIds[i]}${label}`;
      });
      const teams = grant.teams.length > 0 ? grant.teams.join(", ") : "(none)";
      return [
        `${index + 1}. ${grant.name}`,
        "   Azure AD object IDs:",
        ...principals,
        `   Teams: ${teams}`,
      ].join("\n");
    }),
  );
  return pulumi
    .all(sections)
    .apply((rendered) =>
      [
        `Access grants for Valohai organization ${organizationId}. Enter each one in Valohai's web app`,
        "(organization settings, Manage access grants): add the object IDs, then select the teams.",
        "",
        ...rendered,
        "",
      ].join("\n"),
    );
}
