import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCode } from "../helpers/graphql.js";
import { startTestApp, type TestApp } from "../helpers/test-app.js";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp("errors");
});
afterAll(() => app.close());

describe("error responses", () => {
  it("answers a syntax error with GRAPHQL_PARSE_FAILED and an unknown field with GRAPHQL_VALIDATION_FAILED", async () => {
    expect(errorCode(await app.gql(`{ products(first: 1) {`))).toBe("GRAPHQL_PARSE_FAILED");
    expect(errorCode(await app.gql(`{ products { secretField } }`))).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("hides internal failures: INTERNAL_SERVER_ERROR with no stack, SQL or driver text", async () => {
    // Break the database under the running service: the next catalog read fails inside the driver.
    await app.database.pool.query("RENAME TABLE product TO product_gone");
    try {
      const response = await app.gql(`{ products(first: 1) { nodes { id } } }`);
      expect(errorCode(response)).toBe("INTERNAL_SERVER_ERROR");
      expect(response.errors![0]!.message).toBe("Internal server error");
      // Exactly these fields and values: nothing of the driver's message, the SQL or a stack.
      expect(Object.keys(response.errors![0]!).sort()).toEqual(["extensions", "locations", "message", "path"]);
      expect(response.errors![0]!.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR" });
      expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await app.database.pool.query("RENAME TABLE product_gone TO product");
    }
  });

  it("echoes a sane x-request-id from the caller so logs can be joined across services", async () => {
    const response = await app.gql(`{ me { id } }`, {}, { headers: { "x-request-id": "edge-123.abc" } });
    expect(response.headers.get("x-request-id")).toBe("edge-123.abc");
  });
});
