import type { IncomingMessage } from "node:http";
import express from "express";
import { describe, expect, it } from "vitest";
import { clientIpOf } from "./request-context.js";

/** A request as node:http hands it over, from 10.0.0.1 through a proxy that added X-Forwarded-For. */
const proxied = { socket: { remoteAddress: "10.0.0.1" }, headers: { "x-forwarded-for": "203.0.113.7, 10.0.0.2" } } as unknown as IncomingMessage;

describe(clientIpOf.name, () => {
  it("takes the client from X-Forwarded-For when the app trusts proxies, as req.ip does", () => {
    const app = express();
    app.set("trust proxy", true);
    expect(clientIpOf(app, proxied)).toBe("203.0.113.7");
  });

  it("takes the socket's address when the app does not trust proxies", () => {
    const app = express();
    app.set("trust proxy", false);
    expect(clientIpOf(app, proxied)).toBe("10.0.0.1");
  });
});
