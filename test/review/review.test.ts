import { describe, expect, it } from "vitest";
import { validateGrantsText } from "../../infra/grants/load";
import type { GrantsFile } from "../../infra/grants/schema";
import { buildAccessReport } from "../../infra/review/access-report";
import { compareGrants } from "../../infra/review/compare";
import type { PolicyVerdict } from "../../infra/review/policy-verdicts";
import { csvField, renderAccessReportCsv } from "../../infra/review/render-access-report";
import { massRemovalWarning, renderReview } from "../../infra/review/render-review";

function grants(yaml: string): GrantsFile {
  const result = validateGrantsText(yaml, "test.yaml");
  if (!result.grants) {
    throw new Error(result.problems.map((problem) => problem.message).join("\n"));
  }
  return result.grants;
}

const BASE = `
version: 1
teams:
  - name: data-science
  - name: ops
managedGroups:
  - name: Data Scientists
    members: [alice@contoso.com, bob@contoso.com]
existingGroups:
  - name: Operators
    objectId: "b7e4c2d9-1a3f-4c8e-9d2b-6f5a0e3c1b74"
grants:
  - name: data-scientists
    groups: [Data Scientists]
    teams: [data-science]
  - name: operators
    groups: [Operators]
    teams: [ops]
`;

function review(
  base: string,
  head: string,
  options: { verdicts?: PolicyVerdict[]; maxRemovalShare?: number; today?: string } = {},
) {
  const headGrants = grants(head);
  return renderReview({
    comparison: compareGrants(grants(base), headGrants),
    head: headGrants,
    baseLabel: "base.yaml",
    headLabel: "head.yaml",
    verdicts: options.verdicts ?? [],
    maxRemovalShare: options.maxRemovalShare,
    today: options.today ?? "2027-01-01",
  });
}

describe("policy verdicts in the review", () => {
  const verdicts: PolicyVerdict[] = [
    {
      policy: "grants-use-groups",
      enforcementLevel: "advisory",
      message: "use groups",
      resource: "x",
    },
    { policy: "admin-teams-few", enforcementLevel: "disabled", message: "not enforced" },
    {
      policy: "exceptions-expire",
      enforcementLevel: "mandatory",
      message: "exception of grant <!-- x --> has expired",
      resource: "x",
    },
    { policy: "admin-teams-few", enforcementLevel: "mandatory", message: "too many admins" },
  ];

  it("says no policy violations when there are none", () => {
    const markdown = review(BASE, BASE);
    expect(markdown).toContain("### Policy checks on the head version\n\nNo policy violations.\n");
    expect(markdown).toContain("**Summary:** no access changes; no policy violations.");
  });

  it("lists mandatory verdicts first, then advisory, then disabled", () => {
    const markdown = review(BASE, BASE, { verdicts });
    const section = markdown.slice(markdown.indexOf("### Policy checks"));
    expect(section).toBe(
      [
        "### Policy checks on the head version",
        "",
        "| Level | Policy | Resource | Message |",
        "| --- | --- | --- | --- |",
        "| **mandatory** | `admin-teams-few` | — | too many admins |",
        "| **mandatory** | `exceptions-expire` | `x` | exception of grant \\<!-- x --\\> has expired |",
        "| advisory | `grants-use-groups` | `x` | use groups |",
        "| disabled | `admin-teams-few` | — | not enforced |",
        "",
      ].join("\n"),
    );
  });

  it("counts verdicts per level in the summary", () => {
    const markdown = review(BASE, BASE, { verdicts });
    expect(markdown).toContain(
      "**Summary:** no access changes; 2 mandatory, 1 advisory and 1 disabled policy violations.",
    );
  });

  it("awaits verdicts from an asynchronous policy check", async () => {
    const { reviewGrantsChange } = await import("../../infra/review/review");
    const received: string[] = [];
    const markdown = await reviewGrantsChange({
      base: { label: "base.yaml", grants: grants(BASE) },
      head: { label: "head.yaml", file: "/tmp/head.yaml", grants: grants(BASE) },
      checkPolicies: async (head) => {
        received.push(head.file);
        return [verdicts[0]];
      },
      today: "2027-01-01",
    });
    expect(received).toEqual(["/tmp/head.yaml"]);
    expect(markdown).toContain("| advisory | `grants-use-groups` | `x` | use groups |");
  });
});

describe("mass-removal warning", () => {
  const fourGrants = grants(`
version: 1
teams: [{ name: t }]
managedGroups: [{ name: G, members: [a@contoso.com] }]
grants:
  - { name: g1, groups: [G], teams: [t] }
  - { name: g2, groups: [G], teams: [t] }
  - { name: g3, groups: [G], teams: [t] }
  - { name: g4, groups: [G], teams: [t] }
`);
  const keep = (count: number): GrantsFile => ({
    ...fourGrants,
    allowEmptyGrants: count === 0,
    grants: fourGrants.grants.slice(0, count),
  });

  it("stays quiet at exactly the default share", () => {
    expect(massRemovalWarning(compareGrants(fourGrants, keep(3)))).toBeUndefined();
  });

  it("warns above the default share", () => {
    expect(massRemovalWarning(compareGrants(fourGrants, keep(2)))).toContain(
      "removes 2 of 4 grants (50%), more than the 25% limit",
    );
  });

  it("follows a configured share", () => {
    const comparison = compareGrants(fourGrants, keep(3));
    expect(massRemovalWarning(comparison, 0.2)).toContain("removes 1 of 4 grants (25%)");
    expect(massRemovalWarning(compareGrants(fourGrants, keep(1)), 0.8)).toBeUndefined();
  });

  it("warns when all grants go, whatever the share", () => {
    expect(massRemovalWarning(compareGrants(fourGrants, keep(0)), 1)).toContain(
      "removes all 4 grants",
    );
  });

  it("stays quiet when nothing is removed", () => {
    expect(massRemovalWarning(compareGrants(keep(0), fourGrants), 0)).toBeUndefined();
  });
});

describe("grants comparison", () => {
  it("marks a team that becomes admin and lists it first", () => {
    const head = BASE.replace("  - name: ops\n", "  - name: ops\n    admin: true\n").replace(
      "teams: [data-science]",
      "teams: [data-science, ops]",
    );
    const comparison = compareGrants(grants(BASE), grants(head));
    expect(comparison.teams).toEqual([
      {
        name: "ops",
        change: "changed",
        admin: true,
        adminTeams: ["ops"],
        affectsAccess: true,
        fields: [{ kind: "value", field: "admin", from: "no", to: "yes" }],
      },
    ]);
    expect(comparison.grants.map((change) => [change.name, change.admin])).toEqual([
      ["data-scientists", true],
    ]);
    const markdown = review(BASE, head);
    expect(markdown).toContain("| **admin** changed | `ops` | admin: `no` → `yes` |");
    expect(markdown).toContain("> **Admin teams.** This change touches `ops`.");
  });

  it("lists a removed member with the teams it had", () => {
    const head = BASE.replace("[alice@contoso.com, bob@contoso.com]", "[alice@contoso.com]");
    const comparison = compareGrants(grants(BASE), grants(head));
    expect(comparison.members).toEqual([
      {
        group: "Data Scientists",
        change: "removed",
        member: { kind: "user", key: "user:bob@contoso.com", name: "bob@contoso.com" },
        teams: ["data-science"],
        admin: false,
      },
    ]);
    expect(review(BASE, head)).toContain("**Summary:** 1 member removed; no policy violations.");
  });

  it("ignores letter case in user principal names", () => {
    const head = BASE.replace("alice@contoso.com", "Alice@Contoso.com");
    expect(review(BASE, head)).toContain("**Summary:** no access changes;");
  });

  it("reports a new object ID as a loss and a gain", () => {
    const head = BASE.replace(
      "b7e4c2d9-1a3f-4c8e-9d2b-6f5a0e3c1b74",
      "0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f",
    );
    const comparison = compareGrants(grants(BASE), grants(head));
    expect(comparison.teamAccess.map((change) => [change.change, change.principal.key])).toEqual([
      ["gains", "existing:0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"],
      ["loses", "existing:b7e4c2d9-1a3f-4c8e-9d2b-6f5a0e3c1b74"],
    ]);
    expect(comparison.groups[0].fields[0]).toEqual({
      kind: "value",
      field: "object ID",
      from: "b7e4c2d9-1a3f-4c8e-9d2b-6f5a0e3c1b74",
      to: "0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f",
    });
  });

  it("counts a description change as no access change", () => {
    const head = BASE.replace(
      "  - name: operators\n",
      "  - name: operators\n    description: On-call operators\n",
    );
    const markdown = review(BASE, head);
    expect(markdown).toContain("**Summary:** no access changes; 1 other change;");
    expect(markdown).toContain("| changed | `operators` | description changed |");
  });

  it("gives the same output whatever the order of grants", () => {
    const reordered = BASE.replace(
      /( {2}- name: data-scientists\n(?: {4}.*\n)+)( {2}- name: operators\n(?: {4}.*\n)+)/,
      "$2$1",
    );
    expect(reordered).not.toBe(BASE);
    const empty = "version: 1\nallowEmptyGrants: true\n";
    expect(review(empty, reordered)).toBe(review(empty, BASE));
  });
});

describe("exceptions in the review", () => {
  const head = `${BASE}  - name: contractor
    users: [erin@contoso.com]
    teams: [ops]
    exception:
      reason: "Onboarding <!-- pending | review"
      expires: "2026-12-31"
`;

  it("marks an expired exception and counts it in the summary", () => {
    const markdown = review(BASE, head, { today: "2027-01-01" });
    expect(markdown).toContain(
      "| `contractor` | `erin@contoso.com` | Onboarding \\<!-- pending \\| review | 2026-12-31 | **expired** |",
    );
    expect(markdown).toContain("; 1 expired exception; no policy violations.");
  });

  it("says how many days remain when expiry is near", () => {
    expect(review(BASE, head, { today: "2026-12-21" })).toContain("| expires in 10 days |");
    expect(review(BASE, head, { today: "2026-12-31" })).toContain("| expires today |");
    expect(review(BASE, head, { today: "2026-06-01" })).toContain("| active |");
  });
});

describe("markdown escaping", () => {
  it("fences names that contain backticks", () => {
    const head = BASE.replace("name: data-scientists", "name: 'data `x` scientists'");
    expect(review(BASE, head)).toContain("| added | ``data `x` scientists`` |");
  });
});

describe("access report CSV", () => {
  it("quotes commas and quotes", () => {
    expect(csvField('a "b", c')).toBe('"a ""b"", c"');
  });

  it("defuses spreadsheet formulas", () => {
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvField("@sum")).toBe("'@sum");
  });

  it("gives a member of no grant one row that cannot sign in", () => {
    const file = grants(
      BASE.replace("[alice@contoso.com, bob@contoso.com]", "[alice@contoso.com]"),
    );
    file.managedGroups.push({ name: "Unused", members: ["zed@contoso.com"] });
    const csv = renderAccessReportCsv(buildAccessReport(file));
    expect(csv.split("\r\n")).toContain("zed@contoso.com,user,,no,,,,,");
  });
});
