/**
 * The placeholder Pulumi's engine sends for a value not known until apply, during preview. It is a
 * literal here instead of `pulumi.runtime.unknownValue` so that the serialized providers do not
 * have to load @pulumi/pulumi to compare against it.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether a provider input is present and known, as opposed to unset or unknown at preview. */
export function isKnown(value: unknown): boolean {
  return value !== undefined && value !== UNKNOWN;
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
