import { Arg, Args, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { GraphQLContext } from "../../graphql/context.js";
import { PageArgs, toConnection, type ConnectionParts } from "../../graphql/connection.js";
import { SafeInt } from "../../graphql/scalars.js";
import { toPageRequest } from "../../shared/pagination.js";
import { requireMemberId } from "../../auth/viewer.js";
import type { LedgerRow } from "./point.repository.js";
import type { PointService } from "./point.service.js";
import { PointTransactionConnectionType, PointType } from "./point.types.js";

/** What Point's field resolvers work from: whose points they are. */
interface PointRoot {
  memberId: number;
  balance: number;
}

type HistoryRoot = ConnectionParts<LedgerRow> & { memberId: number };

@Resolver(() => PointType)
export class PointResolver {
  constructor(private readonly points: PointService) {}

  @Query(() => PointType, { description: "The caller's points." })
  async point(@Ctx() { viewer }: GraphQLContext): Promise<PointRoot> {
    const memberId = requireMemberId(viewer);
    return { memberId, balance: await this.points.balanceOf(memberId) };
  }

  @Mutation(() => PointType, {
    description:
      "Adds 1..100,000,000 points (balance capped at 10,000,000,000). The same idempotencyKey with the same amount charges once.",
  })
  async chargePoint(
    @Arg("amount", () => SafeInt) amount: number,
    @Arg("idempotencyKey", () => String, { nullable: true }) idempotencyKey: string | null,
    @Ctx() { viewer }: GraphQLContext,
  ): Promise<PointRoot> {
    const memberId = requireMemberId(viewer);
    const { balance } = await this.points.chargePoints(memberId, amount, idempotencyKey);
    return { memberId, balance };
  }

  @FieldResolver(() => PointTransactionConnectionType, { description: "Newest first." })
  async history(@Root() point: PointRoot, @Args(() => PageArgs) { first, after }: PageArgs): Promise<HistoryRoot> {
    const page = await this.points.history(point.memberId, toPageRequest(first, after));
    return { ...toConnection(page), memberId: point.memberId };
  }
}

@Resolver(() => PointTransactionConnectionType)
export class PointHistoryResolver {
  constructor(private readonly points: PointService) {}

  @FieldResolver(() => Int)
  totalCount(@Root() history: HistoryRoot): Promise<number> {
    return this.points.countHistory(history.memberId);
  }
}
