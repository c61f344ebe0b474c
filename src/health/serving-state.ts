import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
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

/**
 * The first step of shutdown (a provider of the root module, whose
 * onModuleDestroy Nest calls before any imported module's): readiness turns
 * 503, then, for SHUTDOWN_DELAY_SECONDS, the instance keeps serving while
 * load balancers notice; only then do GraphQL's drain, the mail worker and
 * the database pool stop.
 */
@Injectable()
export class ShutdownDrain implements OnModuleDestroy {
  private readonly logger = new Logger('Shutdown');

  constructor(
    private readonly state: ServingState,
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
}
