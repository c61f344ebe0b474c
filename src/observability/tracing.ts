// Loaded only when OTEL_EXPORTER_OTLP_ENDPOINT is set (src/main.ts imports it
// dynamically, before anything it instruments is required): a server without
// tracing never loads OpenTelemetry.
import type { ApolloServerPlugin } from '@apollo/server';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor, Type } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { Context, context, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { Kind } from 'graphql';
import { IncomingMessage } from 'node:http';
import { Observable } from 'rxjs';
import { setTraceLogFields } from '../common/logging/request-id';
import { setSpanRunner } from './spans';

/** What the application needs from tracing once it is started. */
export interface Tracing {
  /** The GraphQL operation span (Apollo plugin). */
  apolloPlugin: ApolloServerPlugin;
  /** Makes the operation span the parent of what the resolvers do (SQL, SMTP). */
  interceptor: Type<NestInterceptor>;
  /** Exports what is buffered; called at shutdown. */
  shutdown(): Promise<void>;
}

const TRACER = 'twofold';
/** Requests not worth a trace: probes, scrapes, the IDE's static files. */
const UNTRACED = /^\/(health|metrics|graphql-ide\/)/;

/**
 * Starts OpenTelemetry: spans for HTTP (server side), GraphQL operations,
 * SQL (mysql2, statements without their values) and SMTP sends, exported
 * over OTLP/HTTP to `${endpoint}/v1/traces` in batches. The standard
 * OTEL_* variables (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER…) are honoured by the SDK.
 * Call before the HTTP server and the database driver are required.
 */
export function startTracing(endpoint: string, options: { exporter?: SpanExporter; version?: string } = {}): Tracing {
  const exporter = options.exporter ?? new OTLPTraceExporter({ url: `${endpoint}/v1/traces` });
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'twofold', ...(options.version && { 'service.version': options.version }) }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new WithoutOrphanStatements(new BatchSpanProcessor(exporter))] });
  // Global tracer provider, AsyncLocalStorage context, W3C traceparent propagation.
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED.test(req.url ?? ''),
        // The server's own outgoing HTTP (none today) only inside a trace.
        requireParentforOutgoingSpans: true,
      }),
      // Statements carry token digests, sealed secrets and emails as parameters: never their values.
      new MySQL2Instrumentation({ maskStatement: true }),
    ],
  });

  const tracer = trace.getTracer(TRACER);
  setSpanRunner((name, attributes, work) =>
    tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      try {
        return await work();
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
        throw error;
      } finally {
        span.end();
      }
    }),
  );
  setTraceLogFields((): Record<string, string> => {
    const span = trace.getActiveSpan();
    if (!span) return {};
    const { traceId, spanId } = span.spanContext();
    return { traceId, spanId };
  });

  return {
    apolloPlugin: graphqlTracingPlugin(),
    interceptor: OperationSpanInterceptor,
    shutdown: () => provider.shutdown(),
  };
}

/**
 * Drops SQL spans that belong to no trace: the mail worker and the retention
 * pass poll the database every second, and a trace per poll would bury the
 * requests. Their SMTP sends are still traced.
 */
class WithoutOrphanStatements implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}

  onStart(span: Parameters<SpanProcessor['onStart']>[0], parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const statement = span.attributes['db.system.name'] !== undefined || span.attributes['db.system'] !== undefined;
    if (statement && !span.parentSpanContext) return;
    this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}

/** The operation span of each GraphQL request, by its HTTP request. */
const OPERATION_SPANS = new WeakMap<object, Span>();

/**
 * One span per GraphQL request, child of the HTTP span: "mutation signIn"
 * (type and root fields, never the document or variables), marked failed
 * with the error codes when the answer has errors.
 */
function graphqlTracingPlugin(): ApolloServerPlugin<{ req?: object }> {
  const tracer = trace.getTracer(TRACER);
  return {
    async requestDidStart({ contextValue }) {
      const span = tracer.startSpan('graphql', { kind: SpanKind.INTERNAL });
      if (contextValue?.req) OPERATION_SPANS.set(contextValue.req, span);
      return {
        async didResolveOperation({ operation }) {
          if (!operation) return;
          const fields = operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
          span.updateName(`${operation.operation} ${fields.slice(0, 5).join(',')}`);
          span.setAttribute('graphql.operation.type', operation.operation);
          if (operation.name) span.setAttribute('graphql.operation.name', operation.name.value.slice(0, 100));
        },
        async willSendResponse({ response }) {
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          if (errors.length > 0) {
            const codes = [...new Set(errors.map((e) => String(e.extensions?.code ?? 'UNKNOWN')))].join(',');
            span.setAttribute('graphql.error.codes', codes);
            span.setStatus({ code: SpanStatusCode.ERROR, message: codes });
          }
          span.end();
        },
      };
    },
  };
}

/** Runs each GraphQL resolver with its operation's span active, so SQL and SMTP spans nest under it. */
@Injectable()
class OperationSpanInterceptor implements NestInterceptor {
  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (execution.getType<string>() !== 'graphql') return next.handle();
    const req = GqlExecutionContext.create(execution).getContext<{ req?: object }>().req;
    const span = req ? OPERATION_SPANS.get(req) : undefined;
    if (!span) return next.handle();
    const active = trace.setSpan(context.active(), span);
    return new Observable((subscriber) => context.with(active, () => next.handle().subscribe(subscriber)));
  }
}
