import { Document, isMap, isNode, isPair, isScalar, LineCounter, type Node } from "yaml";

export type Severity = "error" | "warning";
export type YamlPath = readonly (string | number)[];

/** A problem found in a grants file, located by its path in the document. */
export interface Problem {
  severity: Severity;
  message: string;
  path: YamlPath;
  /** Point at the key of the last path element instead of its value (unknown or duplicate keys). */
  atKey?: boolean;
}

/** A problem with its position: 1-based line and column. */
export interface LocatedProblem {
  file: string;
  line: number;
  column: number;
  severity: Severity;
  message: string;
}

/** Formats a problem as `FILE:LINE:COL: error: MESSAGE`, the form editors and CI annotate. */
export function formatProblem(problem: LocatedProblem): string {
  return `${problem.file}:${problem.line}:${problem.column}: ${problem.severity}: ${problem.message}`;
}

/** Raised when a grants file cannot be read or has errors; `problems` lists all of them. */
export class GrantsFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly LocatedProblem[],
  ) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "GrantsFileError";
  }
}

/**
 * Finds the offset of the node a path names. When the path leads past the end of what the file
 * contains, the deepest node that exists is used instead, so a missing key points at its parent map.
 */
export function findOffset(doc: Document, path: YamlPath, atKey = false): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const step = path[i];
    const isLast = i === path.length - 1;
    if (isMap(node)) {
      // Compared as text, because a key YAML reads as a number or boolean becomes a string key.
      // The last of duplicate keys, because that is the value toJS keeps and the checks saw.
      const pair = node.items.findLast(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(step),
      );
      if (!pair) return offset;
      if (isLast && atKey) return rangeStart(pair.key) ?? offset;
      node = pair.value ?? pair.key;
    } else if (node && typeof node === "object" && "items" in node && typeof step === "number") {
      const items = (node as { items: unknown[] }).items;
      if (step >= items.length) return offset;
      node = items[step];
    } else {
      return offset;
    }
    offset = rangeStart(node) ?? offset;
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  return isNode(node) ? (node as Node).range?.[0] : undefined;
}

/** Gives problems their file, line and column, in the order they appear in the file. */
export function locateProblems(
  file: string,
  doc: Document,
  lineCounter: LineCounter,
  problems: readonly Problem[],
): LocatedProblem[] {
  const located = problems.map((problem) => {
    const { line, col } = lineCounter.linePos(findOffset(doc, problem.path, problem.atKey));
    return { file, line, column: col, severity: problem.severity, message: problem.message };
  });
  return sortProblems(located);
}

export function sortProblems(problems: LocatedProblem[]): LocatedProblem[] {
  return problems.sort(
    (a, b) =>
      compareCodeUnits(a.file, b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      compareCodeUnits(a.message, b.message),
  );
}

/** Orders strings by UTF-16 code unit, so output is the same under every locale. */
export function compareCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

export { editDistance, nearest, suggestion } from "./suggest";
