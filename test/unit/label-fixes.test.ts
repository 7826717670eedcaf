/**
 * models/train/reader/label_fixes.csv corrects dataset labels a person checked against the crop
 * (audit_labels.py). Each row must still name a file of its dataset with the label it corrects: a dataset
 * that changes under it would otherwise have its new labels silently overwritten by old corrections.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvRows, DATASETS, LABEL_FIXES_CSV, plateText } from '../../scripts/datasets.js';

describe.skipIf(!existsSync(DATASETS))('reader label fixes', () => {
  const fixes = csvRows(LABEL_FIXES_CSV);

  it('names each crop once, with a plate of the reader alphabet (or empty: crop dropped) that changes its label', () => {
    expect(fixes.length).toBeGreaterThan(0);
    const keys = fixes.map((f) => `${f.dataset}/${f.file}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const f of fixes) {
      expect(f.plate ?? '', `${f.file}`).toMatch(/^[A-Z0-9]*$/);
      expect(f.plate, `${f.file}`).not.toBe(plateText(f.label ?? ''));
    }
  });

  it('corrects labels the datasets still hold', () => {
    const byDataset = new Map<string, Map<string, string>>();
    for (const f of fixes) {
      const dataset = f.dataset ?? '';
      if (!byDataset.has(dataset)) {
        const rows = csvRows(path.join(DATASETS, dataset, 'labels.csv'));
        byDataset.set(dataset, new Map(rows.map((r) => [r.file ?? '', r.plate ?? ''])));
      }
      const label = byDataset.get(dataset)?.get(f.file ?? '');
      expect(label, `${dataset}/${f.file}`).toBeDefined();
      expect(plateText(label ?? ''), `${dataset}/${f.file}`).toBe(plateText(f.label ?? ''));
    }
  });
});
