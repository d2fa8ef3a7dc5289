import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { PROJECT_DIR } from "../helpers/program";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps?: Step[];
}

interface Workflow {
  name: string;
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const WORKFLOW_DIR = path.join(PROJECT_DIR, ".github", "workflows");
const WORKFLOW_FILES = readdirSync(WORKFLOW_DIR)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort();
const SCRIPTS = Object.keys(
  JSON.parse(readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).scripts,
);

function loadWorkflow(name: string): Workflow {
  const doc = parseDocument(readFileSync(path.join(WORKFLOW_DIR, name), "utf8"), {
    uniqueKeys: true,
  });
  expect(doc.errors.map((error) => error.message)).toEqual([]);
  return doc.toJS() as Workflow;
}

/** Lists the package.json scripts a shell command runs: `npm run X`, `npm run-script X`, `npm test`. */
function scriptsRun(command: string): string[] {
  const scripts: string[] = [];
  for (const match of command.matchAll(
    /\bnpm\s+(?:run|run-script)\s+(?:--?[\w-]+\s+)*([\w:.-]+)/g,
  )) {
    scripts.push(match[1]);
  }
  for (const match of command.matchAll(/\bnpm\s+(test|start)\b/g)) {
    scripts.push(match[1]);
  }
  return scripts;
}

function allSteps(workflow: Workflow): Step[] {
  return Object.values(workflow.jobs).flatMap((job) => job.steps ?? []);
}

function jobRunning(workflow: Workflow, pattern: RegExp): Job {
  const job = Object.values(workflow.jobs).find((candidate) =>
    (candidate.steps ?? []).some((step) => pattern.test(step.run ?? "")),
  );
  if (!job) throw new Error(`no job runs ${pattern}`);
  return job;
}

describe("workflow files", () => {
  it("include a pull request and a deploy workflow", () => {
    expect(WORKFLOW_FILES).toEqual(["deploy.yml", "pull-request.yml"]);
  });

  it.each(WORKFLOW_FILES)("%s runs only scripts that package.json defines", (name) => {
    const referenced = allSteps(loadWorkflow(name)).flatMap((step) => scriptsRun(step.run ?? ""));
    expect(referenced.length).toBeGreaterThan(0);
    for (const script of referenced) {
      expect(SCRIPTS, `npm script "${script}" in ${name}`).toContain(script);
    }
  });

  it.each(WORKFLOW_FILES)("%s installs with npm ci before running scripts", (name) => {
    for (const [id, job] of Object.entries(loadWorkflow(name).jobs)) {
      const runs = (job.steps ?? []).map((step) => step.run ?? "");
      const firstScript = runs.findIndex(
        (run) => scriptsRun(run).length > 0 || /pulumi /.test(run),
      );
      if (firstScript === -1) continue;
      const install = runs.findIndex((run) => /^npm ci\b/.test(run));
      expect(install, `npm ci in job ${id}`).toBeGreaterThanOrEqual(0);
      expect(install, `npm ci before scripts in job ${id}`).toBeLessThan(firstScript);
    }
  });

  it.each(WORKFLOW_FILES)("%s runs npm ci only where a lock file is", (name) => {
    for (const step of allSteps(loadWorkflow(name))) {
      for (const match of (step.run ?? "").matchAll(/npm ci(?:\s+--prefix\s+(\S+))?/g)) {
        const folder = path.join(PROJECT_DIR, match[1] ?? ".");
        expect(existsSync(path.join(folder, "package-lock.json")), match[0]).toBe(true);
      }
    }
  });

  it.each(WORKFLOW_FILES)("%s reads tokens only from repository secrets", (name) => {
    const workflow = loadWorkflow(name);
    const envs = Object.values(workflow.jobs).flatMap((job) => [
      job.env ?? {},
      ...(job.steps ?? []).map((step) => step.env ?? {}),
    ]);
    for (const env of envs) {
      for (const [key, value] of Object.entries(env)) {
        if (/TOKEN|SECRET|PASSWORD/.test(key)) {
          expect(value, key).toBe(`\${{ secrets.${key} }}`);
        }
      }
    }
  });
});

describe("pull request workflow", () => {
  const workflow = loadWorkflow("pull-request.yml");
  const runs = allSteps(workflow).map((step) => step.run ?? "");

  it("runs on pull requests", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
  });

  it("installs, tests and checks the grants files", () => {
    expect(runs).toContain("npm ci");
    expect(runs).toContain("npm test");
    expect(runs).toContain("npm run check");
  });

  it("posts the review of the base branch as a comment", () => {
    const job = jobRunning(workflow, /npm run --silent review -- --base "origin\/\$BASE_REF"/);
    expect(job.permissions?.["pull-requests"]).toBe("write");
    const post = (job.steps ?? []).find((step) => step.uses?.startsWith("actions/github-script@"));
    expect(String(post?.with?.script)).toContain('fs.readFileSync("review.md"');
    const checkout = (job.steps ?? []).find((step) => step.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with?.["fetch-depth"]).toBe(0);
  });

  it("previews with the policy pack, signed in to Azure with OIDC", () => {
    const job = jobRunning(workflow, /pulumi preview .*--policy-pack policies/);
    expect(job.permissions?.["id-token"]).toBe("write");
    expect(job.env?.ARM_USE_OIDC).toBe("true");
    expect(job.env?.ARM_CLIENT_ID).toBe("${{ vars.AZURE_CLIENT_ID }}");
    expect(job.env?.ARM_TENANT_ID).toBe("${{ vars.AZURE_TENANT_ID }}");
    expect(job.env?.VALOHAI_API_TOKEN).toBe("${{ secrets.VALOHAI_API_TOKEN }}");
    const login = (job.steps ?? []).find((step) => step.uses?.startsWith("azure/login@"));
    expect(login?.with?.["client-id"]).toBe("${{ vars.AZURE_CLIENT_ID }}");
    expect(login?.with?.["tenant-id"]).toBe("${{ vars.AZURE_TENANT_ID }}");
  });
});

describe("deploy workflow", () => {
  const workflow = loadWorkflow("deploy.yml");

  it("runs on pushes to main", () => {
    expect(workflow.on).toEqual({ push: { branches: ["main"] } });
  });

  it("runs pulumi up with the policy pack on dev, then prod", () => {
    const dev = jobRunning(workflow, /pulumi up --stack dev --policy-pack policies --yes/);
    const prod = jobRunning(workflow, /pulumi up --stack prod --policy-pack policies --yes/);
    expect(dev.needs).toBe("check");
    expect(prod.needs).toBe("up-dev");
    for (const job of [dev, prod]) {
      expect(job.permissions?.["id-token"]).toBe("write");
      expect(job.env?.ARM_USE_OIDC).toBe("true");
      expect(job.env?.VALOHAI_API_TOKEN).toBe("${{ secrets.VALOHAI_API_TOKEN }}");
    }
  });
});

describe("CODEOWNERS example", () => {
  const rules = readFileSync(path.join(PROJECT_DIR, ".github", "CODEOWNERS"), "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => line.split(/\s+/));

  it("gives every pattern at least one owner", () => {
    for (const [pattern, ...owners] of rules) {
      expect(owners.length, pattern).toBeGreaterThan(0);
      for (const owner of owners) expect(owner).toMatch(/^@[\w.-]+(\/[\w.-]+)?$/);
    }
  });

  it("routes the grants files to their owners", () => {
    const patterns = rules.map(([pattern]) => pattern);
    expect(patterns).toContain("/config/");
    const grantsRule = rules.filter(([pattern]) => pattern === "/config/grants.yaml").at(-1);
    expect(grantsRule).toContain("@contoso/valohai-access-owners");
  });
});
