import { Kind, parse, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { fragmentsOf, isIntrospectionOnly, mutationCountOf, rootFieldsOf } from "./root-fields.js";

/** The operations of a document, and its fragments, as the rules see them. */
function parsed(source: string): { operations: OperationDefinitionNode[]; fragments: ReturnType<typeof fragmentsOf> } {
  const document = parse(source);
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  return { operations, fragments: fragmentsOf(document) };
}

describe(rootFieldsOf.name, () => {
  it("expands fragment spreads and inline fragments, nested or not", () => {
    const { operations, fragments } = parsed(`
      { a: products { totalCount } ...F ... on Query { c: me { id } ... { d: cart { totalQuantity } } } }
      fragment F on Query { b: point { balance } ...G }
      fragment G on Query { e: orders { totalCount } }
    `);
    expect([...rootFieldsOf(operations[0]!, fragments).keys()].sort()).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("counts fields sharing a response key once, as graphql-js runs them once", () => {
    const { operations, fragments } = parsed(`{ me { id } ...F ...F } fragment F on Query { me { nickname } }`);
    expect(rootFieldsOf(operations[0]!, fragments)).toEqual(new Map([["me", "me"]]));
  });

  it("stops at a fragment cycle and at an unknown fragment (graphql-js reports both)", () => {
    const { operations, fragments } = parsed(
      `{ ...A ...Missing } fragment A on Query { a: me { id } ...B } fragment B on Query { b: me { id } ...A }`,
    );
    expect([...rootFieldsOf(operations[0]!, fragments).keys()]).toEqual(["a", "b"]);
  });
});

describe(mutationCountOf.name, () => {
  it("counts the mutations of a mutation, not its __typename", () => {
    const { operations, fragments } = parsed(
      `mutation { __typename ...F } fragment F on Mutation { a: clearCart { totalQuantity } b: clearCart { totalQuantity } }`,
    );
    expect(mutationCountOf(operations[0]!, fragments)).toBe(2);
  });

  it("is 0 for a query", () => {
    const { operations, fragments } = parsed(`{ a: me { id } b: me { id } }`);
    expect(mutationCountOf(operations[0]!, fragments)).toBe(0);
  });
});

describe(isIntrospectionOnly.name, () => {
  it.each([
    [`{ __schema { types { name } } }`, true],
    [`{ __type(name: "Query") { name } __typename }`, true],
    [`{ __schema { types { name } } me { id } }`, false],
    [`{ ...F } fragment F on Query { __typename }`, false],
  ])("%s: %s", (source, expected) => {
    expect(isIntrospectionOnly(parsed(source).operations[0]!.selectionSet)).toBe(expected);
  });
});
