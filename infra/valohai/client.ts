import { API_PREFIX } from "./contract";

/**
 * A small client for Valohai's REST API, shared by the team and access-grant providers. It uses the
 * global `fetch` and no imported packages, because Pulumi serializes the providers that call it.
 */

export interface ClientOptions {
  /** Base URL of the Valohai installation, such as https://app.valohai.com. */
  apiUrl: string;
  /** Personal API token of an organization admin. */
  token: string;
  /** Setting or variable the token came from, named when Valohai rejects it. */
  tokenSource?: string;
  /** Time limit for one HTTP request in milliseconds; default 30000. */
  timeoutMs?: number;
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

/** An HTTP failure from Valohai's API: method, URL and status, with a readable message. */
export class ValohaiApiError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${method} ${url} failed${status === undefined ? "" : ` with HTTP ${status}`}: ${message}`,
      options,
    );
    this.name = "ValohaiApiError";
  }
}

export class ValohaiClient {
  readonly baseUrl: string;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = new URL(API_PREFIX, options.apiUrl).toString();
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
      url = page.next;
    }
    return results;
  }

  /** Sends one request; `path` is relative to /api/v0/ or an absolute URL from a `next` link. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = /^https?:\/\//.test(path) ? path : this.url(path, options.query);
    const headers: Record<string, string> = {
      Accept: "application/json",
      Authorization: `Token ${this.options.token}`,
    };
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new ValohaiApiError(method, url, undefined, describeNetworkError(error), {
        cause: error,
      });
    }
    const text = await response.text();
    if (!response.ok) {
      throw new ValohaiApiError(
        method,
        url,
        response.status,
        this.describeFailure(response.status, text),
      );
    }
    return (text ? JSON.parse(text) : undefined) as T;
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
      return `the API token was rejected (${detail}). Set a valid token in ${source}.`;
    }
    if (status === 403) {
      return `permission denied (${detail}). The token's user must be an admin of the organization.`;
    }
    return detail;
  }
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return "timed out";
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? String(error);
}

/** Turns any of Valohai's error body shapes into one line. */
export function describeErrorBody(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return describeNonJson(text);
  }
  if (typeof body === "string") return body;
  if (Array.isArray(body)) return body.map(describeErrorValue).join("; ");
  if (!body || typeof body !== "object") return String(body);
  const parts: string[] = [];
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    const described = describeErrorValue(value);
    if (key === "detail" || key === "error" || key === "message" || key === "non_field_errors") {
      parts.push(described);
    } else if (key === "code") {
      parts.push(`code ${described}`);
    } else {
      parts.push(`${key}: ${described}`);
    }
  }
  return parts.join("; ") || "empty error body";
}

function describeErrorValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(describeErrorValue).join("; ");
  if (value && typeof value === "object") {
    const { message, code } = value as { message?: unknown; code?: unknown };
    if (typeof message === "string") return code ? `${message} (${String(code)})` : message;
    return JSON.stringify(value);
  }
  return String(value);
}

function describeNonJson(text: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
  if (title) return `HTML error page "${title}"`;
  const plain = text
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (!plain) return "empty response body";
  return plain.length > 200 ? `${plain.slice(0, 200)}...` : plain;
}
