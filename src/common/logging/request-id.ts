import type { NextFunction, Request, Response } from 'express';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** What every log line of one request carries, and what the request read once for all its steps. */
interface RequestScope {
  requestId: string;
  memo?: Map<string, unknown>;
}

const scope = new AsyncLocalStorage<RequestScope>();

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** A caller's id is kept only if it is short and made of characters safe in a header and a log line. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:@+=/-]{1,128}$/;
/** W3C Trace Context: version-traceid-parentid-flags; the trace id (not all zeros) becomes the request id. */
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The request id for these headers: X-Request-Id if acceptable, else the trace id of traceparent, else a new one. */
export function requestIdOf(headers: Request['headers']): string {
  const given = headers['x-request-id'];
  if (typeof given === 'string' && ACCEPTABLE_ID.test(given)) return given;
  const traceparent = headers.traceparent;
  const trace = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent.trim()) : null;
  if (trace && !/^0+$/.test(trace[1])) return trace[1];
  return randomUUID();
}

/**
 * What this request has already read and may read again without asking the
 * database (the policy, read with the session in the same statement).
 * Undefined outside a request: the mail worker and the operator commands
 * read fresh every time.
 */
export function requestMemo(): Map<string, unknown> | undefined {
  const store = scope.getStore();
  if (!store) return undefined;
  return (store.memo ??= new Map());
}

/** The id of the request whose work is running now (undefined outside a request: the mail worker, start-up). */
export function currentRequestId(): string | undefined {
  return scope.getStore()?.requestId;
}

/**
 * First middleware: picks the request id, answers it in X-Request-Id, and
 * runs the rest of the request inside its scope, so that every log line
 * written for it carries `requestId` (the pino mixin reads it).
 */
export function requestIdMiddleware() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const requestId = requestIdOf(req.headers);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    scope.run({ requestId }, next);
  };
}

/** Extra fields of the active trace for log lines; set by the tracing module when tracing is on. */
let traceFields: () => Record<string, string> = () => ({});

export function setTraceLogFields(fields: () => Record<string, string>): void {
  traceFields = fields;
}

/** The pino mixin: request id and, with tracing, the trace and span ids. */
export function logContext(): Record<string, string> {
  const requestId = scope.getStore()?.requestId;
  const trace = traceFields();
  return requestId ? { requestId, ...trace } : trace;
}
