/**
 * Markdown helpers for text that comes from a grants file. Anyone who edits the file writes its
 * names and reasons, so they are escaped: an unescaped `<!--` in a pull request comment
 * would hide everything after it, warnings included.
 */

/** Compares names case-insensitively, then by code point, so the order never depends on locale. */
export function compareText(a: string, b: string): number {
  const lowerA = a.toLowerCase();
  const lowerB = b.toLowerCase();
  if (lowerA !== lowerB) return lowerA < lowerB ? -1 : 1;
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Formats a count with its noun, such as "1 grant" or "3 grants". */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** Writes a value as a code span, with a longer backtick fence when the value contains backticks. */
export function code(value: string): string {
  const text = value.replace(/\s+/g, " ");
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longestRun + 1);
  const padding = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${padding}${text}${padding}${fence}`;
}

/**
 * Escapes free text so Markdown and HTML in it show as written. The text always sits inside a
 * line, never at its start, so characters that matter only there (`#`, `-`, `+`) stay as they are.
 */
export function escapeText(value: string): string {
  return (
    value
      .replace(/\s+/g, " ")
      .replace(/[\\`*_[\]<>&~]/g, (char) => `\\${char}`)
      // An entity shows "@" without the mention that would notify a user or team.
      .replace(/@/g, "&#64;")
  );
}

/** Lists values as comma-separated code spans, or a dash when there are none. */
export function codeList(values: readonly string[]): string {
  return values.length === 0 ? "—" : values.map(code).join(", ");
}

/**
 * Renders a table. Cells are Markdown already; a `|` inside a cell is escaped, which GitHub also
 * honours inside code spans in tables.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)];
}
