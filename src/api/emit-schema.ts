import { writeFile } from "node:fs/promises";
import path from "node:path";
import { printSchema } from "graphql";
import { repositoryRoot } from "../process/paths.js";
import { buildGraphQLSchema } from "./schema.js";

/** The SDL the code defines, exactly as committed in schema.graphql. */
export async function printCodeSchema(): Promise<string> {
  return printSchema(await buildGraphQLSchema()) + "\n";
}

export const committedSchemaPath = (): string => path.join(repositoryRoot(), "schema.graphql");

// `npm run schema:emit`: rewrite schema.graphql from the code.
if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(committedSchemaPath(), await printCodeSchema());
  console.log(`wrote ${committedSchemaPath()}`);
}
