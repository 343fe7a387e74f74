import type http from "node:http";

/** Small JSON-over-node:http helpers of the fake data platform. */

const MAX_BODY_BYTES = 1024 * 1024;

export interface Answer {
  status: number;
  body: object;
}

/** Thrown by a route to answer with that status and `{ error: message }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads the whole body as a JSON object. Past the limit it stops keeping bytes but still reads to the
 * end before answering 413: answering mid-upload makes many clients see a reset, not the 413.
 */
export async function readJsonObject(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const declared = Number(req.headers["content-length"] ?? 0);
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = declared > MAX_BODY_BYTES;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    if (!tooLarge) chunks.push(chunk);
  }
  if (tooLarge) throw new HttpError(413, `the body must be at most ${MAX_BODY_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "the body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new HttpError(400, "the body must be a JSON object");
  return parsed as Record<string, unknown>;
}

/** Discards an unread request body so the keep-alive connection can serve the next request. */
export function drain(req: http.IncomingMessage): void {
  if (!req.readableEnded) req.resume();
}

export function sendJson(res: http.ServerResponse, status: number, body: object): void {
  // The client may have given up (timeout) while we waited out a delay: nothing left to answer.
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}
