import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";

/** What a scripted server sends: an object is sent as JSON, a string as it is. */
export interface ScriptedResponse {
  status: number;
  body?: unknown;
  contentType?: string;
}

export interface ScriptedRequest {
  method: string;
  /** Path and query, as the request line names them. */
  path: string;
}

export interface ScriptedServer {
  /** Origin such as http://127.0.0.1:40123. */
  url: string;
  requests: ScriptedRequest[];
}

/**
 * Starts, for each test that calls it, a server on 127.0.0.1 with a random port that responds
 * with what a function returns, for responses the fake Valohai server does not produce. Stops it after the test.
 */
export function useScriptedServer(): (
  respond: (request: ScriptedRequest) => ScriptedResponse,
) => Promise<ScriptedServer> {
  const servers: http.Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  return async (respond) => {
    const requests: ScriptedRequest[] = [];
    const server = http.createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        const entry = { method: request.method ?? "GET", path: request.url ?? "/" };
        requests.push(entry);
        const { status, body, contentType } = respond(entry);
        const text = typeof body === "string" || body === undefined ? body : JSON.stringify(body);
        const type = contentType ?? (typeof body === "string" ? "text/plain" : "application/json");
        response.writeHead(status, text === undefined ? {} : { "Content-Type": type });
        response.end(text);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, requests };
  };
}
