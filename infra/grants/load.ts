import { readFileSync } from "node:fs";
import { isScalar, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { crossCheck } from "./cross-check";
import {
  GrantsFileError,
  locateProblems,
  sortProblems,
  suggestion,
  type LocatedProblem,
  type Problem,
} from "./problems";
import { grantsFileSchema, type GrantsFile } from "./schema";

export interface ValidationResult {
  /** The validated file, present only when there are no errors (warnings are allowed). */
  grants?: GrantsFile;
  problems: LocatedProblem[];
}

export interface LoadOptions {
  /** Where the path came from, named when the file cannot be read (a stack setting, a flag). */
  source?: string;
}

/** Reads and validates a grants file, raising GrantsFileError on any error. */
export function loadGrantsFile(
  file: string,
  options: LoadOptions = {},
): ValidationResult & { grants: GrantsFile } {
  const result = validateGrantsFile(file, options);
  if (!result.grants) {
    throw new GrantsFileError(file, result.problems);
  }
  return { grants: result.grants, problems: result.problems };
}

/** Reads and validates a grants file; an unreadable file is reported as a problem on line 1. */
export function validateGrantsFile(file: string, options: LoadOptions = {}): ValidationResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? "not found"
        : String((error as Error).message);
    const source = options.source ? ` (chosen by ${options.source})` : "";
    const message = `cannot read grants file${source}: ${reason}. Fix the path or create the file.`;
    return { problems: [{ file, line: 1, column: 1, severity: "error", message }] };
  }
  return validateGrantsText(text, file);
}

/** Validates grants file text: YAML syntax, the schema, then the cross-checks between sections. */
export function validateGrantsText(text: string, file: string): ValidationResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: "1.2",
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const yamlProblems = [...doc.errors, ...doc.warnings].map((issue) => {
    const { line, col } = lineCounter.linePos(issue.pos[0]);
    const severity = doc.errors.includes(issue as never) ? "error" : "warning";
    return {
      file,
      line,
      column: col,
      severity,
      message: yamlMessage(issue.code, issue.message),
    } as LocatedProblem;
  });
  if (doc.errors.length > 0) {
    return { problems: sortProblems(yamlProblems) };
  }

  const data = doc.toJS({ maxAliasCount: 1000 }) ?? {};
  const parsed = grantsFileSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => schemaProblem(issue, doc));
    return { problems: [...yamlProblems, ...locateProblems(file, doc, lineCounter, problems)] };
  }

  const problems = crossCheck(parsed.data);
  const located = [...yamlProblems, ...locateProblems(file, doc, lineCounter, problems)];
  const hasErrors = located.some((problem) => problem.severity === "error");
  return hasErrors
    ? { problems: sortProblems(located) }
    : { grants: parsed.data, problems: sortProblems(located) };
}

function yamlMessage(code: string, message: string): string {
  const firstLine = message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  if (code === "DUPLICATE_KEY") {
    return `${firstLine}. Remove or rename one of the duplicate keys.`;
  }
  return `invalid YAML: ${firstLine}`;
}

/** Turns a zod issue into a problem with a message that says what to write instead. */
function schemaProblem(issue: z.core.$ZodIssue, doc: Document): Problem {
  const path = issue.path.filter((step): step is string | number => typeof step !== "symbol");
  const where = describePath(path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const key = issue.keys[0];
      const allowed = allowedKeys(path);
      const hint = suggestion(key, allowed) || ` Valid keys: ${allowed.join(", ")}.`;
      return {
        severity: "error",
        path: [...path, key],
        atKey: true,
        message: `unknown key "${key}" in ${where}.${hint}`,
      };
    }
    case "invalid_type": {
      const node = doc.getIn(path, true);
      const value = isScalar(node) ? node.value : undefined;
      if (
        issue.expected === "string" &&
        (typeof value === "number" || typeof value === "boolean")
      ) {
        const source = isScalar(node) && node.source !== undefined ? node.source : String(value);
        return {
          severity: "error",
          path,
          message: `${where} is read by YAML as a ${typeof value}, but must be a string. Quote it: "${source}".`,
        };
      }
      if (value === undefined && !doc.hasIn(path)) {
        return { severity: "error", path, message: `${where} is required.` };
      }
      return { severity: "error", path, message: `${where} ${issue.message}` };
    }
    default:
      return { severity: "error", path, message: `${where} ${issue.message}` };
  }
}

/** Names a place in the file for a message, such as `grants[2].teams[0]`. */
export function describePath(path: readonly (string | number)[]): string {
  if (path.length === 0) return "the file";
  return path
    .map((step, i) => (typeof step === "number" ? `[${step}]` : i === 0 ? step : `.${step}`))
    .join("");
}

/** Lists the keys the schema allows for the object at a path, for suggestions. */
function allowedKeys(path: readonly (string | number)[]): string[] {
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
