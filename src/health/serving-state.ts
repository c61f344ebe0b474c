import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { Plugin } from '@nestjs/apollo';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../config/app-config';

/** Whether this instance still wants new traffic: false from the start of shutdown on. */
@Injectable()
export class ServingState {
  private stopping = false;

  get shuttingDown(): boolean {
    return this.stopping;
  }

  beginShutdown(): void {
    this.stopping = true;
  }
}

/** How long shutdown waits for GraphQL operations still running before the database pool closes. */
const OPERATIONS_GRACE_MS = 10_000;

/**
 * GraphQL operations still executing. The HTTP drain waits for connections,
 * and a client that gives up closes its connection while its operation
 * still runs; shutdown waits for the operations too, so that none of them
 * meets a closed database pool halfway through.
 */
@Plugin()
export class OperationsInFlight implements ApolloServerPlugin {
  private running = 0;
  private idle: (() => void) | null = null;

  async requestDidStart(): Promise<GraphQLRequestListener<object>> {
    this.running++;
    let finished = false;
    return {
      willSendResponse: async () => {
        if (finished) return;
        finished = true;
        if (--this.running === 0) this.idle?.();
      },
    };
  }

  /** Resolves when none is running, or after `timeoutMs`; false if some still were. */
  async settled(timeoutMs: number): Promise<boolean> {
    if (this.running === 0) return true;
    const done = new Promise<true>((resolve) => (this.idle = () => resolve(true)));
    return Promise.race([done, sleep(timeoutMs, false, { ref: false })]);
  }
}

/**
 * The first step of shutdown (a provider of the root module, whose
 * onModuleDestroy Nest calls before any imported module's): readiness turns
 * 503, then, for SHUTDOWN_DELAY_SECONDS, the instance keeps serving while
 * load balancers notice; only then do GraphQL's drain, the mail worker and
 * the database pool stop, the pool once no GraphQL operation runs.
 */
@Injectable()
export class ShutdownDrain implements OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');

  constructor(
    private readonly state: ServingState,
    private readonly operations: OperationsInFlight,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async onModuleDestroy(): Promise<void> {
    this.state.beginShutdown();
    const seconds = this.config.shutdownDelaySeconds;
    if (seconds > 0) {
      this.logger.log(`Shutting down: readiness is 503; still serving for ${seconds} s`);
      await sleep(seconds * 1000);
    }
  }

  /** After GraphQL's drain (onModuleDestroy), before the database pool closes (onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    if (!(await this.operations.settled(OPERATIONS_GRACE_MS))) {
      this.logger.warn(`GraphQL operations still running after ${OPERATIONS_GRACE_MS / 1000} s: closing anyway`);
    }
  }
}
