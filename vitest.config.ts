import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module). Node, and so type-graphql and Apollo, load the CJS
    // build; Vite would hand our sources the ESM one, and two copies of graphql refuse each other's types.
    alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }],
  },
  test: {
    // Specs only: never the compiled copies under dist/.
    include: ["test/**/*.spec.ts", "src/**/*.spec.ts"],
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
