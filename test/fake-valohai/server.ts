import { randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A fake Valohai API on 127.0.0.1 for tests and benchmarks. It serves teams and access grants under
 * /api/v0/ with the shapes the providers expect, rejects requests without the expected token,
 * keeps its objects in memory, logs every request, and fails requests on demand.
 */

export type FaultKind =
  | "429" // 429 with Retry-After, before the request is handled
  | "500" // 500 with a JSON body, before the request is handled
  | "503" // 503 with a JSON body, before the request is handled
  | "html" // 502 with an HTML page, before the request is handled
  | "reset" // connection destroyed before the request is handled
  | "slow" // handled normally after `delayMs`
  | "lost"; // handled, then the connection is destroyed so the response never arrives

export interface Fault {
  kind: FaultKind;
  /** Requests that get this fault; default 1. */
  times?: number;
  method?: string;
  /** Applies only to paths that start with this, such as "/api/v0/teams/". */
  pathPrefix?: string;
  /** Retry-After value for a 429: seconds, or an HTTP date. */
  retryAfter?: string;
  delayMs?: number;
}

export interface RandomFaults {
  /** Share of requests that fail, from 0 to 1. */
  rate: number;
  kinds: FaultKind[];
  /** Seeded generator, so a failing run can be repeated. */
  random: () => number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization?: string;
  status?: number;
  fault?: FaultKind;
}

export interface FakeTeam {
  id: string;
  name: string;
  organization: number;
}

export interface FakeGrant {
  id: string;
  organization: number;
  grant_ids: string[];
  teams: string[];
}

export interface FakeValohaiOptions {
  /** The token that requests must send as `Authorization: Token <token>`. */
  token: string;
  /** Organizations where the token's user is an admin; others get 403. Default: all. */
  adminOf?: number[];
  /** Page size of listings when the client sends no `limit`; default 2, so paging is exercised. */
  pageSize?: number;
}

export class FakeValohai {
  readonly teams = new Map<string, FakeTeam>();
  readonly grants = new Map<string, FakeGrant>();
  readonly log: LoggedRequest[] = [];
  randomFaults?: RandomFaults;
  /** The token that requests must send; a test may change it to mimic a rotated token. */
  token: string;
  /** The largest number of requests that were open at the same time. */
  maxConcurrent = 0;
  private concurrent = 0;
  private readonly faults: Fault[] = [];
  private readonly server: http.Server;
  private baseUrl = "";

  constructor(private readonly options: FakeValohaiOptions) {
    this.token = options.token;
    this.server = http.createServer((request, response) => {
      this.concurrent++;
      this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
      response.on("close", () => this.concurrent--);
      this.handle(request, response).catch((error: unknown) => {
        response.destroy(error instanceof Error ? error : undefined);
      });
    });
  }

  /** The URL to give the client as `apiUrl`, such as http://127.0.0.1:40123. */
  get url(): string {
    return this.baseUrl;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Queues a fault for the next matching requests. */
  inject(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Requests that may have changed state: POST, PUT and DELETE that reached the handler. */
  writes(): LoggedRequest[] {
    return this.log.filter(
      (entry) => entry.method !== "GET" && (entry.fault === undefined || entry.fault === "lost"),
    );
  }

  addTeam(organization: number, name: string): FakeTeam {
    const team = { id: randomUUID(), name, organization };
    this.teams.set(team.id, team);
    return team;
  }

  addGrant(organization: number, grantIds: string[], teams: string[]): FakeGrant {
    const grant = { id: randomUUID(), organization, grant_ids: grantIds, teams };
    this.grants.set(grant.id, grant);
    return grant;
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse) {
    const url = new URL(request.url ?? "/", this.baseUrl);
    const entry: LoggedRequest = {
      method: request.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: request.headers.authorization,
    };
    this.log.push(entry);
    const body = await readBody(request);
    const fault = this.takeFault(entry);
    entry.fault = fault?.kind;
    if (fault && fault.kind !== "slow" && fault.kind !== "lost") {
      entry.status = sendFault(response, fault);
      return;
    }
    if (fault?.kind === "slow") {
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 1_000));
      if (response.destroyed || request.socket.destroyed) return;
    }
    const [status, payload] = this.route(entry, url, body);
    entry.status = status;
    if (fault?.kind === "lost") {
      request.socket.destroy();
      return;
    }
    send(response, status, payload);
  }

  private takeFault(entry: LoggedRequest): Fault | undefined {
    const index = this.faults.findIndex(
      (fault) =>
        (fault.method === undefined || fault.method === entry.method) &&
        (fault.pathPrefix === undefined || entry.path.startsWith(fault.pathPrefix)),
    );
    if (index >= 0) {
      const fault = this.faults[index];
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) this.faults.splice(index, 1);
      return fault;
    }
    const random = this.randomFaults;
    if (random && random.random() < random.rate) {
      const kind = random.kinds[Math.floor(random.random() * random.kinds.length)];
      return { kind, retryAfter: "0" };
    }
    return undefined;
  }

  private route(entry: LoggedRequest, url: URL, body: unknown): [number, unknown] {
    if (entry.authorization !== `Token ${this.token}`) {
      return [401, { detail: "Invalid token." }];
    }
    const match = /^\/api\/v0\/(teams|access-grants)\/(?:([^/]+)\/)?$/.exec(url.pathname);
    if (!match) return [404, { detail: "Not found." }];
    const [, collection, id] = match;
    const store = collection === "teams" ? this.teams : this.grants;
    if (id === undefined) {
      if (entry.method === "GET") return this.listing(store, url);
      if (entry.method === "POST") {
        return collection === "teams" ? this.createTeam(body) : this.createGrant(body);
      }
      return [405, { detail: `Method "${entry.method}" not allowed.` }];
    }
    const existing = store.get(id);
    if (!existing) return [404, { detail: "Not found." }];
    if (!this.isAdmin(existing.organization)) return forbidden();
    if (entry.method === "GET") return [200, this.present(collection, existing)];
    if (entry.method === "DELETE") {
      store.delete(id);
      return [204, undefined];
    }
    if (entry.method === "PUT") {
      return collection === "teams"
        ? this.updateTeam(existing as FakeTeam, body)
        : this.updateGrant(existing as FakeGrant, body);
    }
    return [405, { detail: `Method "${entry.method}" not allowed.` }];
  }

  private listing(store: Map<string, FakeTeam | FakeGrant>, url: URL): [number, unknown] {
    const organization = Number(url.searchParams.get("organization"));
    if (!Number.isInteger(organization) || organization <= 0) {
      return [400, { organization: [{ message: "This field is required.", code: "required" }] }];
    }
    if (!this.isAdmin(organization)) return forbidden();
    const limit = Number(url.searchParams.get("limit") ?? this.options.pageSize ?? 2);
    const offset = Number(url.searchParams.get("offset") ?? 0);
    const all = [...store.values()].filter((item) => item.organization === organization);
    const collection = url.pathname.includes("teams") ? "teams" : "access-grants";
    const next = new URL(url);
    next.searchParams.set("limit", String(limit));
    next.searchParams.set("offset", String(offset + limit));
    return [
      200,
      {
        count: all.length,
        next: offset + limit < all.length ? next.toString() : null,
        previous: null,
        results: all
          .slice(offset, offset + limit)
          .map((item) => this.present(collection, item, true)),
      },
    ];
  }

  private createTeam(body: unknown): [number, unknown] {
    const { name, organization } = (body ?? {}) as { name?: unknown; organization?: unknown };
    if (typeof name !== "string" || name === "") {
      return [400, { name: [{ message: "This field is required.", code: "required" }] }];
    }
    if (typeof organization !== "number") {
      return [400, { non_field_errors: ["organization must be an integer"] }];
    }
    if (!this.isAdmin(organization)) return forbidden();
    if (this.teamNameTaken(organization, name)) return teamNameTaken();
    const team = this.addTeam(organization, name);
    return [201, { ...this.present("teams", team, true), organization }];
  }

  private updateTeam(team: FakeTeam, body: unknown): [number, unknown] {
    const { name } = (body ?? {}) as { name?: unknown };
    if (typeof name !== "string" || name === "") {
      return [400, { name: [{ message: "This field is required.", code: "required" }] }];
    }
    if (name !== team.name && this.teamNameTaken(team.organization, name)) return teamNameTaken();
    team.name = name;
    return [200, this.present("teams", team)];
  }

  private createGrant(body: unknown): [number, unknown] {
    const fields = this.grantFields(body);
    if (!Array.isArray(fields)) return [400, fields.error];
    const [organization, grantIds, teams] = fields;
    if (!this.isAdmin(organization)) return forbidden();
    const grant = this.addGrant(organization, grantIds, teams);
    return [201, this.present("access-grants", grant)];
  }

  private updateGrant(grant: FakeGrant, body: unknown): [number, unknown] {
    const fields = this.grantFields(body);
    if (!Array.isArray(fields)) return [400, fields.error];
    [grant.organization, grant.grant_ids, grant.teams] = fields;
    return [200, this.present("access-grants", grant)];
  }

  private grantFields(body: unknown): [number, string[], string[]] | { error: unknown } {
    const { organization, grant_ids, teams } = (body ?? {}) as Record<string, unknown>;
    if (typeof organization !== "number") {
      return { error: { code: "invalid", detail: "organization must be an integer" } };
    }
    if (!isStringList(grant_ids) || grant_ids.length === 0) {
      return { error: { non_field_errors: [{ message: "grant_ids must not be empty" }] } };
    }
    if (!isStringList(teams)) return { error: { error: "teams must be a list of team IDs" } };
    const missing = teams.filter((teamId) => !this.teams.has(teamId));
    if (missing.length > 0) {
      return {
        error: {
          teams: [{ message: `unknown team ${missing.join(", ")}`, code: "does_not_exist" }],
        },
      };
    }
    return [organization, [...grant_ids], [...teams]];
  }

  private present(collection: string, item: FakeTeam | FakeGrant, brief = false) {
    const url = `${this.baseUrl}/api/v0/${collection}/${item.id}/`;
    if (collection === "teams" && !brief) {
      const organization = { id: item.organization, name: `org-${item.organization}` };
      return { ...item, url, organization, members: [], projects: [] };
    }
    return { ...item, url };
  }

  private teamNameTaken(organization: number, name: string): boolean {
    return [...this.teams.values()].some(
      (team) => team.organization === organization && team.name === name,
    );
  }

  private isAdmin(organization: number): boolean {
    return this.options.adminOf === undefined || this.options.adminOf.includes(organization);
  }
}

function teamNameTaken(): [number, unknown] {
  return [400, { name: [{ message: "Team with this name already exists.", code: "unique" }] }];
}

function forbidden(): [number, unknown] {
  return [403, { detail: "You do not have permission to perform this action." }];
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

async function readBody(request: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : undefined;
}

function send(response: http.ServerResponse, status: number, payload: unknown) {
  if (payload === undefined) {
    response.writeHead(status).end();
    return;
  }
  response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(payload));
}

/** Sends the fault's response instead of handling the request, and returns its status. */
function sendFault(response: http.ServerResponse, fault: Fault): number | undefined {
  switch (fault.kind) {
    case "429":
      response
        .writeHead(429, {
          "Content-Type": "application/json",
          "Retry-After": fault.retryAfter ?? "1",
        })
        .end(JSON.stringify({ detail: "Request was throttled." }));
      return 429;
    case "500":
      send(response, 500, { error: "Internal server error" });
      return 500;
    case "503":
      send(response, 503, { code: "service_unavailable", detail: "Try again later." });
      return 503;
    case "html":
      response
        .writeHead(502, { "Content-Type": "text/html" })
        .end("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>");
      return 502;
    default:
      response.socket?.destroy();
      return undefined;
  }
}

/** Starts a fake Valohai server on a random port of 127.0.0.1. */
export function startFakeValohai(options: FakeValohaiOptions): Promise<FakeValohai> {
  return new FakeValohai(options).start();
}

/** A small seeded generator (mulberry32), so fault patterns repeat from run to run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
