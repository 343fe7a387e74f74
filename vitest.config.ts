import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

/**
 * One project per kind of test, each a folder (`npx vitest run --project faults`); `npm test` runs
 * them all. `extends: true`: every project takes the rest of this file (the graphql alias, setup,
 * pool and timeouts). Specs only, under src/ and test/: never the compiled copies under dist/.
 */
const project = (name: string, include: string): TestProjectInlineConfiguration => ({
  extends: true,
  test: { name, include: [include] },
});

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module). Node, and so type-graphql and Apollo, load the CJS
    // build; Vite would hand our sources the ESM one, and two copies of graphql refuse each other's types.
    alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }],
  },
  test: {
    projects: [
      // Pure rules and helpers, beside the code they test.
      project("unit", "src/**/*.spec.ts"),
      // Behaviour through the API against the real MariaDB and Redis.
      project("integration", "test/integration/**/*.spec.ts"),
      // Use cases called on the services directly, against a real database.
      project("services", "test/services/**/*.spec.ts"),
      // Processes killed, connections cut, outages, clocks apart: nothing lost or applied twice.
      project("faults", "test/faults/**/*.spec.ts"),
      // The whole service from outside: the SDK's story, the browser, the process as `npm start` runs it.
      project("e2e", "test/e2e/**/*.spec.ts"),
      // The project's own files and tools: generated schema and SDK, compose file, benchmark report.
      project("tooling", "test/tooling/**/*.spec.ts"),
    ],
    setupFiles: ["reflect-metadata"],
    // Each file gets its own database and Redis prefix, so files run in parallel processes.
    pool: "forks",
    // JSON results beside the console report: .ci/run prints the closing "N passed, N failed" from them.
    reporters: ["default", ["json", { outputFile: "test-output/vitest-results.json" }]],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      exclude: ["src/**/*.spec.ts"],
      reporter: ["text-summary", "json-summary"],
      // Domain rules and the shared kernel are pure: every line and branch is exercised.
      thresholds: {
        "src/**/*.rules.ts": { lines: 100, branches: 100, functions: 100, statements: 100 },
        "src/shared/**/*.ts": { lines: 100, branches: 100, functions: 100, statements: 100 },
      },
    },
  },
});
