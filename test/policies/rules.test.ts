import * as path from "node:path";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateRules, type EvaluatedResource, type Violation } from "../../policies/evaluate";
import type { Rule } from "../../policies/rule";
import { valohaiCallbackUri } from "../../policies/application-rules";
import { RULES } from "../../policies/rules";
import { redirectUriFor } from "../../infra/settings";
import {
  applicationOf,
  asPreview,
  change,
  check,
  copy,
  FIXTURES,
  grantNamed,
  NOW,
  programResources,
  TYPES,
} from "./helpers";

const CALLBACK = "https://app.valohai.com/accounts/azure/callback/";
const USER_ID = "0c7d9e21-3b4a-4f5e-8d6c-1a2b3c4d5e6f";
const ADVICE =
  "Add the user to a group and grant the group, or give the grant an exception with a reason " +
  "and an expiry date.";

let compliant: EvaluatedResource[];

beforeAll(async () => {
  compliant = await programResources();
});

/** The compliant fixture with one change applied to the named grant. */
function withGrant(name: string, edit: (props: Record<string, any>) => void) {
  const resources = copy(compliant);
  change(grantNamed(resources, name), edit);
  return resources;
}

function withApplication(edit: (props: Record<string, any>) => void) {
  const resources = copy(compliant);
  change(applicationOf(resources), edit);
  return resources;
}

function addUser(props: Record<string, any>, objectId = USER_ID, name = objectId) {
  props.principals.push({ objectId, kind: "user", name });
}

function grantViolation(
  policy: string,
  enforcementLevel: Violation["enforcementLevel"],
  grant: string,
  message: string,
): Violation {
  return { policy, enforcementLevel, message, resource: { type: TYPES.accessGrant, name: grant } };
}

function applicationViolation(
  policy: string,
  enforcementLevel: Violation["enforcementLevel"],
  message: string,
): Violation {
  return {
    policy,
    enforcementLevel,
    message,
    resource: { type: TYPES.application, name: "valohai" },
  };
}

describe("compliant fixture", () => {
  it("has every rule's resource types", () => {
    expect(compliant.some((r) => r.type === TYPES.application)).toBe(true);
    expect(compliant.filter((r) => r.type === TYPES.accessGrant)).toHaveLength(3);
  });

  it("passes every rule", () => {
    expect(check(compliant)).toEqual([]);
  });
});

describe("no-individual-user-grants", () => {
  it("rejects a user principal in a grant", () => {
    const resources = withGrant("data-scientists", (props) => addUser(props));
    expect(check(resources)).toEqual([
      grantViolation(
        "no-individual-user-grants",
        "mandatory",
        "data-scientists",
        `grant "data-scientists" must grant groups, not individual users, but grants user ${USER_ID}. ${ADVICE}`,
      ),
    ]);
  });

  it("rejects Valohai's two executives granted by user ID", async () => {
    const resources = await programResources(path.join(FIXTURES, "user-grant.yaml"));
    const message = (id: string) =>
      `grant "executives" must grant groups, not individual users, but grants user ${id}. ${ADVICE}`;
    expect(check(resources)).toEqual([
      grantViolation("no-individual-user-grants", "mandatory", "executives", message(USER_ID)),
      grantViolation(
        "no-individual-user-grants",
        "mandatory",
        "executives",
        message("9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d"),
      ),
    ]);
  });

  it("names the user when its object ID is unknown", () => {
    const resources = withGrant("ml-research", (props) =>
      addUser(props, unknownValue, "erin.salo@contoso.com"),
    );
    expect(check(resources)).toEqual([
      grantViolation(
        "no-individual-user-grants",
        "mandatory",
        "ml-research",
        'grant "ml-research" must grant groups, not individual users, but grants user ' +
          `erin.salo@contoso.com (object ID not known until deployment). ${ADVICE}`,
      ),
    ]);
  });
});

describe("user grant exceptions", () => {
  const exception = { reason: "Board review until June", expires: "2026-06-15" };
  const underException = () =>
    withGrant("ml-research", (props) => {
      addUser(props, USER_ID, "erin.salo@contoso.com");
      props.exception = exception;
    });

  it("reports a user grant as advisory through the expiry day", () => {
    expect(check(underException(), {}, new Date("2026-06-15T23:59:59Z"))).toEqual([
      grantViolation(
        "user-grant-exceptions",
        "advisory",
        "ml-research",
        `grant "ml-research" grants user ${USER_ID} (erin.salo@contoso.com) individually under ` +
          'an exception until 2026-06-15 ("Board review until June"). After that date the grant ' +
          "is rejected: move the user into a group before then.",
      ),
    ]);
  });

  it("rejects the user grant the day after expiry", () => {
    expect(check(underException(), {}, new Date("2026-06-16T00:00:00Z"))).toEqual([
      grantViolation(
        "no-individual-user-grants",
        "mandatory",
        "ml-research",
        `grant "ml-research" must grant groups, not individual users, but grants user ${USER_ID} ` +
          '(erin.salo@contoso.com). Its exception ("Board review until June") expired on ' +
          "2026-06-15. Grant a group instead, or renew the exception.",
      ),
    ]);
  });

  it("ignores an exception on a grant of groups only", () => {
    const resources = withGrant("ml-research", (props) => {
      props.exception = exception;
    });
    expect(check(resources)).toEqual([]);
  });
});

describe("grant-has-teams", () => {
  it("rejects a grant with no teams", () => {
    const resources = withGrant("ml-production", (props) => {
      props.teams = [];
    });
    expect(check(resources)).toEqual([
      grantViolation(
        "grant-has-teams",
        "mandatory",
        "ml-production",
        'grant "ml-production" must list at least one team: without teams its members sign in ' +
          "to Valohai without access to any team. Add teams to the grant.",
      ),
    ]);
  });
});

describe("limit-admin-grants", () => {
  const markAdmin = (props: Record<string, any>) => {
    props.teams[0].admin = true;
  };

  it("allows one admin grant to groups", () => {
    expect(check(withGrant("ml-production", markAdmin))).toEqual([]);
  });

  it("rejects a second admin grant", () => {
    const resources = withGrant("ml-production", markAdmin);
    change(grantNamed(resources, "ml-research"), markAdmin);
    expect(check(resources)).toEqual([
      {
        policy: "limit-admin-grants",
        enforcementLevel: "mandatory",
        message:
          'at most 1 access grant may give admin teams, but 2 do: "ml-production" (production), ' +
          '"ml-research" (research). Give admin rights through fewer grants, or raise ' +
          "maxAdminGrants in the policy pack config.",
      },
    ]);
  });

  it("allows two admin grants when the config raises the maximum", () => {
    const resources = withGrant("ml-production", markAdmin);
    change(grantNamed(resources, "ml-research"), markAdmin);
    expect(check(resources, { "limit-admin-grants": { maxAdminGrants: 2 } })).toEqual([]);
  });

  it("rejects an admin team granted to a user", () => {
    const resources = withGrant("ml-production", (props) => {
      markAdmin(props);
      addUser(props);
      props.exception = { reason: "On-call cover", expires: "2026-12-31" };
    });
    const violations = check(resources);
    expect(violations.map((v) => [v.policy, v.enforcementLevel])).toEqual([
      ["user-grant-exceptions", "advisory"],
      ["limit-admin-grants", "mandatory"],
    ]);
    expect(violations[1]).toEqual(
      grantViolation(
        "limit-admin-grants",
        "mandatory",
        "ml-production",
        `grant "ml-production" gives the admin team "production" to user ${USER_ID}, but admin ` +
          "teams may be granted only to groups. Grant the admin team to a group instead.",
      ),
    );
  });
});

describe("redirect-uri-exact", () => {
  it("rejects an extra redirect URI", () => {
    const resources = withApplication((props) => {
      props.web.redirectUris.push("https://valohai.example.com/callback");
    });
    expect(check(resources)).toEqual([
      applicationViolation(
        "redirect-uri-exact",
        "mandatory",
        `application "Valohai" must have exactly one web redirect URI, ${CALLBACK}, but also has ` +
          "https://valohai.example.com/callback. Remove it.",
      ),
    ]);
  });

  it("rejects the callback without its trailing slash", () => {
    const resources = withApplication((props) => {
      props.web.redirectUris = [CALLBACK.slice(0, -1)];
    });
    expect(check(resources)).toEqual([
      applicationViolation(
        "redirect-uri-exact",
        "mandatory",
        `application "Valohai" must have the web redirect URI ${CALLBACK}, Valohai's callback for ` +
          "Azure AD sign-in, but does not: sign-in fails with a redirect URI mismatch.",
      ),
      applicationViolation(
        "redirect-uri-exact",
        "mandatory",
        `application "Valohai" must have exactly one web redirect URI, ${CALLBACK}, but also has ` +
          `${CALLBACK.slice(0, -1)}. Remove it. Sign-in compares the URI exactly, case and ` +
          "trailing slash included.",
      ),
    ]);
  });

  it("checks against the configured Valohai URL", () => {
    const config = { "redirect-uri-exact": { valohaiUrl: "https://valohai.contoso.com" } };
    expect(check(compliant, config).map((v) => v.message)).toEqual([
      'application "Valohai" must have the web redirect URI ' +
        "https://valohai.contoso.com/accounts/azure/callback/, Valohai's callback for Azure AD " +
        "sign-in, but does not: sign-in fails with a redirect URI mismatch.",
      'application "Valohai" must have exactly one web redirect URI, ' +
        `https://valohai.contoso.com/accounts/azure/callback/, but also has ${CALLBACK}. Remove it.`,
    ]);
  });

  it("rejects a Valohai URL that is not https", () => {
    const config = { "redirect-uri-exact": { valohaiUrl: "http://valohai.contoso.com" } };
    expect(check(compliant, config).map((v) => v.message)).toEqual([
      'the policy setting valohaiUrl "http://valohai.contoso.com" must be an https URL with ' +
        'scheme and host only, such as https://app.valohai.com, so application "Valohai" cannot ' +
        "be checked.",
    ]);
  });

  it("derives the callback as the program does", () => {
    for (const url of ["https://app.valohai.com", "https://valohai.contoso.com:8443/"]) {
      expect(valohaiCallbackUri(url)).toBe(redirectUriFor(url));
    }
  });
});

describe("single-tenant-sign-in", () => {
  it("rejects a multi-tenant sign-in audience", () => {
    const resources = withApplication((props) => {
      props.signInAudience = "AzureADMultipleOrgs";
    });
    expect(check(resources)).toEqual([
      applicationViolation(
        "single-tenant-sign-in",
        "mandatory",
        'application "Valohai" must set signInAudience to AzureADMyOrg (accounts in this ' +
          'directory only), but sets "AzureADMultipleOrgs".',
      ),
    ]);
  });

  it("accepts an unset audience, which defaults to AzureADMyOrg", () => {
    const resources = withApplication((props) => {
      delete props.signInAudience;
    });
    expect(check(resources)).toEqual([]);
  });
});

describe("groups-in-token", () => {
  const message = (found: string) =>
    'application "Valohai" must include SecurityGroup, ApplicationGroup or All in ' +
    "groupMembershipClaims so that tokens carry the group object IDs Valohai matches group " +
    `grants against, but ${found}.`;

  it("reports an application without group claims", () => {
    const resources = withApplication((props) => {
      delete props.groupMembershipClaims;
    });
    expect(check(resources)).toEqual([
      applicationViolation("groups-in-token", "advisory", message("it sets none")),
    ]);
  });

  it("reports group claims set to None", () => {
    const resources = withApplication((props) => {
      props.groupMembershipClaims = ["None"];
    });
    expect(check(resources)).toEqual([
      applicationViolation("groups-in-token", "advisory", message("it sets [None]")),
    ]);
  });
});

describe("no-client-secrets", () => {
  it("reports a password on the application", () => {
    const resources = withApplication((props) => {
      props.password = { displayName: "valohai-sso" };
    });
    expect(check(resources)).toEqual([
      applicationViolation(
        "no-client-secrets",
        "advisory",
        'application "Valohai" must have no password credential: Valohai needs only the client ' +
          "ID and tenant ID. Remove the password block.",
      ),
    ]);
  });

  it("reports an application password resource", () => {
    const resources = copy(compliant);
    const application = applicationOf(resources);
    resources.push({
      type: TYPES.applicationPassword,
      name: "valohai-secret",
      urn: "urn:pulumi:dev::valohai-sso::azuread:index/applicationPassword:ApplicationPassword::valohai-secret",
      inputs: { applicationId: application.outputs.objectId },
      outputs: { applicationId: application.outputs.objectId },
    });
    expect(check(resources)).toEqual([
      {
        policy: "no-client-secrets",
        enforcementLevel: "advisory",
        message:
          `application password "valohai-secret" for application ${application.outputs.objectId} ` +
          "must be removed: Valohai needs only the client ID and tenant ID, and an unused secret " +
          "can leak.",
        resource: { type: TYPES.applicationPassword, name: "valohai-secret" },
      },
    ]);
  });
});

describe("enforcement levels from the pack config", () => {
  const userGrant = () => withGrant("data-scientists", (props) => addUser(props));

  it("skips a disabled rule", () => {
    expect(check(userGrant(), { "no-individual-user-grants": "disabled" })).toEqual([]);
  });

  it("applies a level given for all rules", () => {
    const levels = check(userGrant(), { all: "advisory" }).map((v) => v.enforcementLevel);
    expect(levels).toEqual(["advisory"]);
  });

  it("lets a rule's own entry win over all", () => {
    const config = {
      all: "advisory",
      "no-individual-user-grants": { enforcementLevel: "mandatory" },
    };
    const levels = check(userGrant(), config as never).map((v) => v.enforcementLevel);
    expect(levels).toEqual(["mandatory"]);
  });
});

describe("rules at preview, with unknown IDs", () => {
  it("see props through the unknown-checking proxy", () => {
    // A rule that decides on a group's object ID, which is unknown at preview for a new group.
    const readsObjectId: Rule = {
      kind: "resource",
      name: "reads-object-id",
      description: "Checks that the first principal has an object ID.",
      enforcementLevel: "mandatory",
      resourceTypes: [TYPES.accessGrant],
      validateResource(grant, _context, report) {
        if (!grant.props.principals[0].objectId) report("missing object ID");
      },
    };
    const [first] = evaluateRules(asPreview(compliant), { rules: [readsObjectId], now: NOW });
    expect(first.policy).toBe("reads-object-id");
    expect(first.enforcementLevel).toBe("advisory");
    expect(first.message).toBe(
      "can't run policy 'reads-object-id' during preview: string value at " +
        ".principals.0.objectId can't be known during preview",
    );
  });

  it("pass the compliant fixture", () => {
    expect(check(asPreview(compliant))).toEqual([]);
  });

  const cases: [string, (resources: EvaluatedResource[]) => void][] = [
    ["no-individual-user-grants", (r) => change(grantNamed(r, "ml-research"), (p) => addUser(p))],
    [
      "grant-has-teams",
      (r) =>
        change(grantNamed(r, "ml-research"), (p) => {
          p.teams = [];
        }),
    ],
    [
      "limit-admin-grants",
      (r) => {
        for (const name of ["ml-research", "ml-production"]) {
          change(grantNamed(r, name), (p) => {
            p.teams[0].admin = true;
          });
        }
      },
    ],
    [
      "redirect-uri-exact",
      (r) =>
        change(applicationOf(r), (p) => {
          p.web.redirectUris = ["https://app.valohai.com/"];
        }),
    ],
    [
      "single-tenant-sign-in",
      (r) =>
        change(applicationOf(r), (p) => {
          p.signInAudience = "AzureADandPersonalMicrosoftAccount";
        }),
    ],
  ];

  for (const [policy, breakRule] of cases) {
    it(`still fire as mandatory: ${policy}`, () => {
      const resources = asPreview(compliant);
      breakRule(resources);
      const violations = check(resources);
      expect(violations.length).toBeGreaterThan(0);
      for (const violation of violations) {
        expect(violation.policy).toBe(policy);
        expect(violation.enforcementLevel).toBe("mandatory");
        expect(violation.message).not.toContain("during preview");
      }
    });
  }

  it("cover each mandatory rule", () => {
    const mandatory = RULES.filter((rule) => rule.enforcementLevel === "mandatory");
    expect(cases.map(([policy]) => policy).sort()).toEqual(
      mandatory.map((rule) => rule.name).sort(),
    );
  });
});
