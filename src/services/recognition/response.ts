import { randomInt } from 'node:crypto';
import type { Box, EngineResult, PlateRead, Vehicle } from '../../engine/types.js';

/**
 * Builds the Snapshot response from an engine result. Key order follows the vendor's documented examples:
 * some clients compare payloads as text, so it is part of the contract.
 */
export type Profile = 'cloud' | 'sdk';

export interface ResponseInput {
  profile: Profile;
  result: EngineResult;
  processingMs: number;
  filename: string;
  cameraId: string | null;
  /** Echoed as given when the caller sent one. */
  timestamp: string | undefined;
  now: Date;
  mmc: boolean;
  vehicleShape: boolean;
  usage?: { calls: number; max_calls: number } | undefined;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
const box = (b: Box) => ({ xmin: Math.round(b.xmin), ymin: Math.round(b.ymin), xmax: Math.round(b.xmax), ymax: Math.round(b.ymax) });

const FILENAME_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Cloud names stored files `HHMM_XXXXX_<name>` (UTC hour and minute, 5 random characters). */
export function cloudFilename(name: string, now: Date): string {
  const hhmm = now.toISOString().slice(11, 16).replace(':', '');
  let rand = '';
  for (let i = 0; i < 5; i++) rand += FILENAME_ALPHABET[randomInt(FILENAME_ALPHABET.length)];
  return `${hhmm}_${rand}_${name}`;
}

/** Cloud: `2020-10-12T16:17:27.574008Z`; SDK: `2025-05-30 13:59:09.481824` (microseconds, UTC). */
export function formatTimestamp(profile: Profile, now: Date): string {
  const iso = now.toISOString(); // 2020-10-12T16:17:27.574Z
  const micro = `${iso.slice(0, 23)}000`;
  return profile === 'cloud' ? `${micro}Z` : micro.replace('T', ' ');
}

function vehicleObject(v: Vehicle) {
  return { score: round3(v.score), type: v.type, box: box(v.box) };
}

function plateResult(p: PlateRead, mmc: boolean) {
  const base = {
    box: box(p.box),
    plate: p.plate,
    region: { code: p.region.code, score: round3(p.region.score) },
    vehicle: vehicleObject(p.vehicle),
    score: round3(p.score),
    candidates: p.candidates.map((c) => ({ score: round3(c.score), plate: c.plate })),
    dscore: round3(p.dscore),
  };
  if (!mmc) return base;
  return {
    ...base,
    model_make: p.vehicle.modelMake ?? [],
    color: p.vehicle.color ?? [],
    orientation: p.vehicle.orientation ?? [],
  };
}

function vehicleProps(v: Vehicle) {
  return {
    make_model: (v.modelMake ?? []).slice(0, 3),
    orientation: (v.orientation ?? []).slice(0, 3).map((o) => ({ value: o.orientation, score: o.score })),
    color: (v.color ?? []).slice(0, 3).map((c) => ({ value: c.color, score: c.score })),
  };
}

/** `detection_mode: vehicle`: plate and vehicle objects with top-3 `props`. */
function vehicleShapeResults(result: EngineResult) {
  const withPlates = result.plates.map((p) => ({
    plate: {
      type: 'Plate',
      score: round3(p.dscore),
      box: box(p.box),
      props: {
        plate: p.candidates.slice(0, 3).map((c) => ({ value: c.plate, score: round3(c.score) })),
        region: [{ value: p.region.code, score: round3(p.region.score) }],
      },
    },
    vehicle: { type: p.vehicle.type, score: round3(p.vehicle.score), box: box(p.vehicle.box), props: vehicleProps(p.vehicle) },
  }));
  const alone = result.vehicles.map((v) => ({
    vehicle: { type: v.type, score: round3(v.score), box: box(v.box), props: vehicleProps(v) },
  }));
  return [...withPlates, ...alone];
}

export function buildResponse(input: ResponseInput) {
  const results = input.vehicleShape
    ? vehicleShapeResults(input.result)
    : input.result.plates.map((p) => plateResult(p, input.mmc));
  const timestamp = input.timestamp ?? formatTimestamp(input.profile, input.now);
  const common = {
    processing_time: round3(input.processingMs),
    results,
    filename: input.filename,
  };
  if (input.profile === 'cloud') {
    return { ...common, version: 1, camera_id: input.cameraId, timestamp };
  }
  return { ...common, camera_id: input.cameraId, timestamp, usage: input.usage ?? { calls: 0, max_calls: 0 } };
}

export type RecognitionResponse = ReturnType<typeof buildResponse>;
