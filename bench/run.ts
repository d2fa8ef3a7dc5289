import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import * as path from "node:path";

// Runs every bench/*.bench.ts in its own process, so one benchmark's heap and timers do not
// disturb the next. Each benchmark prints its own report.
const benchDir = __dirname;
const tsx = path.join(benchDir, "..", "node_modules", ".bin", "tsx");
const only = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((name) => name.endsWith(".bench.ts"))
  .filter((name) => only.length === 0 || only.some((filter) => name.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmarks match ${only.join(" ")} in ${benchDir}`);
  process.exitCode = 1;
}
for (const file of files) {
  console.log(`== ${file}`);
  execFileSync(tsx, [path.join(benchDir, file)], { stdio: "inherit" });
}
