import type {
  PolicyConfigSchema,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { isoDate, settingsOf, type Rule, type RuleResource } from "./rule";

/** The fields of a CrossGuard resource that a rule reads. */
interface CrossGuardResource {
  type: string;
  name: string;
  urn: string;
  props: Record<string, any>;
}

function toRuleResource(resource: CrossGuardResource): RuleResource {
  return { type: resource.type, name: resource.name, urn: resource.urn, props: resource.props };
}

function notApplicableReason(rule: Rule): string {
  return `Policy only applies to resources of type ${rule.resourceTypes.join(" or ")}`;
}

/**
 * Adapts a rule to a CrossGuard policy. Types are compared as token strings, and a resource of
 * another type is reported as not applicable, as `validateResourceOfType` would do.
 * `now` supplies the date that exception expiry is compared with.
 */
export function toPolicy(
  rule: Rule,
  now: () => Date = () => new Date(),
): ResourceValidationPolicy | StackValidationPolicy {
  const common = {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    ...(rule.settings ? { configSchema: configSchemaOf(rule) } : {}),
  };
  if (rule.kind === "resource") {
    return {
      ...common,
      validateResource: (args, reportViolation) => {
        if (!rule.resourceTypes.includes(args.type)) {
          args.notApplicable(notApplicableReason(rule));
        }
        const context = {
          config: settingsOf(rule, args.getConfig<Record<string, unknown>>()),
          today: isoDate(now()),
        };
        rule.validateResource(toRuleResource(args), context, reportViolation);
      },
    };
  }
  return {
    ...common,
    validateStack: (args, reportViolation) => {
      const resources = args.resources.filter((resource) =>
        rule.resourceTypes.includes(resource.type),
      );
      if (resources.length === 0) {
        args.notApplicable(notApplicableReason(rule));
      }
      const context = {
        config: settingsOf(rule, args.getConfig<Record<string, unknown>>()),
        today: isoDate(now()),
      };
      rule.validateStack(resources.map(toRuleResource), context, reportViolation);
    },
  };
}

function configSchemaOf(rule: Rule): PolicyConfigSchema {
  return { properties: { ...rule.settings } };
}
