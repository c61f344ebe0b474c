/**
 * The one seam between the code and tracing: `inSpan` runs the work inside a
 * span when tracing is on (src/observability/tracing.ts installs the
 * runner), and just runs it otherwise, without loading OpenTelemetry.
 */
export type SpanAttributes = Record<string, string | number | boolean>;
export type SpanRunner = <T>(name: string, attributes: SpanAttributes, work: () => Promise<T>) => Promise<T>;

let runner: SpanRunner = (_name, _attributes, work) => work();

/** A span around `work` (a client call: SMTP), ended when it settles, marked failed if it throws. */
export function inSpan<T>(name: string, attributes: SpanAttributes, work: () => Promise<T>): Promise<T> {
  return runner(name, attributes, work);
}

export function setSpanRunner(next: SpanRunner): void {
  runner = next;
}
