import { describe, expect, it } from "vitest";
import { present } from "./present.js";

describe(present.name, () => {
  it("returns a value that is there, falsy ones included", () => {
    expect(present(0, "count")).toBe(0);
    expect(present("", "name")).toBe("");
    expect(present(false, "flag")).toBe(false);
  });

  it("names what is missing when the value is null or undefined", () => {
    expect(() => present(null, "the inserted order's id")).toThrow("the inserted order's id is missing");
    expect(() => present(undefined, "option 7")).toThrow("option 7 is missing");
  });
});
