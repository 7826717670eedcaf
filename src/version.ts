import { packageVersion } from './paths.js';

export const VERSION = packageVersion();
