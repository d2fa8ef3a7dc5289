import * as pulumi from "@pulumi/pulumi";

/**
 * An invalid or missing stack setting; the message names the setting and how to fix it. It is a
 * RunError, which `pulumi up` prints without the program's stack trace.
 */
export class StackSettingError extends pulumi.RunError {
  override name = "StackSettingError";
}
