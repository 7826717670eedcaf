/** Where the shared datasets live beside the checkout (read-only; never copied into the repo). */
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';

export const DATASETS = path.resolve(PACKAGE_ROOT, '../shared/datasets');
