import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';

/** What domain code may use: passed in, never imported as singletons, so tests inject their own. */
export interface ServiceContext {
  config: Config;
  db: Db;
  log: Logger;
  clock: () => Date;
}
