import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";

/** A refused document: the code clients have always seen for a limit (Apollo answers it with HTTP 400). */
export const limitError = (message: string): GraphQLError =>
  new GraphQLError(message, { extensions: { code: "GRAPHQL_VALIDATION_FAILED" } });

/** Fragment definitions by name; they are followed where they are spread. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/**
 * An operation asking only for the schema (`__schema`, `__type`): GraphiQL's introspection query is
 * 15 levels deep by nature. It is exempt from depth and cost; NODE_ENV=production turns it off.
 */
export function isIntrospectionOnly(selectionSet: SelectionSetNode): boolean {
  return selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && selection.name.value.startsWith("__"),
  );
}

/**
 * The root fields an operation runs, once its fragment spreads and inline fragments are expanded:
 * response key → field name. graphql-js merges fields sharing a response key and runs them once, so
 * this is what executes (an upper bound: `@skip` / `@include` are not evaluated).
 */
export function rootFieldsOf(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): Map<string, string> {
  const fields = new Map<string, string>();
  const collect = (selectionSet: SelectionSetNode, spread: ReadonlySet<string>): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        fields.set(selection.alias?.value ?? selection.name.value, selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet, spread);
      } else {
        // A fragment cycle is reported by graphql-js's own NoFragmentCycles rule; do not loop on it.
        const fragment = spread.has(selection.name.value) ? undefined : fragments.get(selection.name.value);
        if (fragment) collect(fragment.selectionSet, new Set(spread).add(selection.name.value));
      }
    }
  };
  collect(operation.selectionSet, new Set());
  return fields;
}

/** The mutations among an operation's root fields (`__typename` runs nothing). */
export function mutationCountOf(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): number {
  if (operation.operation !== OperationTypeNode.MUTATION) return 0;
  return [...rootFieldsOf(operation, fragments).values()].filter((name) => name !== "__typename").length;
}

export interface RootFieldLimits {
  maxRootFields: number;
  maxMutationFields: number;
}

/**
 * Root fields per operation, counted after expanding fragments. graphql-armor has no such rule, and a
 * count of the selections as written let `{ ...F }` run as many root fields as fragment F held.
 * Every root field is a resolver entry point (its own database work); mutations are capped lower,
 * each moving money or stock, and the rate limiter takes one token per mutation counted here.
 */
export function rootFieldsRule({ maxRootFields, maxMutationFields }: RootFieldLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context.getDocument());
    return {
      OperationDefinition(node) {
        // graphql-js accepts a subscription against a schema without a Subscription type and fails
        // only when executing it; this API has none, so say so before anything runs.
        if (node.operation === OperationTypeNode.SUBSCRIPTION)
          context.reportError(limitError("subscriptions are not supported by this API"));
        if (rootFieldsOf(node, fragments).size > maxRootFields) {
          context.reportError(limitError(`too many root fields: at most ${maxRootFields} per operation`));
        }
        if (mutationCountOf(node, fragments) > maxMutationFields) {
          context.reportError(limitError(`too many mutations: at most ${maxMutationFields} per operation`));
        }
      },
    };
  };
}
