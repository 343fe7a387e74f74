import { createHash } from "node:crypto";
import {
  execute,
  GraphQLError,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parse,
  type ExecutionResult,
} from "graphql";
import { describe, expect, it } from "vitest";
import { graphqlCompiledExecutions } from "../observability/metrics.js";
import { DomainError, ErrorCode } from "../shared/errors.js";
import {
  compiledDocumentBytes,
  compiledExecutionGateway,
  createCompiledExecutor,
  type ExecutionRequest,
} from "./compiled-execution.js";

interface Option {
  id: number;
  stock: number;
}

const optionType = new GraphQLObjectType<Option>({
  name: "Option",
  fields: { id: { type: new GraphQLNonNull(GraphQLInt) }, stock: { type: new GraphQLNonNull(GraphQLInt) } },
});

const productType = new GraphQLObjectType<{ id: number }, { viewer: string }>({
  name: "Product",
  fields: {
    id: { type: new GraphQLNonNull(GraphQLInt) },
    name: {
      type: new GraphQLNonNull(GraphQLString),
      resolve: (product, _args, context) => `${context.viewer}:${product.id}`,
    },
    options: {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(optionType))),
      resolve: async (product): Promise<Option[]> => [
        { id: product.id * 10, stock: 3 },
        { id: product.id * 10 + 1, stock: 0 },
      ],
    },
  },
});

const schema = new GraphQLSchema({
  query: new GraphQLObjectType<undefined, { viewer: string }>({
    name: "Query",
    fields: {
      product: {
        type: productType,
        args: { id: { type: new GraphQLNonNull(GraphQLInt) } },
        resolve: (_, args: { id: number }) => ({ id: args.id }),
      },
      refused: {
        type: GraphQLString,
        resolve: () => {
          throw new DomainError(ErrorCode.BAD_USER_INPUT, "no such thing", { field: "id" });
        },
      },
    },
  }),
});

const PRODUCT = `query Product($id: Int!) { product(id: $id) { id name options { id stock } ... on Product { __typename } } }`;

function requestOf(source: string, variables: Record<string, unknown> = {}, operationName: string | null = null) {
  const request: ExecutionRequest = {
    document: parse(source),
    operationName,
    queryHash: createHash("sha256").update(source).digest("hex"),
    context: { viewer: "ada" },
    request: { variables },
  };
  return request;
}

/** What graphql-js answers for the same request. */
async function interpreted(request: ExecutionRequest): Promise<ExecutionResult> {
  return execute({
    schema,
    document: request.document,
    contextValue: request.context,
    variableValues: request.request.variables,
    operationName: request.operationName ?? undefined,
  });
}

/** Runs `work` and returns how many executions each engine made meanwhile. */
async function enginesDuring(work: () => Promise<unknown>): Promise<{ compiled: number; interpreted: number }> {
  const read = async () => {
    const values = (await graphqlCompiledExecutions.get()).values;
    const of = (engine: string) => values.find((value) => value.labels.engine === engine)?.value ?? 0;
    return { compiled: of("compiled"), interpreted: of("graphql-js") };
  };
  const before = await read();
  await work();
  const after = await read();
  return { compiled: after.compiled - before.compiled, interpreted: after.interpreted - before.interpreted };
}

describe("compiled execution of hot documents", () => {
  it("runs a document graphql-js's way until it is hot, then compiled, with the same answer", async () => {
    const execute = createCompiledExecutor(schema, { maxBytes: 1024 * 1024, compileAfter: 2 });
    const request = requestOf(PRODUCT, { id: 7 });
    const answers: ExecutionResult[] = [];
    const engines = await enginesDuring(async () => {
      for (let i = 0; i < 3; i += 1) answers.push(await execute(request));
    });
    expect(engines).toEqual({ compiled: 2, interpreted: 1 });
    const expected = await interpreted(request);
    expect(expected.data).toEqual({
      product: {
        id: 7,
        name: "ada:7",
        options: [
          { id: 70, stock: 3 },
          { id: 71, stock: 0 },
        ],
        __typename: "Product",
      },
    });
    for (const answer of answers) expect(answer).toEqual(expected);
  });

  it("gives a resolver's error as graphql-js builds it: its cause, path, locations and extensions", async () => {
    const execute = createCompiledExecutor(schema, { maxBytes: 1024 * 1024, compileAfter: 1 });
    const request = requestOf(`{ refused }`);
    const engines = await enginesDuring(async () => {
      const answer = await execute(request);
      const expected = await interpreted(request);
      expect(answer.data).toEqual({ refused: null });
      const [error] = answer.errors ?? [];
      expect(error).toBeInstanceOf(GraphQLError);
      expect(error!.originalError).toBeInstanceOf(DomainError);
      expect(error!.toJSON()).toEqual(expected.errors![0]!.toJSON());
      expect(error!.extensions).toEqual({});
    });
    expect(engines).toEqual({ compiled: 1, interpreted: 0 });
  });

  it("answers variables it cannot take in graphql-js's words, which Apollo reads as BAD_USER_INPUT", async () => {
    const execute = createCompiledExecutor(schema, { maxBytes: 1024 * 1024, compileAfter: 1 });
    const request = requestOf(PRODUCT, { id: "seven" });
    let answer: ExecutionResult = {};
    const engines = await enginesDuring(async () => {
      answer = await execute(request);
    });
    expect(engines).toEqual({ compiled: 0, interpreted: 1 });
    expect(answer).toEqual(await interpreted(request));
    expect(answer.errors![0]!.message).toMatch(/^Variable "\$id" got invalid value "seven"/);
  });

  it("keeps the most recently used compiled documents that fit its memory, and compiles none that is seen once", async () => {
    const documents = [1, 2, 3].map((id) => requestOf(`{ product(id: ${id}) { id } }`));
    // Room for two of them.
    const maxBytes = 2 * compiledDocumentBytes(documents[0]!.document);
    const execute = createCompiledExecutor(schema, { maxBytes, compileAfter: 2 });
    const twice = await enginesDuring(async () => {
      for (const request of documents) {
        await execute(request);
        await execute(request);
      }
    });
    expect(twice).toEqual({ compiled: 3, interpreted: 3 });
    // The first document was dropped for the third: it has to become hot again.
    const again = await enginesDuring(async () => {
      expect(await execute(documents[0]!)).toEqual({ data: { product: { id: 1 } } });
      await execute(documents[2]!);
    });
    expect(again).toEqual({ compiled: 1, interpreted: 1 });
    const once = await enginesDuring(async () => {
      for (let id = 100; id < 150; id += 1) await execute(requestOf(`{ product(id: ${id}) { id } }`));
    });
    expect(once).toEqual({ compiled: 0, interpreted: 50 });
  });

  it("tells the operations of one document apart", async () => {
    const execute = createCompiledExecutor(schema, { maxBytes: 1024 * 1024, compileAfter: 1 });
    const source = `query A { product(id: 1) { id } } query B { product(id: 2) { name } }`;
    expect(await execute(requestOf(source, {}, "A"))).toEqual({ data: { product: { id: 1 } } });
    expect(await execute(requestOf(source, {}, "B"))).toEqual({ data: { product: { name: "ada:2" } } });
    expect(await execute(requestOf(source, {}, "A"))).toEqual({ data: { product: { id: 1 } } });
  });

  it("leaves to graphql-js a document graphql-jit will not compile", async () => {
    const execute = createCompiledExecutor(schema, { maxBytes: 1024 * 1024, compileAfter: 1 });
    // Apollo never gets this far with an unknown operation; graphql-jit answers it with errors.
    const request = requestOf(`query A { product(id: 1) { id } }`, {}, "C");
    const engines = await enginesDuring(async () => {
      for (let i = 0; i < 2; i += 1) expect(await execute(request)).toEqual(await interpreted(request));
    });
    expect(engines).toEqual({ compiled: 0, interpreted: 2 });
  });

  it("compiles nothing when no compiled document may be kept", async () => {
    const execute = createCompiledExecutor(schema, { maxBytes: 0, compileAfter: 1 });
    const engines = await enginesDuring(async () => {
      for (let i = 0; i < 3; i += 1) await execute(requestOf(PRODUCT, { id: 1 }));
    });
    expect(engines).toEqual({ compiled: 0, interpreted: 3 });
  });

  it("serves Apollo one fixed schema through the gateway interface", async () => {
    const gateway = compiledExecutionGateway(schema, { maxBytes: 1024 * 1024, compileAfter: 1 });
    const seen: GraphQLSchema[] = [];
    const unsubscribe = gateway.onSchemaLoadOrUpdate(({ apiSchema }) => seen.push(apiSchema));
    expect(seen).toEqual([schema]);
    const { executor } = await gateway.load({ apollo: {} });
    expect(executor).toBeTypeOf("function");
    unsubscribe();
    await gateway.stop();
  });
});
