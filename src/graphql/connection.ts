import { Field, ObjectType } from "type-graphql";
import { encodeCursor, type Page } from "../shared/pagination.js";

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
