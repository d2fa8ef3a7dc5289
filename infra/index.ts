import * as pulumi from "@pulumi/pulumi";
import { GrantsFileError } from "./grants/problems";
import { runSsoProgram, type SsoOutputs } from "./program";

// Pulumi runs this file with the project folder as the working directory.
function run(): SsoOutputs {
  try {
    return runSsoProgram();
  } catch (error) {
    // A RunError shows its message without a stack trace, which is all a bad grants file needs.
    if (error instanceof GrantsFileError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

const outputs = run();

export const clientId = outputs.clientId;
export const tenantId = outputs.tenantId;
export const redirectUri = outputs.redirectUri;
export const supportMessage = outputs.supportMessage;
export const teamIds = outputs.teamIds;
export const grantIds = outputs.grantIds;
export const accessGrantChecklist = outputs.accessGrantChecklist;
