/**
 * What a member may do: every member shops, an ADMIN also manages the catalog and the queues. Shared
 * because two layers speak of it: the member module (who holds which role) and src/auth (the role
 * a bearer token carries).
 */
export type Role = "MEMBER" | "ADMIN";
