import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  getNamedType,
  isObjectType,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  validate,
  visit,
} from "graphql";
import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphQLContext } from "./context.js";
import { fragmentsOf, isIntrospectionOnly, limitError } from "./root-fields.js";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../shared/pagination.js";

/*
 * The cost limit, page-aware. graphql-armor's cost-limit multiplies only by a literal `first` /
 * `last`: it never sees `first: $n` (the common case, Apollo Client and the SDK send variables),
 * nor a variable's default, nor `popularProducts(limit:)`; and it takes `first: 1000000` at face
 * value, refusing as GRAPHQL_VALIDATION_FAILED what the resolver answers BAD_USER_INPUT ("first must
 * be between 1 and 100"). So the cost stays a rule of its own, checked with the request's variables.
 */

type Variables = Readonly<Record<string, unknown>>;

const isPageArgument = (name: string): boolean => name === "first" || name === "limit";

/**
 * The variables as the resolvers will see them: those the request gives, and for each it leaves out,
 * the default its operation declares (`query ($n: Int = 100)` runs `first: $n` with 100).
 */
function withDefaults(operation: OperationDefinitionNode, variables: Variables): Variables {
  const effective: Record<string, unknown> = { ...variables };
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (!Object.hasOwn(variables, name) && definition.defaultValue?.kind === Kind.INT)
      effective[name] = Number(definition.defaultValue.value);
  }
  return effective;
}

function intArgument(node: FieldNode, name: string, variables: Variables): number | undefined {
  const value = node.arguments?.find((candidate) => candidate.name.value === name)?.value;
  if (value?.kind === Kind.INT) return Number(value.value);
  if (value?.kind === Kind.VARIABLE) {
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
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Variables,
  seen: ReadonlySet<string>,
): number {
  if (!selectionSet) return 0;
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const field: GraphQLField<unknown, unknown> | undefined = parent.getFields()[selection.name.value];
      if (!field) continue; // unknown fields are reported by graphql-js itself
      const named = getNamedType(field.type);
      const child = isObjectType(named) ? costOf(selection.selectionSet, named, fragments, variables, seen) : 0;
      const pageSize = intArgument(selection, "first", variables) ?? intArgument(selection, "limit", variables);
      // Out-of-range page sizes are refused later, with BAD_USER_INPUT, by coercion or the resolver:
      // here they count as the largest page that could run, so the cost limit does not answer first.
      const multiplier = field.args.some((arg) => isPageArgument(arg.name)) ? pageMultiplier(pageSize) : 1;
      total += 1 + multiplier * child;
    } else {
      const fragment =
        selection.kind === Kind.INLINE_FRAGMENT
          ? selection
          : seen.has(selection.name.value)
            ? undefined
            : fragments.get(selection.name.value);
      if (!fragment) continue;
      const nextSeen = selection.kind === Kind.FRAGMENT_SPREAD ? new Set(seen).add(selection.name.value) : seen;
      total += costOf(fragment.selectionSet, parent, fragments, variables, nextSeen);
    }
  }
  return total;
}

/** A rule factory: the cost depends on the request's variables (`first: $first`). */
function pageCostRule(maxCost: number, variables: Variables): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context.getDocument());
    return {
      OperationDefinition(node) {
        const root =
          node.operation === OperationTypeNode.MUTATION
            ? context.getSchema().getMutationType()
            : context.getSchema().getQueryType();
        if (!root || isIntrospectionOnly(node.selectionSet)) return;
        const cost = costOf(node.selectionSet, root, fragments, withDefaults(node, variables), new Set());
        if (cost > maxCost)
          context.reportError(limitError(`query is too expensive: estimated cost ${cost}, at most ${maxCost}`));
      },
    };
  };
}

/**
 * What the cost walk reads from the variables, reduced to what changes its result: for each variable
 * passed as `first` / `limit`, "d" when the request leaves it out (its default, fixed by the document,
 * applies), the page size it stands for (after pageMultiplier), or "-" (not a number, so `first`
 * falls back to `limit` or the default page). A handful of values per variable, so the verdicts
 * below stay few even when every request sends another number.
 */
function costKey(pageVariables: readonly string[], variables: Variables): string {
  return pageVariables
    .map((name) => {
      if (!Object.hasOwn(variables, name)) return "d";
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
      if (isPageArgument(node.name.value) && node.value.kind === Kind.VARIABLE) names.add(node.value.name.value);
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
export function pageCostPlugin(maxCost: number): ApolloServerPlugin<GraphQLContext> {
  const verdicts = new WeakMap<DocumentNode, CostVerdicts>();
  const refusal = (schema: GraphQLSchema, document: DocumentNode, variables: Variables): string | null =>
    validate(schema, document, [pageCostRule(maxCost, variables)])[0]?.message ?? null;
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
          if (message !== null)
            throw new GraphQLError(message, {
              extensions: { code: "GRAPHQL_VALIDATION_FAILED", http: { status: 400 } },
            });
        },
      };
    },
  };
}
