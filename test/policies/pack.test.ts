import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { evaluateRules, type EvaluatedResource } from "../../policies/evaluate";
import { RULES } from "../../policies/rules";
import { levelName, PACK_DIR, RunningPack, type Diagnostic } from "./analyzer";
import {
  applicationOf,
  asPreview,
  change,
  copy,
  grantNamed,
  programResources,
  TYPES,
} from "./helpers";

let compliant: EvaluatedResource[];
let pack: RunningPack;

beforeAll(async () => {
  compliant = await programResources();
});

// Starting the pack compiles its TypeScript with type checks, as Pulumi's runner does, which
// takes seconds on a busy machine; hence the hook timeouts.
beforeEach(async () => {
  pack = await RunningPack.start();
}, 60_000);

afterEach(async () => {
  await pack.stop();
}, 60_000);

/** Builds a preview of the program that breaks every rule except the exception rule. */
function violatingPreview(): EvaluatedResource[] {
  const resources = asPreview(compliant);
  change(grantNamed(resources, "data-scientists"), (props) => {
    props.principals.push({ objectId: "0c7d9e21-3b4a-4f5e-8d6c-1a2b3c4d5e6f", kind: "user" });
  });
  for (const name of ["ml-research", "ml-production"]) {
    change(grantNamed(resources, name), (props) => {
      props.teams[0].admin = true;
    });
  }
  change(applicationOf(resources), (props) => {
    props.web.redirectUris.push("https://app.valohai.com/accounts/azure/callback");
    props.signInAudience = "AzureADMultipleOrgs";
    props.groupMembershipClaims = ["None"];
    props.password = { displayName: "valohai" };
  });
  const noTeams = copy(grantNamed(asPreview(compliant), "ml-research"));
  noTeams.name = "contractors";
  noTeams.urn = noTeams.urn.replace(/ml-research$/, "contractors");
  change(noTeams, (props) => {
    props.grantName = "contractors";
    props.teams = [];
  });
  resources.push(noTeams);
  return resources;
}

/** Everything the pack reports for a set of resources, as the engine would collect it. */
async function analyzeAll(resources: readonly EvaluatedResource[]): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  for (const resource of resources) {
    diagnostics.push(...(await pack.analyze(resource)).diagnostics);
  }
  diagnostics.push(...(await pack.analyzeStack(resources)).diagnostics);
  return diagnostics;
}

function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) =>
    `${a.policy}\n${a.message}`.localeCompare(`${b.policy}\n${b.message}`),
  );
}

describe("policy pack served as the engine runs it", () => {
  it("registers every rule with its name, level and kind", async () => {
    const info = await pack.info();
    expect(info.getName()).toBe("valohai-sso");
    const version = JSON.parse(readFileSync(path.join(PACK_DIR, "package.json"), "utf8")).version;
    expect(info.getVersion()).toBe(version);

    const registered = info.getPoliciesList().map((policy) => ({
      name: policy.getName(),
      enforcementLevel: levelName(policy.getEnforcementlevel()),
      kind: policy.getPolicyType() === analyzer.PolicyType.POLICY_TYPE_STACK ? "stack" : "resource",
    }));
    expect(registered).toEqual(
      RULES.map((rule) => ({
        name: rule.name,
        enforcementLevel: rule.enforcementLevel,
        kind: rule.kind,
      })),
    );
    expect(registered.map((policy) => policy.name)).toEqual([
      "no-individual-user-grants",
      "user-grant-exceptions",
      "grant-has-teams",
      "limit-admin-grants",
      "redirect-uri-exact",
      "single-tenant-sign-in",
      "groups-in-token",
      "no-client-secrets",
    ]);
  });

  it("names policies in kebab-case with Checks that descriptions", async () => {
    for (const policy of (await pack.info()).getPoliciesList()) {
      expect(policy.getName()).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(policy.getDescription()).toMatch(/^Checks that /);
    }
  });

  it("declares each setting with its default", async () => {
    const schemas = new Map(
      (await pack.info())
        .getPoliciesList()
        .map((policy) => [
          policy.getName(),
          policy.getConfigschema()?.getProperties()?.toJavaScript(),
        ]),
    );
    expect(schemas.get("limit-admin-grants")).toMatchObject({
      maxAdminGrants: { type: "integer", default: 1 },
    });
    expect(schemas.get("redirect-uri-exact")).toMatchObject({
      valohaiUrl: { type: "string", default: "https://app.valohai.com" },
    });
  });

  it("applies every rule to the resource types it names", async () => {
    const samples = new Map<string, EvaluatedResource>([
      [TYPES.application, applicationOf(compliant)],
      [TYPES.accessGrant, grantNamed(compliant, "data-scientists")],
      [
        TYPES.manualAccessGrant,
        {
          ...grantNamed(compliant, "data-scientists"),
          type: TYPES.manualAccessGrant,
          urn: "urn:pulumi:dev::valohai-sso::valohai-sso:valohai:ManualAccessGrant::data-scientists",
        },
      ],
      [
        TYPES.applicationPassword,
        {
          type: TYPES.applicationPassword,
          name: "valohai-secret",
          urn: "urn:pulumi:dev::valohai-sso::azuread:index/applicationPassword:ApplicationPassword::valohai-secret",
          inputs: { applicationId: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" },
          outputs: {},
        },
      ],
    ]);
    for (const rule of RULES.filter((rule) => rule.kind === "resource")) {
      for (const type of rule.resourceTypes) {
        const sample = samples.get(type);
        expect(sample, `a sample resource of ${type}`).toBeDefined();
        const result = await pack.analyze(sample as EvaluatedResource);
        expect(result.notApplicable, `${rule.name} on ${type}`).not.toContain(rule.name);
      }
    }
    const stack = await pack.analyzeStack(compliant);
    expect(stack.notApplicable).toEqual([]);
  });

  it("reports resource rules as not applicable to a Valohai team", async () => {
    const [team] = compliant.filter((resource) => resource.type === TYPES.team);
    const result = await pack.analyze(team);
    expect(result.diagnostics).toEqual([]);
    expect(result.notApplicable.sort()).toEqual(
      RULES.filter((rule) => rule.kind === "resource")
        .map((rule) => rule.name)
        .sort(),
    );
  });

  it("passes the compliant program at preview", async () => {
    expect(await analyzeAll(asPreview(compliant))).toEqual([]);
  });

  it("reports what the offline runner reports, in the same words", async () => {
    const resources = violatingPreview();
    const offline = evaluateRules(resources).map((violation) => ({
      policy: violation.policy,
      enforcementLevel: violation.enforcementLevel,
      // The engine shows the description above the rule's message.
      message: `${RULES.find((rule) => rule.name === violation.policy)?.description}\n${violation.message}`,
    }));
    const served = await analyzeAll(resources);
    expect(new Set(offline.map((violation) => violation.policy))).toEqual(
      new Set(RULES.map((rule) => rule.name).filter((name) => name !== "user-grant-exceptions")),
    );
    expect(sortDiagnostics(served)).toEqual(sortDiagnostics(offline));
  });

  it("takes enforcement levels and settings from the pack config", async () => {
    await pack.configure({
      "no-individual-user-grants": { level: analyzer.EnforcementLevel.DISABLED },
      "limit-admin-grants": {
        level: analyzer.EnforcementLevel.MANDATORY,
        settings: { maxAdminGrants: 2 },
      },
      "groups-in-token": { level: analyzer.EnforcementLevel.MANDATORY },
    });
    const policies = new Set((await analyzeAll(violatingPreview())).map((d) => d.policy));
    expect(policies.has("no-individual-user-grants")).toBe(false);
    expect(policies.has("limit-admin-grants")).toBe(false);
    const groupsInToken = (await pack.analyze(applicationOf(violatingPreview()))).diagnostics.find(
      (diagnostic) => diagnostic.policy === "groups-in-token",
    );
    expect(groupsInToken?.enforcementLevel).toBe("mandatory");
  });
});
