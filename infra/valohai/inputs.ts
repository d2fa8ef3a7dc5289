/**
 * The placeholder Pulumi's engine sends for a value not known until apply, during preview. It is a
 * literal here instead of `pulumi.runtime.unknownValue` so that the serialized providers do not
 * have to load @pulumi/pulumi to compare against it.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Tells whether a provider input is present and known, not unset or unknown at preview. */
export function isKnown(value: unknown): boolean {
  return value !== undefined && value !== UNKNOWN;
}

/** Checks whether a value, or anything nested in its arrays and objects, is unknown at preview. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** Sorted copy, so that the order of principals and teams never counts as a change. */
export function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = sortedUnique(a);
  const right = sortedUnique(b);
  return left.length === right.length && left.every((value, i) => value === right[i]);
}

/** Copies an object without its `undefined` values, which the provider host cannot encode. */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

/** Returns the failure for an organization ID that is known but not a positive integer, if any. */
export function checkOrganizationId(value: unknown): { property: string; reason: string }[] {
  if (!isKnown(value) || (Number.isInteger(value) && (value as number) > 0)) return [];
  return [
    {
      property: "organizationId",
      reason:
        `organizationId must be the positive integer ID of a Valohai organization, ` +
        `got ${JSON.stringify(value)}`,
    },
  ];
}
