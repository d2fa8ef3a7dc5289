import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

/**
 * Helpers that run the providers the way `pulumi up` does: compiled by tsc, serialized in a plain
 * Node process by Pulumi's closure serializer, and loaded by Pulumi's dynamic-provider host, which
 * the test drives over gRPC.
 */

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

// The host and its gRPC stubs come from @pulumi/pulumi's own dependencies, as the engine runs them.
const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const grpc = pulumiRequire("@grpc/grpc-js");
const providerGrpc = pulumiRequire("./proto/provider_grpc_pb");
const proto = pulumiRequire("./proto/provider_pb");
const { Struct } = pulumiRequire("google-protobuf/google/protobuf/struct_pb");
const HOST_SCRIPT = pulumiRequire.resolve("./cmd/dynamic-provider/index.js");

/** The marker object Pulumi's RPC layer wraps secret values in. */
export const secret = (value: string) => ({
  "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  value,
});

/** Compiles infra/valohai with the project's tsconfig into a new folder under build/. */
export function compileProviders(): string {
  const buildDir = path.join(PROJECT_DIR, "build");
  mkdirSync(buildDir, { recursive: true });
  const outDir = mkdtempSync(path.join(buildDir, "provider-host-"));
  const tsconfig = path.join(outDir, "tsconfig.json");
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: path.join(PROJECT_DIR, "tsconfig.json"),
      compilerOptions: { outDir, rootDir: PROJECT_DIR, noEmit: false },
      include: [path.join(PROJECT_DIR, "infra", "valohai", "**", "*.ts")],
    }),
  );
  const tsc = require.resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", tsconfig], { stdio: "pipe" });
  return outDir;
}

/**
 * Serializes each exported provider in a plain Node process, with `serializeFunction` called as
 * `pulumi.dynamic.Resource` calls it. `env` is the environment of that process.
 */
export function serializeProviders(
  outDir: string,
  env: Record<string, string>,
): { teamProvider: string; accessGrantProvider: string; containsSecrets: boolean } {
  const script = path.join(outDir, "serialize.js");
  writeFileSync(
    script,
    `const pulumi = require("@pulumi/pulumi");
const providers = require(${JSON.stringify(path.join(outDir, "infra", "valohai", "index.js"))});
(async () => {
  const result = { containsSecrets: false };
  for (const name of ["teamProvider", "accessGrantProvider"]) {
    const provider = providers[name];
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    result[name] = serialized.text;
    result.containsSecrets = result.containsSecrets || serialized.containsSecrets;
  }
  process.stdout.write(JSON.stringify(result));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`,
  );
  const output = execFileSync(process.execPath, [script], {
    cwd: PROJECT_DIR,
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(output);
}

export type Props = Record<string, unknown>;

/** A running dynamic-provider host and a gRPC client for it. */
export class ProviderHost {
  output = "";
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: {
      close(): void;
      [method: string]: unknown;
    },
  ) {}

  /**
   * Starts the host as the engine does, with the engine address as its argument. The host reads
   * the argument but opens no connection to it, so a closed loopback port is enough.
   */
  static async start(): Promise<ProviderHost> {
    const child = spawn(process.execPath, [HOST_SCRIPT, "127.0.0.1:9"], {
      cwd: PROJECT_DIR,
      env: { PATH: process.env.PATH ?? "", PULUMI_PROJECT: "valohai-sso" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /^(\d+)\s*$/m.exec(output);
        if (match) resolve(match[1]);
      });
      child.on("exit", (code) => reject(new Error(`provider host exited with ${code}: ${output}`)));
    });
    const client = new providerGrpc.ResourceProviderClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    );
    const host = new ProviderHost(child, client);
    child.stdout?.removeAllListeners("data");
    child.stdout?.on("data", (chunk: Buffer) => (host.output += chunk.toString()));
    child.stderr?.removeAllListeners("data");
    child.stderr?.on("data", (chunk: Buffer) => (host.output += chunk.toString()));
    host.output = output;
    return host;
  }

  async stop(): Promise<void> {
    this.client.close();
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill();
    await exited;
  }

  private call<T>(method: string, request: unknown): Promise<T> {
    const fn = this.client[method] as (
      request: unknown,
      callback: (error: Error | null, response: T) => void,
    ) => void;
    return new Promise((resolve, reject) =>
      fn.call(this.client, request, (error, response) =>
        error ? reject(error) : resolve(response),
      ),
    );
  }

  async configure(config: Props): Promise<void> {
    const request = new proto.ConfigureRequest();
    request.setArgs(Struct.fromJavaScript(config));
    await this.call("configure", request);
  }

  async check(urn: string, olds: Props, news: Props) {
    const request = new proto.CheckRequest();
    request.setUrn(urn);
    request.setOlds(Struct.fromJavaScript(olds));
    request.setNews(Struct.fromJavaScript(news));
    const response = await this.call<any>("check", request);
    return {
      inputs: response.getInputs().toJavaScript() as Props,
      failures: response
        .getFailuresList()
        .map((failure: any) => ({ property: failure.getProperty(), reason: failure.getReason() })),
    };
  }

  async diff(urn: string, id: string, olds: Props, news: Props) {
    const request = new proto.DiffRequest();
    request.setUrn(urn);
    request.setId(id);
    request.setOlds(Struct.fromJavaScript(olds));
    request.setNews(Struct.fromJavaScript(news));
    const response = await this.call<any>("diff", request);
    const changes = response.getChanges();
    return {
      changes: changes === proto.DiffResponse.DiffChanges.DIFF_SOME,
      unchanged: changes === proto.DiffResponse.DiffChanges.DIFF_NONE,
      replaces: response.getReplacesList() as string[],
      deleteBeforeReplace: response.getDeletebeforereplace() as boolean,
    };
  }

  async create(urn: string, properties: Props) {
    const request = new proto.CreateRequest();
    request.setUrn(urn);
    request.setProperties(Struct.fromJavaScript(properties));
    const response = await this.call<any>("create", request);
    return { id: response.getId() as string, properties: response.getProperties().toJavaScript() };
  }

  async read(urn: string, id: string, properties: Props, inputs: Props) {
    const request = new proto.ReadRequest();
    request.setUrn(urn);
    request.setId(id);
    request.setProperties(Struct.fromJavaScript(properties));
    request.setInputs(Struct.fromJavaScript(inputs));
    const response = await this.call<any>("read", request);
    return {
      id: response.getId() as string,
      properties: response.getProperties()?.toJavaScript() as Props,
      inputs: response.getInputs()?.toJavaScript() as Props | undefined,
    };
  }

  async update(urn: string, id: string, olds: Props, news: Props) {
    const request = new proto.UpdateRequest();
    request.setUrn(urn);
    request.setId(id);
    request.setOlds(Struct.fromJavaScript(olds));
    request.setNews(Struct.fromJavaScript(news));
    const response = await this.call<any>("update", request);
    return { properties: response.getProperties().toJavaScript() as Props };
  }

  async delete(urn: string, id: string, properties: Props): Promise<void> {
    const request = new proto.DeleteRequest();
    request.setUrn(urn);
    request.setId(id);
    request.setProperties(Struct.fromJavaScript(properties));
    await this.call("delete", request);
  }
}
