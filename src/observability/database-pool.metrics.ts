import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Metrics } from './metrics';

/** The parts of mysql2's Pool the gauges read (no public API offers them). */
interface Mysql2PoolState {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

/**
 * The MySQL pool behind TypeORM's driver, read at each scrape: connections
 * in use and idle, and queries waiting for one (the pool holds at most 20).
 * The embedded SQLite has no pool: the gauges stay empty.
 */
@Injectable()
export class DatabasePoolMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    if (this.metrics.enabled) this.metrics.beforeScrape(() => this.refresh());
  }

  refresh(): void {
    const pool = (this.dataSource.driver as { pool?: Mysql2PoolState }).pool;
    if (!pool?._allConnections || !pool._freeConnections || !pool._connectionQueue) return;
    const all = pool._allConnections.length;
    const idle = pool._freeConnections.length;
    this.metrics.dbPoolConnections.set({ state: 'in_use' }, all - idle);
    this.metrics.dbPoolConnections.set({ state: 'idle' }, idle);
    this.metrics.dbPoolWaiting.set(pool._connectionQueue.length);
  }
}
