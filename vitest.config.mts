import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // Pulumi's mock runtime is process-wide state, so each test file gets its own process.
    pool: "forks",
    testTimeout: 60_000,
  },
});
