import {
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from "graphql";

/** The fields a selection set asks for, through inline fragments and fragment spreads. */
function fieldsOf(
  selectionSet: SelectionSetNode | undefined,
  fragments: Record<string, FragmentDefinitionNode>,
  into: FieldNode[],
  seen: Set<string>,
): void {
  if (!selectionSet) return;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) into.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) fieldsOf(selection.selectionSet, fragments, into, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      fieldsOf(fragments[selection.name.value]?.selectionSet, fragments, into, seen);
    }
  }
}

/**
 * Whether the query, below the field being resolved and along `path` (field names, e.g. ["edges",
 * "node"]), selects any of `names`. @skip / @include are not evaluated, so it may answer yes for a
 * field a directive drops: callers use it to fetch ahead, never to decide what is shown.
 */
export function selectsAny(info: GraphQLResolveInfo, path: readonly string[], names: readonly string[]): boolean {
  let fields: readonly FieldNode[] = info.fieldNodes;
  for (const step of path) {
    const children: FieldNode[] = [];
    for (const field of fields) fieldsOf(field.selectionSet, info.fragments, children, new Set());
    fields = children.filter((child) => child.name.value === step);
    if (fields.length === 0) return false;
  }
  const last: FieldNode[] = [];
  for (const field of fields) fieldsOf(field.selectionSet, info.fragments, last, new Set());
  return last.some((child) => names.includes(child.name.value));
}
