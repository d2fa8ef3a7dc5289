import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import type * as grpcTypes from "@grpc/grpc-js";
import type { AnalyzerClient as AnalyzerClientType } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import type { EvaluatedResource } from "../../policies/evaluate";
import { PROJECT_DIR } from "../helpers/program";

/**
 * Starts the policy pack the way the Pulumi CLI does and talks to it over the engine's gRPC
 * analyzer protocol. The CLI's `pulumi-analyzer-policy` shim resolves
 * `@pulumi/pulumi/cmd/run-policy-pack` from the pack folder and runs it with node there. It passes
 * the engine address and the program folder, and the pack prints the port it serves on.
 */

export const PACK_DIR = path.join(PROJECT_DIR, "policies");

// The gRPC and protobuf modules must be the instances @pulumi/pulumi's generated code uses.
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] })) as typeof grpcTypes;
const { Struct } = require(
  require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] }),
);
const { Empty } = require(
  require.resolve("google-protobuf/google/protobuf/empty_pb", { paths: [pulumiDir] }),
);
const { AnalyzerClient } = require("@pulumi/pulumi/proto/analyzer_grpc_pb") as {
  AnalyzerClient: typeof AnalyzerClientType;
};

export interface Diagnostic {
  policy: string;
  enforcementLevel: string;
  message: string;
}

export interface AnalyzeResult {
  diagnostics: Diagnostic[];
  notApplicable: string[];
}

const LEVELS: Record<number, string> = {
  [analyzer.EnforcementLevel.ADVISORY]: "advisory",
  [analyzer.EnforcementLevel.MANDATORY]: "mandatory",
  [analyzer.EnforcementLevel.DISABLED]: "disabled",
  [analyzer.EnforcementLevel.REMEDIATE]: "remediate",
};

export function levelName(level: number): string {
  return LEVELS[level] ?? `unknown level ${level}`;
}

export class RunningPack {
  private constructor(
    private readonly child: ChildProcess,
    readonly client: AnalyzerClientType,
    readonly stderr: () => string,
  ) {}

  /** Starts the pack on a port of 127.0.0.1 that it picks itself. */
  static async start(): Promise<RunningPack> {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [PACK_DIR] });
    const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], {
      cwd: PACK_DIR,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    const port = await new Promise<number>((resolve, reject) => {
      let stdout = "";
      child.stdout?.on("data", (chunk) => {
        stdout += chunk;
        const line = stdout.split("\n")[0];
        if (stdout.includes("\n") && /^\d+$/.test(line.trim())) resolve(Number(line));
      });
      child.on("exit", (code) =>
        reject(new Error(`policy pack exited with ${code} before serving:\n${stdout}${stderr}`)),
      );
    });
    const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new RunningPack(child, client, () => stderr);
  }

  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill();
    await exited;
  }

  info(): Promise<analyzer.AnalyzerInfo> {
    return call((done) => this.client.getAnalyzerInfo(new Empty(), done));
  }

  /** Sends one resource's inputs, as the engine does before it creates or updates it. */
  async analyze(resource: EvaluatedResource): Promise<AnalyzeResult> {
    const request = new analyzer.AnalyzeRequest();
    request.setType(resource.type);
    request.setName(resource.name);
    request.setUrn(resource.urn);
    request.setProperties(toStruct(resource.inputs));
    request.setOptions(new analyzer.AnalyzerResourceOptions());
    return toResult(await call((done) => this.client.analyze(request, done)));
  }

  /** Sends every resource's outputs, as the engine does once all resources are registered. */
  async analyzeStack(resources: readonly EvaluatedResource[]): Promise<AnalyzeResult> {
    const request = new analyzer.AnalyzeStackRequest();
    request.setResourcesList(
      resources.map((resource) => {
        const item = new analyzer.AnalyzerResource();
        item.setType(resource.type);
        item.setName(resource.name);
        item.setUrn(resource.urn);
        item.setProperties(toStruct(resource.outputs));
        item.setOptions(new analyzer.AnalyzerResourceOptions());
        return item;
      }),
    );
    return toResult(await call((done) => this.client.analyzeStack(request, done)));
  }

  /** Sends a pack config, as the engine does for `--policy-pack-config`. */
  async configure(
    config: Record<string, { level: number; settings?: Record<string, unknown> }>,
  ): Promise<void> {
    const request = new analyzer.ConfigureAnalyzerRequest();
    for (const [policy, { level, settings }] of Object.entries(config)) {
      const entry = new analyzer.PolicyConfig();
      entry.setEnforcementlevel(level as analyzer.EnforcementLevel);
      entry.setProperties(toStruct(settings ?? {}));
      request.getPolicyconfigMap().set(policy, entry);
    }
    await call((done) => this.client.configure(request, done));
  }
}

function call<T>(
  start: (done: (error: grpcTypes.ServiceError | null, response: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) =>
    start((error, response) => (error ? reject(error) : resolve(response))),
  );
}

/** Property values as a protobuf Struct; JSON drops undefined values, as the engine does. */
function toStruct(props: Record<string, unknown>) {
  return Struct.fromJavaScript(JSON.parse(JSON.stringify(props)));
}

function toResult(response: analyzer.AnalyzeResponse): AnalyzeResult {
  return {
    diagnostics: response.getDiagnosticsList().map((diagnostic) => ({
      policy: diagnostic.getPolicyname(),
      enforcementLevel: levelName(diagnostic.getEnforcementlevel()),
      message: diagnostic.getMessage(),
    })),
    notApplicable: response.getNotApplicableList().map((item) => item.getPolicyName()),
  };
}
