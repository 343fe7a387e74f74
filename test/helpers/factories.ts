import { randomBytes } from "node:crypto";
import { expectData } from "./graphql.js";
import { TEST_ADMIN, type TestApp } from "./test-app.js";

export interface SignedIn {
  token: string;
  memberId: string;
  loginId: string;
}

export async function signUpMember(
  app: TestApp,
  loginId = `member-${randomBytes(4).toString("hex")}`,
): Promise<SignedIn> {
  const data = expectData(
    await app.gql<{ signUp: { token: string; member: { id: string } } }>(
      `mutation ($input: SignUpInput!) { signUp(input: $input) { token member { id } } }`,
      { input: { loginId, password: "correct-horse-battery", nickname: "Tester" } },
    ),
  );
  return { token: data.signUp.token, memberId: data.signUp.member.id, loginId };
}

export async function adminToken(app: TestApp): Promise<string> {
  const data = expectData(
    await app.gql<{ login: { token: string } }>(
      `mutation ($loginId: String!, $password: String!) { login(loginId: $loginId, password: $password) { token } }`,
      TEST_ADMIN,
    ),
  );
  return data.login.token;
}

export interface CreatedProduct {
  id: string;
  options: Array<{ id: string; name: string; stock: number; price: number }>;
}

export async function createProduct(
  app: TestApp,
  token: string,
  input: {
    name: string;
    price: number;
    stock?: number;
    options?: Array<{ name: string; additionalPrice: number; stock: number }>;
  },
): Promise<CreatedProduct> {
  const data = expectData(
    await app.gql<{ createProduct: CreatedProduct }>(
      `mutation ($input: CreateProductInput!) { createProduct(input: $input) { id options { id name stock price } } }`,
      { input },
      { token },
    ),
  );
  return data.createProduct;
}

export async function chargePoints(app: TestApp, member: SignedIn, amount: number): Promise<void> {
  expectData(
    await app.gql(
      `mutation ($a: SafeInt!) { chargePoint(amount: $a) { balance } }`,
      { a: amount },
      { token: member.token },
    ),
  );
}

/** `count` new members, each charged `points`: the buyers of a race or fault test. */
export async function fundedMembers(app: TestApp, count: number, points: number): Promise<SignedIn[]> {
  const members = await Promise.all(Array.from({ length: count }, () => signUpMember(app)));
  await Promise.all(members.map((member) => chargePoints(app, member, points)));
  return members;
}

export const ORDER_FIELDS = `id status totalAmount refundedAmount createdAt
  items { id productName optionName unitPrice quantity amount status product { id } option { id stock } }`;

export interface OrderData {
  id: string;
  status: string;
  totalAmount: number;
  refundedAmount: number;
  items: Array<{
    id: string;
    productName: string;
    optionName: string;
    unitPrice: number;
    quantity: number;
    amount: number;
    status: string;
    product: { id: string };
    option: { id: string; stock: number };
  }>;
}

export function placeOrder(app: TestApp, member: SignedIn, input: Record<string, unknown>) {
  return app.gql<{ placeOrder: OrderData }>(
    `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER_FIELDS} } }`,
    { input },
    { token: member.token },
  );
}

export async function balanceOf(app: TestApp, member: SignedIn): Promise<number> {
  return expectData(await app.gql<{ point: { balance: number } }>(`{ point { balance } }`, {}, { token: member.token }))
    .point.balance;
}
