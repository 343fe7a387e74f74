import type { ApolloServerPlugin } from "@apollo/server";
import { Kind, type OperationDefinitionNode } from "graphql";
import { graphqlDuration, graphqlRequests } from "../observability/metrics.js";
import type { GraphQLContext } from "./context.js";

/**
 * The metric label for an operation: its type and first root field ("mutation:placeOrder"). Not the
 * client's operation name, which anyone can make up: labels must stay a small, fixed set.
 */
function operationLabel(operation: OperationDefinitionNode | undefined): string {
  const first = operation?.selectionSet.selections[0];
  if (!operation || !first) return "invalid";
  return `${operation.operation}:${first.kind === Kind.FIELD ? first.name.value : "fragment"}`;
}

/** Counts and times every GraphQL operation; the outcome is "ok" or the first error's code. */
export function metricsPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      const stopTimer = graphqlDuration.startTimer();
      return {
        async willSendResponse({ operation, response }) {
          const label = operationLabel(operation);
          stopTimer({ operation: label });
          const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
          const code = errors?.[0]?.extensions?.code;
          graphqlRequests.inc({
            operation: label,
            outcome: errors?.length ? (typeof code === "string" ? code : "ERROR") : "ok",
          });
        },
      };
    },
  };
}
