import { countRequests } from "../test/valohai/request-counts";

// Counts the HTTP requests the Valohai providers send to a local fake server for the usual steps
// of a stack's life. Counts, not times: they do not depend on the machine.
async function main() {
  for (const [teams, grants] of [
    [5, 12],
    [20, 60],
  ]) {
    const counts = await countRequests(teams, grants);
    console.log(`${teams} teams, ${grants} grants`);
    console.log("  step                                        requests  writes  listings");
    for (const count of counts) {
      console.log(
        `  ${count.step.padEnd(44)}${String(count.requests).padStart(8)}` +
          `${String(count.writes).padStart(8)}${String(count.listings).padStart(10)}`,
      );
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
