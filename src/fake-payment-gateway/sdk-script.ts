/**
 * `GET /v1/sdk.js`: the browser SDK, a few lines of plain JavaScript with nothing to fetch. As with
 * Toss's, the shop's page loads it from the PG and calls
 * `FakePg(clientKey).requestPayment({ amount, orderId, orderName, successUrl, failUrl })`, which
 * opens the payment window on the PG's own origin: a popup, or this tab when popups are blocked.
 *
 * The origin is the one the script was loaded from (`document.currentScript`), not one written into
 * it by the server: behind a proxy or a port mapping, the server cannot know what the browser sees.
 * The checks repeat the window's, so a shop's mistake shows as a rejected Promise in its own page
 * rather than as an error page in a popup.
 */
export const SDK_SCRIPT = `/* Fake PG SDK: FakePg(clientKey).requestPayment({ amount, orderId, orderName, successUrl, failUrl }) */
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = script && script.src ? new URL(script.src).origin : null;
  var ORDER_ID = /^[A-Za-z0-9_-]{6,64}$/;

  function reject(code, message) {
    var error = new Error(message);
    error.code = code;
    return Promise.reject(error);
  }

  function isHttpUrl(value) {
    if (typeof value !== "string") return false;
    try {
      var url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch (e) {
      return false;
    }
  }

  window.FakePg = function FakePg(clientKey) {
    if (typeof clientKey !== "string" || clientKey === "") throw new Error("FakePg needs a clientKey");
    return {
      requestPayment: function (request) {
        var r = request || {};
        if (origin === null) return reject("SDK_NOT_LOADED", "load sdk.js with a <script src> tag");
        if (typeof r.amount !== "number" || !Number.isSafeInteger(r.amount) || r.amount <= 0)
          return reject("INVALID_PARAMETERS", "amount must be a positive integer");
        if (typeof r.orderId !== "string" || !ORDER_ID.test(r.orderId))
          return reject("INVALID_PARAMETERS", "orderId must be 6 to 64 characters of A-Z, a-z, 0-9, - and _");
        if (typeof r.orderName !== "string" || r.orderName === "" || r.orderName.length > 100)
          return reject("INVALID_PARAMETERS", "orderName must be 1 to 100 characters");
        if (!isHttpUrl(r.successUrl) || !isHttpUrl(r.failUrl))
          return reject("INVALID_PARAMETERS", "successUrl and failUrl must be absolute http(s) URLs");
        var query = new URLSearchParams({
          clientKey: clientKey,
          amount: String(r.amount),
          orderId: r.orderId,
          orderName: r.orderName,
          successUrl: r.successUrl,
          failUrl: r.failUrl
        });
        var url = origin + "/pay?" + query.toString();
        var popup = null;
        try {
          popup = window.open(url, "fakepg-payment", "popup,width=480,height=640");
        } catch (e) {
          popup = null;
        }
        // Blocked (null): pay in this tab instead, as Toss's SDK falls back to a redirect.
        if (!popup) window.location.assign(url);
        return Promise.resolve();
      }
    };
  };
})();
`;
