import { describe, expect, it } from "vitest";
import {
  MAX_PAGES,
  parseRetryAfter,
  ValohaiClient,
  type ClientOptions,
} from "../../infra/valohai/client";
import { ValohaiApiError } from "../../infra/valohai/errors";
import { ORGANIZATION, TOKEN, useFakeValohai } from "./helpers";
import { useScriptedServer, type ScriptedResponse } from "./scripted-server";

const startFake = useFakeValohai();
const startServer = useScriptedServer();

function clientAt(apiUrl: string, options: Partial<ClientOptions> = {}) {
  const delays: number[] = [];
  const client = new ValohaiClient({
    apiUrl,
    token: TOKEN,
    retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 4, maxRetryAfterMs: 5_000 },
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

/** Joins every text an error carries: message, URL, stack and the messages and stacks of its causes. */
function allText(error: unknown, depth = 0): string {
  if (depth > 6 || error === undefined || error === null) return "";
  if (!(error instanceof Error)) return String(error);
  const nested = error instanceof AggregateError ? error.errors : [];
  return [
    error.message,
    error.stack ?? "",
    (error as { url?: string }).url ?? "",
    allText(error.cause, depth + 1),
    ...nested.map((inner: unknown) => allText(inner, depth + 1)),
  ].join("\n");
}

const page = (results: unknown[], next: string | null): ScriptedResponse => ({
  status: 200,
  body: { count: results.length, next, results },
});

describe("ValohaiClient paging limits", () => {
  it("list stops when next repeats the page", async () => {
    const server = await startServer((request) => page([{ path: request.path }], request.path));
    const { client } = clientAt(server.url);
    const error = await failure(client.list("teams/"));
    expect(error.message).toContain("already fetched");
    expect(error.url).toBe(`${server.url}/api/v0/teams/?limit=100`);
    expect(server.requests).toHaveLength(1);
  });

  it("list stops when two pages point at each other", async () => {
    const server = await startServer((request) =>
      request.path.includes("offset=1")
        ? page([2], "/api/v0/teams/?offset=0")
        : page([1], "/api/v0/teams/?offset=1"),
    );
    const { client } = clientAt(server.url);
    const error = await failure(client.list("teams/"));
    expect(error.message).toContain("already fetched");
    expect(error.url).toBe(`${server.url}/api/v0/teams/?offset=1`);
    expect(server.requests).toHaveLength(3);
  });

  it("list stops after the page limit", async () => {
    const server = await startServer((request) => {
      const offset = Number(new URL(request.path, "http://unused").searchParams.get("offset") ?? 0);
      return page([offset], `/api/v0/teams/?offset=${offset + 1}`);
    });
    const { client } = clientAt(server.url);
    const error = await failure(client.list("teams/"));
    expect(error.message).toContain(`more than ${MAX_PAGES} pages`);
    expect(error.url).toBe(`${server.url}/api/v0/teams/?offset=${MAX_PAGES}`);
    expect(server.requests).toHaveLength(MAX_PAGES);
  });

  it.each([
    ["no results field", { count: 0, next: null }],
    ["an empty body", undefined],
    ["null", null],
  ])("listing with %s is an API error", async (_case, body) => {
    const server = await startServer(() => ({ status: 200, body }));
    const { client } = clientAt(server.url);
    const error = await failure(client.list("teams/"));
    expect(error.status).toBe(200);
    expect(error.url).toBe(`${server.url}/api/v0/teams/?limit=100`);
    expect(error.message).toContain('expected a listing with a "results" list');
  });
});

describe("ValohaiClient 404 bodies", () => {
  it("JSON 404 counts as not found", async () => {
    const fake = await startFake();
    const { client } = clientAt(fake.url);
    const error = await failure(client.get("teams/missing/"));
    expect(error.status).toBe(404);
    expect(error.notFound).toBe(true);
  });

  it("HTML 404 is not found of the URL, not the object", async () => {
    const server = await startServer(() => ({
      status: 404,
      contentType: "text/html",
      body: "<html><head><title>404 Not Found</title></head></html>",
    }));
    const { client } = clientAt(server.url);
    const error = await failure(client.get("teams/abc/"));
    expect(error.status).toBe(404);
    expect(error.notFound).toBe(false);
    expect(error.message).toContain("URL may be wrong");
    expect(error.message).toContain("valohai-sso:apiUrl");
  });
});

describe("ValohaiClient token redaction", () => {
  it("next link with the token is redacted", async () => {
    const server = await startServer((request) =>
      request.path.includes("offset=1")
        ? { status: 400, body: { detail: `bad page ${request.path}` } }
        : page([1], `/api/v0/teams/?offset=1&access_token=${TOKEN}`),
    );
    const { client } = clientAt(server.url);
    const error = await failure(client.list("teams/"));
    expect(error.status).toBe(400);
    expect(error.url).toBe(`${server.url}/api/v0/teams/?offset=1&access_token=[redacted]`);
    expect(allText(error)).not.toContain(TOKEN);
  });

  it("token encoded in a URL is redacted", async () => {
    const token = "tok/en+with=chars";
    const server = await startServer((request) =>
      request.path.includes("offset=1")
        ? { status: 400, body: { detail: "bad page" } }
        : page([1], `/api/v0/teams/?offset=1&access_token=${encodeURIComponent(token)}`),
    );
    const { client } = clientAt(server.url, { token });
    const error = await failure(client.list("teams/"));
    expect(allText(error)).not.toContain(encodeURIComponent(token));
    expect(allText(error)).not.toContain(token);
  });

  it("token across the 200-character cut is redacted", async () => {
    const body = `${"x".repeat(190)} ${TOKEN} ${"y".repeat(50)}`;
    const server = await startServer(() => ({ status: 400, body }));
    const { client } = clientAt(server.url);
    const error = await failure(client.get("teams/"));
    expect(error.message).toMatch(/\[redact/);
    expect(allText(error)).not.toContain(TOKEN.slice(0, 8));
  });

  it("invalid JSON keeps no body excerpt as cause", async () => {
    const server = await startServer(() => ({ status: 200, body: `xx ${TOKEN}` }));
    const { client } = clientAt(server.url);
    const error = await failure(client.get("teams/"));
    expect(error.message).toContain("expected a JSON body");
    expect(allText(error)).not.toContain(TOKEN);
    expect(allText(error)).not.toContain(TOKEN.slice(0, 6));
  });
});

describe("ValohaiClient attempt limits", () => {
  it("429 on create stays within the attempt limit", async () => {
    const fake = await startFake();
    fake.inject({ kind: "429", method: "POST", retryAfter: "0", times: 30 });
    const { client } = clientAt(fake.url);
    const error = await failure(
      client.createOnce(
        "teams/",
        { name: "ml", organization: ORGANIZATION },
        async () => undefined,
      ),
    );
    expect(error.status).toBe(429);
    expect(fake.log.filter((entry) => entry.method === "POST")).toHaveLength(4);
  });

  it("Retry-After waits stop at the total limit", async () => {
    const fake = await startFake();
    fake.inject({ kind: "429", retryAfter: "3", times: 30 });
    const { client, delays } = clientAt(fake.url, {
      retry: { maxAttempts: 10, maxRetryAfterMs: 5_000, maxTotalWaitMs: 7_000 },
    });
    const error = await failure(client.get("teams/x/"));
    expect(error.status).toBe(429);
    expect(delays).toEqual([3_000, 3_000]);
    expect(fake.log).toHaveLength(3);
  });

  it("create Retry-After waits stop at the total limit", async () => {
    const fake = await startFake();
    fake.inject({ kind: "429", method: "POST", retryAfter: "3", times: 30 });
    const { client, delays } = clientAt(fake.url, {
      retry: { maxAttempts: 10, maxRetryAfterMs: 5_000, maxTotalWaitMs: 7_000 },
    });
    const body = { name: "ml", organization: ORGANIZATION };
    await failure(client.createOnce("teams/", body, async () => undefined));
    expect(delays).toEqual([3_000, 3_000]);
  });

  it.each([
    ["-5", undefined],
    ["-0", undefined],
    ["1.5", 1_500],
    ["0.25", 250],
    ["0", 0],
    ["+3", undefined],
    ["1e3", undefined],
  ])("parseRetryAfter reads %s", (value, expected) => {
    expect(parseRetryAfter(value, Date.parse("2026-01-01T00:00:00Z"))).toBe(expected);
  });

  it("negative Retry-After falls back to backoff", async () => {
    const fake = await startFake();
    const team = fake.addTeam(ORGANIZATION, "ml");
    fake.inject({ kind: "429", retryAfter: "-5" });
    const { client, delays } = clientAt(fake.url, {
      retry: { maxAttempts: 4, baseDelayMs: 8, maxDelayMs: 8 },
      random: () => 0.5,
    });
    await client.get(`teams/${team.id}/`);
    expect(delays).toEqual([6]);
  });
});

describe("ValohaiClient create responses", () => {
  const body = { name: "ml", organization: ORGANIZATION };

  it.each([
    ["an object without id", { name: "ml" }],
    ["null", null],
    ["a list", [{ id: "a" }]],
    ["an empty body", undefined],
    ["an empty id", { id: "" }],
  ])("2xx with %s and no match fails", async (_case, response) => {
    const server = await startServer(() => ({ status: 201, body: response }));
    const { client } = clientAt(server.url);
    let lookups = 0;
    const error = await failure(
      client.createOnce("teams/", body, async () => {
        lookups++;
        return undefined;
      }),
    );
    expect(error.status).toBe(201);
    expect(error.url).toBe(`${server.url}/api/v0/teams/`);
    expect(error.message).toContain("no object ID");
    expect(error.message).toContain("may have gone through");
    expect(lookups).toBe(1);
  });

  it("2xx without id and failed lookup name both", async () => {
    const server = await startServer(() => ({ status: 201, body: {} }));
    const { client } = clientAt(server.url);
    const error = await failure(
      client.createOnce("teams/", body, async () => {
        throw new Error("listing teams broke");
      }),
    );
    expect(error.status).toBe(201);
    expect(error.message).toContain("no object ID");
    expect(error.message).toContain("may have gone through");
    expect(error.message).toContain("listing teams broke");
  });

  it("2xx without id returns the object found", async () => {
    const server = await startServer(() => ({ status: 201, body: {} }));
    const { client } = clientAt(server.url);
    const team = await client.createOnce("teams/", body, async () => ({ id: 12, name: "ml" }));
    expect(team.id).toBe("12");
  });

  it("numeric id becomes a string", async () => {
    const server = await startServer(() => ({ status: 201, body: { id: 42, name: "ml" } }));
    const { client } = clientAt(server.url);
    const team = await client.createOnce("teams/", body, async () => undefined);
    expect(team.id).toBe("42");
  });

  it("timed-out create and failed lookup name both", async () => {
    const fake = await startFake();
    fake.inject({ kind: "slow", method: "POST", delayMs: 2_000 });
    const { client } = clientAt(fake.url, { timeoutMs: 100 });
    const error = await failure(
      client.createOnce("teams/", body, async () => {
        throw new Error("listing teams broke");
      }),
    );
    expect(error.message).toContain("may have gone through");
    expect(error.message).toContain("timed out after 100 ms");
    expect(error.message).toContain("listing teams broke");
    expect(error.cause).toBeInstanceOf(AggregateError);
    expect((error.cause as AggregateError).errors).toHaveLength(2);
  });
});

describe("ValohaiClient apiUrl path", () => {
  it.each(["/valohai/", "/valohai"])("apiUrl path %s is kept", async (path) => {
    const server = await startServer(() => ({ status: 200, body: { id: "a" } }));
    const { client } = clientAt(`${server.url}${path}`);
    await client.get("teams/a/");
    expect(server.requests[0].path).toBe("/valohai/api/v0/teams/a/");
  });

  it("next link without the path prefix gets it", async () => {
    const server = await startServer((request) =>
      request.path.includes("offset=1") ? page([2], null) : page([1], "/api/v0/teams/?offset=1"),
    );
    const { client } = clientAt(`${server.url}/valohai/`);
    expect(await client.list("teams/")).toEqual([1, 2]);
    expect(server.requests.map((request) => request.path)).toEqual([
      "/valohai/api/v0/teams/?limit=100",
      "/valohai/api/v0/teams/?offset=1",
    ]);
  });
});
