/**
 * Whether a returned plate's `region` is of a photo set's country, for the measurement scripts (eval.ts,
 * pipeline-recall.ts): a country (`us`) is it or any of its states (`us-ca`); `eu`, a folder of mixed European
 * countries, is any country of the European plate style (regions/*.json `style`).
 */
import type { RegionCatalog } from '../src/engine/regions.js';

export function regionFits(country: string, code: string, catalog: RegionCatalog): boolean {
  if (country === 'eu') return catalog.byCode.get(code)?.style === 'eu';
  return code === country || code.startsWith(`${country}-`);
}
