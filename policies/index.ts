import { PolicyPack } from "@pulumi/policy";
import { toPolicy } from "./pack";
import { RULES } from "./rules";

// Entry point that `pulumi preview --policy-pack policies` runs: it serves every rule as a
// CrossGuard policy over the engine's gRPC analyzer protocol.
new PolicyPack("valohai-sso", {
  description: "Rejects individual-user Valohai grants and Azure AD settings that break sign-in.",
  policies: RULES.map((rule) => toPolicy(rule)),
});
