import type { Account } from '../../db/schema.js';
import type { EngineTimings } from '../../engine/types.js';
import type { RecognitionQueue } from '../../jobs/recognition-queue.js';
import type { ServiceContext } from '../context.js';
import { type CallReservation, WARNING_SHARE, refundCall, reserveCall } from '../usage.js';
import { toRecogniseOptions } from './options.js';
import type { RecognitionFields } from './request.js';
import { type Profile, type RecognitionResponse, buildResponse, cloudFilename } from './response.js';

export type ImageSource = { bytes: Uint8Array; filename: string } | { url: string };

/** Side effects after a recognition; they must not fail or slow down the response. */
export interface RecognitionEvents {
  imageDone(accountId: number, response: RecognitionResponse, image: Uint8Array): void;
  usageWarning(account: Account, reservation: CallReservation): void;
}

export interface RecognitionDeps {
  queue: RecognitionQueue;
  events: RecognitionEvents;
  fetchImage(url: string): Promise<{ bytes: Uint8Array; filename: string }>;
}

export interface RecognitionInput {
  account: Account;
  profile: Profile;
  image: ImageSource;
  fields: RecognitionFields;
}

/**
 * One recognition call: count it against the quota first (so concurrent calls cannot overrun it), fetch and
 * recognise, and give the call back if anything fails, so only successful recognitions are counted.
 */
export async function recognisePlates(
  ctx: ServiceContext,
  deps: RecognitionDeps,
  input: RecognitionInput,
): Promise<{ response: RecognitionResponse; timings: EngineTimings }> {
  const started = performance.now();
  const reservation = await reserveCall(ctx, input.account);
  let response: RecognitionResponse;
  let timings: EngineTimings;
  let bytes: Uint8Array;
  try {
    const image = 'url' in input.image ? await deps.fetchImage(input.image.url) : input.image;
    bytes = image.bytes;
    const options = toRecogniseOptions(input.fields.config ?? {}, input.fields.regions, input.fields.mmc ?? false);
    const result = await deps.queue.recognise(bytes, options);
    timings = result.timings;
    const now = ctx.clock();
    response = buildResponse({
      profile: input.profile,
      result,
      processingMs: performance.now() - started,
      filename: input.profile === 'cloud' ? cloudFilename(image.filename, now) : image.filename,
      cameraId: input.fields.camera_id ?? null,
      timestamp: input.fields.timestamp,
      now,
      mmc: options.mmc,
      vehicleShape: options.detectionMode === 'vehicle',
      usage: { calls: reservation.calls, max_calls: input.account.monthly_quota },
    });
  } catch (err) {
    await refundCall(ctx, reservation).catch((e: unknown) => ctx.log.error({ err: e }, 'usage refund failed'));
    throw err;
  }
  deps.events.imageDone(input.account.id, response, bytes);
  if (reservation.reachedWarning) deps.events.usageWarning(input.account, reservation);
  return { response, timings };
}

export function usageWarningMessage(account: Account, reservation: CallReservation): string {
  return `Account ${account.name} has used ${reservation.calls} of its ${account.monthly_quota} monthly calls (${Math.round(WARNING_SHARE * 100)} %).`;
}
