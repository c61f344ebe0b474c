import { Injectable } from '@nestjs/common';

/** A part of the service that reports its state on /health without ever failing it (mail). */
export interface HealthReport {
  readonly name: string;
  check(): Promise<Record<string, unknown>>;
}

/** Modules add their reports at start (the mail module adds its own). */
@Injectable()
export class HealthRegistry {
  readonly reports: HealthReport[] = [];

  register(report: HealthReport): void {
    this.reports.push(report);
  }
}
