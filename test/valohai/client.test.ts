import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { parseRetryAfter, ValohaiClient, type ClientOptions } from "../../infra/valohai/client";
import { describeErrorBody, ValohaiApiError } from "../../infra/valohai/errors";
import type { FakeValohai } from "../fake-valohai/server";
import { ORGANIZATION, TOKEN, useFakeValohai } from "./helpers";

const startFake = useFakeValohai();

function clientFor(fake: FakeValohai, options: Partial<ClientOptions> = {}) {
  const delays: number[] = [];
  const client = new ValohaiClient({
    apiUrl: fake.url,
    token: TOKEN,
    tokenSource: "the stack setting valohai-sso:apiToken",
    retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 8, maxRetryAfterMs: 5_000 },
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...options,
  });
  return { client, delays };
}

async function failure(promise: Promise<unknown>): Promise<ValohaiApiError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ValohaiApiError);
  return error as ValohaiApiError;
}

describe("ValohaiClient requests", () => {
  it("sends the token, JSON and trailing slashes", async () => {
    const fake = await startFake();
    const { client } = clientFor(fake);
    await client.post("teams/", { name: "ml", organization: ORGANIZATION });
    const [entry] = fake.log;
    expect(entry.method).toBe("POST");
    expect(entry.path).toBe("/api/v0/teams/");
    expect(entry.authorization).toBe(`Token ${TOKEN}`);
    expect(fake.teams.size).toBe(1);
  });

  it("list follows next across pages", async () => {
    const fake = await startFake();
    for (let i = 0; i < 5; i++) fake.addTeam(ORGANIZATION, `team-${i}`);
    fake.addTeam(ORGANIZATION + 1, "elsewhere");
    const { client } = clientFor(fake);
    const teams = await client.list<{ name: string }>("teams/", {
      organization: ORGANIZATION,
      limit: 2,
    });
    expect(teams.map((team) => team.name).sort()).toEqual([
      "team-0",
      "team-1",
      "team-2",
      "team-3",
      "team-4",
    ]);
    expect(fake.log).toHaveLength(3);
  });

  it("list keeps next links on the API host", async () => {
    const requests: string[] = [];
    const server = http.createServer((request, response) => {
      requests.push(`${request.headers.host} ${request.url}`);
      const url = new URL(request.url ?? "/", "http://unused");
      const offset = Number(url.searchParams.get("offset") ?? 0);
      const next = offset === 0 ? "http://127.0.0.1:1/api/v0/teams/?offset=1" : null;
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ count: 2, next, results: [{ offset }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = new ValohaiClient({ apiUrl: `http://127.0.0.1:${port}`, token: TOKEN });
      const results = await client.list<{ offset: number }>("teams/");
      expect(results).toEqual([{ offset: 0 }, { offset: 1 }]);
      expect(requests[1]).toBe(`127.0.0.1:${port} /api/v0/teams/?offset=1`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("HTML page with status 200 is an error", async () => {
    const server = http.createServer((_request, response) => {
      response.writeHead(200, { "Content-Type": "text/html" });
      response.end("<html><head><title>Sign in</title></head></html>");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = new ValohaiClient({ apiUrl: `http://127.0.0.1:${port}`, token: TOKEN });
      const error = await failure(client.get("teams/"));
      expect(error.status).toBe(200);
      expect(error.message).toContain('expected a JSON body, got HTML error page "Sign in"');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("401 names the token setting, not the token", async () => {
    const fake = await startFake({ token: "another-token" });
    const { client } = clientFor(fake);
    const error = await failure(client.get("teams/abc/"));
    expect(error.status).toBe(401);
    expect(error.message).toContain("Valohai rejected the API token");
    expect(error.message).toContain("valohai-sso:apiToken");
    expect(error.message).not.toContain(TOKEN);
    expect(fake.log).toHaveLength(1);
  });

  it("403 says an organization admin is needed", async () => {
    const fake = await startFake({ adminOf: [ORGANIZATION + 1] });
    const { client } = clientFor(fake);
    const error = await failure(client.list("teams/", { organization: ORGANIZATION }));
    expect(error.status).toBe(403);
    expect(error.message).toContain("must be an admin of the Valohai organization");
  });

  it("error carries method, URL and status", async () => {
    const fake = await startFake();
    const { client } = clientFor(fake);
    const error = await failure(client.get("teams/missing/"));
    expect(error.method).toBe("GET");
    expect(error.url).toBe(`${fake.url}/api/v0/teams/missing/`);
    expect(error.status).toBe(404);
    expect(error.message).toBe(
      `GET ${fake.url}/api/v0/teams/missing/ failed with HTTP 404: Not found.`,
    );
  });

  it("server text that contains the token is redacted", async () => {
    const server = http.createServer((request, response) => {
      response.writeHead(400, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ detail: `bad header ${request.headers.authorization}` }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = new ValohaiClient({ apiUrl: `http://127.0.0.1:${port}`, token: TOKEN });
      const error = await failure(client.get("teams/"));
      expect(error.message).toContain("bad header Token [redacted]");
      expect(error.message).not.toContain(TOKEN);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("ValohaiClient error bodies", () => {
  it.each([
    [
      "field errors",
      '{"name":[{"message":"Team with this name already exists.","code":"unique"}]}',
      "name: Team with this name already exists. (unique)",
    ],
    ["non_field_errors strings", '{"non_field_errors":["a","b"]}', "a; b"],
    [
      "non_field_errors objects",
      '{"non_field_errors":[{"message":"bad grant","code":"invalid"}]}',
      "bad grant (invalid)",
    ],
    [
      "code and detail",
      '{"code":"has_external_identity","detail":"use SSO"}',
      "code has_external_identity; use SSO",
    ],
    ["detail", '{"detail":"Not found."}', "Not found."],
    ["error", '{"error":"boom"}', "boom"],
    [
      "HTML page",
      "<html><head><title>502 Bad Gateway</title></head><body>x</body></html>",
      'HTML error page "502 Bad Gateway"',
    ],
    ["plain text", "upstream connect error", "upstream connect error"],
    ["empty body", "", "empty response body"],
  ])("describes %s", (_shape, body, expected) => {
    expect(describeErrorBody(body)).toBe(expected);
  });

  it("HTML error page from the server reads as its title", async () => {
    const fake = await startFake();
    fake.inject({ kind: "html", times: 10 });
    const { client } = clientFor(fake);
    const error = await failure(client.get("teams/x/"));
    expect(error.status).toBe(502);
    expect(error.message).toContain('HTML error page "502 Bad Gateway"');
  });
});

describe("ValohaiClient retries", () => {
  it("429 waits for Retry-After seconds", async () => {
    const fake = await startFake();
    const team = fake.addTeam(ORGANIZATION, "ml");
    fake.inject({ kind: "429", retryAfter: "2" });
    const { client, delays } = clientFor(fake);
    await client.get(`teams/${team.id}/`);
    expect(delays).toEqual([2_000]);
    expect(fake.log).toHaveLength(2);
  });

  it("429 Retry-After date is honoured and capped", async () => {
    const fake = await startFake();
    const team = fake.addTeam(ORGANIZATION, "ml");
    fake.inject({ kind: "429", retryAfter: new Date(Date.now() + 3_600_000).toUTCString() });
    const { client, delays } = clientFor(fake);
    await client.get(`teams/${team.id}/`);
    expect(delays).toEqual([5_000]);
  });

  it("parseRetryAfter reads seconds and dates", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("7", now)).toBe(7_000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("429 on POST is repeated", async () => {
    const fake = await startFake();
    fake.inject({ kind: "429", retryAfter: "0" });
    const { client } = clientFor(fake);
    await client.post("teams/", { name: "ml", organization: ORGANIZATION });
    expect(fake.teams.size).toBe(1);
    expect(fake.log).toHaveLength(2);
  });

  it.each(["503", "html", "reset"] as const)("GET is retried after %s", async (kind) => {
    const fake = await startFake();
    const team = fake.addTeam(ORGANIZATION, "ml");
    fake.inject({ kind, times: 2 });
    const { client, delays } = clientFor(fake);
    const body = await client.get<{ name: string }>(`teams/${team.id}/`);
    expect(body.name).toBe("ml");
    expect(fake.log).toHaveLength(3);
    expect(delays).toHaveLength(2);
  });

  it("backoff grows exponentially with jitter", async () => {
    const fake = await startFake();
    const team = fake.addTeam(ORGANIZATION, "ml");
    fake.inject({ kind: "503", times: 3 });
    const { client, delays } = clientFor(fake, {
      retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 300 },
      random: () => 0.5,
    });
    await client.get(`teams/${team.id}/`);
    expect(delays).toEqual([75, 150, 225]);
  });

  it("500 is not retried", async () => {
    const fake = await startFake();
    fake.inject({ kind: "500", times: 3 });
    const { client } = clientFor(fake);
    const error = await failure(client.get("teams/x/"));
    expect(error.status).toBe(500);
    expect(error.message).toContain("Internal server error");
    expect(fake.log).toHaveLength(1);
  });

  it("503 on POST is not repeated by request", async () => {
    const fake = await startFake();
    fake.inject({ kind: "503" });
    const { client } = clientFor(fake);
    const error = await failure(client.post("teams/", { name: "ml", organization: ORGANIZATION }));
    expect(error.status).toBe(503);
    expect(fake.log).toHaveLength(1);
  });

  it("gives up after the last attempt", async () => {
    const fake = await startFake();
    fake.inject({ kind: "503", times: 10 });
    const { client } = clientFor(fake);
    const error = await failure(client.get("teams/x/"));
    expect(error.status).toBe(503);
    expect(error.message).toContain("code service_unavailable; Try again later.");
    expect(fake.log).toHaveLength(4);
  });

  it("reset connection names the failure", async () => {
    const fake = await startFake();
    fake.inject({ kind: "reset", times: 10 });
    const { client } = clientFor(fake);
    const error = await failure(client.get("teams/x/"));
    expect(error.status).toBeUndefined();
    expect(error.message).toContain("no response, the connection failed: other side closed");
    expect(fake.log).toHaveLength(4);
  });

  it("slow answer times out and GET is retried", async () => {
    const fake = await startFake();
    const team = fake.addTeam(ORGANIZATION, "ml");
    fake.inject({ kind: "slow", delayMs: 2_000 });
    const { client } = clientFor(fake, { timeoutMs: 100 });
    const body = await client.get<{ name: string }>(`teams/${team.id}/`);
    expect(body.name).toBe("ml");
    expect(fake.log).toHaveLength(2);
  });

  it("timeout message names the limit", async () => {
    const fake = await startFake();
    fake.inject({ kind: "slow", delayMs: 2_000 });
    const { client } = clientFor(fake, { timeoutMs: 100 });
    const error = await failure(client.post("teams/", { name: "ml", organization: ORGANIZATION }));
    expect(error.status).toBeUndefined();
    expect(error.message).toContain("timed out after 100 ms");
    expect(error.outcomeUnknown).toBe(true);
  });

  it("requests in flight stay within the limit", async () => {
    const fake = await startFake();
    const team = fake.addTeam(ORGANIZATION, "ml");
    fake.inject({ kind: "slow", delayMs: 30, times: 12 });
    const { client } = clientFor(fake, { maxInFlight: 3 });
    await Promise.all(Array.from({ length: 12 }, () => client.get(`teams/${team.id}/`)));
    expect(fake.log).toHaveLength(12);
    expect(fake.maxConcurrent).toBeLessThanOrEqual(3);
    expect(fake.maxConcurrent).toBeGreaterThan(1);
  });
});

describe("ValohaiClient createOnce", () => {
  const findTeam = (fake: FakeValohai) => async () =>
    [...fake.teams.values()].find((team) => team.name === "ml");

  it("lost response finds the created object", async () => {
    const fake = await startFake();
    fake.inject({ kind: "lost", method: "POST" });
    const { client } = clientFor(fake);
    const team = await client.createOnce<{ id: string }>(
      "teams/",
      { name: "ml", organization: ORGANIZATION },
      findTeam(fake),
    );
    expect(fake.teams.size).toBe(1);
    expect(team.id).toBe([...fake.teams.keys()][0]);
    expect(fake.log.filter((entry) => entry.method === "POST")).toHaveLength(1);
  });

  it("503 repeats the POST", async () => {
    const fake = await startFake();
    fake.inject({ kind: "503", method: "POST" });
    const { client } = clientFor(fake);
    let lookups = 0;
    await client.createOnce("teams/", { name: "ml", organization: ORGANIZATION }, async () => {
      lookups++;
      return undefined;
    });
    expect(fake.teams.size).toBe(1);
    expect(lookups).toBe(0);
  });

  it("reset before handling repeats the POST once", async () => {
    const fake = await startFake();
    fake.inject({ kind: "reset", method: "POST" });
    const { client } = clientFor(fake);
    await client.createOnce("teams/", { name: "ml", organization: ORGANIZATION }, findTeam(fake));
    expect(fake.teams.size).toBe(1);
  });

  it("500 on POST looks once, then fails", async () => {
    const fake = await startFake();
    fake.inject({ kind: "500", method: "POST" });
    const { client } = clientFor(fake);
    let lookups = 0;
    const error = await failure(
      client.createOnce("teams/", { name: "ml", organization: ORGANIZATION }, async () => {
        lookups++;
        return undefined;
      }),
    );
    expect(error.status).toBe(500);
    expect(lookups).toBe(1);
    expect(fake.log).toHaveLength(1);
  });
});
