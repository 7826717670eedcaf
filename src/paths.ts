import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root holds models/, regions/ and migrations/. It is found by walking up to our package.json,
 * so the same code works from the sources (src/) and from the build (dist/src/).
 */
function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (pkg.name === 'platewise') return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('platewise package.json not found above the running code');
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();
export const DEFAULT_MODELS_DIR = path.join(PACKAGE_ROOT, 'models');

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}
