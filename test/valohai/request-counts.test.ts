import { describe, expect, it } from "vitest";
import { countRequests } from "./request-counts";

describe("request counts", () => {
  it("match the budget for 5 teams and 12 grants", async () => {
    const [create, unchanged, refresh, change, lost, adopted] = await countRequests(5, 12);
    expect(create.writes).toBe(17);
    expect(create.listings).toBe(0);
    expect(create.requests).toBe(17);
    expect(unchanged.requests).toBe(0);
    expect(refresh.requests).toBeLessThanOrEqual(12);
    expect(refresh.writes).toBe(0);
    expect(change.requests).toBe(1);
    expect(change.writes).toBe(1);
    expect(lost.writes).toBe(1);
    expect(lost.listings).toBe(1);
    expect(adopted.writes).toBe(1);
    expect(adopted.listings).toBe(1);
  });
});
