import { describe, expect, it } from "vitest";
import { MAX_DISTINCT_LOOKUPS, NameSuggester } from "../../infra/grants/suggest";

describe("name suggester", () => {
  it("suggests a near name regardless of case", () => {
    const suggester = new NameSuggester(["Data Scientists", "ML Research"]);
    expect(suggester.suggestion("data scientist")).toBe(' Did you mean "Data Scientists"?');
  });

  it("suggests nothing for a distant name", () => {
    expect(new NameSuggester(["ops"]).nearest("finance")).toBeUndefined();
  });

  it("stops suggesting after the lookup limit", () => {
    const suggester = new NameSuggester(["team-a"]);
    for (let i = 0; i < MAX_DISTINCT_LOOKUPS; i++) suggester.nearest(`unknown-${i}`);
    expect(suggester.nearest("team-b")).toBeUndefined();
  });

  it("still answers values it already looked up", () => {
    const suggester = new NameSuggester(["team-a"]);
    expect(suggester.nearest("team-b")).toBe("team-a");
    for (let i = 0; i < MAX_DISTINCT_LOOKUPS; i++) suggester.nearest(`unknown-${i}`);
    expect(suggester.nearest("team-b")).toBe("team-a");
  });
});
