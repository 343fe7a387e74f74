import { Arg, Args, ArgsType, Ctx, Field, Mutation, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../../graphql/context.js";
import type { MemberRow } from "./member.repository.js";
import type { AuthResult, MemberService } from "./member.service.js";
import { AuthPayloadType, MemberType, SignUpInputType } from "./member.types.js";
import { requireMemberId } from "../../auth/viewer.js";

@ArgsType()
class LoginArgs {
  @Field()
  loginId: string;

  @Field()
  password: string;
}

@Resolver()
export class MemberResolver {
  constructor(private readonly members: MemberService) {}

  @Query(() => MemberType, { nullable: true, description: "The caller; null without a token." })
  me(@Ctx() { viewer, loaders }: GraphQLContext): Promise<MemberRow | null> | null {
    if (viewer.kind === "anonymous") return null;
    return loaders.memberById.load(requireMemberId(viewer));
  }

  @Mutation(() => AuthPayloadType)
  signUp(
    @Arg("input", () => SignUpInputType) input: SignUpInputType,
    @Ctx() { clientIp }: GraphQLContext,
  ): Promise<AuthResult> {
    return this.members.signUp(input, clientIp);
  }

  @Mutation(() => AuthPayloadType)
  login(
    @Args(() => LoginArgs) { loginId, password }: LoginArgs,
    @Ctx() { clientIp }: GraphQLContext,
  ): Promise<AuthResult> {
    return this.members.login(loginId, password, clientIp);
  }
}
