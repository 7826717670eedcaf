import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'platewise' },
    // Tokens and secrets never reach the logs, even when a request object is logged whole.
    redact: ['req.headers.authorization', '*.token', '*.secret'],
  });
}
