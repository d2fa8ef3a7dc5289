import type { GrantsFile } from "../grants/schema";
import { code, compareText, escapeText, table } from "./markdown";

/** The enforcement levels of a CrossGuard policy, as @pulumi/policy names them. */
export type EnforcementLevel = "mandatory" | "advisory" | "disabled";

/** One policy violation reported for a version of the grants file. */
export interface PolicyVerdict {
  /** Policy name, such as `grants-use-groups`. */
  policy: string;
  enforcementLevel: EnforcementLevel;
  message: string;
  /** The grant, group, team or resource the violation names, when it names one. */
  resource?: string;
}

/** The head version of the grants file, as handed to a policy check. */
export interface HeadVersion {
  /** Path of the file on disk. */
  file: string;
  grants: GrantsFile;
}

/** Runs the policies against the head version and returns their violations. */
export type PolicyCheck = (
  head: HeadVersion,
) => readonly PolicyVerdict[] | Promise<readonly PolicyVerdict[]>;

const LEVEL_ORDER: Record<EnforcementLevel, number> = { mandatory: 0, advisory: 1, disabled: 2 };

/** Sorts verdicts mandatory first, then advisory, then disabled, each by policy and resource. */
export function sortVerdicts(verdicts: readonly PolicyVerdict[]): PolicyVerdict[] {
  return [...verdicts].sort(
    (a, b) =>
      LEVEL_ORDER[a.enforcementLevel] - LEVEL_ORDER[b.enforcementLevel] ||
      compareText(a.policy, b.policy) ||
      compareText(a.resource ?? "", b.resource ?? "") ||
      compareText(a.message, b.message),
  );
}

/** Renders the policy section of the review: a table of violations, or a line saying none. */
export function renderPolicyVerdicts(verdicts: readonly PolicyVerdict[]): string[] {
  if (verdicts.length === 0) {
    return ["No policy violations."];
  }
  const rows = sortVerdicts(verdicts).map((verdict) => [
    verdict.enforcementLevel === "mandatory" ? "**mandatory**" : verdict.enforcementLevel,
    code(verdict.policy),
    verdict.resource === undefined ? "—" : code(verdict.resource),
    escapeText(verdict.message),
  ]);
  return table(["Level", "Policy", "Resource", "Message"], rows);
}
