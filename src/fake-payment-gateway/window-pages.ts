import { createHash } from "node:crypto";

/**
 * The HTML of the payment window: the page a buyer pays on, and the page that says why it cannot be
 * shown. Self-contained (no script at all, no CDN, one inline style allowed by its hash), every
 * value escaped, and a Content-Security-Policy that allows nothing else: a payment page is where a
 * shop's careless parameter would do the most harm.
 */

export interface WindowPage {
  html: string;
  headers: Record<string, string>;
}

export interface WindowFields {
  clientKey: string;
  orderId: string;
  orderName: string;
  amount: number;
  successUrl: string;
  failUrl: string;
}

const STYLE = [
  "body{font-family:system-ui,sans-serif;max-width:26rem;margin:2rem auto;padding:0 1rem;color:#191f28}",
  "h1{font-size:1.1rem;color:#1b64da}",
  ".amount{font-size:1.6rem;font-weight:700;margin:.5rem 0 1.5rem}",
  "button{font-size:1rem;padding:.7rem 1.4rem;margin-right:.5rem;border-radius:.4rem;border:1px solid #1b64da}",
  "button[value=pay]{background:#1b64da;color:#fff}",
  "button[value=cancel]{background:#fff;color:#1b64da}",
  ".note{color:#4e5968;font-size:.85rem;margin-top:2rem}",
].join("");
const STYLE_HASH = `'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`;

const BASE_POLICY = ["default-src 'none'", `style-src ${STYLE_HASH}`, "frame-ancestors 'none'", "base-uri 'none'"];

/** The window with the order and its two buttons; the form posts back to this PG's own /pay. */
export function paymentPage(fields: WindowFields): WindowPage {
  const hidden = (["clientKey", "orderId", "orderName", "amount", "successUrl", "failUrl"] as const)
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(String(fields[name]))}">`)
    .join("\n      ");
  const html = page(
    "Fake PG: payment",
    `<h1>Fake PG</h1>
    <p>${escapeHtml(fields.orderName)}</p>
    <p class="amount">${fields.amount.toLocaleString("en-US")} KRW</p>
    <form method="post" action="/pay">
      ${hidden}
      <button type="submit" name="action" value="pay">Pay</button>
      <button type="submit" name="action" value="cancel">Cancel</button>
    </form>
    <p class="note">A stand-in for a card PG: no card is charged.</p>`,
  );
  // The form's 303 leads to the shop's success or fail URL, and browsers hold that redirect to
  // form-action too: those two origins must be allowed besides this page's own.
  const targets = [...new Set([new URL(fields.successUrl).origin, new URL(fields.failUrl).origin])];
  return { html, headers: headers([...BASE_POLICY, `form-action 'self' ${targets.join(" ")}`]) };
}

/** Why the window cannot open (an unknown clientKey, a bad parameter), for the buyer to see. */
export function problemPage(problem: string): WindowPage {
  const html = page(
    "Fake PG: cannot pay",
    `<h1>Fake PG</h1>\n    <p>This payment cannot be made: ${escapeHtml(problem)}</p>`,
  );
  return { html, headers: headers([...BASE_POLICY, "form-action 'none'"]) };
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${escapeHtml(title)}</title>
    <style>${STYLE}</style>
  </head>
  <body>
    ${body}
  </body>
</html>
`;
}

function headers(policy: string[]): Record<string, string> {
  return {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": policy.join("; "),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
  };
}

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}
