import { ArgsType, Field, Int, ObjectType } from "type-graphql";
import { DEFAULT_PAGE_SIZE, encodeCursor, type Page } from "../shared/pagination.js";

@ObjectType("PageInfo")
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
  pageInfo: PageInfoType;
}

export function toConnection<T extends { id: number }>(page: Page<T>): ConnectionParts<T> {
  return {
    edges: page.items.map((node) => ({ cursor: encodeCursor(node.id), node })),
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
