import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { ErrorCode } from '../errors/error-code';

/** Request bodies larger than this are refused with 413 before any parsing. */
export const MAX_BODY_BYTES = 100 * 1024;

/**
 * Security headers. The content policy allows only this server's own
 * scripts, which is what the self-hosted GraphiQL page needs (its start
 * script is a separate file, src/graphql/ide.ts); styles may be inline
 * (GraphiQL and CodeMirror set them at run time), images and fonts may be
 * data: URLs (GraphiQL's icons). The API itself answers JSON, which a
 * browser never renders, so these only matter for the IDE page.
 */
export function securityHeaders() {
  const headers = headersOf(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      // The API may be called from the configured CORS origins.
      crossOriginResourcePolicy: { policy: 'same-site' },
    }),
  );
  return (_req: Request, res: Response, next: NextFunction): void => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/**
 * The headers a helmet middleware sets, read once: with this configuration
 * they are the same for every request, and setting them from a list costs a
 * fraction of helmet's eleven middlewares per request (docs/performance.md).
 */
function headersOf(middleware: (req: Request, res: Response, next: (error?: unknown) => void) => void): Array<[string, string]> {
  const headers = new Map<string, string>();
  const response = {
    setHeader: (name: string, value: string) => headers.set(name, String(value)),
    removeHeader: (name: string) => headers.delete(name),
  } as unknown as Response;
  let called = false;
  middleware({ method: 'GET', headers: {} } as Request, response, () => (called = true));
  if (!called) throw new TypeError('helmet did not set its headers synchronously');
  return [...headers];
}

/** A request-level error in the shape of a GraphQL response, with a contract code. */
export function requestErrorBody(message: string) {
  return { errors: [{ message, extensions: { code: ErrorCode.BAD_USER_INPUT } }] };
}

/**
 * Errors from the body parser (too large, malformed JSON, unsupported
 * charset) answered as JSON with their HTTP status (413, 400, 415) instead
 * of Express's HTML page.
 */
export function bodyParserErrors() {
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    const status = (error as { status?: unknown; statusCode?: unknown } | null)?.status;
    const type = (error as { type?: unknown } | null)?.type;
    if (typeof status !== 'number' || status < 400 || status >= 500 || res.headersSent) return next(error);
    const message =
      type === 'entity.too.large'
        ? `The request body is too large: at most ${MAX_BODY_BYTES / 1024} KB are accepted.`
        : type === 'entity.parse.failed'
          ? 'The request body is not valid JSON.'
          : 'The request body could not be read.';
    res.status(status).json(requestErrorBody(message));
  };
}

/** Installs the hardening that sits in front of every route; call before app.init(). */
export function applyHttpHardening(app: NestExpressApplication): void {
  app.use(securityHeaders());
  app.useBodyParser('json', { limit: MAX_BODY_BYTES });
  app.use(bodyParserErrors());
}
