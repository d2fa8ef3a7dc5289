import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/** Stack config as the Pulumi runtime passes it to a program: namespaced keys, string values. */
export interface StackConfig {
  file: string;
  values: Record<string, string>;
  /** Keys whose values are encrypted in the stack file; they cannot be read offline. */
  secretKeys: string[];
}

/** Reads `Pulumi.<stack>.yaml` from the project folder. */
export function readStackConfig(projectDir: string, stack: string): StackConfig {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
    throw new Error(`invalid stack name "${stack}": use letters, digits, "-", "_" and "." only.`);
  }
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new Error(
      `stack file ${path.relative(process.cwd(), file) || file} not found. Create it or pass --stack with an existing stack.`,
    );
  }
  const document = (parse(text) ?? {}) as { config?: Record<string, unknown> };
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(document.config ?? {})) {
    if (value && typeof value === "object" && "secure" in value) {
      secretKeys.push(key);
    } else if (typeof value === "string") {
      values[key] = value;
    } else {
      values[key] = JSON.stringify(value);
    }
  }
  return { file, values, secretKeys };
}
