import { API_PREFIX } from "./contract";
import { describeErrorBody, describeNetworkError, ValohaiApiError } from "./errors";

/**
 * A small client for Valohai's REST API, shared by the team and access-grant providers. It uses the
 * global `fetch` and no imported packages, because Pulumi serializes the providers that call it.
 *
 * Every attempt has a timeout. A request is retried with exponential backoff and jitter on 429
 * (after `Retry-After` when given), and on 502, 503, 504, timeouts and connection errors when its
 * method is safe to repeat (GET, PUT, DELETE). A POST is repeated only after a 429, because a rate
 * limiter rejects a request before it is handled. `createOnce` covers the other failures of a create.
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
};

const SAFE_TO_REPEAT = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"];

export class ValohaiClient {
  readonly baseUrl: string;
  private readonly retry: RetryOptions;
  private readonly timeoutMs: number;
  private readonly limiter: RequestLimiter;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = new URL(API_PREFIX, options.apiUrl).toString();
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

  /** Fetches every page of a limit/offset listing by following `next`. */
  async list<T>(path: string, query: Record<string, string | number> = {}): Promise<T[]> {
    const results: T[] = [];
    let url: string | null = this.url(path, { limit: 100, ...query });
    while (url) {
      const page: Page<T> = await this.request<Page<T>>("GET", url);
      results.push(...page.results);
      url = page.next && this.onApiHost(page.next);
    }
    return results;
  }

  /**
   * Moves a `next` link onto the configured API host. A server behind a proxy may name its
   * internal host there, and the token must go to no host but the configured one.
   */
  private onApiHost(link: string): string {
    const parsed = new URL(link, this.baseUrl);
    return new URL(`${parsed.pathname}${parsed.search}`, this.baseUrl).toString();
  }

  /**
   * Creates an object with POST without making a second one. When a POST fails in a way that
   * leaves its outcome unknown (no response, 500, 502, 504), `findExisting` looks for the object
   * first. A transient failure (429, 502, 503, 504, no response) then repeats the POST with backoff.
   */
  async createOnce<T>(
    path: string,
    body: unknown,
    findExisting: () => Promise<T | undefined>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.post<T>(path, body);
      } catch (error) {
        if (!(error instanceof ValohaiApiError)) throw error;
        if (error.outcomeUnknown) {
          const existing = await findExisting();
          if (existing !== undefined) return existing;
        }
        if (!error.transient || attempt >= this.retry.maxAttempts) throw error;
        await this.pause(this.backoffMs(attempt));
      }
    }
  }

  /** Sends one request; `path` is relative to /api/v0/ or an absolute URL from a `next` link. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = /^https?:\/\//.test(path) ? path : this.url(path, options.query);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.limiter.run(() => this.attempt<T>(method, url, options.body));
      } catch (error) {
        const delayMs = this.retryDelayMs(method, error, attempt);
        if (delayMs === undefined) throw error;
        await this.pause(delayMs);
      }
    }
  }

  private async attempt<T>(method: string, url: string, body: unknown): Promise<T> {
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
      const message = this.redact(describeNetworkError(error, this.timeoutMs));
      throw new ValohaiApiError(method, url, undefined, message, { cause: error });
    }
    if (!response.ok) {
      throw new ValohaiApiError(
        method,
        url,
        response.status,
        this.redact(this.describeFailure(response.status, text)),
        { retryAfterMs: parseRetryAfter(response.headers.get("retry-after")) },
      );
    }
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      const detail = `expected a JSON body, got ${describeErrorBody(text)}`;
      throw new ValohaiApiError(method, url, response.status, this.redact(detail), {
        cause: error,
      });
    }
  }

  /** The wait before the next attempt, or undefined when the error must reach the caller. */
  private retryDelayMs(method: string, error: unknown, attempt: number): number | undefined {
    if (!(error instanceof ValohaiApiError) || !error.transient) return undefined;
    if (attempt >= this.retry.maxAttempts) return undefined;
    if (error.status !== 429 && !SAFE_TO_REPEAT.includes(method)) return undefined;
    if (error.retryAfterMs !== undefined) {
      return Math.min(error.retryAfterMs, this.retry.maxRetryAfterMs);
    }
    return this.backoffMs(attempt);
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

  private describeFailure(status: number, text: string): string {
    const detail = describeErrorBody(text);
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
    const token = this.options.token;
    return token ? text.split(token).join("[redacted]") : text;
  }
}

/** Reads `Retry-After` as seconds or as an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
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
