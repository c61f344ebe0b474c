import { Global, Module } from '@nestjs/common';
import { DatabasePoolMetrics } from './database-pool.metrics';
import { GraphQLMetricsPlugin } from './graphql-metrics.plugin';
import { Metrics } from './metrics';
import { MetricsServer } from './metrics.server';
import { SecurityMetricsListener } from './security-metrics.listener';

/** Prometheus metrics (src/observability/metrics.ts), served on METRICS_PORT. Global: the mail worker counts too. */
@Global()
@Module({
  providers: [Metrics, MetricsServer, GraphQLMetricsPlugin, SecurityMetricsListener, DatabasePoolMetrics],
  exports: [Metrics, MetricsServer],
})
export class MetricsModule {}
