import { API_PREFIX, objectIdOf } from "./contract";
import {
  describeErrorBody,
  describeNetworkError,
  redactedError,
  redactSecret,
  ValohaiApiError,
} from "./errors";

/**
 * A small client for Valohai's REST API, shared by the team and access-grant providers. It uses the
 * global `fetch` and no imported packages, because Pulumi serializes the providers that call it.
 *
 * Every attempt has a timeout. A request is retried with exponential backoff and jitter on 429
 * (after `Retry-After` when given), and on 502, 503, 504, timeouts and connection errors when its
 * method is safe to repeat (GET, PUT, DELETE). A POST is repeated only after a 429, because a rate
 * limiter rejects a request before it is handled. `createOnce` covers the other failures of a create.
 * The attempt limit and the limit on total waiting hold for one request, `createOnce` included.
 */

export interface RetryOptions {
  /** Attempts per request, the first included; default 5. */
  maxAttempts: number;
  /** Backoff before the second attempt in milliseconds, doubled for each later one; default 500. */
  baseDelayMs: number;
  /** Upper bound of one backoff in milliseconds; default 20000. */
  maxDelayMs: number;
  /** Upper bound of a wait that `Retry-After` requests, in milliseconds; default 60000. */
  maxRetryAfterMs: number;
  /**
   * Upper bound of all waits of one request in milliseconds, `Retry-After` included; default
   * 120000. A request gives up with its last error rather than wait beyond it.
   */
  maxTotalWaitMs: number;
}

export interface ClientOptions {
  /** Base URL of the Valohai installation, such as https://app.valohai.com. */
  apiUrl: string;
  /** Personal API token of an organization admin. */
  token: string;
  /** Setting or variable the token came from, named when Valohai rejects it. */
  tokenSource?: string;
  /** Time limit for one HTTP attempt in milliseconds; default 30000. */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** Requests in flight at once in this process, across all clients; default 4. */
  maxInFlight?: number;
  /** Source of jitter in [0, 1); tests pass a seeded generator. */
  random?: () => number;
  /** Waits between attempts; tests pass one that records the delays. */
  sleep?: (ms: number) => Promise<void>;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number>;
}

export interface Page<T> {
  count?: number;
  next: string | null;
  results: T[];
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_IN_FLIGHT = 4;
export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
  maxTotalWaitMs: 120_000,
};

/**
 * Pages that one listing may have: 100,000 objects at 100 per page, an estimate well above the
 * teams or grants of one organization.
 */
export const MAX_PAGES = 1000;

const SAFE_TO_REPEAT = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"];

/** A successful response: its status and its parsed JSON body, undefined when it was empty. */
interface Exchange<T> {
  status: number;
  body: T;
}

export class ValohaiClient {
  readonly baseUrl: string;
  private readonly retry: RetryOptions;
  private readonly timeoutMs: number;
  private readonly limiter: RequestLimiter;

  constructor(private readonly options: ClientOptions) {
    // A relative prefix keeps a path in apiUrl, such as https://example.com/valohai/.
    const root = options.apiUrl.endsWith("/") ? options.apiUrl : `${options.apiUrl}/`;
    this.baseUrl = new URL(API_PREFIX.replace(/^\//, ""), root).toString();
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.limiter = processLimiter(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
  }

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>("GET", path, options);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("POST", path, { body });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PUT", path, { body });
  }

  async delete(path: string): Promise<void> {
    await this.request<void>("DELETE", path);
  }

  /**
   * Fetches every page of a limit/offset listing by following `next`. Fails when a `next` link
   * repeats a page already fetched or the listing exceeds MAX_PAGES, so paging always ends.
   */
  async list<T>(path: string, query: Record<string, string | number> = {}): Promise<T[]> {
    const results: T[] = [];
    const fetched = new Set<string>();
    let url: string | null = this.url(path, { limit: 100, ...query });
    let status = 200;
    while (url) {
      if (fetched.has(url)) {
        throw this.error(
          "GET",
          url,
          status,
          "the listing's next link points to a page already fetched, so paging would never end",
        );
      }
      if (fetched.size >= MAX_PAGES) {
        throw this.error(
          "GET",
          url,
          status,
          `the listing has more than ${MAX_PAGES} pages, so paging stopped`,
        );
      }
      fetched.add(url);
      const page: Exchange<unknown> = await this.exchange<unknown>("GET", url);
      status = page.status;
      const { items, next }: { items: T[]; next: string | null } = this.pageOf<T>(url, page);
      results.push(...items);
      url = next === null ? null : this.onApiHost(next);
    }
    return results;
  }

  /** Checks that a page of a listing has a `results` list. */
  private pageOf<T>(url: string, page: Exchange<unknown>): { items: T[]; next: string | null } {
    const body = page.body as Partial<Page<T>> | null | undefined;
    if (!body || typeof body !== "object" || !Array.isArray(body.results)) {
      const detail = `expected a listing with a "results" list, got ${describeShape(page.body)}`;
      throw this.error("GET", url, page.status, detail);
    }
    const next = typeof body.next === "string" && body.next !== "" ? body.next : null;
    return { items: body.results, next };
  }

  /**
   * Moves a `next` link onto the configured API host. A server behind a proxy may name its
   * internal host there, and the token must go to no host but the configured one. A link without
   * the path prefix of apiUrl gets it back.
   */
  private onApiHost(link: string): string {
    const parsed = new URL(link, this.baseUrl);
    const base = new URL(this.baseUrl);
    let path = parsed.pathname;
    if (!path.startsWith(base.pathname) && path.startsWith(API_PREFIX)) {
      path = `${base.pathname}${path.slice(API_PREFIX.length)}`;
    }
    return new URL(`${path}${parsed.search}`, base.origin).toString();
  }

  /**
   * Creates an object with POST without making a second one, and returns it with its `id` as a
   * string. When a POST fails in a way that leaves its outcome unknown (no response, 500, 502,
   * 504), `findExisting` looks for the object first. A transient failure (429, 502, 503, 504, no
   * response) then repeats the POST with backoff, within the same attempt limit as any request. A
   * success without an object ID also goes to `findExisting`.
   */
  async createOnce<T extends object>(
    path: string,
    body: unknown,
    findExisting: () => Promise<T | undefined>,
  ): Promise<T & { id: string }> {
    const url = this.url(path);
    let waitedMs = 0;
    for (let attempt = 1; ; attempt++) {
      let created: Exchange<unknown>;
      try {
        created = await this.limiter.run(() => this.attempt<unknown>("POST", url, body));
      } catch (error) {
        if (!(error instanceof ValohaiApiError)) throw error;
        if (error.outcomeUnknown) {
          const existing = await this.findAfterFailedCreate(error, findExisting);
          if (existing !== undefined) return this.withId(url, error.status, existing);
        }
        const delayMs = this.retryDelayMs("POST", error, attempt, waitedMs, true);
        if (delayMs === undefined) throw error;
        waitedMs += delayMs;
        await this.pause(delayMs);
        continue;
      }
      if (objectIdOf(created.body) !== undefined) {
        return this.withId(url, created.status, created.body as T);
      }
      const missingId = this.error(
        "POST",
        url,
        created.status,
        `the response has no object ID (got ${describeShape(created.body)}), and no matching ` +
          "object was found. The create may have gone through: check Valohai for the object " +
          "before running again.",
      );
      const existing = await this.findAfterFailedCreate(missingId, findExisting);
      if (existing !== undefined) return this.withId(url, created.status, existing);
      throw missingId;
    }
  }

  /** Runs the lookup after a create with an unknown outcome, naming both failures if it fails. */
  private async findAfterFailedCreate<T>(
    createError: ValohaiApiError,
    findExisting: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    try {
      return await findExisting();
    } catch (lookupError) {
      const lookupMessage =
        lookupError instanceof Error ? lookupError.message : String(lookupError);
      throw new ValohaiApiError(
        createError.method,
        createError.url,
        createError.status,
        `the create may have gone through, because its outcome is unknown ` +
          `(${createError.message}), and looking for the object afterwards failed ` +
          `(${lookupMessage}). Check Valohai for the object before running again.`,
        { cause: new AggregateError([createError, lookupError], "create and lookup failed") },
      );
    }
  }

  /** Returns the object with its `id` as a string, or fails when it has none. */
  private withId<T extends object>(url: string, status: number | undefined, object: T) {
    const id = objectIdOf(object);
    if (id === undefined) {
      const detail = `the created object has no ID (got ${describeShape(object)})`;
      throw this.error("POST", url, status, detail);
    }
    return { ...object, id };
  }

  /** Sends one request; `path` is relative to /api/v0/ or an absolute URL from a `next` link. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.exchange<T>(method, path, options)).body;
  }

  private async exchange<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<Exchange<T>> {
    const url = /^https?:\/\//.test(path) ? path : this.url(path, options.query);
    let waitedMs = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.limiter.run(() => this.attempt<T>(method, url, options.body));
      } catch (error) {
        const delayMs = this.retryDelayMs(method, error, attempt, waitedMs, false);
        if (delayMs === undefined) throw error;
        waitedMs += delayMs;
        await this.pause(delayMs);
      }
    }
  }

  private async attempt<T>(method: string, url: string, body: unknown): Promise<Exchange<T>> {
    const headers: Record<string, string> = {
      Accept: "application/json",
      Authorization: `Token ${this.options.token}`,
    };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const message = describeNetworkError(error, this.timeoutMs);
      throw this.error(method, url, undefined, message, { cause: error });
    }
    // Redacted before any excerpt is cut from it, so no part of the token survives a cut.
    const safeText = this.redact(text);
    const parsed = parseJson(safeText);
    if (!response.ok) {
      const jsonBody = parsed !== NOT_JSON;
      throw this.error(
        method,
        url,
        response.status,
        this.describeFailure(response.status, safeText, jsonBody),
        {
          retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
          jsonBody,
        },
      );
    }
    if (!text) return { status: response.status, body: undefined as T };
    if (parsed === NOT_JSON) {
      // The parser's own error is left out, because its message quotes the body.
      const detail = `expected a JSON body, got ${describeErrorBody(safeText)}`;
      throw this.error(method, url, response.status, detail);
    }
    return { status: response.status, body: parsed as T };
  }

  /** Builds an error with the token removed from its URL, message and causes. */
  private error(
    method: string,
    url: string,
    status: number | undefined,
    message: string,
    options: { cause?: unknown; retryAfterMs?: number; jsonBody?: boolean } = {},
  ): ValohaiApiError {
    const cause =
      options.cause === undefined ? undefined : redactedError(options.cause, this.options.token);
    return new ValohaiApiError(method, this.redact(url), status, this.redact(message), {
      ...options,
      cause,
    });
  }

  /** The wait before the next attempt, or undefined when the error must reach the caller. */
  private retryDelayMs(
    method: string,
    error: unknown,
    attempt: number,
    waitedMs: number,
    repeatable: boolean,
  ): number | undefined {
    if (!(error instanceof ValohaiApiError) || !error.transient) return undefined;
    if (attempt >= this.retry.maxAttempts) return undefined;
    if (!repeatable && error.status !== 429 && !SAFE_TO_REPEAT.includes(method)) return undefined;
    const delayMs =
      error.retryAfterMs === undefined
        ? this.backoffMs(attempt)
        : Math.min(error.retryAfterMs, this.retry.maxRetryAfterMs);
    if (waitedMs + delayMs > this.retry.maxTotalWaitMs) return undefined;
    return delayMs;
  }

  /** Exponential backoff with jitter: between half and all of base * 2^(attempt - 1), capped. */
  private backoffMs(attempt: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    const random = this.options.random ?? Math.random;
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }

  private pause(ms: number): Promise<void> {
    if (this.options.sleep) return this.options.sleep(ms);
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  private url(path: string, query: Record<string, string | number> = {}): string {
    const url = new URL(path.replace(/^\//, ""), this.baseUrl);
    for (const [key, value] of Object.entries(query)) {
      url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  private describeFailure(status: number, text: string, jsonBody: boolean): string {
    const detail = describeErrorBody(text);
    if (status === 404 && !jsonBody) {
      return (
        `${detail}. The response is not JSON, so a proxy or another server sent it, not ` +
        "Valohai's API, and the URL may be wrong: check valohai-sso:apiUrl or VALOHAI_API_URL."
      );
    }
    if (status === 401) {
      const source = this.options.tokenSource ?? "the Valohai API token setting";
      return `Valohai rejected the API token (${detail}). Set a valid token in ${source}.`;
    }
    if (status === 403) {
      return (
        `permission denied (${detail}). The API token's user must be an admin of the ` +
        "Valohai organization; use a token of an organization admin."
      );
    }
    return detail;
  }

  /** Removes the token from text that a server or the network stack produced. */
  private redact(text: string): string {
    return redactSecret(text, this.options.token);
  }
}

const NOT_JSON = Symbol("not JSON");

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

/** Names the shape of a response body for an error message, without quoting its values. */
function describeShape(body: unknown): string {
  if (body === undefined) return "an empty body";
  if (body === null) return "null";
  if (Array.isArray(body)) return `a list of ${body.length} items`;
  if (typeof body !== "object") return `a ${typeof body}`;
  const fields = Object.keys(body);
  return fields.length === 0 ? "an empty object" : `an object with fields ${fields.join(", ")}`;
}

/**
 * Reads `Retry-After` as a non-negative number of seconds (fractions allowed) or as an HTTP date,
 * in milliseconds from now. Any other value, such as "-5", returns undefined.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // Every HTTP date form starts with a day name, and Date.parse reads "-5" as a year.
  if (!/^[A-Za-z]{3}/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Bounds the requests in flight; waiting requests start in the order they arrived. */
export class RequestLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly maxInFlight: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.maxInFlight) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * Returns the limiter shared by this process for this limit. It lives on `globalThis` because the
 * provider host loads each serialized provider as a separate module copy.
 */
function processLimiter(maxInFlight: number): RequestLimiter {
  const key = Symbol.for(`valohai-sso.requestLimiter.${maxInFlight}`);
  const holder = globalThis as unknown as Record<symbol, RequestLimiter | undefined>;
  holder[key] ??= new RequestLimiter(maxInFlight);
  return holder[key];
}
