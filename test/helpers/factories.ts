import { randomBytes } from "node:crypto";
import { expectData } from "./graphql.js";
import { TEST_ADMIN, type TestApp } from "./test-app.js";

export interface SignedIn {
  token: string;
  memberId: string;
  loginId: string;
}

export async function signUpMember(app: TestApp, loginId = `member-${randomBytes(4).toString("hex")}`): Promise<SignedIn> {
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
  input: { name: string; price: number; stock?: number; options?: Array<{ name: string; additionalPrice: number; stock: number }> },
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
