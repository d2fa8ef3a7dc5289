// Loads the program the way `pulumi up` does, then runs it under the mock runtime and prints the
// registrations as JSON. @pulumi/pulumi's own runner (cmd/run/run.js) registers ts-node with the
// project's TypeScript and tsconfig.json, and ts-node type-checks as it compiles. This script makes
// the same calls in a plain Node process with no test-runner transform. So the dynamic providers
// are serialized exactly as a deployment serializes them.
"use strict";
const path = require("node:path");

const projectDir = path.resolve(__dirname, "..", "..");
process.chdir(projectDir);

const tsutils = require(require.resolve("@pulumi/pulumi/tsutils.js", { paths: [projectDir] }));
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const compilerOptions = tsutils.loadTypeScriptCompilerOptions("tsconfig.json");
require(tsnodeRequire).register({
  compiler: typescriptRequire,
  project: "tsconfig.json",
  skipProject: false,
  compilerOptions: {
    target: "ES2020",
    module: "nodenext",
    moduleResolution: "nodenext",
    sourceMap: "true",
    ...compilerOptions,
  },
});

const { runWithMocks } = require(path.join(projectDir, "infra/offline/mock-runtime"));
const { runSsoProgram } = require(path.join(projectDir, "infra/program"));

const config = JSON.parse(process.argv[2] ?? "{}");
runWithMocks(() => runSsoProgram(projectDir), { config }).then(
  (run) => process.stdout.write(JSON.stringify(run.registrations)),
  (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  },
);
