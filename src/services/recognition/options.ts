import type { RecogniseOptions } from '../../engine/types.js';
import type { RecognitionConfig } from './request.js';

/** Maps the wire `config` and fields to the engine's options; every contract key lands somewhere. */
export function toRecogniseOptions(
  config: RecognitionConfig,
  regions: string[],
  mmc: boolean,
): RecogniseOptions {
  return {
    mode: config.mode ?? 'regular',
    regions,
    regionStrict: config.region === 'strict',
    ...(config.threshold_d !== undefined ? { thresholdD: config.threshold_d } : {}),
    ...(config.threshold_o !== undefined ? { thresholdO: config.threshold_o } : {}),
    textFormats: config.text_formats ?? [],
    mmc,
    detectionRule: config.detection_rule === 'strict' ? 'strict' : 'default',
    detectionMode: config.detection_mode === 'vehicle' ? 'vehicle' : 'plate',
  };
}
