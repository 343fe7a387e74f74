import http from "node:http";

export interface GraphqlAnswer<TData> {
  data?: TData | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/**
 * A lean GraphQL-over-HTTP client for load: one keep-alive agent with a socket per concurrent client,
 * no fetch() (its per-request cost would be charged to the server under test on a 2-core machine).
 */
export class GraphqlHttp {
  private readonly agent: http.Agent;
  private readonly endpoint: URL;

  constructor(baseUrl: string, maxSockets = 256) {
    this.endpoint = new URL("/graphql", baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request<TData>(
    query: string,
    variables: Record<string, unknown> = {},
    token?: string,
  ): Promise<GraphqlAnswer<TData>> {
    const body = JSON.stringify({ query, variables });
    const headers: http.OutgoingHttpHeaders = {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    };
    if (token) headers.authorization = `Bearer ${token}`;
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.endpoint.hostname,
          port: this.endpoint.port,
          path: this.endpoint.pathname,
          method: "POST",
          agent: this.agent,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as GraphqlAnswer<TData>);
            } catch {
              resolve({
                errors: [{ message: `HTTP ${res.statusCode}`, extensions: { code: `HTTP_${res.statusCode}` } }],
              });
            }
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  /** Sends the operation and reduces the answer to an outcome: null, or the first error's code. */
  async outcome(query: string, variables: Record<string, unknown>, token?: string): Promise<string | null> {
    const answer = await this.request(query, variables, token);
    if (!answer.errors?.length) return null;
    return answer.errors[0]!.extensions?.code ?? "NO_CODE";
  }

  close(): void {
    this.agent.destroy();
  }
}
