import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import {
  Kind,
  getEnterLeaveForKind,
  type GraphQLError,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import type { GraphQLContext } from "./context.js";
import { pageCostPlugin } from "./page-cost.js";
import { isIntrospectionOnly, limitError, rootFieldsRule } from "./root-fields.js";

/**
 * Limits every document must meet before it runs, so a hostile query is refused at validation
 * (code GRAPHQL_VALIDATION_FAILED) instead of costing the database. The numbers leave room for any
 * screen a shop front-end builds: its deepest query (orders → items → product → options) is depth 5.
 */
export const LIMITS = {
  maxDepth: 10,
  maxAliases: 30,
  maxDirectives: 50,
  /** Tokens graphql-js will lex before giving up: bounds parse time of huge documents. */
  maxTokens: 3_000,
  maxRootFields: 10,
  /** Each moves money or stock and takes a rate-limit token: a handful per request is plenty. */
  maxMutationFields: 5,
  /** Estimated rows and resolver calls: paginated fields multiply what they select by `first` / `limit`. */
  maxCost: 5_000,
} as const;

/**
 * Armor words every refusal "Syntax Error: ..."; these are limits on a well-formed document, so they
 * are reported as the validation errors they are (Apollo answers them with HTTP 400).
 */
const reportLimit = (context: ValidationContext | null, error: GraphQLError): void => {
  context?.reportError(limitError(error.message.replace(/^Syntax Error: /, "")));
};
const reporting = { onReject: [reportLimit], propagateOnRejection: false };

/**
 * An operation that asks only for the schema is exempt, as it always was: armor's own exemption
 * covers `__schema` but not `__type`. Armor's visitors act on OperationDefinition only.
 */
function exemptingIntrospection(rule: ValidationRule): ValidationRule {
  return (context) => {
    const visitor = rule(context);
    const { enter } = getEnterLeaveForKind(visitor, Kind.OPERATION_DEFINITION);
    return {
      OperationDefinition(node, key, parent, path, ancestors) {
        if (enter && !isIntrospectionOnly(node.selectionSet)) enter.call(visitor, node, key, parent, path, ancestors);
      },
    };
  };
}

export interface GraphQLLimits {
  parseOptions: ParseOptions;
  validationRules: ValidationRule[];
  plugins: Array<ApolloServerPlugin<GraphQLContext>>;
}

/**
 * The limits as Apollo takes them. Every GraphQL request goes through Apollo, the plain-POST path
 * (src/http/graphql-post.ts) included, so these hold on every path.
 *
 * From graphql-armor: aliases, directives, depth, and field suggestions ("Did you mean ...?") hidden
 * whenever introspection is off, since they would map the schema one guess at a time. Beside it,
 * the rules armor lacks: root fields and mutations counted after fragments (root-fields.ts) and the
 * page-aware cost (page-cost.ts).
 *
 * Tokens are bounded by graphql-js's own parser (`maxTokens`), not by armor's Apollo token plugin:
 * that plugin throws from `parsingDidStart`, which Apollo treats as an unexpected failure (HTTP 500),
 * and its `unexpectedErrorProcessingRequest` hook re-labels every unexpected failure of any request
 * as GRAPHQL_VALIDATION_FAILED with the failure's own message, which would reach the client.
 */
export function graphqlLimits({ introspection }: { introspection: boolean }): GraphQLLimits {
  const armor = new ApolloArmor({
    maxAliases: { n: LIMITS.maxAliases, ...reporting },
    maxDirectives: { n: LIMITS.maxDirectives, ...reporting },
    // Below, through exemptingIntrospection.
    maxDepth: { enabled: false },
    maxTokens: { enabled: false },
    // See page-cost.ts.
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: !introspection },
  }).protect();
  // Fragments add no level: `{ ...F }` is as deep as F's selections, as it always counted.
  const depth = maxDepthRule({ n: LIMITS.maxDepth, flattenFragments: true, ...reporting });
  // Armor's typings name @apollo/server's CommonJS declarations, ours its ESM ones: the same plugin
  // shape, two declarations TypeScript will not match. Armor's plugins read no context.
  const armorPlugins = armor.plugins as unknown as Array<ApolloServerPlugin<GraphQLContext>>;
  return {
    parseOptions: { maxLexicalTokens: LIMITS.maxTokens },
    validationRules: [...armor.validationRules, exemptingIntrospection(depth), rootFieldsRule(LIMITS)],
    plugins: [...armorPlugins, pageCostPlugin(LIMITS.maxCost)],
  };
}
