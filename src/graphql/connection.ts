import { ArgsType, Field, Int, ObjectType } from "type-graphql";
import { DEFAULT_PAGE_SIZE, encodeCursor, type Page } from "../shared/pagination.js";

// Plain properties: graphql-js's default resolver, no type-graphql wrapper per field (see catalog.types.ts).
@ObjectType("PageInfo", { simpleResolvers: true })
export class PageInfoType {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true, description: "Pass as `after` to get the next page." })
  endCursor: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

/** The parts every connection shares; `totalCount` is resolved per type, only when asked for. */
export interface ConnectionParts<T> {
  edges: Array<Edge<T>>;
  nodes: T[];
  /** The fields of PageInfoType as plain data (graphql-js reads them as properties). */
  pageInfo: Pick<PageInfoType, "hasNextPage" | "endCursor">;
}

export function toConnection<T extends { id: number }>(page: Page<T>): ConnectionParts<T> {
  let edges: Array<Edge<T>> | undefined;
  return {
    // A cursor per node is encoded only when the query asks for edges; a page of `nodes` needs none.
    get edges() {
      return (edges ??= page.items.map((node) => ({ cursor: encodeCursor(node.id), node })));
    },
    nodes: page.items,
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
  };
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE, description: "1 to 100." })
  first: number | null;

  @Field(() => String, { nullable: true, description: "The endCursor of the previous page." })
  after: string | null;
}
