import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The repository root (the folder holding package.json). Code runs from src/ (dev, tests) or from
 * dist/src/ (build), so walk up rather than hard-code the depth.
 */
export function repositoryRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find package.json above ${import.meta.url}`);
    dir = parent;
  }
  return dir;
}
