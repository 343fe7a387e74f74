import type { IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from "@apollo/server";
import type { GraphQLContext, RequestFacts } from "../graphql/context.js";
import type { Logger } from "../observability/logger.js";
import { answerRequestError, type RequestErrorAnswer } from "./request-errors.js";
import { beginRequest } from "./request-logging.js";

/** express.json({ limit: "1mb" }) on the Express route: the same limit here. */
export const GRAPHQL_BODY_LIMIT = 1024 * 1024;

const JSON_UTF8 = /^application\/json\s*(?:;\s*charset\s*=\s*(?:utf-8|"utf-8")\s*)?$/i;
// body-parser's strict mode: the first character that is not JSON whitespace opens an object or an array.
const STRICT_JSON_START = /^[ \t\n\r]*[{[]/;

/**
 * The plain case of a GraphQL request: POST /graphql with a JSON (UTF-8) body of known length within
 * the limit, not compressed. Decided on the headers alone, before any byte of the body is read, so
 * everything else (chunked or compressed bodies, other types or charsets, over the limit, other
 * paths) still goes through Express and answers exactly as it always did.
 */
export function isPlainGraphqlPost(req: IncomingMessage): boolean {
  if (req.method !== "POST") return false;
  const url = req.url ?? "";
  if (url !== "/graphql" && !url.startsWith("/graphql?")) return false;
  const { headers } = req;
  if (headers["content-encoding"] !== undefined || headers["transfer-encoding"] !== undefined) return false;
  const length = headers["content-length"];
  if (length === undefined || !/^[0-9]{1,7}$/.test(length)) return false;
  const bytes = Number(length);
  return bytes >= 1 && bytes <= GRAPHQL_BODY_LIMIT && JSON_UTF8.test(headers["content-type"] ?? "");
}

export interface GraphqlPostDeps {
  apollo: ApolloServer<GraphQLContext>;
  log: Logger;
  /** The caller's address, decided as for every other route (client-address.ts). */
  clientIpOf(req: IncomingMessage): string;
  createContext(request: RequestFacts, req: IncomingMessage): Promise<GraphQLContext>;
}

/**
 * Answers a plain GraphQL POST (isPlainGraphqlPost) without Express: what Express did for it (request
 * id and log line, express.json, the Apollo integration, res.send) done directly. On the products
 * page Express's router, body parser and send were a fifth of the API's CPU per request, for
 * nothing this route uses. The answer is the same but for Express's ETag, which means nothing on
 * the answer to a POST.
 */
export function createGraphqlPostHandler(deps: GraphqlPostDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const scope = beginRequest(deps.log, req, res, "/graphql");
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    // A client gone mid-body is answered by nobody, as with Express; the socket is closed.
    req.on("error", () => res.destroy());
    req.on("end", () => {
      const facts: RequestFacts = {
        requestId: scope.requestId,
        get log() {
          return scope.log;
        },
        get clientIp() {
          return deps.clientIpOf(req);
        },
      };
      answer(deps, req, res, facts, Buffer.concat(chunks)).catch((error: unknown) => {
        scope.log.error({ err: error }, "request failed before GraphQL");
        if (!res.headersSent) sendRequestError(res, answerRequestError({}));
        else res.destroy();
      });
    });
  };
}

async function answer(
  deps: GraphqlPostDeps,
  req: IncomingMessage,
  res: ServerResponse,
  facts: RequestFacts,
  raw: Buffer,
): Promise<void> {
  let body: unknown;
  try {
    body = parseJsonBody(raw);
  } catch {
    sendRequestError(res, answerRequestError({ status: 400 }));
    return;
  }
  // As @as-integrations/express5 builds it.
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  const url = req.url ?? "";
  const query = url.indexOf("?");
  const response = await deps.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: "POST", headers, search: query === -1 ? "" : url.slice(query), body },
    context: () => deps.createContext(facts, req),
  });
  await send(res, response);
}

/** As body-parser's json() with its defaults (strict, UTF-8, a BOM dropped); throws on anything else. */
function parseJsonBody(raw: Buffer): unknown {
  let text = raw.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (!STRICT_JSON_START.test(text)) throw new SyntaxError("the body is not a JSON object or array");
  return JSON.parse(text);
}

async function send(res: ServerResponse, response: HTTPGraphQLResponse): Promise<void> {
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === "complete") {
    // What res.send(string) sets: a charset on the type, the length.
    const type = res.getHeader("content-type");
    if (typeof type !== "string") res.setHeader("content-type", "text/html; charset=utf-8");
    else if (!/;\s*charset=/i.test(type)) res.setHeader("content-type", `${type}; charset=utf-8`);
    res.setHeader("content-length", Buffer.byteLength(response.body.string));
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

function sendRequestError(res: ServerResponse, { status, body }: RequestErrorAnswer): void {
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(json));
  res.end(json);
}
