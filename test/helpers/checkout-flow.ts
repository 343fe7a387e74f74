import { expectData, type GraphQLResponse } from "./graphql.js";
import type { FakePgDriver } from "./fake-pg-driver.js";
import type { SignedIn } from "./factories.js";
import type { TestApp } from "./test-app.js";

const CHECKOUT_FIELDS = `id pgOrderId orderName amount pointAmount status expiresAt failureCode failureMessage
  order { id status totalAmount refundedAmount payments { method amount refundedAmount } items { id status amount } }`;

export interface CheckoutData {
  id: string;
  pgOrderId: string;
  orderName: string;
  amount: number;
  pointAmount: number;
  status: string;
  expiresAt: string;
  failureCode: string | null;
  failureMessage: string | null;
  order: {
    id: string;
    status: string;
    totalAmount: number;
    refundedAmount: number;
    payments: Array<{ method: string; amount: number; refundedAmount: number }>;
    items: Array<{ id: string; status: string; amount: number }>;
  } | null;
}

export function startCheckout(
  app: TestApp,
  member: SignedIn,
  input: Record<string, unknown>,
): Promise<GraphQLResponse<{ startCheckout: CheckoutData }>> {
  return app.gql(
    `mutation ($input: StartCheckoutInput!) { startCheckout(input: $input) { ${CHECKOUT_FIELDS} } }`,
    { input },
    { token: member.token },
  );
}

export function confirmPayment(
  app: TestApp,
  member: SignedIn,
  args: { paymentKey: string; pgOrderId: string; amount: number },
): Promise<GraphQLResponse<{ confirmPayment: CheckoutData }>> {
  return app.gql(
    `mutation ($paymentKey: String!, $pgOrderId: String!, $amount: SafeInt!) {
       confirmPayment(paymentKey: $paymentKey, pgOrderId: $pgOrderId, amount: $amount) { ${CHECKOUT_FIELDS} } }`,
    args,
    { token: member.token },
  );
}

export function abandonCheckout(
  app: TestApp,
  member: SignedIn,
  args: { pgOrderId: string; code?: string; message?: string },
): Promise<GraphQLResponse<{ abandonCheckout: CheckoutData }>> {
  return app.gql(
    `mutation ($pgOrderId: String!, $code: String, $message: String) {
       abandonCheckout(pgOrderId: $pgOrderId, code: $code, message: $message) { ${CHECKOUT_FIELDS} } }`,
    args,
    { token: member.token },
  );
}

export async function checkoutOf(app: TestApp, member: SignedIn, id: string): Promise<CheckoutData> {
  return expectData(
    await app.gql<{ checkout: CheckoutData }>(
      `query ($id: ID!) { checkout(id: $id) { ${CHECKOUT_FIELDS} } }`,
      { id },
      {
        token: member.token,
      },
    ),
  ).checkout;
}

/** Starts a checkout and pays in the PG's window, as the buyer's browser would: the success redirect's arguments. */
export async function checkoutPaidInWindow(
  app: TestApp,
  pg: FakePgDriver,
  member: SignedIn,
  input: Record<string, unknown>,
): Promise<{ checkout: CheckoutData; redirect: { paymentKey: string; pgOrderId: string; amount: number } }> {
  const checkout = expectData(await startCheckout(app, member, input)).startCheckout;
  const paymentKey = await pg.authenticate(checkout.pgOrderId, checkout.amount);
  return { checkout, redirect: { paymentKey, pgOrderId: checkout.pgOrderId, amount: checkout.amount } };
}

/** The requests the PG received for an order, by route (confirm, cancel, get). */
export async function pgRequestsOf(
  pg: FakePgDriver,
  orderId: string,
  route: string,
): Promise<Array<{ paymentKey?: string; status: number | null; idempotencyKey?: string }>> {
  const listed = await pg.listing<{
    requests: Array<{ paymentKey?: string; status: number | null; idempotencyKey?: string }>;
  }>(`/control/requests?orderId=${encodeURIComponent(orderId)}&route=${route}`);
  return listed.requests;
}
