import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Config } from './config.js';
import { createEngine } from './engine/create-engine.js';
import { AppError } from './errors.js';
import { toRecogniseOptions } from './services/recognition/options.js';
import { RecognitionFields } from './services/recognition/request.js';
import { buildResponse } from './services/recognition/response.js';

/**
 * `platewise read IMAGE...`: the API's JSON for local files, one line each on stdout, without a server.
 * A progress bar goes to stderr when there are several files and stderr is a terminal.
 */
export async function readImages(
  config: Config,
  files: string[],
  opts: { regions?: string | undefined; config: string; mmc?: boolean | undefined },
): Promise<number> {
  const fields = RecognitionFields.parse({ regions: opts.regions, config: opts.config, mmc: opts.mmc ?? false });
  const options = toRecogniseOptions(fields.config ?? {}, fields.regions, fields.mmc ?? false);
  const engine = await createEngine(config);
  const bar = files.length > 1 && process.stderr.isTTY ? new SingleBar({ clearOnComplete: true }) : undefined;
  bar?.start(files.length, 0);
  let failures = 0;
  try {
    for (const file of files) {
      const started = performance.now();
      try {
        const result = await engine.recognise(new Uint8Array(await readFile(file)), options);
        const response = buildResponse({
          profile: config.profile,
          result,
          processingMs: performance.now() - started,
          filename: path.basename(file),
          cameraId: null,
          timestamp: undefined,
          now: new Date(),
          mmc: options.mmc,
          vehicleShape: options.detectionMode === 'vehicle',
        });
        process.stdout.write(`${JSON.stringify(response)}\n`);
      } catch (err) {
        failures += 1;
        const detail = err instanceof AppError ? err.message : String(err);
        process.stdout.write(`${JSON.stringify({ filename: path.basename(file), detail, status_code: err instanceof AppError ? err.status : 500 })}\n`);
      }
      bar?.increment();
    }
  } finally {
    bar?.stop();
    await engine.close();
  }
  return failures === 0 ? 0 : 1;
}
