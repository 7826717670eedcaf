/**
 * Pairing plates with the vehicles that carry them. Pure geometry: a plate belongs to a vehicle whose box
 * contains (almost all of) it. When boxes nest or overlap (a car behind a car, a trailer behind a truck) the
 * plate goes to the vehicle where it sits most like a plate: horizontally central and in the lower part of the
 * box; each vehicle takes one plate first, and a plate whose only vehicles are taken still shares one.
 */
import { boxArea } from './box-map.js';
import type { Box } from './types.js';

/** A plate at least this much inside a vehicle box belongs to it (detector boxes are a little loose). */
export const MIN_CONTAINMENT = 0.75;

/** Share of the plate's area inside the vehicle box, in [0, 1]. */
export function containment(plate: Box, vehicle: Box): number {
  const area = boxArea(plate);
  if (area <= 0) return 0;
  const iw = Math.max(0, Math.min(plate.xmax, vehicle.xmax) - Math.max(plate.xmin, vehicle.xmin));
  const ih = Math.max(0, Math.min(plate.ymax, vehicle.ymax) - Math.max(plate.ymin, vehicle.ymin));
  return (iw * ih) / area;
}

/** How plausible `vehicle` is as the carrier of `plate` (0 = not at all). */
export function pairQuality(plate: Box, vehicle: { box: Box; score: number }): number {
  const c = containment(plate, vehicle.box);
  if (c < MIN_CONTAINMENT) return 0;
  const v = vehicle.box;
  const vw = Math.max(1, v.xmax - v.xmin);
  const vh = Math.max(1, v.ymax - v.ymin);
  const px = (plate.xmin + plate.xmax) / 2;
  const py = (plate.ymin + plate.ymax) / 2;
  const offCentre = Math.min(1, Math.abs(px - (v.xmin + v.xmax) / 2) / (vw / 2));
  const relY = (py - v.ymin) / vh;
  const height = relY >= 0.35 ? 1 : 0.6;
  return c * (0.1 + vehicle.score) * (1 - 0.5 * offCentre) * height;
}

/** For each plate, the index of its vehicle, or -1. */
export function associatePlates(plates: readonly Box[], vehicles: ReadonlyArray<{ box: Box; score: number }>): number[] {
  const pairs: Array<{ p: number; v: number; q: number }> = [];
  plates.forEach((plate, p) => {
    vehicles.forEach((vehicle, v) => {
      const q = pairQuality(plate, vehicle);
      if (q > 0) pairs.push({ p, v, q });
    });
  });
  pairs.sort((a, b) => b.q - a.q);
  const owner = plates.map(() => -1);
  const taken = new Set<number>();
  for (const { p, v } of pairs) {
    if (owner[p] !== -1 || taken.has(v)) continue;
    owner[p] = v;
    taken.add(v);
  }
  // Pairs are sorted, so the first pair of a still-unpaired plate is its best (shared) vehicle.
  for (const { p, v } of pairs) if (owner[p] === -1) owner[p] = v;
  return owner;
}
