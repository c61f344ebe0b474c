import type { ApolloServerPlugin, GraphQLRequestListener, GraphQLServerContext } from '@apollo/server';
import { Plugin } from '@nestjs/apollo';
import { Kind, type OperationDefinitionNode } from 'graphql';
import { Metrics, outcomeLabel } from './metrics';

/**
 * twofold_graphql_operation_duration_seconds: one observation per GraphQL
 * request, labelled by its root field and its outcome. The root field is a
 * label only if the schema has it (a closed set: Query, Mutation and
 * Subscription fields); several root fields, introspection or an
 * unparsable document are "other". The outcome is "ok" or the first
 * error's contract code.
 */
@Plugin()
export class GraphQLMetricsPlugin implements ApolloServerPlugin {
  private readonly rootFields = new Set<string>();

  constructor(private readonly metrics: Metrics) {}

  async serverWillStart({ schema }: GraphQLServerContext): Promise<void> {
    for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
      for (const name of Object.keys(type?.getFields() ?? {})) this.rootFields.add(name);
    }
  }

  async requestDidStart(): Promise<GraphQLRequestListener<object> | void> {
    if (!this.metrics.enabled) return;
    const stop = this.metrics.graphqlOperations.startTimer();
    return {
      willSendResponse: async ({ operation, response }) => {
        const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
        stop({ operation: this.operationLabel(operation), outcome: errors.length === 0 ? 'ok' : outcomeLabel(errors[0].extensions?.code) });
      },
    };
  }

  private operationLabel(operation: OperationDefinitionNode | undefined): string {
    const fields = new Set((operation?.selectionSet.selections ?? []).map((s) => (s.kind === Kind.FIELD ? s.name.value : '')));
    const [only] = fields;
    return fields.size === 1 && this.rootFields.has(only) ? only : 'other';
  }
}
