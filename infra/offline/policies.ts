import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import {
  evaluateRules,
  type EvaluatedResource,
  type PolicyPackConfig,
  type Violation,
} from "../../policies/evaluate";
import { RULES } from "../../policies/rules";
import { suggestion } from "../grants/problems";
import type { GrantsFile } from "../grants/schema";
import { declareSsoSetup } from "../program";
import { DEFAULT_GRANTS_FILE, PROJECT, readStackSettings } from "../settings";
import { StackSettingError } from "../settings-error";
import { UNKNOWN } from "../valohai/inputs";
import { runWithMocks, type MockRun } from "./mock-runtime";
import { readStackConfig } from "./stack-config";

/**
 * Runs the policy pack's rules over what the program registers under the mock runtime, for
 * `npm run check` and `npm run plan`. No engine, network or credentials are involved, and the
 * verdict and the messages are the ones `pulumi preview --policy-pack policies` gives.
 */

export type { Violation } from "../../policies/evaluate";

export interface PolicyCheckOptions {
  stack: string;
  /** The pack config, as given to `pulumi preview --policy-pack-config`. */
  policyConfig?: PolicyPackConfig;
  now?: Date;
}

/** Converts the registrations of a mock run to rule resources: the inputs the program passed,
 * and as outputs the inputs with the IDs the mocks made up. */
export function policyResources(run: MockRun<unknown>, stack: string): EvaluatedResource[] {
  const madeUp = madeUpUserIds(run);
  return run.registrations.map((registration) => ({
    type: registration.type,
    name: registration.name,
    urn: `urn:pulumi:${stack}::${PROJECT}::${registration.type}::${registration.name}`,
    inputs: withoutMadeUpIds(registration.inputs, madeUp),
    outputs: withoutMadeUpIds(registration.state, madeUp),
  }));
}

/** Object IDs the mocks made up for user principal names; Azure AD assigns the real ones. */
function madeUpUserIds(run: MockRun<unknown>): Set<string> {
  const ids = new Set<string>();
  for (const invocation of run.invocations) {
    if (invocation.token !== "azuread:index/getUsers:getUsers") continue;
    for (const user of (invocation.result.users as { objectId: string }[] | undefined) ?? []) {
      ids.add(user.objectId);
    }
  }
  return ids;
}

/**
 * Marks made-up user object IDs in a grant's principals as unknown, as they are at preview, so a
 * violation names the user principal name and never an ID that exists only offline.
 */
function withoutMadeUpIds(props: Record<string, unknown>, madeUp: Set<string>) {
  if (madeUp.size === 0 || !Array.isArray(props.principals)) return props;
  const principals = (props.principals as { objectId?: unknown }[]).map((principal) =>
    typeof principal.objectId === "string" && madeUp.has(principal.objectId)
      ? { ...principal, objectId: UNKNOWN }
      : principal,
  );
  return { ...props, principals };
}

/** Checks the resources of one mock run against every rule. */
export function checkPolicies(run: MockRun<unknown>, options: PolicyCheckOptions): Violation[] {
  return evaluateRules(policyResources(run, options.stack), {
    // redirect-uri-exact takes its Valohai URL from the pack config, as in pulumi preview, and
    // not from the stack setting the program derives the URI from, which would make it pass
    // whatever the setting contains.
    config: options.policyConfig ?? {},
    now: options.now,
  });
}

/** Formats a violation as `WHERE: LEVEL: POLICY: MESSAGE`, the form of grants file problems. */
export function formatViolation(where: string, violation: Violation): string {
  return `${where}: ${violation.enforcementLevel}: ${violation.policy}: ${violation.message}`;
}

export interface GrantsFilePolicyCheck {
  violations: Violation[];
  /** The stacks whose settings the file was checked with, or none when no stack uses the file. */
  stacks: string[];
}

/**
 * Runs the program with a validated grants file under the settings of every stack that uses the
 * file, or under the default settings when none does, and returns the distinct violations.
 */
export async function checkGrantsFilePolicies(
  grantsFile: string,
  grants: GrantsFile,
  projectDir: string,
  options: { policyConfig?: PolicyPackConfig; now?: Date } = {},
): Promise<GrantsFilePolicyCheck> {
  const stacks = stacksUsing(path.resolve(grantsFile), projectDir);
  const seen = new Set<string>();
  const violations: Violation[] = [];
  for (const stack of stacks.length > 0 ? stacks : [undefined]) {
    const stackConfig = stack ? readStackConfig(projectDir, stack).values : PLACEHOLDER_SETTINGS;
    // The grants are already validated and their problems printed, so the program starts from
    // them instead of loading the file again and logging the same warnings.
    const run = await runWithMocks(() => declareSsoSetup(readStackSettings(), grants), {
      stack,
      config: stackConfig,
    }).catch((error: unknown) => {
      // A bad setting is reported with the stack file it is in, which the message cannot know.
      if (stack && error instanceof StackSettingError) {
        throw new StackSettingError(`Pulumi.${stack}.yaml: ${error.message}`);
      }
      throw error;
    });
    const found = checkPolicies(run, { ...options, stack: stack ?? "offline" });
    for (const violation of found) {
      const key = formatViolation("", violation);
      if (!seen.has(key)) {
        seen.add(key);
        violations.push(violation);
      }
    }
  }
  return { violations, stacks };
}

/** Settings for a grants file that no stack uses: the placeholder organization ID, defaults
 * for the rest. */
const PLACEHOLDER_SETTINGS: Record<string, string> = { [`${PROJECT}:organizationId`]: "0" };

function stacksUsing(file: string, projectDir: string): string[] {
  if (!existsSync(projectDir)) return [];
  return readdirSync(projectDir)
    .map((name) => /^Pulumi\.(.+)\.yaml$/.exec(name)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort()
    .filter((stack) => {
      const setting =
        readStackConfig(projectDir, stack).values[`${PROJECT}:grantsFile`] ?? DEFAULT_GRANTS_FILE;
      return path.resolve(projectDir, setting) === file;
    });
}

export interface PolicyReport {
  /** One line per violation, for stderr. */
  problems: string[];
  /** `WHERE: policies ok|failed (N mandatory, N advisory)`. */
  summary: string;
  /** True on a mandatory violation, or on any violation when `strict` is set. */
  failed: boolean;
}

/** Builds the lines a command prints for the violations found in `where`. */
export function policyReport(
  where: string,
  violations: readonly Violation[],
  strict = false,
): PolicyReport {
  const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;
  const advisory = violations.length - mandatory;
  const failed = mandatory > 0 || (strict && advisory > 0);
  return {
    problems: violations.map((violation) => formatViolation(where, violation)),
    summary: `${where}: policies ${failed ? "failed" : "ok"} (${mandatory} mandatory, ${advisory} advisory)`,
    failed,
  };
}

/**
 * Checks a valid grants file against the policies for `npm run check`: violations go to stderr,
 * the summary to stdout. Returns true when the file fails.
 */
export async function printGrantsFilePolicies(
  file: string,
  grants: GrantsFile,
  projectDir: string,
  options: { strict?: boolean; policyConfig?: PolicyPackConfig } = {},
): Promise<boolean> {
  const { violations } = await checkGrantsFilePolicies(file, grants, projectDir, options);
  const report = policyReport(file, violations, options.strict);
  for (const line of report.problems) process.stderr.write(`${line}\n`);
  process.stdout.write(`${report.summary}\n`);
  return report.failed;
}

/** Reads a policy pack config file, the JSON that `pulumi preview --policy-pack-config` takes. */
export function readPolicyConfig(file: string): PolicyPackConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`cannot read policy config ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`invalid policy config ${file}: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(
      `invalid policy config ${file}: expected a JSON object keyed by policy name, such as ` +
        '{"limit-admin-grants": {"maxAdminGrants": 2}}.',
    );
  }
  for (const [policy, entry] of Object.entries(parsed)) {
    const level = typeof entry === "object" && entry !== null ? entry.enforcementLevel : entry;
    if (level !== undefined && !LEVELS.includes(level)) {
      throw new Error(
        `invalid policy config ${file}: enforcement level of "${policy}" is ${JSON.stringify(level)}; ` +
          `use one of ${LEVELS.join(", ")}.`,
      );
    }
    checkPolicySettings(file, policy, entry);
  }
  return parsed as PolicyPackConfig;
}

/**
 * Checks a policy's entry against the settings the rule declares, as the engine checks the pack's
 * config schema: a misspelled policy or setting, or a value of the wrong type, would otherwise
 * switch a check off without a word.
 */
function checkPolicySettings(file: string, policy: string, entry: unknown): void {
  if (policy === "all") return;
  const rule = RULES.find((candidate) => candidate.name === policy);
  if (!rule) {
    const hint =
      suggestion(
        policy,
        RULES.map((candidate) => candidate.name),
      ) || "";
    throw new Error(`invalid policy config ${file}: unknown policy "${policy}".${hint}`);
  }
  if (typeof entry !== "object" || entry === null) return;
  for (const [key, value] of Object.entries(entry)) {
    if (key === "enforcementLevel") continue;
    const setting = rule.settings?.[key];
    if (!setting) {
      const known = Object.keys(rule.settings ?? {});
      throw new Error(
        `invalid policy config ${file}: "${policy}" has no setting "${key}"` +
          (known.length > 0 ? `; its settings are ${known.join(", ")}.` : "."),
      );
    }
    const valid =
      setting.type === "integer"
        ? Number.isInteger(value) &&
          (setting.minimum === undefined || (value as number) >= setting.minimum)
        : typeof value === "string";
    if (!valid) {
      const expected =
        setting.type === "integer"
          ? `an integer${setting.minimum === undefined ? "" : ` of at least ${setting.minimum}`}`
          : "a string";
      throw new Error(
        `invalid policy config ${file}: "${policy}".${key} is ${JSON.stringify(value)}; expected ${expected}.`,
      );
    }
  }
}

const LEVELS: unknown[] = ["advisory", "mandatory", "disabled"];
