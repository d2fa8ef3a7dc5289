import { afterEach } from "vitest";
import {
  startFakeValohai,
  type FakeValohai,
  type FakeValohaiOptions,
} from "../fake-valohai/server";
import { TOKEN } from "./fixtures";

export * from "./fixtures";

/** Starts a fake Valohai server for each test that calls it and stops it after the test. */
export function useFakeValohai(): (options?: Partial<FakeValohaiOptions>) => Promise<FakeValohai> {
  const servers: FakeValohai[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });
  return async (options = {}) => {
    const server = await startFakeValohai({ token: TOKEN, ...options });
    servers.push(server);
    return server;
  };
}
