import { unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import { isoDate, settingsOf, type EnforcementLevel, type Rule, type RuleResource } from "./rule";
import { RULES } from "./rules";

/**
 * Runs the rules without the Pulumi engine, over resources recorded some other way (the offline
 * commands use the registrations of the program under the mock runtime). It resolves enforcement
 * levels and settings from a pack config as CrossGuard does, and wraps props in CrossGuard's
 * unknown-checking proxy, so a rule behaves here as it does in `pulumi preview`.
 */

/** A policy pack config in the JSON form `pulumi preview --policy-pack-config` reads. */
export type PolicyPackConfig = Record<
  string,
  EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)
>;

/** A resource with its inputs (what resource rules see) and outputs (what stack rules see). */
export interface EvaluatedResource {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

export interface Violation {
  policy: string;
  enforcementLevel: Exclude<EnforcementLevel, "disabled">;
  message: string;
  /** The resource the violation is about; absent for a violation of the stack as a whole. */
  resource?: { type: string; name: string };
}

export interface EvaluateOptions {
  config?: PolicyPackConfig;
  /** The time exception expiry is compared with; default: the current time. */
  now?: Date;
  rules?: readonly Rule[];
}

/** Runs every rule that is not disabled and returns the violations in rule order. */
export function evaluateRules(
  resources: readonly EvaluatedResource[],
  options: EvaluateOptions = {},
): Violation[] {
  const config = options.config ?? {};
  const today = isoDate(options.now ?? new Date());
  const violations: Violation[] = [];
  for (const rule of options.rules ?? RULES) {
    const enforcementLevel = enforcementLevelOf(rule, config);
    if (enforcementLevel === "disabled") continue;
    const context = { config: settingsOf(rule, settingsIn(config[rule.name])), today };
    const applicable = resources.filter((resource) => rule.resourceTypes.includes(resource.type));
    const record = (resource?: EvaluatedResource) => (message: string) =>
      violations.push({
        policy: rule.name,
        enforcementLevel,
        message,
        ...(resource ? { resource: { type: resource.type, name: resource.name } } : {}),
      });
    const recordUnknown = (resource: EvaluatedResource | undefined, error: UnknownValueError) =>
      // CrossGuard reports a rule that reads an unknown value as advisory, whatever its level.
      violations.push({
        policy: rule.name,
        enforcementLevel: "advisory",
        message: `can't run policy '${rule.name}' during preview: ${error.message}`,
        ...(resource ? { resource: { type: resource.type, name: resource.name } } : {}),
      });

    if (rule.kind === "resource") {
      for (const resource of applicable) {
        guardUnknown(
          () =>
            rule.validateResource(asRuleResource(resource, "inputs"), context, record(resource)),
          (error) => recordUnknown(resource, error),
        );
      }
    } else if (applicable.length > 0) {
      const byUrn = new Map(applicable.map((resource) => [resource.urn, resource]));
      guardUnknown(
        () =>
          rule.validateStack(
            applicable.map((resource) => asRuleResource(resource, "outputs")),
            context,
            (message, urn) => record(urn === undefined ? undefined : byUrn.get(urn))(message),
          ),
        (error) => recordUnknown(undefined, error),
      );
    }
  }
  return violations;
}

/** Resolves a rule's level from a config: its own entry, then the "all" entry, then its default. */
export function enforcementLevelOf(rule: Rule, config: PolicyPackConfig): EnforcementLevel {
  return levelIn(config[rule.name]) ?? levelIn(config.all) ?? rule.enforcementLevel;
}

function levelIn(entry: PolicyPackConfig[string] | undefined): EnforcementLevel | undefined {
  if (typeof entry === "string") return entry;
  return entry?.enforcementLevel;
}

function settingsIn(entry: PolicyPackConfig[string] | undefined): Record<string, unknown> {
  if (!entry || typeof entry === "string") return {};
  const { enforcementLevel: _level, ...settings } = entry;
  return settings;
}

function asRuleResource(resource: EvaluatedResource, side: "inputs" | "outputs"): RuleResource {
  return {
    type: resource.type,
    name: resource.name,
    urn: resource.urn,
    props: unknownCheckingProxy(resource[side]),
  };
}

function guardUnknown(run: () => void, onUnknown: (error: UnknownValueError) => void): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof UnknownValueError)) throw error;
    onUnknown(error);
  }
}
