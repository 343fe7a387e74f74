import type http from "node:http";
import { drain } from "../fake-data-platform/json-http.js";
import type { PaymentsStore } from "./payments-store.js";
import { PgError } from "./pg-error.js";
import { SDK_SCRIPT } from "./sdk-script.js";
import { isHttpUrl, isPositiveAmount, ORDER_ID_FORM } from "./validation.js";
import { paymentPage, problemPage, type WindowFields, type WindowPage } from "./window-pages.js";

/**
 * The browser's side of the PG: the SDK, and the payment window it opens. Paying there creates the
 * payment session (IN_PROGRESS: authenticated, not yet confirmed) and sends the browser to the
 * shop's successUrl with `paymentKey`, `orderId` and `amount`, as Toss does; cancelling sends it to
 * failUrl with `code`, `message` and `orderId`. The money moves only when the shop's server confirms.
 */

export type WindowHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void>;

const MAX_FORM_BYTES = 64 * 1024;
const MAX_ORDER_NAME = 100;

export function createPaymentWindow(options: { clientKey: string; store: PaymentsStore }): {
  sdk: WindowHandler;
  show: WindowHandler;
  submit: WindowHandler;
} {
  const fieldsOf = (params: URLSearchParams): WindowFields | string => readFields(params, options.clientKey);

  return {
    async sdk(_req, res) {
      res.writeHead(200, {
        "Content-Type": "text/javascript; charset=utf-8",
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        // A public script: a shop page may load it with crossorigin, or under a COEP policy.
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
      });
      res.end(SDK_SCRIPT);
    },

    async show(_req, res, url) {
      const fields = fieldsOf(url.searchParams);
      sendPage(
        res,
        typeof fields === "string" ? 400 : 200,
        typeof fields === "string" ? problemPage(fields) : paymentPage(fields),
      );
    },

    async submit(req, res) {
      const form = await readForm(req);
      if (typeof form === "string") {
        sendPage(res, 400, problemPage(form));
        return;
      }
      const fields = fieldsOf(form);
      if (typeof fields === "string") {
        sendPage(res, 400, problemPage(fields));
        return;
      }
      const action = form.get("action");
      if (action === "cancel") {
        redirect(
          res,
          withQuery(fields.failUrl, failure("PAY_PROCESS_CANCELED", "the buyer canceled the payment", fields)),
        );
        return;
      }
      if (action !== "pay") {
        sendPage(res, 400, problemPage("action must be pay or cancel"));
        return;
      }
      try {
        const payment = options.store.authenticate({
          orderId: fields.orderId,
          orderName: fields.orderName,
          amount: fields.amount,
        });
        const paid = { paymentKey: payment.paymentKey, orderId: payment.orderId, amount: String(payment.totalAmount) };
        redirect(res, withQuery(fields.successUrl, paid));
      } catch (error) {
        if (!(error instanceof PgError)) throw error;
        redirect(res, withQuery(fields.failUrl, failure(error.code, error.message, fields)));
      }
    },
  };
}

/** The window's parameters, checked; or why they cannot be used, for the buyer to read. */
function readFields(params: URLSearchParams, clientKey: string): WindowFields | string {
  if (params.get("clientKey") !== clientKey) return "the clientKey is not one of this PG's";
  const amountText = params.get("amount") ?? "";
  const amount = /^[1-9][0-9]{0,15}$/.test(amountText) ? Number(amountText) : NaN;
  if (!isPositiveAmount(amount)) return "amount must be a positive integer";
  const orderId = params.get("orderId") ?? "";
  if (!ORDER_ID_FORM.test(orderId)) return "orderId must be 6 to 64 characters of A-Z, a-z, 0-9, - and _";
  const orderName = params.get("orderName") ?? "";
  if (orderName.trim() === "" || orderName.length > MAX_ORDER_NAME)
    return `orderName must be 1 to ${MAX_ORDER_NAME} characters`;
  const successUrl = params.get("successUrl") ?? "";
  const failUrl = params.get("failUrl") ?? "";
  if (!isHttpUrl(successUrl)) return "successUrl must be an absolute http(s) URL";
  if (!isHttpUrl(failUrl)) return "failUrl must be an absolute http(s) URL";
  return { clientKey, amount, orderId, orderName, successUrl, failUrl };
}

function failure(code: string, message: string, fields: WindowFields): Record<string, string> {
  return { code, message, orderId: fields.orderId };
}

/**
 * The shop's URL with the PG's parameters added: after its own query (with `&`) and before its
 * fragment. Rebuilding it with URL.searchParams would re-encode the shop's own parameters.
 */
function withQuery(target: string, params: Record<string, string>): string {
  const hashAt = target.indexOf("#");
  const base = hashAt === -1 ? target : target.slice(0, hashAt);
  const hash = hashAt === -1 ? "" : target.slice(hashAt);
  const separator = !base.includes("?") ? "?" : base.endsWith("?") || base.endsWith("&") ? "" : "&";
  return `${base}${separator}${new URLSearchParams(params).toString()}${hash}`;
}

/** The posted form, or why it cannot be read. */
async function readForm(req: http.IncomingMessage): Promise<URLSearchParams | string> {
  if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
    drain(req);
    return "the form must be sent as application/x-www-form-urlencoded";
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_FORM_BYTES) chunks.push(chunk);
  }
  if (size > MAX_FORM_BYTES) return `the form must be at most ${MAX_FORM_BYTES} bytes`;
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function sendPage(res: http.ServerResponse, status: number, page: WindowPage): void {
  res.writeHead(status, { ...page.headers, "Content-Length": Buffer.byteLength(page.html) });
  res.end(page.html);
}

/** 303: the browser follows with a GET, whatever the form's method was. */
function redirect(res: http.ServerResponse, location: string): void {
  res.writeHead(303, { Location: location, "Cache-Control": "no-store", "Content-Length": 0 });
  res.end();
}
