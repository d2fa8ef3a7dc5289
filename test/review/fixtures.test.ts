import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadGrantsFile } from "../../infra/grants/load";
import { buildAccessReport } from "../../infra/review/access-report";
import type { PolicyVerdict } from "../../infra/review/policy-verdicts";
import {
  renderAccessReportCsv,
  renderAccessReportMarkdown,
} from "../../infra/review/render-access-report";
import { reviewGrantsChange } from "../../infra/review/review";

/**
 * Each folder under fixtures/ contains a base and a head grants file, the expected review
 * (review.md) and the expected access report of the head version (access.md, access.csv).
 * An optional verdicts.json gives the policy verdicts the review receives.
 * `npx vitest run -u` rewrites the expected files; read the diff before committing it.
 */
const FIXTURES = path.join(__dirname, "fixtures");
const TODAY = "2027-03-15";

const CASES = [
  "admin-team-change",
  "all-grants-removed",
  "grant-removed",
  "group-gains-team",
  "mass-removal",
  "member-added",
  "no-change",
  "team-removed-from-grant",
  "user-grant-exception",
];

function loadCase(name: string) {
  const dir = path.join(FIXTURES, name);
  const verdictsFile = path.join(dir, "verdicts.json");
  const verdicts: PolicyVerdict[] = existsSync(verdictsFile)
    ? JSON.parse(readFileSync(verdictsFile, "utf8"))
    : [];
  return {
    dir,
    base: loadGrantsFile(path.join(dir, "base.yaml")).grants,
    head: loadGrantsFile(path.join(dir, "head.yaml")).grants,
    verdicts,
  };
}

describe("review fixtures", () => {
  it("folder lists exactly the expected cases", () => {
    const folders = readdirSync(FIXTURES, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(folders).toEqual(CASES);
  });

  describe.each(CASES)("%s", (name) => {
    it("review matches review.md", async () => {
      const { dir, base, head, verdicts } = loadCase(name);
      const markdown = await reviewGrantsChange({
        base: { label: `main:${name}/base.yaml`, grants: base },
        head: { label: `${name}/head.yaml`, file: path.join(dir, "head.yaml"), grants: head },
        checkPolicies: () => verdicts,
        today: TODAY,
      });
      await expect(markdown).toMatchFileSnapshot(path.join(dir, "review.md"));
    });

    it("access report matches access.md and access.csv", async () => {
      const { dir, head } = loadCase(name);
      const report = buildAccessReport(head);
      await expect(renderAccessReportMarkdown(report, `${name}/head.yaml`)).toMatchFileSnapshot(
        path.join(dir, "access.md"),
      );
      await expect(renderAccessReportCsv(report)).toMatchFileSnapshot(path.join(dir, "access.csv"));
    });
  });
});
