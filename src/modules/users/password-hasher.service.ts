import { ConcurrencyLimit } from '@app/crypto';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { availableParallelism } from 'node:os';

/** OWASP's argon2id minimum: 19 MiB, 2 passes, 1 lane. */
const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * Password hashing. @node-rs/argon2 runs on libuv's thread pool, so hashing
 * never blocks the event loop. At most one hash per core runs at once: more
 * would only share the cores, each holding its 19 MiB meanwhile (on two
 * cores, four at once on libuv's four threads made the peak memory).
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  /** Verified against when the email is unknown, so both answers take as long. */
  private dummyHash: string;
  private readonly limit = new ConcurrencyLimit(Math.min(4, availableParallelism()));

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash('twofold-dummy-password-for-timing');
  }

  hash(password: string): Promise<string> {
    return this.limit.run(() => hash(password, ARGON2_OPTIONS));
  }

  async verify(passwordHash: string | null, password: string): Promise<boolean> {
    try {
      const ok = await this.limit.run(() => verify(passwordHash ?? this.dummyHash, password));
      return ok && passwordHash !== null;
    } catch {
      return false;
    }
  }
}
