import type { Redis } from 'ioredis';

/**
 * Per-account calls-per-second limit, fixed one-second windows. In memory for one process; in Redis when
 * the API runs as several processes, so the limit holds across all of them.
 */
export interface RateLimiter {
  /** Returns 0 when the call may proceed, else the milliseconds until the next window. */
  take(key: string, perSecond: number, now: number): Promise<number>;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { second: number; count: number }>();

  async take(key: string, perSecond: number, now: number): Promise<number> {
    if (perSecond <= 0) return 0;
    const second = Math.floor(now / 1000);
    const w = this.windows.get(key);
    if (!w || w.second !== second) {
      // Old windows are dropped as they are replaced, so the map holds one entry per active account.
      this.windows.set(key, { second, count: 1 });
      return 0;
    }
    if (w.count >= perSecond) return (second + 1) * 1000 - now;
    w.count += 1;
    return 0;
  }
}

export class RedisRateLimiter implements RateLimiter {
  constructor(private readonly redis: Redis) {}

  async take(key: string, perSecond: number, now: number): Promise<number> {
    if (perSecond <= 0) return 0;
    const second = Math.floor(now / 1000);
    const k = `platewise:rl:${key}:${second}`;
    const [[, count]] = (await this.redis.multi().incr(k).pexpire(k, 2000).exec()) as [[null, number], unknown];
    return count > perSecond ? (second + 1) * 1000 - now : 0;
  }
}
