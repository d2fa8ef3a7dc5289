import * as path from "node:path";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import {
  evaluateRules,
  type EvaluatedResource,
  type PolicyPackConfig,
  type Violation,
} from "../../policies/evaluate";
import { TYPES } from "../../policies/rule";
import { runProgram, SAMPLE_GRANTS } from "../helpers/program";

export const FIXTURES = path.join(__dirname, "fixtures");

const SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal";

/** The date the rule tests run on, so exception expiry never depends on the real date. */
export const NOW = new Date("2026-06-15T09:30:00Z");

/** Runs the real program on a grants file and returns its resources as the rules read them. */
export async function programResources(grantsFile = SAMPLE_GRANTS): Promise<EvaluatedResource[]> {
  const { policyResources } = await import("../../infra/offline/policies");
  // Outputs share nested lists with inputs; separate copies let a test change each on its own.
  return policyResources(await runProgram(grantsFile), "dev").map((resource) => ({
    ...resource,
    inputs: copy(resource.inputs),
    outputs: copy(resource.outputs),
  }));
}

/** A deep copy, so each test changes its own fixture. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

/** Runs every rule on the test date. */
export function check(
  resources: readonly EvaluatedResource[],
  config: PolicyPackConfig = {},
  now = NOW,
): Violation[] {
  return evaluateRules(resources, { config, now });
}

export function ofType(resources: EvaluatedResource[], type: string): EvaluatedResource[] {
  return resources.filter((resource) => resource.type === type);
}

export function grantNamed(resources: EvaluatedResource[], name: string): EvaluatedResource {
  const grant = ofType(resources, TYPES.accessGrant).find((g) => g.inputs.grantName === name);
  if (!grant) throw new Error(`no grant named "${name}"`);
  return grant;
}

export function applicationOf(resources: EvaluatedResource[]): EvaluatedResource {
  const [application] = ofType(resources, TYPES.application);
  if (!application) throw new Error("no application registered");
  return application;
}

/** Applies a change to a resource's inputs and outputs alike, as a changed program would. */
export function change(
  resource: EvaluatedResource,
  edit: (props: Record<string, any>) => void,
): void {
  edit(resource.inputs);
  edit(resource.outputs);
}

/**
 * Marks what `pulumi preview` cannot know for new resources as the engine's unknown value:
 * the object IDs of groups, the IDs of teams, and every ID Azure AD or Valohai assigns.
 */
export function asPreview(resources: readonly EvaluatedResource[]): EvaluatedResource[] {
  return copy(resources).map((resource) => {
    for (const props of [resource.inputs, resource.outputs]) {
      for (const principal of (props.principals as Record<string, unknown>[] | undefined) ?? []) {
        if (principal.kind === "group") principal.objectId = unknownValue;
      }
      for (const team of (props.teams as Record<string, unknown>[] | undefined) ?? []) {
        team.teamId = unknownValue;
      }
    }
    for (const key of ["objectId", "clientId", "teamId", "grantId", "url"]) {
      if (key in resource.outputs) resource.outputs[key] = unknownValue;
    }
    if (resource.type === SERVICE_PRINCIPAL) resource.inputs.clientId = unknownValue;
    return resource;
  });
}

export { TYPES } from "../../policies/rule";
