import { readdir, readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "@graphql-codegen/cli";
import { describe, expect, it } from "vitest";
import config from "../../codegen.js";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const outputDir = "sdk/generated";

interface GeneratedFile {
  filename: string;
  content: string;
}

describe("client SDK codegen", () => {
  it("has committed sdk/generated/ exactly as `npm run codegen` writes it from schema.graphql and sdk/documents", async () => {
    // In memory: nothing is written, so a stale tree stays for the diff below.
    const outputs = (await generate({ ...config, cwd: root, silent: true }, false)) as GeneratedFile[];
    const generated = new Map(outputs.map((file) => [relative(root, resolve(root, file.filename)), file.content]));
    expect([...generated.keys()].length).toBeGreaterThan(0);

    const committed = (await readdir(join(root, outputDir))).map((name) => join(outputDir, name)).sort();
    expect(
      committed,
      "files in sdk/generated/ that codegen no longer writes, or has not written yet: run `npm run codegen`",
    ).toEqual([...generated.keys()].sort());
    for (const [path, content] of generated) {
      expect(await readFile(join(root, path), "utf8"), `${path} is stale: run \`npm run codegen\``).toBe(content);
    }
  }, 60_000);
});
