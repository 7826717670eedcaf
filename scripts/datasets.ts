/** Where the shared datasets live beside the checkout (read-only; never copied into the repo), and how to read their label files. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';

export const DATASETS = path.resolve(PACKAGE_ROOT, '../shared/datasets');

/**
 * Rows of a labels CSV keyed by its header. The datasets' label files (and label_fixes.csv) hold file names,
 * plates and kinds only: no quoted fields, no commas inside one.
 */
export function csvRows(file: string): Array<Record<string, string>> {
  const [head = '', ...lines] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i] ?? '', v])));
}
