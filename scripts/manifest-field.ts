/** Writes one field of one model's entry in models/manifest.json, for scripts that measure a model after training. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MODELS_DIR } from '../src/engine/onnx-session.js';

export function setManifestField(model: string, field: string, value: unknown): string {
  const path = join(DEFAULT_MODELS_DIR, 'manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, unknown>>;
  manifest[model] = { ...manifest[model], [field]: value };
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
  return path;
}
