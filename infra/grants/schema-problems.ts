import { isScalar, type Document } from "yaml";
import type { z } from "zod";
import { suggestion, type Problem, type YamlPath } from "./problems";
import { grantsFileSchema } from "./schema";

/** Converts zod issues into problems, each with a message that names the fix. */
export function schemaProblems(
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
  doc: Document,
): Problem[] {
  return issues.flatMap((issue) => {
    const path = issue.path.filter((step): step is string | number => typeof step !== "symbol");
    return issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => unknownKeyProblem(path, key))
      : [valueProblem(issue, path, data, doc)];
  });
}

function unknownKeyProblem(path: YamlPath, key: string): Problem {
  const where = describePath(path);
  const allowed = allowedKeys(path);
  const problem = { severity: "error", path: [...path, key], atKey: true } as const;
  if (key === "<<") {
    return {
      ...problem,
      message: `merge key "<<" in ${where} is not part of YAML 1.2. Write the keys out instead.`,
    };
  }
  const hint =
    groupSectionHint(path, key) ||
    suggestion(key, allowed) ||
    ` Valid keys: ${allowed.join(", ")}.`;
  return { ...problem, message: `unknown key "${key}" in ${where}.${hint}` };
}

/** Explains a key that belongs to the other kind of group, the likeliest mix-up in the file. */
function groupSectionHint(path: YamlPath, key: string): string {
  if (path.length !== 2) return "";
  if (path[0] === "existingGroups" && key === "members") {
    return (
      " Members of an existing group are managed outside this project. To manage them here," +
      " declare the group under managedGroups instead."
    );
  }
  if (path[0] === "managedGroups" && key === "objectId") {
    return (
      " This project creates managed groups, so they have no object ID yet. To use a group that" +
      " already exists, declare it under existingGroups instead."
    );
  }
  return "";
}

function valueProblem(
  issue: z.core.$ZodIssue,
  path: YamlPath,
  data: unknown,
  doc: Document,
): Problem {
  const where = describePath(path);
  const problem = { severity: "error", path } as const;
  const found = valueAt(data, path);
  if (!found.present) {
    const fix = where === "version" ? " Add version: 1 at the top of the file." : "";
    return { ...problem, message: `${where} is required.${fix}` };
  }
  if (issue.code !== "invalid_type") {
    return { ...problem, message: `${where} ${issue.message}.` };
  }
  const value = found.value;
  if (issue.expected === "string" && (typeof value === "number" || typeof value === "boolean")) {
    const node = doc.getIn(path, true);
    const source = isScalar(node) && node.source !== undefined ? node.source : String(value);
    return {
      ...problem,
      message: `${where} is read by YAML as a ${typeof value}, but must be a string. Quote it: "${source}".`,
    };
  }
  if (issue.expected === "object") {
    const keys = allowedKeys(path).join(", ");
    return {
      ...problem,
      message: `${where} must be a map with the keys ${keys}, not ${kindOf(value)}.`,
    };
  }
  return { ...problem, message: `${where} ${issue.message}, not ${kindOf(value)}.` };
}

/** Names a place in the file for a message, such as `grants[2].teams[0]`. */
export function describePath(path: YamlPath): string {
  if (path.length === 0) return "the file";
  let text = "";
  for (const step of path) {
    if (typeof step === "number") text += `[${step}]`;
    else text += text === "" ? step : `.${step}`;
  }
  return text;
}

/** Describes what YAML read, in the words a YAML author uses. */
function kindOf(value: unknown): string {
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string") return `the string "${value}"`;
  return `the ${typeof value} ${String(value)}`;
}

function valueAt(data: unknown, path: YamlPath): { present: boolean; value?: unknown } {
  let current = data;
  for (const step of path) {
    if (current === null || typeof current !== "object" || !(step in current)) {
      return { present: false };
    }
    current = (current as Record<string | number, unknown>)[step];
  }
  return { present: true, value: current };
}

/** Lists the keys the schema allows for the object at a path, for suggestions. */
function allowedKeys(path: YamlPath): string[] {
  let schema: z.core.$ZodType = grantsFileSchema;
  for (const step of path) {
    schema = unwrap(schema);
    const def = schema._zod.def as unknown as Record<string, unknown>;
    if (def.type === "array" && typeof step === "number") {
      schema = def.element as z.core.$ZodType;
    } else if (def.type === "object" && typeof step === "string") {
      schema = (def.shape as Record<string, z.core.$ZodType>)[step];
    }
  }
  const def = unwrap(schema)._zod.def as unknown as Record<string, unknown>;
  return def.type === "object" ? Object.keys(def.shape as object) : [];
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    const def = current._zod.def as unknown as Record<string, unknown>;
    if (
      def.type === "optional" ||
      def.type === "default" ||
      def.type === "nullable" ||
      def.type === "pipe"
    ) {
      current = (def.innerType ?? def.in) as z.core.$ZodType;
    } else {
      return current;
    }
  }
}
