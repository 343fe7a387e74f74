import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError, OperationTypeNode, type GraphQLErrorExtensions } from "graphql";
import type { RateLimiter } from "../modules/rate-limit/rate-limiter.js";
import { DomainError } from "../shared/errors.js";
import type { GraphQLContext } from "./context.js";
import { fragmentsOf, mutationCountOf } from "./root-fields.js";

/**
 * Each mutation of a signed-in member takes a token from that member's bucket before anything runs,
 * one per mutation root field (fragments expanded): `mutation { a: chargePoint ... b: chargePoint }`
 * is two charges, not one request's worth. A bucket short of them answers RATE_LIMITED (HTTP 429,
 * Retry-After) and none runs. Anonymous mutations (signUp, login) are limited by the login throttle.
 */
export function mutationRateLimitPlugin(limiter: RateLimiter): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, contextValue }) {
          if (operation?.operation !== OperationTypeNode.MUTATION || contextValue.viewer.kind !== "member") return;
          const mutations = mutationCountOf(operation, fragmentsOf(document));
          if (mutations === 0) return; // `mutation { __typename }` runs nothing
          try {
            await limiter.takeMutations(contextValue.viewer.memberId, mutations);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            const retryAfter = String(error.details.retryAfter ?? 1);
            // Apollo reads `http.headers` as a Map at run time; another package's typings declare that
            // extension as a plain record, hence the cast.
            const extensions = {
              code: error.code,
              http: { status: 429, headers: new Map([["retry-after", retryAfter]]) },
            };
            throw new GraphQLError(error.message, {
              originalError: error,
              extensions: extensions as unknown as GraphQLErrorExtensions,
            });
          }
        },
      };
    },
  };
}
