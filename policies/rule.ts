import { UnknownValueError } from "@pulumi/policy";

/**
 * The shape every rule is written against. The policy pack adapts CrossGuard's arguments to it,
 * and the offline runner adapts the registrations recorded under the mock runtime, so each rule
 * has one implementation that gives the same verdict in `pulumi preview` and in `npm run check`.
 */

/** Resource type tokens the rules match on. Dynamic resources carry no class that CrossGuard's
 * `validateResourceOfType` could match, so every rule compares these strings instead. */
export const TYPES = {
  application: "azuread:index/application:Application",
  applicationPassword: "azuread:index/applicationPassword:ApplicationPassword",
  accessGrant: "pulumi-nodejs:dynamic/valohai:AccessGrant",
  /** A grant that an admin enters by hand when `valohai-sso:accessGrantsMode` is `manual`. */
  manualAccessGrant: "valohai-sso:valohai:ManualAccessGrant",
  team: "pulumi-nodejs:dynamic/valohai:Team",
} as const;

/** The enforcement levels this pack uses; CrossGuard also has "remediate", which no rule needs. */
export type EnforcementLevel = "advisory" | "mandatory" | "disabled";

/** A resource as a rule reads it: inputs for resource rules, outputs for stack rules. */
export interface RuleResource {
  type: string;
  name: string;
  urn: string;
  props: Record<string, any>;
}

/** One setting of a rule, as a JSON schema property of the pack's config. */
export interface RuleSetting {
  type: "string" | "integer";
  description: string;
  default: string | number;
  minimum?: number;
}

export interface RuleContext {
  /** The rule's settings: the pack's config over the defaults in `settings`. */
  config: Record<string, unknown>;
  /** Today's date in UTC as YYYY-MM-DD, for exception expiry. */
  today: string;
}

/** Records a violation; `urn` names the offending resource in a stack rule. */
export type Report = (message: string, urn?: string) => void;

interface RuleBase {
  /** Kebab-case policy name, unique in the pack. */
  name: string;
  /** Starts "Checks that"; CrossGuard shows it above every violation message. */
  description: string;
  enforcementLevel: EnforcementLevel;
  /** The resource types the rule applies to; other types are reported as not applicable. */
  resourceTypes: readonly string[];
  settings?: Record<string, RuleSetting>;
}

export interface ResourceRule extends RuleBase {
  kind: "resource";
  validateResource(resource: RuleResource, context: RuleContext, report: Report): void;
}

export interface StackRule extends RuleBase {
  kind: "stack";
  /** Receives only the resources of `resourceTypes`. */
  validateStack(resources: RuleResource[], context: RuleContext, report: Report): void;
}

export type Rule = ResourceRule | StackRule;

/** Formats a date as YYYY-MM-DD in UTC, the form of exception expiry dates. */
export function isoDate(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** Merges configured setting values over the defaults in the rule's schema. */
export function settingsOf(
  rule: Rule,
  configured: Record<string, unknown> = {},
): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(rule.settings ?? {})) {
    config[key] = configured[key] ?? setting.default;
  }
  return config;
}

/**
 * Reads a value that may be unknown during `pulumi preview`, returning undefined instead of
 * letting CrossGuard's proxy abort the rule. Rules use it only to name an offender, never to
 * decide whether there is a violation.
 */
export function ifKnown<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof UnknownValueError) return undefined;
    throw error;
  }
}

/** Returns a list property as an array, treating a missing or non-list value as empty. */
export function listOf(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}
