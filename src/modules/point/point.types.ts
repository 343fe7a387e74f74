import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { PageInfoType } from "../../graphql/connection.js";
import { DateTime, SafeInt } from "../../graphql/scalars.js";
import type { PointTransactionType } from "./point.rules.js";

const PointTransactionTypeEnum = { CHARGE: "CHARGE", USE: "USE", REFUND: "REFUND" } as const satisfies Record<
  PointTransactionType,
  PointTransactionType
>;
registerEnumType(PointTransactionTypeEnum, { name: "PointTransactionType" });

@ObjectType("PointTransaction", { description: "One ledger entry; balanceAfter is the running balance." })
export class PointTransactionNodeType {
  @Field(() => ID)
  id: number;

  @Field(() => PointTransactionTypeEnum)
  type: PointTransactionType;

  @Field(() => SafeInt, { description: "Always positive; `type` gives the direction." })
  amount: number;

  @Field(() => SafeInt)
  balanceAfter: number;

  @Field(() => ID, { nullable: true })
  orderId: number | null;

  @Field(() => DateTime)
  createdAt: Date;
}

@ObjectType("PointTransactionEdge")
export class PointTransactionEdgeType {
  @Field()
  cursor: string;

  @Field(() => PointTransactionNodeType)
  node: PointTransactionNodeType;
}

@ObjectType("PointTransactionConnection")
export class PointTransactionConnectionType {
  @Field(() => [PointTransactionEdgeType])
  edges: PointTransactionEdgeType[];

  @Field(() => [PointTransactionNodeType])
  nodes: PointTransactionNodeType[];

  @Field(() => PageInfoType)
  pageInfo: PageInfoType;
  // `totalCount` is a field resolver: the COUNT runs only when asked for.
}

@ObjectType("Point", { description: "The caller's point balance (whole won) and its history." })
export class PointType {
  @Field(() => SafeInt)
  balance: number;
  // `history` is a field resolver.
}
