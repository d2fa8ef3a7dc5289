/** An HTTP failure from Valohai's API: method, URL and status, with a readable message. */
export class ValohaiApiError extends Error {
  /** The wait that the response's `Retry-After` header requested, in milliseconds. */
  readonly retryAfterMs?: number;
  /** Whether the error response had a JSON body, as Valohai's API sends. */
  readonly jsonBody: boolean;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number | undefined,
    message: string,
    options: { cause?: unknown; retryAfterMs?: number; jsonBody?: boolean } = {},
  ) {
    const text = `${method} ${url} failed${status === undefined ? "" : ` with HTTP ${status}`}: ${message}`;
    super(text, { cause: options.cause });
    // Pulumi's closure serializer turns this class into a function that calls `Error.call(this)`,
    // which sets no fields on `this`, so the provider host would see an empty message.
    this.message = text;
    if (options.cause !== undefined) this.cause = options.cause;
    this.name = "ValohaiApiError";
    this.retryAfterMs = options.retryAfterMs;
    this.jsonBody = options.jsonBody ?? false;
  }

  /**
   * Whether Valohai's API reported that the object does not exist: a 404 with a JSON body. A 404
   * page in HTML or plain text comes from a proxy or a wrong URL and is no evidence about the object.
   */
  get notFound(): boolean {
    return this.status === 404 && this.jsonBody;
  }

  /** Whether the same request may succeed later: 429, 502, 503, 504 or no HTTP response. */
  get transient(): boolean {
    return this.status === undefined || TRANSIENT_STATUSES.includes(this.status);
  }

  /**
   * Whether Valohai may have carried out the request although it failed: no response arrived, or
   * a 500, 502 or 504 came back from a server or gateway that may have passed the request on.
   */
  get outcomeUnknown(): boolean {
    return this.status === undefined || [500, 502, 504].includes(this.status);
  }
}

const TRANSIENT_STATUSES = [429, 502, 503, 504];

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

/** Describes a failure that produced no HTTP response, such as a timeout or a reset connection. */
export function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `timed out after ${timeoutMs} ms`;
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const detail = [cause?.message, cause?.code && `(${cause.code})`].filter(Boolean).join(" ");
  return `no response, the connection failed: ${detail || String(error)}`;
}

/** Replaces a secret in text, both as written and as encoded in a URL, with "[redacted]". */
export function redactSecret(text: string, secret: string): string {
  if (!secret) return text;
  const forms = [...new Set([secret, encodeURIComponent(secret)])];
  return forms.reduce((result, form) => result.split(form).join("[redacted]"), text);
}

/**
 * Copies an error and its causes with a secret removed from every message and stack, so that an
 * error kept as `cause` cannot leak it. Only the name, message, stack and `code` carry over.
 */
export function redactedError(error: unknown, secret: string, depth = 0): unknown {
  if (!(error instanceof Error)) {
    return typeof error === "string" ? redactSecret(error, secret) : error;
  }
  const copy = new Error(redactSecret(error.message, secret));
  copy.name = error.name;
  copy.stack = error.stack === undefined ? undefined : redactSecret(error.stack, secret);
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) (copy as { code?: unknown }).code = code;
  if (error.cause !== undefined && depth < 5) {
    copy.cause = redactedError(error.cause, secret, depth + 1);
  }
  return copy;
}
