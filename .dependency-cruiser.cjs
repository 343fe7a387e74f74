// @ts-check
/**
 * The layering of STYLE.md ("Dependency direction") as rules a tool checks: `npm run deps` (part of
 * `npm run check`, which CI runs) fails on any violation. Every rule says why it exists.
 *
 * Where things live (src/), lowest first:
 *   shared/         errors, ids, clock, pages, roles: the vocabulary every layer speaks
 *   config/         the only reader of process.env
 *   observability/  logger and metrics; process/: signals, start-up failures, the repository root
 *   db/             connection, tables, migrations, transaction runners
 *   outbox/ redis/  order events and their outbox; Redis connections
 *   auth/           who is calling: bearer tokens and the viewer of a request
 *   graphql/        what resolvers build on: context, scalars, connections, plugins
 *   modules/<name>/ one feature: rules, service, repository, resolver, types, loaders, jobs
 *   queue/          event queues, their workers and the outbox relay
 *   api/            the GraphQL API assembled from every module (schema, loaders)
 *   http/           serves the API
 *   seed/           demo data, loaded through the services
 *   fake-data-platform/  a stand-in for the external data platform (npm start, demos, tests)
 *   fake-payment-gateway/  a stand-in for the external card PG, Toss Payments v1 (npm start, demos, tests)
 *   app/            composition roots: entry points, the services' wiring, start-up
 *
 * What is checked: production code, src/ and sdk/. Specs beside the code, test/ and bench/ are test
 * code, which may import anything from src; followed, their imports would put test helpers in the
 * middle of folder cycles production code does not have. An import of test code from src still
 * shows (and fails `src-never-imports-tests`): test files are seen, just not followed.
 *
 * Imports are counted with their types (`tsPreCompilationDeps`): an `import type` couples two files
 * as surely as a value import (it breaks when the other side changes), so the layering holds for it
 * too. CommonJS (.cjs) because the package is `"type": "module"` and that is the form
 * dependency-cruiser writes itself for such packages (`depcruise --init`).
 */

const SPEC = "\\.spec\\.ts$";

/** Composition roots: they wire concrete parts together, so they may import anything. */
const COMPOSITION_ROOTS = "^src/app/";

/** Outside repositories, src/db itself, the composition roots and src/seed (see the rules below). */
const OUTSIDE_DATA_ACCESS = ["\\.repository\\.ts$", "^src/db/", COMPOSITION_ROOTS, "^src/seed/", SPEC];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "Two files that import each other (through any number of steps) can be neither understood, " +
        "tested nor loaded alone, and ES modules may see the other half uninitialised at start-up. " +
        "Break the cycle by moving what both need below them, or by passing it in.",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-folder-cycles",
      severity: "error",
      comment:
        "Folders are the layers and the modules (STYLE.md: 'No cycles between modules: order may call " +
        "catalog, point, cart; nothing calls order back'). A cycle between two folders means neither " +
        "is below the other: each change ripples both ways and no folder can be read, tested or " +
        "moved on its own. Checked on folders rather than files because files can avoid each other " +
        "while their folders still lean on each other. A folder counts its subfolders' imports " +
        "(src/db imports what src/db/schema imports).",
      scope: "folder",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "shared-imports-nothing",
      severity: "error",
      comment:
        "src/shared is the vocabulary every layer speaks (DomainError and its codes, ids, the clock, " +
        "pages, roles), so it sits below all of them: no project code, or it would drag that code " +
        "into every layer; and no package either, not even graphql or drizzle, or every layer would " +
        "be tied to a framework through it (domain-driven-hexagon: the domain imports no framework). " +
        "Today it needs none; a pure helper from node would have to argue its way in here.",
      from: { path: "^src/shared/", pathNot: SPEC },
      to: { pathNot: "^src/shared/" },
    },
    {
      name: "rules-import-only-shared",
      severity: "error",
      comment:
        "*.rules.ts are the pure domain rules, 100% covered by the spec beside them without a " +
        "database or a server: they may use src/shared and node:crypto (hashing is pure), nothing " +
        "else, not even another module's rules or their own module's service. A rule that needs " +
        "data gets it as an argument from its service.",
      from: { path: "\\.rules\\.ts$" },
      to: { pathNot: ["^src/shared/", "^crypto$"] },
    },
    {
      name: "only-repositories-touch-the-database",
      severity: "error",
      comment:
        "SQL lives in *.repository.ts (STYLE.md: 'only repositories touch drizzle'), so every query " +
        "of a table is found in one place and can be reviewed for its locks and indexes. Nothing " +
        "else imports drizzle-orm, mysql2 or the tables (src/db/schema), not even for a type, " +
        "except: src/db itself; the composition roots, which open the connection; src/seed, whose " +
        "'is the shop empty?' counts run before any service exists. Services call the transaction " +
        "runners instead (next rules).",
      from: { path: "^src/", pathNot: OUTSIDE_DATA_ACCESS },
      to: { path: ["node_modules/drizzle-orm/", "node_modules/mysql2/", "^src/db/schema/"] },
    },
    {
      name: "only-transaction-runners-outside-repositories",
      severity: "error",
      comment:
        "Outside repositories, src/db offers the transaction runners (transaction.ts, " +
        "batched-transaction.ts, group-commit.ts) and the classification of what the database " +
        "answered (errors.ts: duplicate key, deadlock, unavailable). A service is the transaction " +
        "boundary (STYLE.md: 'runInTransaction(async (tx) => ...) is the one way to open a " +
        "transaction'), so it opens the transaction, hands `tx` to its repositories and turns " +
        "database errors into domain errors. Migrations, prepared reads, retry policy and commit " +
        "outcomes are the runners' and repositories' own. client.ts: see the next rule.",
      from: { path: "^src/", pathNot: [...OUTSIDE_DATA_ACCESS, "^src/queue/housekeeping\\.ts$"] },
      to: {
        path: "^src/db/",
        pathNot: [
          "^src/db/transaction\\.ts$",
          "^src/db/batched-transaction\\.ts$",
          "^src/db/group-commit\\.ts$",
          "^src/db/errors\\.ts$",
          "^src/db/client\\.ts$",
          "^src/db/schema/",
        ],
      },
    },
    {
      name: "housekeeping-only-clears-commit-tokens",
      severity: "error",
      comment:
        "The one exception to the rule above: commit_token is the batched runner's own bookkeeping " +
        "(src/db/commit-outcome.ts) and the worker's housekeeping clears its stale rows through the " +
        "function that file exports for it; everything else there stays the runners'.",
      from: { path: "^src/queue/housekeeping\\.ts$" },
      to: {
        path: "^src/db/",
        pathNot: [
          "^src/db/transaction\\.ts$",
          "^src/db/batched-transaction\\.ts$",
          "^src/db/group-commit\\.ts$",
          "^src/db/errors\\.ts$",
          "^src/db/client\\.ts$",
          "^src/db/schema/",
          "^src/db/commit-outcome\\.ts$",
        ],
      },
    },
    {
      name: "db-client-only-as-a-type",
      severity: "error",
      comment:
        "Outside repositories, src/db, the composition roots and src/seed, src/db/client.ts is " +
        "imported for its handle types only (Db, Tx, Executor, Database), which a service holds to " +
        "pass to its repositories and runners: a type runs no query, and the tables and drizzle's " +
        "operators a query needs stay forbidden (rule above). Opening the connection is the " +
        "composition roots' job.",
      from: { path: "^src/", pathNot: OUTSIDE_DATA_ACCESS },
      to: { path: "^src/db/client\\.ts$", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "no-other-modules-repository",
      severity: "error",
      comment:
        "A module's tables are its own: another module calls its service, which keeps the owner's " +
        "rules, locks and transactions in force. Importing another module's repository, even for a " +
        "row type, couples to how the owner stores its data; the owner shows others what they may " +
        "see through its service and its GraphQL types.",
      from: {
        path: "^src/modules/([^/]+)/",
        pathNot: SPEC,
      },
      to: { path: "^src/modules/[^/]+/[^/]+\\.repository\\.ts$", pathNot: "^src/modules/$1/" },
    },
    {
      name: "composition-roots-are-imported-by-nothing",
      severity: "error",
      comment:
        "src/app wires concrete parts together (entry points, createServices, start-up). Whatever " +
        "imports it depends on everything at once and can no longer be built or tested alone; a part " +
        "that needs something from the wiring declares a narrow interface and has it passed in " +
        "(src/api's ResolverServices, src/http's ApiServices, src/seed's DemoDataServices). Tests and " +
        "bench may import it: they are composition roots of their own.",
      from: { path: "^src/", pathNot: COMPOSITION_ROOTS },
      to: { path: COMPOSITION_ROOTS },
    },
    {
      name: "service-never-imports-the-fake-platform",
      severity: "error",
      comment:
        "src/fake-data-platform stands in for a system outside the service. Only `npm start`'s " +
        "composition (src/app/main.ts) runs it, when DATA_PLATFORM_URL is unset; the service itself " +
        "must work the same against the real platform, so no other code may lean on the fake. The " +
        "fake PG, another stand-in, borrows its JSON helpers (next rules say how far).",
      from: {
        path: "^src/",
        pathNot: [COMPOSITION_ROOTS, "^src/fake-data-platform/", "^src/fake-payment-gateway/", SPEC],
      },
      to: { path: "^src/fake-data-platform/" },
    },
    {
      name: "service-never-imports-the-fake-pg",
      severity: "error",
      comment:
        "src/fake-payment-gateway stands in for the card PG, as the fake platform does for the data " +
        "platform: only the composition roots (src/app) start it, when no real PG is configured, and " +
        "the service must work the same against Toss Payments, so no other code may lean on the fake.",
      from: { path: "^src/", pathNot: [COMPOSITION_ROOTS, "^src/fake-payment-gateway/", SPEC] },
      to: { path: "^src/fake-payment-gateway/" },
    },
    {
      name: "fake-pg-imports-no-service-code",
      severity: "error",
      comment:
        "The real PG shares no code with the service, so neither does its fake: a fake built on the " +
        "service's own rules would agree with the service's mistakes. It may use its settings " +
        "(src/config), the logger and process plumbing its entry point needs, and the JSON helpers " +
        "of the other fake (json-http.ts: transport plumbing, no behaviour of either system).",
      from: { path: "^src/fake-payment-gateway/", pathNot: SPEC },
      to: {
        path: "^src/",
        pathNot: [
          "^src/fake-payment-gateway/",
          "^src/fake-data-platform/json-http\\.ts$",
          "^src/config/",
          "^src/observability/",
          "^src/process/",
        ],
      },
    },
    {
      name: "src-never-imports-tests",
      severity: "error",
      comment:
        "Production code must run without test/ and bench/: the image ships what src compiles to and " +
        "nothing else is meant for production. Specs beside the code are test code and may use " +
        "test/helpers.",
      from: { path: "^src/", pathNot: SPEC },
      to: { path: "^(test|bench)/" },
    },
    {
      name: "src-never-imports-dev-dependencies",
      severity: "error",
      comment:
        "The image installs production dependencies only (npm ci --omit=dev): a devDependency " +
        "imported by src would pass every test here and crash in production.",
      from: { path: "^src/", pathNot: SPEC },
      to: { dependencyTypes: ["npm-dev"] },
    },
    {
      name: "sdk-stands-alone",
      severity: "error",
      comment:
        "sdk/ is the API's client, for Node and browsers: it knows the server through schema.graphql " +
        "and HTTP only. Importing server code would ship the server's code to every client and tie " +
        "the client's releases to the server's files.",
      from: { path: "^sdk/" },
      to: { path: "^(src|test|bench)/" },
    },
    {
      name: "web-imports-only-sdk",
      comment:
        "web/ is the reference storefront, a browser app: it talks to the API through the SDK (sdk/) " +
        "and HTTP only, as any other client would. Server code would not run in a browser, and test " +
        "or bench code has no place in what a buyer downloads.",
      severity: "error",
      from: { path: "^web/" },
      to: { path: "^(src|test|bench)/" },
    },
    {
      name: "no-unlisted-packages",
      severity: "error",
      comment:
        "A package imported but missing from package.json works only while another package pulls " +
        "it in, and breaks the day that changes. sdk/generated is GraphQL Code Generator's output: " +
        "its type-only import of @graphql-typed-document-node/core is the generator's choice, and " +
        "@apollo/client depends on that package.",
      from: { pathNot: "^sdk/generated/" },
      to: { dependencyTypes: ["npm-no-pkg", "npm-unknown"] },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that resolves to no file fails when the module loads, if not when it compiles.",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "not-to-spec",
      severity: "error",
      comment: "Specs are run by vitest, never imported: what two specs share belongs in test/helpers.",
      from: {},
      to: { path: SPEC },
    },
  ],
  options: {
    // Test code (specs, test/, bench/) is seen when src imports it, but its own imports are not
    // followed: see "What is checked" above.
    doNotFollow: { path: ["node_modules", SPEC, "^test/", "^bench/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};
