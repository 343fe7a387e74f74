import { defineConfig } from "drizzle-kit";

// Used only by `npm run db:generate` (drizzle-kit generate), which diffs src/db/schema against the
// snapshots in drizzle/meta and writes the next SQL migration. The service applies migrations itself
// at start-up (src/db/migrate.ts), so no database credentials are needed here.
export default defineConfig({
  dialect: "mysql",
  schema: "./src/db/schema/index.ts",
  out: "./drizzle",
});
