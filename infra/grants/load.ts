import { readFileSync } from "node:fs";
import { LineCounter, parseDocument } from "yaml";
import { crossCheck } from "./cross-check";
import {
  findOffset,
  GrantsFileError,
  locateProblems,
  sortProblems,
  type LocatedProblem,
  type YamlPath,
} from "./problems";
import { salvageGrantsFile } from "./salvage";
import { schemaProblems } from "./schema-problems";
import { grantsFileSchema, type GrantsFile } from "./schema";
import { aliasProblems, versionProblems, yamlProblems } from "./yaml-checks";

export { describePath } from "./schema-problems";

export interface ValidationResult {
  /** The validated file, present only when there are no errors (warnings are allowed). */
  grants?: GrantsFile;
  problems: LocatedProblem[];
}

export interface LoadOptions {
  /** Origin of the path (a stack setting, a flag), named when the file cannot be read. */
  source?: string;
}

const READ_ERROR_REASONS: Record<string, string> = {
  ENOENT: "not found",
  EISDIR: "it is a directory",
  EACCES: "permission denied",
};

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

/**
 * Reads and validates a grants file. A missing or unreadable file is an error on line 1 of that
 * path, and the message names the setting that chose it when given. It never reads as a file
 * without grants.
 */
export function validateGrantsFile(file: string, options: LoadOptions = {}): ValidationResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const reason = READ_ERROR_REASONS[code] ?? (error as Error).message;
    const source = options.source ? ` (chosen by ${options.source})` : "";
    const fix = options.source ? `Fix ${options.source}` : "Fix the path";
    const message = `cannot read grants file${source}: ${reason}. ${fix} or create the file.`;
    return { problems: [{ file, line: 1, column: 1, severity: "error", message }] };
  }
  return validateGrantsText(text, file);
}

/**
 * Validates grants file text and reports every problem at once: YAML syntax first, then the
 * schema, then the cross-checks between sections, which also run on the parts of a file that
 * pass the schema when other parts do not.
 */
export function validateGrantsText(source: string, file: string): ValidationResult {
  // A byte order mark would shift every column of line 1, and YAML counts a lone carriage return
  // (old Mac line endings) as a line break, which the parser here does not.
  const text = source.replace(/^\uFEFF/, "").replace(/\r(?!\n)/g, "\n");
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: "1.2",
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const fatal = [
    ...versionProblems(file, text, doc, lineCounter),
    ...aliasProblems(file, doc, lineCounter),
  ];
  const syntax = [...yamlProblems(file, doc, lineCounter), ...fatal];
  // A duplicate key leaves the document's structure intact, so validation continues after one.
  // After any other syntax error the structure is a guess, and further messages would mislead.
  const broken = doc.errors.some((error) => error.code !== "DUPLICATE_KEY") || fatal.length > 0;
  if (broken) {
    return { problems: sortProblems(syntax) };
  }
  if (doc.contents === null) {
    const message = "the file is empty. Start it with version: 1 and declare grants.";
    return { problems: [...syntax, { file, line: 1, column: 1, severity: "error", message }] };
  }

  // Aliases were checked above, so the converter's own count limit is not needed.
  const data: unknown = doc.toJS({ maxAliasCount: -1 }) ?? {};
  const lineOf = (path: YamlPath) => lineCounter.linePos(findOffset(doc, path)).line;
  const parsed = grantsFileSchema.safeParse(data);
  const problems = parsed.success
    ? crossCheck(parsed.data, lineOf)
    : [
        ...schemaProblems(parsed.error.issues, data, doc),
        ...crossCheck(salvageGrantsFile(data), lineOf),
      ];
  const located = sortProblems([...syntax, ...locateProblems(file, doc, lineCounter, problems)]);
  const valid = parsed.success && !located.some((problem) => problem.severity === "error");
  return valid ? { grants: parsed.data, problems: located } : { problems: located };
}
