import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
// NOTE: internal to @pulumi/pulumi (exported by runtime/settings.js in 3.248 but not declared in
// its types). It drains the queue of pending resource registrations; a newer SDK that drops it
// makes runs fail loudly here rather than return partial registrations.
const { waitForRPCs, getMonitor } = require("@pulumi/pulumi/runtime/settings") as {
  waitForRPCs(): Promise<void>;
  getMonitor(): ResourceMonitor | undefined;
};
import { PROJECT } from "../settings";

/**
 * Runs the program in-process under Pulumi's mock runtime and records every resource it
 * registers. No engine, CLI, network or credentials are involved: the mocks below stand in for
 * Azure AD and Valohai, returning stable, made-up IDs derived from each resource's name.
 */

export interface Registration {
  type: string;
  name: string;
  /** The inputs the program passed, without the serialized dynamic provider. */
  inputs: Record<string, unknown>;
  /** The inputs plus the IDs the mocks made up. */
  state: Record<string, unknown>;
  id: string;
  /** A dynamic resource's provider as Pulumi serialized it into the `__provider` input. */
  serializedProvider?: string;
  urn: string;
  /** URN of the parent resource; empty for a resource registered at the top level. */
  parent: string;
  /** URNs of every resource this one waits for, through `dependsOn` or its inputs, sorted. */
  dependencies: string[];
}

export interface Invocation {
  token: string;
  args: Record<string, unknown>;
  /** The mocks' return value. */
  result: Record<string, unknown>;
}

/** A group the directory lookup finds, as `getGroup` describes it. */
export interface MockGroup {
  displayName: string;
  securityEnabled: boolean;
  mailEnabled?: boolean;
}

export interface MockRun<T> {
  registrations: Registration[];
  invocations: Invocation[];
  /** Whatever the program function returned, with every output resolved. */
  result: pulumi.Unwrap<T>;
}

export interface MockRunOptions {
  stack?: string;
  /** Stack config as `Pulumi.<stack>.yaml` stores it: keys with namespace, string values. */
  config?: Record<string, string>;
  /** Values for user principal names; default: a stable made-up object ID per name. */
  users?: Record<string, string>;
  /**
   * Groups by object ID for `getGroup`, where null is a group that does not exist. Default: a
   * security group. The real provider fails the run for a missing group, but the mocks return an
   * empty result so that the plan can report the missing group against each grant that uses it.
   */
  groups?: Record<string, MockGroup | null>;
  /** Run as `pulumi preview` does: outputs of new resources stay unknown. */
  preview?: boolean;
}

/** The tenant and deploying principal the mocks report. */
export const MOCK_TENANT_ID = "00000000-0000-4000-8000-00000000a11d";
export const MOCK_DEPLOYER_ID = "00000000-0000-4000-8000-00000000d3e9";

/** Makes a stable GUID-shaped ID from a seed, so repeated runs register identical values. */
export function mockGuid(seed: string): string {
  const hex = createHash("sha256").update(seed).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

// Runs share Pulumi's process-wide runtime state, so they must not overlap.
let queue: Promise<unknown> = Promise.resolve();

/** Runs `program` under the mock runtime and returns what it registered and returned. */
export function runWithMocks<T>(
  program: () => T,
  options: MockRunOptions = {},
): Promise<MockRun<T>> {
  const run = queue.then(() => runExclusive(program, options));
  queue = run.catch(() => undefined);
  return run;
}

async function runExclusive<T>(program: () => T, options: MockRunOptions): Promise<MockRun<T>> {
  const registered: Omit<Registration, "urn" | "parent" | "dependencies">[] = [];
  const invocations: Invocation[] = [];
  const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
      const { __provider: serializedProvider, ...inputs } = args.inputs;
      const id = mockGuid(`${args.type}::${args.name}`);
      const state = { ...inputs, ...computedOutputs(args.type, id, inputs) };
      registered.push({ type: args.type, name: args.name, inputs, state, id, serializedProvider });
      return { id, state };
    },
    call(args) {
      const result = mockInvoke(args.token, args.inputs, options);
      invocations.push({ token: args.token, args: { ...args.inputs }, result });
      return result;
    },
  };
  await pulumi.runtime.setMocks(mocks, PROJECT, options.stack ?? "dev", options.preview ?? false);
  const resourceOptions = recordResourceOptions();
  pulumi.runtime.setAllConfig(options.config ?? {}, []);
  // Pulumi records a stack trace on every internal promise for its leak report, and under a
  // source-mapped loader such as tsx that capture dominates a large run (measured: about half
  // the time of a 1,200-resource plan). The offline tools never show those traces, so capture
  // none while the program runs, unless DEBUG is set.
  const stackTraceLimit = Error.stackTraceLimit;
  if (!process.env.DEBUG) Error.stackTraceLimit = 0;
  let result: pulumi.Unwrap<T>;
  try {
    const returned = program();
    result = (await resolveDeep(returned)) as pulumi.Unwrap<T>;
    // Registrations finish asynchronously; wait until every resource the program made is recorded.
    await waitForRPCs();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  const registrations = registered.map((registration) => {
    const recorded = resourceOptions.get(`${registration.type}::${registration.name}`);
    if (!recorded) {
      throw new Error(
        `no resource options were recorded for ${registration.type} "${registration.name}"`,
      );
    }
    return { ...registration, ...recorded };
  });
  return { registrations, invocations, result };
}

/** The part of Pulumi's resource monitor that registers resources, as the mock monitor has it. */
interface ResourceMonitor {
  registerResource(request: RegisterResourceRequest, callback: RegisterCallback): unknown;
}

interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
}

type RegisterCallback = (error: unknown, response?: { getUrn(): string }) => void;

/**
 * Records the URN, parent and dependencies of each registered resource. The mocks' `newResource`
 * receives only type, name and inputs, so this wraps the mock monitor's `registerResource`, which
 * receives the whole request. Resources are keyed by type and name, which the program keeps
 * unique. A second registration with the same key is an error rather than a silent overwrite.
 */
function recordResourceOptions(): Map<
  string,
  Pick<Registration, "urn" | "parent" | "dependencies">
> {
  const recorded = new Map<string, Pick<Registration, "urn" | "parent" | "dependencies">>();
  const monitor = getMonitor();
  if (!monitor) {
    throw new Error("the Pulumi mock runtime has no resource monitor; setMocks must run first");
  }
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) =>
    registerResource(request, (error, response) => {
      if (!error && response) {
        const key = `${request.getType()}::${request.getName()}`;
        if (recorded.has(key)) {
          callback(new Error(`the program registered two resources as ${key}`));
          return;
        }
        recorded.set(key, {
          urn: response.getUrn(),
          parent: request.getParent(),
          dependencies: [...request.getDependenciesList()].sort(),
        });
      }
      callback(error, response);
    });
  return recorded;
}

/** Resolves every Output nested in a value, the way a stack's exports are resolved. */
async function resolveDeep(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    return resolveDeep(await outputValue(value));
  }
  if (value instanceof Promise) {
    return resolveDeep(await value);
  }
  if (Array.isArray(value)) {
    return Promise.all(value.map(resolveDeep));
  }
  if (
    value &&
    typeof value === "object" &&
    !pulumi.Resource.isInstance(value) &&
    !(value instanceof Map)
  ) {
    const entries = await Promise.all(
      Object.entries(value).map(async ([key, item]) => [key, await resolveDeep(item)] as const),
    );
    return Object.fromEntries(entries);
  }
  return value;
}

// `promise()` is internal to Output but rejects when the output fails, where `apply` would never
// call back and leave the run waiting forever.
function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

function computedOutputs(
  type: string,
  id: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  switch (type) {
    case "azuread:index/application:Application":
      return { objectId: id, clientId: mockGuid(`client::${id}`) };
    case "azuread:index/servicePrincipal:ServicePrincipal":
    case "azuread:index/group:Group":
      return { objectId: id };
    case "pulumi-nodejs:dynamic/valohai:Team":
      return { teamId: id, url: `https://app.valohai.com/api/v0/teams/${id}/` };
    case "pulumi-nodejs:dynamic/valohai:AccessGrant":
      return { grantId: id };
    default:
      return inputs.objectId === undefined ? { objectId: id } : {};
  }
}

function mockInvoke(
  token: string,
  inputs: Record<string, unknown>,
  options: MockRunOptions,
): Record<string, unknown> {
  const users = options.users ?? {};
  switch (token) {
    case "azuread:index/getClientConfig:getClientConfig":
      return {
        clientId: mockGuid("deployer-client"),
        objectId: MOCK_DEPLOYER_ID,
        tenantId: MOCK_TENANT_ID,
      };
    case "azuread:index/getUsers:getUsers": {
      const names = (inputs.userPrincipalNames as string[] | undefined) ?? [];
      const found = names.map((name) => ({
        userPrincipalName: name,
        objectId: users[name] ?? mockGuid(`user::${name.toLowerCase()}`),
        displayName: name.split("@")[0],
      }));
      return { ...inputs, users: found, objectIds: found.map((user) => user.objectId) };
    }
    case "azuread:index/getGroup:getGroup":
      return mockGroupLookup(inputs, options.groups ?? {});
    default:
      return inputs;
  }
}

function mockGroupLookup(
  inputs: Record<string, unknown>,
  groups: Record<string, MockGroup | null>,
): Record<string, unknown> {
  const objectId = String(inputs.objectId ?? "").toLowerCase();
  const key = Object.keys(groups).find((id) => id.toLowerCase() === objectId);
  const group = key === undefined ? undefined : groups[key];
  if (group === null) return {};
  const found = group ?? { displayName: `group ${objectId}`, securityEnabled: true };
  return {
    id: objectId,
    objectId,
    displayName: found.displayName,
    securityEnabled: found.securityEnabled,
    mailEnabled: found.mailEnabled ?? !found.securityEnabled,
    members: [],
    owners: [],
    types: [],
  };
}
