import type { EntitySchema, MixedList } from 'typeorm';
import type { RetentionRule } from '../modules/retention/retention.rules';
import type { KeyedDigestColumn, SealedColumn } from '../modules/secrets/secret-stores';

/**
 * What an integrator's module adds to Twofold besides its providers (a
 * method, its resolvers): given to TwofoldModule.forFeature() in the
 * module's own imports, so no list in Twofold is edited.
 */
export interface TwofoldExtension {
  /** A name for logs and errors, e.g. 'sms'. */
  name: string;
  /** The extension's tables (also pass them to TypeOrmModule.forFeature in the module, for its repositories). */
  entities?: Array<Function | EntitySchema>;
  /** Its migrations; they run with Twofold's (at start, and with `--migrate`), ordered by their timestamp. */
  migrations?: MixedList<Function>;
  /** Rows of its tables the retention job deletes. */
  retention?: RetentionRule[];
  /** Its own error codes (UPPER_SNAKE) and their default messages, for DomainException and extensions.code. */
  errorCodes?: Record<string, string>;
  /** Permissions its resolvers demand (@RequirePermissions), and the roles that hold them. */
  permissions?: Record<string, string[]>;
  /** Its columns of SecretSealer output, re-sealed by `--reseal` after an APP_SECRET rotation. */
  sealedColumns?: SealedColumn[];
  /** Its columns of KeyedHasher digests or salts, for the key ring's housekeeping and the `--reseal` report. */
  keyedDigests?: KeyedDigestColumn[];
}

/**
 * Where forFeature() puts what extensions register, read when the database,
 * the retention job, the error mapping and the role map are built. Filled
 * at import time of the extensions' modules (like @nestjs/typeorm's entity
 * storage), before the application is created.
 */
class TwofoldExtensionStorage {
  private readonly extensions = new Map<string, TwofoldExtension>();

  add(extension: TwofoldExtension): void {
    for (const code of Object.keys(extension.errorCodes ?? {})) {
      if (!/^[A-Z][A-Z0-9_]{2,47}$/.test(code)) throw new TypeError(`${extension.name}: error code "${code}" must be UPPER_SNAKE_CASE`);
    }
    this.extensions.set(extension.name, extension);
  }

  all(): TwofoldExtension[] {
    return [...this.extensions.values()];
  }

  entities(): Array<Function | EntitySchema> {
    return this.all().flatMap((e) => e.entities ?? []);
  }

  migrations(): Function[] {
    return this.all().flatMap((e) => (Array.isArray(e.migrations) ? (e.migrations as Function[]) : Object.values(e.migrations ?? {})));
  }

  retention(): RetentionRule[] {
    return this.all().flatMap((e) => e.retention ?? []);
  }

  sealedColumns(): SealedColumn[] {
    return this.all().flatMap((e) => e.sealedColumns ?? []);
  }

  keyedDigests(): KeyedDigestColumn[] {
    return this.all().flatMap((e) => e.keyedDigests ?? []);
  }

  errorMessage(code: string): string | undefined {
    for (const extension of this.extensions.values()) {
      const message = extension.errorCodes?.[code];
      if (message !== undefined) return message;
    }
    return undefined;
  }

  /** permission → roles, merged over every extension. */
  permissions(): Record<string, string[]> {
    const merged: Record<string, string[]> = {};
    for (const extension of this.all()) {
      for (const [permission, roles] of Object.entries(extension.permissions ?? {})) merged[permission] = [...(merged[permission] ?? []), ...roles];
    }
    return merged;
  }
}

export const TwofoldExtensions = new TwofoldExtensionStorage();
