import { readFileSync } from "node:fs";
import * as path from "node:path";
import { isMap, LineCounter, parseDocument } from "yaml";
import { suggestion } from "../grants/problems";
import { PROJECT } from "../settings";
import { StackSettingError } from "../settings-error";

/** Stack config as the Pulumi runtime passes it to a program: namespaced keys, string values. */
export interface StackConfig {
  file: string;
  values: Record<string, string>;
  /** Keys whose values are encrypted in the stack file; they cannot be read offline. */
  secretKeys: string[];
  /** Keys in the project's namespace that no code reads, each with a hint. */
  warnings: string[];
}

/** Every setting the program and the providers read, without the `valohai-sso:` prefix. */
export const KNOWN_SETTINGS = [
  "accessGrantsMode",
  "apiTimeoutSeconds",
  "apiToken",
  "apiUrl",
  "displayName",
  "grantsFile",
  "groupClaims",
  "groupNamePrefix",
  "optionalClaims",
  "organizationId",
  "owners",
  "requireMfa",
  "valohaiUrl",
] as const;

/** Settings that may be encrypted, because the offline tools never need their values. */
const SECRET_SETTINGS = new Set([`${PROJECT}:apiToken`]);

/** Reads `Pulumi.<stack>.yaml` from the project folder. */
export function readStackConfig(projectDir: string, stack: string): StackConfig {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(stack)) {
    throw new StackSettingError(
      `invalid stack name "${stack}": start with a letter or digit, then use letters, digits, ` +
        '"-", "_" and "." only.',
    );
  }
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  const displayed = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new StackSettingError(
      `stack file ${displayed} not found. Create it or pass --stack with an existing stack.`,
    );
  }

  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    const error = document.errors[0];
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const reason = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new StackSettingError(
      `${displayed}:${line}:${col}: invalid YAML in the stack file: ${reason}`,
    );
  }
  const config = document.get("config", true);
  if (config !== undefined && config !== null && !isMap(config)) {
    throw new StackSettingError(
      `${displayed}: "config" must be a map of settings such as ${PROJECT}:organizationId.`,
    );
  }

  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  const warnings: string[] = [];
  const entries = Object.entries(
    (document.toJS() as { config?: Record<string, unknown> } | null)?.config ?? {},
  );
  for (const [key, value] of entries) {
    if (key.startsWith(`${PROJECT}:`)) {
      const name = key.slice(PROJECT.length + 1);
      if (!(KNOWN_SETTINGS as readonly string[]).includes(name)) {
        const hint = suggestion(name, KNOWN_SETTINGS) || " No code reads it.";
        warnings.push(`${displayed}: unknown setting ${key}.${hint}`);
      }
    }
    if (SECRET_SETTINGS.has(key) && typeof value === "string" && value !== "") {
      throw new StackSettingError(
        `${displayed}: ${key} is stored in clear text. Remove it from the file, rotate the token, and ` +
          `set the new one encrypted with \`pulumi config set --secret ${key} <token>\`.`,
      );
    }
    if (value && typeof value === "object" && "secure" in value) {
      if (key.startsWith(`${PROJECT}:`) && !SECRET_SETTINGS.has(key)) {
        throw new StackSettingError(
          `${displayed}: ${key} is encrypted, so it cannot be read offline. It is not a secret: ` +
            `store it in clear text with \`pulumi config set ${key} <value>\`.`,
        );
      }
      secretKeys.push(key);
    } else if (typeof value === "string") {
      values[key] = value;
    } else {
      values[key] = JSON.stringify(value);
    }
  }
  return { file, values, secretKeys, warnings };
}
