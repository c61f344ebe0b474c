import type { MetricObjectWithValues, MetricValue } from 'prom-client';

/**
 * What the cluster's primary and its workers say to each other over IPC
 * (node:cluster). Plain objects: they cross a process boundary as JSON.
 */

/** Primary → worker: send your metrics (the primary serves METRICS_PORT for all of them). */
export interface MetricsRequest {
  type: 'twofold:metrics-request';
  id: number;
}

/** Worker → primary: the worker's registry as JSON, or why it could not be read. */
export interface MetricsResponse {
  type: 'twofold:metrics-response';
  id: number;
  metrics?: Array<MetricObjectWithValues<MetricValue<string>>>;
  error?: string;
}

/** Worker → primary: the application is listening (its start-up succeeded). */
export interface WorkerReady {
  type: 'twofold:ready';
}

export type ClusterMessage = MetricsRequest | MetricsResponse | WorkerReady;

export function isClusterMessage<T extends ClusterMessage['type']>(message: unknown, type: T): message is Extract<ClusterMessage, { type: T }> {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}
