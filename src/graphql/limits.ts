import {
  GraphQLError,
  Kind,
  getNamedType,
  isObjectType,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
  validate,
  visit,
} from "graphql";
import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphQLContext } from "./context.js";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../shared/pagination.js";

/**
 * Limits every document must meet before it runs, so a hostile query is refused at validation
 * (code GRAPHQL_VALIDATION_FAILED) instead of costing the database. The numbers leave room for any
 * screen a shop front-end builds: its deepest query (orders → items → product → options) is depth 5.
 */
export const LIMITS = {
  maxDepth: 10,
  maxAliases: 30,
  maxRootFields: 10,
  /** Tokens graphql-js will lex before giving up: bounds parse time of huge documents. */
  maxTokens: 3_000,
  /** Estimated rows and resolver calls: list fields multiply what they select by `first` / `limit`. */
  maxCost: 5_000,
} as const;

const limitError = (message: string): GraphQLError => new GraphQLError(message, { extensions: { code: "GRAPHQL_VALIDATION_FAILED" } });

/** Operations only; fragments are followed where they are spread. */
function fragmentsOf(context: ValidationContext): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

function depthOf(selectionSet: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, seen: Set<string>): number {
  if (!selectionSet) return 0;
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      deepest = Math.max(deepest, selection.selectionSet ? 1 + depthOf(selection.selectionSet, fragments, seen) : 1);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, seen));
    } else if (!seen.has(selection.name.value)) {
      // A fragment cycle is reported by graphql-js's own NoFragmentCycles rule; do not loop on it.
      const fragment = fragments.get(selection.name.value);
      deepest = Math.max(deepest, depthOf(fragment?.selectionSet, fragments, new Set(seen).add(selection.name.value)));
    }
  }
  return deepest;
}

/**
 * An operation asking only for the schema (`__schema`, `__type`): GraphiQL's introspection query is
 * 15 levels deep by nature. It is exempt from depth and cost; NODE_ENV=production turns it off.
 */
function isIntrospectionOnly(selectionSet: SelectionSetNode): boolean {
  return selectionSet.selections.every((selection) => selection.kind === Kind.FIELD && selection.name.value.startsWith("__"));
}

/** Depth, aliases and root fields of each operation. */
export function shapeLimitsRule(context: ValidationContext): ASTVisitor {
  const fragments = fragmentsOf(context);
  let aliases = 0;
  return {
    Field(node) {
      if (node.alias) aliases += 1;
      if (aliases === LIMITS.maxAliases + 1) context.reportError(limitError(`too many aliases: at most ${LIMITS.maxAliases}`));
    },
    OperationDefinition(node) {
      // graphql-js accepts a subscription against a schema without a Subscription type and fails
      // only when executing it; this API has none, so say so before anything runs.
      if (node.operation === "subscription") context.reportError(limitError("subscriptions are not supported by this API"));
      if (node.selectionSet.selections.length > LIMITS.maxRootFields) {
        context.reportError(limitError(`too many root fields: at most ${LIMITS.maxRootFields} per operation`));
      }
      if (isIntrospectionOnly(node.selectionSet)) return;
      const depth = depthOf(node.selectionSet, fragments, new Set());
      if (depth > LIMITS.maxDepth) context.reportError(limitError(`query is ${depth} levels deep: at most ${LIMITS.maxDepth}`));
    },
  };
}

function intArgument(node: FieldNode, name: string, variables: Record<string, unknown>): number | undefined {
  const argument = node.arguments?.find((candidate) => candidate.name.value === name);
  const value: ValueNode | undefined = argument?.value;
  if (!value) return undefined;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
    const given = variables[value.name.value];
    return typeof given === "number" ? given : undefined;
  }
  return undefined;
}

function pageMultiplier(pageSize: number | undefined): number {
  if (pageSize === undefined || !Number.isInteger(pageSize) || pageSize < 1) return DEFAULT_PAGE_SIZE;
  return Math.min(pageSize, MAX_PAGE_SIZE);
}

/**
 * Estimated cost of a selection: each field costs 1 plus what it selects, and a paginated field
 * (`first` or `limit`) multiplies what it selects by how many items it may return. Other lists
 * (a product's options, an order's items, a page's nodes) count once: DataLoaders fetch them for
 * the whole page in one statement, so their length does not multiply database work.
 */
function costOf(
  selectionSet: SelectionSetNode | undefined,
  parent: GraphQLObjectType,
  context: ValidationContext,
  fragments: Map<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  seen: Set<string>,
): number {
  if (!selectionSet) return 0;
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const field: GraphQLField<unknown, unknown> | undefined = parent.getFields()[selection.name.value];
      if (!field) continue; // unknown fields are reported by graphql-js itself
      const named = getNamedType(field.type);
      const child = isObjectType(named) ? costOf(selection.selectionSet, named, context, fragments, variables, seen) : 0;
      const pageSize = intArgument(selection, "first", variables) ?? intArgument(selection, "limit", variables);
      const takesPage = field.args.some((arg) => arg.name === "first" || arg.name === "limit");
      // Out-of-range page sizes are refused later, with BAD_USER_INPUT, by coercion or the resolver:
      // here they count as the largest page that could run, so the cost limit does not answer first.
      const multiplier = takesPage ? pageMultiplier(pageSize) : 1;
      total += 1 + multiplier * child;
    } else {
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : seen.has(selection.name.value) ? undefined : fragments.get(selection.name.value);
      if (!fragment) continue;
      const nextSeen = selection.kind === Kind.FRAGMENT_SPREAD ? new Set(seen).add(selection.name.value) : seen;
      total += costOf(fragment.selectionSet, parent, context, fragments, variables, nextSeen);
    }
  }
  return total;
}

/** A rule factory: the cost depends on the request's variables (`first: $first`). */
export function costLimitRule(variables: Record<string, unknown>) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context);
    return {
      OperationDefinition(node) {
        const root = node.operation === "mutation" ? context.getSchema().getMutationType() : context.getSchema().getQueryType();
        if (!root || isIntrospectionOnly(node.selectionSet)) return;
        const cost = costOf(node.selectionSet, root, context, fragments, variables, new Set());
        if (cost > LIMITS.maxCost) context.reportError(limitError(`query is too expensive: estimated cost ${cost}, at most ${LIMITS.maxCost}`));
      },
    };
  };
}

/**
 * What the cost walk reads from the variables, reduced to what changes its result: the page size
 * each `first` / `limit` variable stands for (a number, after pageMultiplier) or "-" (not a number,
 * so `first` falls back to `limit` or the default). A handful of values per variable, so the
 * verdicts below stay few even when every request sends another number.
 */
function costKey(pageVariables: readonly string[], variables: Record<string, unknown>): string {
  return pageVariables
    .map((name) => {
      const given = variables[name];
      return typeof given === "number" ? pageMultiplier(given) : "-";
    })
    .join(",");
}

/** Names of the variables passed as `first` or `limit` anywhere in the document. */
function pageVariablesOf(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(node) {
      if ((node.name.value === "first" || node.name.value === "limit") && node.value.kind === Kind.VARIABLE) names.add(node.value.name.value);
    },
  });
  return [...names];
}

interface CostVerdicts {
  pageVariables: string[];
  /** costKey → the refusal's message, or null when the operation is within the limit. */
  byKey: Map<string, string | null>;
}

/** Bounds the verdicts kept per document when many page-size combinations are seen. */
const MAX_VERDICTS_PER_DOCUMENT = 64;

/**
 * Applies the cost limit once the operation is known, with the request's variables (validation
 * rules proper run without them, and `first: $first` is the common case).
 *
 * A full validate() walk (TypeInfo over the whole document) on every request showed in the
 * products-page profile. Apollo's document cache hands back the same DocumentNode for a repeated
 * query, and the cost depends on nothing but the document and costKey, so the verdict is kept per
 * document (weakly: it leaves with the document when Apollo's cache evicts it).
 */
export function costLimitPlugin(): ApolloServerPlugin<GraphQLContext> {
  const verdicts = new WeakMap<DocumentNode, CostVerdicts>();
  const refusal = (schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>): string | null =>
    validate(schema, document, [costLimitRule(variables)])[0]?.message ?? null;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema }) {
          const variables = request.variables ?? {};
          let known = verdicts.get(document);
          if (!known) {
            known = { pageVariables: pageVariablesOf(document), byKey: new Map() };
            verdicts.set(document, known);
          }
          const key = costKey(known.pageVariables, variables);
          let message = known.byKey.get(key);
          if (message === undefined) {
            message = refusal(schema, document, variables);
            if (known.byKey.size < MAX_VERDICTS_PER_DOCUMENT) known.byKey.set(key, message);
          }
          if (message !== null) throw new GraphQLError(message, { extensions: { code: "GRAPHQL_VALIDATION_FAILED", http: { status: 400 } } });
        },
      };
    },
  };
}
