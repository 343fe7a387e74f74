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
  private readonly endpoints: URL[];
  private next = 0;

  /**
   * `baseUrl`: one API process, or several (two API processes on their own ports): then each request
   * goes to the next in turn, as a round-robin load balancer in front of them would send it.
   */
  constructor(baseUrl: string | readonly string[], maxSockets = 256) {
    this.endpoints = (typeof baseUrl === "string" ? [baseUrl] : baseUrl).map((url) => new URL("/graphql", url));
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
    const endpoint = this.endpoints[this.next]!;
    this.next = (this.next + 1) % this.endpoints.length;
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: endpoint.hostname,
          port: endpoint.port,
          path: endpoint.pathname,
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
