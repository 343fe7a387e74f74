export * from "./member.js";
export * from "./point.js";
export * from "./catalog.js";
export * from "./cart.js";
export * from "./order.js";
export * from "./outbox.js";
export * from "./idempotency.js";
export * from "./commit-token.js";
