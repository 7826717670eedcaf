/**
 * openalpr-format benchmark folders (as in openalpr-endtoend-dev): COUNTRY/IMAGE + IMAGE-STEM.txt holding
 * `filename x y w h PLATE`, tab-separated. Read by the measurement scripts (eval.ts, ppocr-compare.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Box } from '../src/engine/types.js';

export interface Sample {
  country: string;
  file: string;
  plate: string;
  box: Box;
}

function readSamples(folder: string, country: string): Sample[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((txt) => {
      const [file = '', x = '0', y = '0', w = '0', h = '0', plate = ''] = readFileSync(join(folder, txt), 'utf8').trim().split('\t');
      const [xi, yi, wi, hi] = [x, y, w, h].map((v) => Number.parseInt(v, 10)) as [number, number, number, number];
      return { country, file: join(folder, file), plate, box: { xmin: xi, ymin: yi, xmax: xi + wi, ymax: yi + hi } };
    });
}

/** Every sample under `dir`: its COUNTRY/ subfolders, or the folder itself (named for its country). */
export function collectSamples(dir: string): Sample[] {
  const subdirs = readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory() && readdirSync(join(dir, d)).some((f) => f.endsWith('.txt')));
  if (subdirs.length === 0) return readSamples(dir, basename(dir));
  return subdirs.sort().flatMap((d) => readSamples(join(dir, d), d));
}
