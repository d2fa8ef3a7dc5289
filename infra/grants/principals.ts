/** Azure AD object IDs are GUIDs; Valohai grants list them in this form. */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A user principal name: one "@" with a non-empty name before it and a dotted domain after it. */
export const UPN_PATTERN = /^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$/;

export type PrincipalRef =
  { form: "objectId"; objectId: string } | { form: "userPrincipalName"; userPrincipalName: string };

/** Tells an object ID from a user principal name, or returns undefined for neither. */
export function classifyPrincipal(value: string): PrincipalRef | undefined {
  if (GUID_PATTERN.test(value)) {
    return { form: "objectId", objectId: value.toLowerCase() };
  }
  if (UPN_PATTERN.test(value)) {
    return { form: "userPrincipalName", userPrincipalName: value };
  }
  return undefined;
}
