import * as pulumi from "@pulumi/pulumi";
import type { AccessGrantArgs } from "./access-grant";

/** Type token of a grant entered by hand; the policy pack matches it like an access grant. */
export const MANUAL_ACCESS_GRANT_TYPE = "valohai-sso:valohai:ManualAccessGrant";

/**
 * An access grant that an organization admin enters in Valohai's web app, for stacks whose
 * `valohai-sso:accessGrantsMode` is `manual`. It calls no API. It registers the same inputs as an
 * AccessGrant, so the policies check a grant whichever way it reaches Valohai.
 */
export class ManualAccessGrant extends pulumi.ComponentResource {
  constructor(name: string, args: AccessGrantArgs, opts?: pulumi.ComponentResourceOptions) {
    super(MANUAL_ACCESS_GRANT_TYPE, name, args, opts);
    this.registerOutputs(args);
  }
}
