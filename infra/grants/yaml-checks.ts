import {
  isAlias,
  isCollection,
  isMap,
  isPair,
  isNode,
  isScalar,
  visit,
  type Document,
  type LineCounter,
  type Node,
  type YAMLError,
} from "yaml";
import type { LocatedProblem } from "./problems";

/**
 * Maximum number of nodes that aliases may add to a grants file when they are expanded. A real
 * file shares a few lists through anchors; a "billion laughs" file nests aliases to grow
 * exponentially. NOTE: the value is a judgment, not a measurement. Raise it if a real file with
 * many shared lists reaches it.
 */
export const MAX_ALIAS_EXPANSION = 10_000;

/**
 * Turns the YAML parser's errors and warnings into located problems, each with a fix. Only the
 * first problem on a line is kept, because one mistake often makes the parser report several.
 */
export function yamlProblems(
  file: string,
  doc: Document,
  lineCounter: LineCounter,
): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  const lines = new Set<number>();
  const report = (issue: YAMLError, severity: "error" | "warning") => {
    const { offset, message } = describeYamlIssue(doc, lineCounter, issue);
    const { line, col } = lineCounter.linePos(offset);
    if (lines.has(line)) return;
    lines.add(line);
    problems.push({ file, line, column: col, severity, message });
  };
  doc.errors.forEach((issue) => report(issue, "error"));
  doc.warnings.forEach((issue) => report(issue, "warning"));
  return problems;
}

function describeYamlIssue(
  doc: Document,
  lineCounter: LineCounter,
  issue: YAMLError,
): { offset: number; message: string } {
  const offset = issue.pos[0];
  const text = issue.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  switch (issue.code) {
    case "DUPLICATE_KEY":
      return { offset, message: duplicateKeyMessage(doc, lineCounter, offset) };
    case "TAB_AS_INDENT":
      return {
        offset,
        message: "invalid YAML: a tab is used for indentation. Indent with spaces only.",
      };
    case "MULTIPLE_DOCS":
      return {
        offset,
        message:
          'invalid YAML: the file contains more than one document. Remove the "---" or "..." ' +
          "line, because a grants file is a single document.",
      };
    case "MISSING_CHAR":
      if (/closing .?quote/.test(text)) {
        const quote = text.includes("'") ? "'" : '"';
        return {
          offset: unclosedNodeStart(doc, offset) ?? offset,
          message: `invalid YAML: quoted string is not closed. Add the closing ${quote}.`,
        };
      }
      if (text.startsWith("Implicit map keys")) {
        return {
          offset,
          message: 'invalid YAML: a line has no "key: value" form. Add the ":" or remove the line.',
        };
      }
      return { offset, message: `invalid YAML: ${text}. Add the missing character.` };
    case "BAD_INDENT":
    case "BLOCK_AS_IMPLICIT_KEY":
    case "MULTILINE_IMPLICIT_KEY": {
      const bracket = /end with an? ([\]}])$/.exec(text)?.[1];
      if (bracket) {
        return {
          offset: unclosedNodeStart(doc, offset) ?? offset,
          message: `invalid YAML: flow collection is not closed. Add the closing ${bracket}.`,
        };
      }
      return { offset, message: indentationMessage(text) };
    }
    case "BAD_DQ_ESCAPE":
      return {
        offset,
        message: `invalid YAML: ${text}. Use single quotes, or write a backslash as \\\\.`,
      };
    case "TAG_RESOLVE_FAILED":
      return { offset, message: `${text}. Remove the tag, because grants files use no tags.` };
    default:
      return { offset, message: `invalid YAML: ${text}. Correct the syntax at this position.` };
  }
}

function indentationMessage(text: string): string {
  return (
    `invalid YAML: ${text}. Indent entries at the same level by the same number of spaces, ` +
    'and quote values that contain ": ".'
  );
}

function duplicateKeyMessage(doc: Document, lineCounter: LineCounter, offset: number): string {
  let message =
    "invalid YAML: duplicate key, and YAML would keep only the last value. Remove or merge one.";
  visit(doc, {
    Map(_key, map) {
      const index = map.items.findIndex((pair) => rangeOf(pair.key)?.[0] === offset);
      if (index < 0) return undefined;
      const key = scalarText(map.items[index].key);
      const first = map.items.findIndex((pair) => scalarText(pair.key) === key);
      const firstStart = rangeOf(map.items[first].key)?.[0] ?? offset;
      message =
        `invalid YAML: duplicate key "${key}", first on line ${lineCounter.linePos(firstStart).line}, ` +
        "and YAML would keep only the last value. Remove or merge one of them.";
      return visit.BREAK;
    },
  });
  return message;
}

/**
 * Finds where an unclosed quoted string or flow collection starts, because the parser reports
 * the error where the node ends, often lines later.
 */
function unclosedNodeStart(doc: Document, offset: number): number | undefined {
  let start: number | undefined;
  visit(doc, {
    Node(_key, node) {
      const unclosable =
        (isScalar(node) && (node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE")) ||
        (isCollection(node) && node.flow === true);
      if (unclosable && node.range && node.range[1] === offset) {
        start = node.range[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return start;
}

/**
 * Checks aliases before the document is converted: each must refer to an anchor set earlier and
 * outside itself, and all of them together may add at most MAX_ALIAS_EXPANSION nodes. The problem
 * points at the alias that breaks the rule.
 */
export function aliasProblems(
  file: string,
  doc: Document,
  lineCounter: LineCounter,
): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  const anchors = new Map<string, Node>();
  const sizes = new Map<unknown, number>();
  const open = new Set<unknown>();
  let expansion = 0;
  const report = (node: Node, message: string) => {
    const { line, col } = lineCounter.linePos(node.range?.[0] ?? 0);
    problems.push({ file, line, column: col, severity: "error", message });
  };

  // Walks the document in source order and returns the number of nodes a subtree expands to.
  const walk = (node: unknown): number => {
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) {
        report(
          node,
          `alias *${node.source} has no anchor before it. Define &${node.source} first.`,
        );
        return 1;
      }
      if (open.has(target)) {
        report(node, `alias *${node.source} is inside its own anchor. Remove the alias.`);
        return 1;
      }
      const size = sizes.get(target) ?? 1;
      if (expansion <= MAX_ALIAS_EXPANSION) {
        expansion += size;
        if (expansion > MAX_ALIAS_EXPANSION) {
          report(
            node,
            `aliases expand the file by more than ${MAX_ALIAS_EXPANSION} nodes. ` +
              "Write the values out instead of nesting aliases.",
          );
        }
      }
      return size;
    }
    if (isPair(node)) return walk(node.key) + walk(node.value);
    if (!isNode(node)) return 0;
    if (node.anchor) anchors.set(node.anchor, node);
    let size = 1;
    if (isCollection(node)) {
      open.add(node);
      for (const item of node.items) size += walk(item);
      open.delete(node);
    }
    sizes.set(node, size);
    return size;
  };
  walk(doc.contents);
  return problems;
}

function rangeOf(node: unknown): readonly number[] | undefined {
  return isScalar(node) || isMap(node) ? (node.range ?? undefined) : undefined;
}

function scalarText(node: unknown): string {
  return isScalar(node) ? String(node.value) : String(node);
}

/**
 * Rejects a %YAML directive for another version. Under YAML 1.1, `yes` and `no` become booleans
 * and dates become timestamps, so a file must not switch away from YAML 1.2.
 */
export function versionProblems(
  file: string,
  text: string,
  doc: Document,
  lineCounter: LineCounter,
): LocatedProblem[] {
  const version = doc.directives?.yaml.version;
  if (version === undefined || version === "1.2") return [];
  const offset = Math.max(0, text.search(/^%YAML/m));
  const { line, col } = lineCounter.linePos(offset);
  const message =
    `the file declares YAML ${version}, but grants files are YAML 1.2, where yes and no are ` +
    "strings. Remove the %YAML line.";
  return [{ file, line, column: col, severity: "error", message }];
}
