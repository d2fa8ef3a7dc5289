import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { stackGrantsFiles } from "../../infra/cli/check";
import {
  GRANTS_JSON_SCHEMA_FILE,
  grantsJsonSchema,
  renderGrantsJsonSchema,
} from "../../infra/grants/json-schema";
import { PROJECT_DIR } from "../helpers/program";

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  additionalProperties?: boolean;
  required?: string[];
};

/** Collects every object schema inside a schema, with its location for failure messages. */
function objectSchemas(schema: JsonSchema, where = "#"): [string, JsonSchema][] {
  const found: [string, JsonSchema][] = schema.type === "object" ? [[where, schema]] : [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    found.push(...objectSchemas(child, `${where}/properties/${key}`));
  }
  if (schema.items) found.push(...objectSchemas(schema.items, `${where}/items`));
  return found;
}

describe("grants JSON Schema", () => {
  it("committed file matches the zod schema", async () => {
    const committed = readFileSync(GRANTS_JSON_SCHEMA_FILE, "utf8");
    const generated = await renderGrantsJsonSchema();
    expect(committed, "config/grants.schema.json is stale: run npm run schema").toBe(generated);
  });

  it("rejects unknown keys in every object", () => {
    const objects = objectSchemas(grantsJsonSchema() as JsonSchema);
    expect(objects.length).toBe(6);
    for (const [where, schema] of objects) {
      expect(schema.additionalProperties, where).toBe(false);
    }
  });

  it("requires version and names", () => {
    const objects = Object.fromEntries(objectSchemas(grantsJsonSchema() as JsonSchema));
    expect(objects["#"].required).toEqual(["version"]);
    expect(objects["#/properties/teams/items"].required).toEqual(["name"]);
    expect(objects["#/properties/existingGroups/items"].required).toEqual(["name", "objectId"]);
  });

  it("is named on the first line of each stack's grants file", () => {
    const targets = stackGrantsFiles(PROJECT_DIR);
    expect(targets.length).toBeGreaterThan(0);
    for (const { file } of targets) {
      const absolute = path.resolve(PROJECT_DIR, file);
      const schemaPath = path.relative(path.dirname(absolute), GRANTS_JSON_SCHEMA_FILE);
      const firstLine = readFileSync(absolute, "utf8").split("\n")[0];
      expect(firstLine, file).toBe(`# yaml-language-server: $schema=./${schemaPath}`);
    }
  });
});
