import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * The client SDK's typed documents: `sdk/documents/*.graphql` checked against `schema.graphql` (emitted
 * from the server code, so run `npm run schema:emit` first when the schema changed), written to
 * `sdk/generated/` and committed. `test/tooling/sdk-codegen.spec.ts` fails when they are stale.
 */
const config: CodegenConfig = {
  schema: "./schema.graphql",
  documents: ["sdk/documents/**/*.graphql"],
  ignoreNoDocuments: false,
  generates: {
    "sdk/generated/": {
      preset: "client",
      presetConfig: {
        // Plain objects in, plain objects out: no `useFragment` unmasking in a Node SDK.
        fragmentMasking: false,
      },
      config: {
        // NodeNext: relative imports in the generated files must end in `.js`.
        emitLegacyCommonJSImports: false,
        useTypeImports: true,
        scalars: { SafeInt: "number", DateTime: "string" },
        // Unknown custom scalars become `unknown`, never `any`.
        defaultScalarType: "unknown",
        // Apollo Client always adds __typename to objects, never to the root types.
        nonOptionalTypename: true,
        skipTypeNameForRoot: true,
      },
    },
  },
};

export default config;
