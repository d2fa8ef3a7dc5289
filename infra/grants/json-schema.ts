import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { format, resolveConfig } from "prettier";
import { z } from "zod";
import { grantsFileSchema } from "./schema";

/** The committed JSON Schema, which grants files name on their first line for editors. */
export const GRANTS_JSON_SCHEMA_FILE = path.resolve(
  __dirname,
  "..",
  "..",
  "config",
  "grants.schema.json",
);

/**
 * Generates the JSON Schema of the grants file from the zod schema. It describes the input, so
 * keys with defaults are optional. Draft 7 is the newest draft the YAML language server fully
 * supports.
 */
export function grantsJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(grantsFileSchema, { io: "input", target: "draft-7" }),
    title: "Valohai SSO grants file",
  };
}

/** Renders the schema as the committed file contains it, formatted like the rest of the repo. */
export async function renderGrantsJsonSchema(): Promise<string> {
  const options = await resolveConfig(GRANTS_JSON_SCHEMA_FILE);
  return format(JSON.stringify(grantsJsonSchema()), { ...options, parser: "json" });
}

if (require.main === module) {
  renderGrantsJsonSchema().then(
    (text) => {
      writeFileSync(GRANTS_JSON_SCHEMA_FILE, text);
      process.stdout.write(`wrote ${path.relative(process.cwd(), GRANTS_JSON_SCHEMA_FILE)}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
