import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

/** Object ID of the existing group in the grants files below. */
export const EXISTING_GROUP_ID = "b7e4c2d9-1a3f-4c8e-9d2b-6f5a0e3c1b74";
/** Object ID of an existing group that no grant uses. */
export const UNUSED_EXISTING_GROUP_ID = "0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f";
/** Object ID of a user granted individually. */
export const GRANTED_USER_ID = "4f2b8c1e-7d3a-4e59-9b6c-2a1d0e8f7c35";

/**
 * A grants file with a managed and an existing group that grants use, one of each that no grant
 * uses, and a grant that names users individually.
 */
export const GRANTS_WITH_UNUSED_GROUPS = `version: 1
teams:
  - name: data-science
  - name: production
managedGroups:
  - name: Data Scientists
    members: [alice@contoso.com]
  - name: Unused Managed
    members: [bob@contoso.com]
existingGroups:
  - name: ML Production
    objectId: "${EXISTING_GROUP_ID}"
  - name: Unused Existing
    objectId: "${UNUSED_EXISTING_GROUP_ID}"
grants:
  - name: data-scientists
    groups: [Data Scientists]
    teams: [data-science]
  - name: ml-production
    groups: [ML Production, Data Scientists]
    teams: [production]
  - name: contractors
    users: [carol@contoso.com, "${GRANTED_USER_ID}"]
    teams: [data-science]
    exception:
      reason: contractors without a group
      expires: "2099-12-31"
`;

/** Writes a grants file into a new temporary folder and returns its path. */
export function writeGrantsFile(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "valohai-sso-azuread-"));
  const file = path.join(dir, "grants.yaml");
  writeFileSync(file, text);
  return file;
}
