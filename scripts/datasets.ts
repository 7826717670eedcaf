/** Where the shared datasets live beside the checkout (read-only; never copied into the repo), and how to read their label files. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';

export const DATASETS = path.resolve(PACKAGE_ROOT, '../shared/datasets');

/** Labels a person corrected after looking at the crop (audit_labels.py nominates them; train.py applies them). */
export const LABEL_FIXES_CSV = path.join(PACKAGE_ROOT, 'models/train/reader/label_fixes.csv');

/** A plate as labels and reads are compared: upper-case alphanumerics (score_api.py's `exact`, train.py's label_of). */
export function plateText(plate: string): string {
  return plate.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/**
 * Rows of a labels CSV keyed by its header. The datasets' label files (and label_fixes.csv) hold file names,
 * plates and kinds only: no quoted fields, no commas inside one.
 */
export function csvRows(file: string): Array<Record<string, string>> {
  const [head = '', ...lines] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i] ?? '', v])));
}

/**
 * LABEL_FIXES_CSV keyed `dataset/file`; an empty plate means the crop shows no readable plate. Training and
 * validation apply them (train.py load_real), so anything scoring readers on those crops must too.
 */
export function labelFixes(): Map<string, string> {
  const rows = csvRows(LABEL_FIXES_CSV);
  return new Map(rows.map((r) => [`${r.dataset}/${r.file}`, r.plate ?? '']));
}
