import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";

export interface ValohaiApplicationArgs {
  displayName: string;
  /** The one web redirect URI, Valohai's Azure AD callback. */
  redirectUri: string;
  /** Object IDs of the application's owners; the deploying principal is one of them. */
  owners: pulumi.Input<pulumi.Input<string>[]>;
}

/** The Azure AD app registration Valohai signs users in with, and its service principal. */
export class ValohaiApplication extends pulumi.ComponentResource {
  readonly application: azuread.Application;
  readonly servicePrincipal: azuread.ServicePrincipal;
  readonly clientId: pulumi.Output<string>;

  constructor(name: string, args: ValohaiApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("valohai-sso:azuread:ValohaiApplication", name, {}, opts);

    this.application = new azuread.Application(
      name,
      {
        displayName: args.displayName,
        signInAudience: "AzureADMyOrg",
        preventDuplicateNames: true,
        owners: args.owners,
        web: { redirectUris: [args.redirectUri] },
      },
      { parent: this },
    );
    this.servicePrincipal = new azuread.ServicePrincipal(
      name,
      { clientId: this.application.clientId, owners: args.owners },
      { parent: this },
    );
    this.clientId = this.application.clientId;

    this.registerOutputs({ clientId: this.clientId });
  }
}
