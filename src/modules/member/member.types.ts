import { Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import type { Role } from "../../shared/roles.js";

const RoleEnum = { MEMBER: "MEMBER", ADMIN: "ADMIN" } as const satisfies Record<Role, Role>;
registerEnumType(RoleEnum, { name: "Role" });

@ObjectType("Member")
export class MemberType {
  @Field(() => ID)
  id: number;

  @Field()
  loginId: string;

  @Field()
  nickname: string;

  @Field(() => RoleEnum)
  role: Role;
}

@ObjectType("AuthPayload")
export class AuthPayloadType {
  @Field({ description: "Send as `Authorization: Bearer <token>`." })
  token: string;

  @Field(() => MemberType)
  member: MemberType;
}

@InputType("SignUpInput")
export class SignUpInputType {
  @Field({ description: "4 to 50 letters, digits, '.', '_' or '-'." })
  loginId: string;

  @Field({ description: "8 to 128 characters." })
  password: string;

  @Field({ description: "1 to 50 characters." })
  nickname: string;
}
