import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, Response } from 'express';
import { Kind } from 'graphql';
import type { Logger as Pino } from 'pino';
import { REQUEST_ID_HEADER } from './request-id';

/** What the GraphQL layer tells the request log about one request. Never variables, never the document. */
export interface GraphQLRequestSummary {
  operation: string | null;
  type: string | null;
  /** The root fields asked for (signIn, verifyTwoFactor, …). */
  fields: string[];
  /** "ok", or the error codes the client saw. */
  outcome: string;
}

const SUMMARY = Symbol.for('twofold.graphqlSummary');
type WithSummary = Request & { [SUMMARY]?: GraphQLRequestSummary };

/** Paths logged at debug only: load balancer health checks and the IDE's static files. */
const QUIET = /^\/(health|graphql-ide\/)/;

/**
 * One log line per HTTP request, when it ends: method, path (no query
 * string), status, duration, client IP, and for GraphQL the operation name,
 * root fields and outcome. Headers, bodies and variables are never logged.
 */
export function requestLoggingMiddleware(logger: Pino) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const path = (req.originalUrl ?? req.url).split('?')[0].slice(0, 200);
      const level = res.statusCode >= 500 ? 'error' : QUIET.test(path) ? 'debug' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const graphql = (req as WithSummary)[SUMMARY];
      logger[level](
        {
          context: 'HTTP',
          // Explicit: 'finish' may fire outside the request's async scope.
          requestId: res.getHeader(REQUEST_ID_HEADER),
          method: req.method,
          path,
          status: res.statusCode,
          ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
          ip: req.ip,
          ...(graphql ?? {}),
          ...(!res.writableFinished && { aborted: true }),
        },
        graphql ? `${graphql.type ?? 'graphql'} ${graphql.operation ?? graphql.fields.join(',')} ${graphql.outcome}` : 'request',
      );
    };
    res.once('finish', done);
    res.once('close', done);
    next();
  };
}

/** Apollo plugin: hands the operation name, root fields and outcome to the request log. */
export function graphqlLoggingPlugin(): ApolloServerPlugin<{ req?: Request }> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, operation, operationName, response }) {
          const req = contextValue?.req as WithSummary | undefined;
          if (!req) return;
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const codes = [...new Set(errors.map((error) => String(error.extensions?.code ?? 'UNKNOWN')))];
          const fields = operation
            ? [...new Set(operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : [])))]
            : [];
          req[SUMMARY] = {
            operation: operationName ? operationName.slice(0, 100) : null,
            type: operation?.operation ?? null,
            fields: fields.slice(0, 20),
            outcome: codes.length > 0 ? codes.join(',') : 'ok',
          };
        },
      };
    },
  };
}
