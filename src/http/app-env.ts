import type { Account } from '../db/schema.js';
import type { Logger } from '../logger.js';

/** Per-request variables set by middleware. */
export interface AppEnv {
  Variables: {
    log: Logger;
    requestId: string;
    account: Account;
  };
}
