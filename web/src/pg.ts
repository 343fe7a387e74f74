/**
 * The card PG's browser SDK, loaded from pgClientConfig.sdkUrl at runtime (a <script src>, which the
 * storefront's CSP allows for that origin only). The bundled fake PG's SDK defines
 * `window.FakePg(clientKey).requestPayment(...)`, which opens the PG's window as a popup (this tab
 * when popups are blocked); the PG then sends that window to successUrl or failUrl.
 */
export interface PaymentRequest {
  amount: number;
  orderId: string;
  orderName: string;
  successUrl: string;
  failUrl: string;
}

type PgSdk = (clientKey: string) => { requestPayment(request: PaymentRequest): Promise<void> };

declare global {
  interface Window {
    FakePg?: PgSdk;
  }
}

let loading: Promise<PgSdk> | null = null;

/** Loads the SDK once per page; a failed load may be tried again. */
export function loadPgSdk(sdkUrl: string): Promise<PgSdk> {
  const loaded = window.FakePg;
  if (loaded) return Promise.resolve(loaded);
  loading ??= new Promise<PgSdk>((resolve, reject) => {
    const script = document.createElement("script");
    script.src = sdkUrl;
    script.async = true;
    script.addEventListener("load", () => {
      const sdk = window.FakePg;
      if (sdk) resolve(sdk);
      else reject(new Error(`${sdkUrl} did not define the PG's SDK`));
    });
    script.addEventListener("error", () => {
      loading = null;
      script.remove();
      reject(new Error(`could not load the PG's SDK from ${sdkUrl}`));
    });
    document.head.append(script);
  });
  return loading;
}

/** What the success and fail pages, in the PG's popup, tell the page that opened it. */
export interface CheckoutMessage {
  type: "shop:checkout-outcome";
  status: string;
  /** The outcome in the buyer's words, as the window shows it. */
  detail: string;
}

export function isCheckoutMessage(data: unknown): data is CheckoutMessage {
  return (
    typeof data === "object" &&
    data !== null &&
    (data as { type?: unknown }).type === "shop:checkout-outcome" &&
    typeof (data as { status?: unknown }).status === "string" &&
    typeof (data as { detail?: unknown }).detail === "string"
  );
}

/** Tells the opener (the checkout page) how the payment ended; nothing when this is not a popup of ours. */
export function notifyOpener(status: string, detail: string): void {
  const message: CheckoutMessage = { type: "shop:checkout-outcome", status, detail };
  try {
    // Only to a page of this same origin: the outcome is nobody else's business.
    (window.opener as Window | null)?.postMessage(message, window.location.origin);
  } catch {
    // the opener is gone or elsewhere
  }
}
