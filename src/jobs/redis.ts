import { Redis } from 'ioredis';

/** BullMQ needs `maxRetriesPerRequest: null` on its connections so blocking commands survive reconnects. */
export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

export const QUEUE_PREFIX = 'platewise';
