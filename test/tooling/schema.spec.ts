import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { committedSchemaPath, printCodeSchema } from "../../src/api/emit-schema.js";

describe("schema.graphql", () => {
  it("matches what the code emits (run `npm run schema:emit` after changing a type or resolver)", async () => {
    const committed = await readFile(committedSchemaPath(), "utf8");
    expect(committed).toBe(await printCodeSchema());
  });
});
