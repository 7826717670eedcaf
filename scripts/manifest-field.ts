/**
 * Writes one field of one model's entry in a models directory's manifest.json (models/ unless `dir` says),
 * for scripts that measure a model after training.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MODELS_DIR } from '../src/engine/onnx-session.js';

export function setManifestField(model: string, field: string, value: unknown, dir = DEFAULT_MODELS_DIR): string {
  const path = join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, unknown>>;
  manifest[model] = { ...manifest[model], [field]: value };
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
  return path;
}

/** The models directory a measuring script was pointed at (`--models DIR`), models/ by default. */
export function modelsDirArg(argv: readonly string[]): string {
  const at = argv.indexOf('--models');
  return at >= 0 ? (argv[at + 1] ?? DEFAULT_MODELS_DIR) : DEFAULT_MODELS_DIR;
}
