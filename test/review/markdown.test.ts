import { describe, expect, it } from "vitest";
import { escapeText } from "../../infra/review/markdown";

describe("escapeText", () => {
  it("keeps a mention from notifying", () => {
    expect(escapeText("ping @contoso/security")).toBe("ping &#64;contoso/security");
  });

  it("escapes an HTML comment opener", () => {
    expect(escapeText("a <!-- b")).toBe("a \\<!-- b");
  });
});
