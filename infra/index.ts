import { runSsoProgram } from "./program";

// Pulumi runs this file with the project folder as the working directory.
const outputs = runSsoProgram();

export const clientId = outputs.clientId;
export const tenantId = outputs.tenantId;
export const redirectUri = outputs.redirectUri;
export const supportMessage = outputs.supportMessage;
export const teamIds = outputs.teamIds;
export const grantIds = outputs.grantIds;
export const accessGrantChecklist = outputs.accessGrantChecklist;
