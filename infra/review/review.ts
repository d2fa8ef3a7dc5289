import type { GrantsFile } from "../grants/schema";
import { compareGrants } from "./compare";
import type { PolicyCheck } from "./policy-verdicts";
import { renderReview } from "./render-review";

export interface ReviewRequest {
  /** The base version and where it came from, such as `main:config/grants.yaml`. */
  base: { label: string; grants: GrantsFile };
  /** The head version, its label and its path on disk, which the policy check receives. */
  head: { label: string; file: string; grants: GrantsFile };
  /** Returns the policy violations of the head version. */
  checkPolicies: PolicyCheck;
  /** Share of base grants (0 to 1) whose removal triggers the mass-removal warning. */
  maxRemovalShare?: number;
  /** Today's date as YYYY-MM-DD (UTC). */
  today: string;
}

/** Compares two validated versions of a grants file and returns the review as Markdown. */
export async function reviewGrantsChange(request: ReviewRequest): Promise<string> {
  const verdicts = await request.checkPolicies({
    file: request.head.file,
    grants: request.head.grants,
  });
  return renderReview({
    comparison: compareGrants(request.base.grants, request.head.grants),
    head: request.head.grants,
    baseLabel: request.base.label,
    headLabel: request.head.label,
    verdicts,
    maxRemovalShare: request.maxRemovalShare,
    today: request.today,
  });
}
