import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';

/**
 * One atomic step per hit: a fixed window counter (INCR, PEXPIRE on the
 * first hit) and, past the limit, a block key that lives blockDuration.
 * Returns [hits, window ms left, blocked 0/1, block ms left].
 */
const HIT_SCRIPT = `
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  return { tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1]), 1, blockLeft }
end
local hits = redis.call('INCR', KEYS[1])
local windowLeft = redis.call('PTTL', KEYS[1])
if windowLeft < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  windowLeft = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
  return { hits, windowLeft, 1, tonumber(ARGV[3]) }
end
return { hits, windowLeft, 0, 0 }
`;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;
type HitResult = [hits: number, windowMs: number, blocked: number, blockMs: number];

/**
 * Rate-limit counts in Redis (REDIS_URL), shared by every instance. When
 * Redis cannot be reached the request is let through and a warning logged:
 * these limits are a second line (the per-account attempt counters in the
 * database always apply), and an outage of Redis must not stop sign-in.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis;
  private lastWarning = 0;

  constructor(url: string, private readonly prefix = 'twofold:rl:') {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000, enableOfflineQueue: true, lazyConnect: false });
    this.redis.on('error', (error: Error) => this.warn(`Redis: ${error.message}`));
    this.redis.defineCommand('twofoldHit', { numberOfKeys: 2, lua: HIT_SCRIPT });
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const base = `${this.prefix}${throttlerName}:${key}`;
    try {
      const [hits, windowMs, blocked, blockMs] = (await (
        this.redis as unknown as { twofoldHit(...args: Array<string | number>): Promise<HitResult> }
      ).twofoldHit(base, `${base}:block`, ttl, limit, blockDuration)).map(Number) as HitResult;
      return {
        totalHits: hits,
        timeToExpire: Math.ceil(windowMs / 1000),
        isBlocked: blocked === 1,
        timeToBlockExpire: Math.ceil(blockMs / 1000),
      };
    } catch (error) {
      this.warn(`rate limit not applied, Redis failed: ${(error as Error).message}`);
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarning < 10_000) return;
    this.lastWarning = now;
    this.logger.warn(message);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
