import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { parse } from "yaml";
import { validateGrantsFile } from "../infra/grants/load";
import type { GrantsFile } from "../infra/grants/schema";
import { checkGrantsFilePolicies } from "../infra/offline/policies";
import { formatProblem } from "../infra/grants/problems";

// Validates a generated grants file for a large organization the way `npm run check` does and
// compares the time with a bare YAML parse of the same file. The goal is at most twice the parse.

const SIZE = { grants: 2_000, groups: 1_000, existingGroups: 200, members: 20_000, teams: 200 };
const WARMUP_RUNS = 2;
const MEASURED_RUNS = 9;

/** Writes a valid grants file in which every team and group is used, so nothing is reported. */
function generateGrantsYaml(): string {
  const lines = ["# yaml-language-server: $schema=./grants.schema.json", "version: 1", "teams:"];
  for (let t = 0; t < SIZE.teams; t++) {
    lines.push(`  - name: team-${t}`, `    description: Team number ${t}`);
  }
  const managed = SIZE.groups - SIZE.existingGroups;
  const membersPerGroup = SIZE.members / managed;
  lines.push("managedGroups:");
  for (let g = 0; g < managed; g++) {
    lines.push(`  - name: Group ${g}`, "    members:");
    for (let m = 0; m < membersPerGroup; m++) {
      const user = g * membersPerGroup + m;
      lines.push(
        user % 10 === 0 ? `      - ${guid(user)}` : `      - user.${user}@contoso.example.com`,
      );
    }
  }
  lines.push("existingGroups:");
  for (let g = managed; g < SIZE.groups; g++) {
    lines.push(`  - name: Group ${g}`, `    objectId: "${guid(1_000_000 + g)}"`);
  }
  lines.push("grants:");
  for (let i = 0; i < SIZE.grants; i++) {
    const groups = [i % SIZE.groups, (i * 7 + 3) % SIZE.groups].map((g) => `Group ${g}`);
    const teams = [i % SIZE.teams, (i * 13 + 5) % SIZE.teams].map((t) => `team-${t}`);
    lines.push(
      `  - name: grant-${i}`,
      `    groups: [${[...new Set(groups)].join(", ")}]`,
      `    teams: [${[...new Set(teams)].join(", ")}]`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function guid(n: number): string {
  const hex = n.toString(16).padStart(12, "0");
  return `00000000-0000-4000-8000-${hex}`;
}

/**
 * Times each task MEASURED_RUNS times after WARMUP_RUNS untimed runs and returns the median of
 * each in milliseconds. The tasks alternate within a round, so a change in machine load during
 * the benchmark affects all of them alike.
 */
function medianMilliseconds(tasks: readonly (() => void)[]): number[] {
  const times = tasks.map((): number[] => []);
  for (let round = 0; round < WARMUP_RUNS + MEASURED_RUNS; round++) {
    tasks.forEach((task, i) => {
      const start = performance.now();
      task();
      if (round >= WARMUP_RUNS) times[i].push(performance.now() - start);
    });
  }
  return times.map((runs) => {
    runs.sort((x, y) => x - y);
    return runs[Math.floor(runs.length / 2)];
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "valohai-sso-bench-"));
  const file = path.join(dir, "grants.yaml");
  try {
    writeFileSync(file, generateGrantsYaml());
    const { problems } = validateGrantsFile(file);
    if (problems.length > 0) {
      throw new Error(`generated file has problems:\n${problems.map(formatProblem).join("\n")}`);
    }

    const [parseTime, checkTime] = medianMilliseconds([
      () => parse(readFileSync(file, "utf8")),
      () => validateGrantsFile(file),
    ]);
    const kib = readFileSync(file).length / 1024;
    const cpu = cpus();
    console.log(
      `machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, Node ${process.version}`,
    );
    console.log(
      `file: ${SIZE.grants} grants, ${SIZE.groups} groups (${SIZE.existingGroups} existing), ` +
        `${SIZE.members} members, ${SIZE.teams} teams, ${kib.toFixed(0)} KiB`,
    );
    console.log(`median of ${MEASURED_RUNS} alternating runs after ${WARMUP_RUNS} warm-up runs:`);
    console.log(`  bare yaml parse      ${parseTime.toFixed(1)} ms`);
    console.log(`  check validation     ${checkTime.toFixed(1)} ms`);
    console.log(`  ratio                ${(checkTime / parseTime).toFixed(2)}x (goal: at most 2x)`);

    // check then runs the program offline and the policy rules over what it registers. That is
    // a different cost from validation, so it is timed on its own, once, with no stack settings.
    const grants = validateGrantsFile(file).grants as GrantsFile;
    const start = performance.now();
    const { violations } = await checkGrantsFilePolicies(file, grants, dir);
    const policyTime = performance.now() - start;
    console.log(
      `one run of the policy step (program under mocks): ${(policyTime / 1000).toFixed(1)} s, ` +
        `${violations.length} violations`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
