/**
 * What `config.mode` changes. Regular: full detector resolution. Fast: one detection pass at the native size
 * (no larger pass, no close-up pass, no vehicle model unless the answer needs it) on a shrink-on-load decode
 * (the vendor documents ~30% faster, may miss small plates). Redaction: half the detection threshold, more
 * boxes and a full-resolution pass (fewer misses, more false positives), as the vendor describes it.
 *
 * Fast's one pass is the manifest's `fast_size`, 640 like the native pass. At 416 it found 0.507 of the
 * detector's validation plates (272, never trained on) against 0.618 at 512 and 0.662 at 640, and on the
 * end-to-end validation photos (distant plates in 1280x720 frames) 0.08 against 0.33 at 640: fast mode
 * missed most plates a regular read finds, far beyond "may miss small plates". 640 costs ~10 ms more of
 * detector time per image, which the fast throughput targets have room for (bench/results.md).
 */
import { DEFAULT_BEAM } from './ctc.js';
import { DETECTOR_STRIDE } from './letterbox.js';
import { DEFAULT_NMS, type NmsOptions } from './nms.js';
import type { Mode } from './types.js';
import type { ZoomSettings } from './zoom.js';

export interface ModeSettings {
  /** Letterbox sizes of the detection passes (detect.ts); the first is the native one. */
  detectorSizes: number[];
  /** A smaller pass run only when the others find nothing (detect.ts detectWithCloseUp). */
  closeUpSize?: number;
  /** Longest side decoded; larger uploads are shrunk during decode (boxes still map to the original). */
  maxDecodeSide: number;
  nms: NmsOptions;
  /**
   * Raw detector score from which a box is read in full. Boxes between `nms.scoreThreshold` and this are
   * tentative (read.ts): read once, and dropped unless that read already looks like a plate.
   */
  confidentScore: number;
  beamWidth: number;
  /** OCR threshold when the request gives none. */
  thresholdO: number;
  /** The zoom-in pass for small plates in frames the passes see shrunk (zoom.ts); absent = none. */
  zoom?: ZoomSettings;
}

/**
 * Decoded images keep a longest side of at least this (see decode.ts shrinkFactor: JPEG shrinks by 4 or 8).
 * Regular: only photos over 10240 px wide are shrunk, plates there stay larger than the reader input. Fast: a
 * 4032x3024 phone photo decodes at 1008x756 directly (libjpeg shrink-on-load); 1920x1080 is decoded as is.
 */
const REGULAR_MAX_SIDE = 2560;
const FAST_MAX_SIDE = 960;
/**
 * Second, larger detection pass in regular and redaction modes, at twice the native size (1280): the
 * detector finds plates over more than a 2x range of widths (~32 px up), so the two passes cover plates from
 * ~32 px at full resolution upwards without a gap. A larger pass finds more: on the detector's validation
 * dashcam frames (36 frames stored at 960x540, 44 plates, never trained on) recall at IoU 0.5 is 0.636 with
 * 640 alone, 0.773 with 640 + 800, 0.818 with 640 + 960 and 0.864 with 640 + 1280 (precision 0.90-0.93).
 * The pass is capped at the image's own size (detect.ts passSizes): it never upsamples by default.
 */
const SECOND_PASS_FACTOR = 2;

/**
 * Close-up pass at half the native size (320 for 640), run when the passes find no plate. Plates wider than
 * ~40 % of the frame are beyond the detector's training sizes at 640. On the detector's validation split
 * (272 plates, never trained on; regular mode) it finds 13 of the 16 plates that wide instead of 8, at a
 * precision of 0.807 instead of 0.813 (3 more false boxes over 221 images, 1 of them on the 65 plate-free
 * backgrounds). Run on every image instead, it also found 13 but cost 13 false boxes (precision 0.775).
 */
const CLOSE_UP_FACTOR = 0.5;

function closeUpSize(nativeSize: number): number {
  return Math.round((nativeSize * CLOSE_UP_FACTOR) / DETECTOR_STRIDE) * DETECTOR_STRIDE;
}

/** The native pass and the larger one, its side rounded to the detector's stride. */
function twoPasses(nativeSize: number): number[] {
  return [nativeSize, Math.round((nativeSize * SECOND_PASS_FACTOR) / DETECTOR_STRIDE) * DETECTOR_STRIDE];
}
/**
 * Reads below this calibrated score are dropped unless the request sets threshold_o: they are mostly not plates
 * at all (badges, signs, a camera's timestamp) or plates too small to read. Every read this low is a fused one
 * (views.ts: only reads under 0.9 are), so 0.25 = 0.1 ^ FUSED_SCORE_POWER keeps exactly the reads the former
 * cut of 0.1 on the uncalibrated mean kept, the cut the spurious-plate target (<= 0.3 per image) was met with;
 * calibrated, those reads are right about one time in five to one in four. The vendor's documented default is
 * 0.5-0.6, which would also drop reads right 25-60 % of the time that are often worth a look. Redaction keeps
 * every box (0): an unreadable plate still has to be blurred.
 */
const DEFAULT_THRESHOLD_O = 0.25;
/**
 * The default OCR threshold asks whether a box is a plate at all; a box the detector is sure of already is one.
 * Calibrated, a dscore of 0.85-0.98 is a plate about 97-100 % of the time (MODEL_CARD), yet the read gate threw
 * such plates away when they were too small, blurred or framed to read well: on the detector's held-out real
 * photos (scripts/pipeline-recall.ts, 286 photos, 272 plates) the engine returned 110 plates, and returning
 * every box from a dscore of 0.9 whatever its read returns 164 for 12 false plates instead of 6 (0.8: 173 for
 * 13, 0.7: 178 for 16). On the end-to-end validation photos 0.9 finds 0.881 of the plates instead of 0.869,
 * top-1 unchanged, extra plates per image 0.045 -> 0.050 (BR) and 0.065 (US, unchanged); 0.8 found two more
 * for 0.03-0.04 more extra plates per image. Such a plate comes back with its read's own low score and its
 * candidates, which is what a gate or a redaction needs of it. A threshold_o the caller sets is applied as
 * given: it is a request to drop reads below it.
 */
export const SURE_PLATE_DSCORE = 0.9;
/**
 * Regular and fast modes also look at boxes down to this share of the detector's recommended threshold (its
 * best F1 on its own, where every box kept is a plate). Here the reader stands behind the detector: a box
 * whose read is no plate is dropped (the tentative gate in read.ts, then threshold_o), so boxes the detector
 * alone would have to discard can be read. A caller's threshold_d replaces both: every box over it is read in
 * full. The floor is also a promise to the caller: the vendor documents its default threshold_d as about
 * 0.1-0.2, and regular mode's 0.8 is a dscore of about 0.1, so no plate comes back under the documented default.
 * Measured on the end-to-end validation photos (export_e2e_val.py, 572 distant plates in 1280x720 frames) and
 * on the detector's held-out real photos (scripts/pipeline-recall.ts, 286 photos, 272 plates): with the stage-7
 * reader (stop 16) 0.8 / 0.65 / 0.55 read 0.787 / 0.806 / 0.816 of the validation photos right and found 110 /
 * 115 / 116 real plates for 6 / 7 / 12 false ones, at 2-3 % of 800x600 throughput for 0.65. 0.65 shipped briefly
 * and was taken back because it returns plates down to a dscore of 0.05, under the vendor's documented default
 * (its dev report, which decides nothing, had also read no plate more and added 8 extra plates in 127 photos).
 * Fast at 1 / 0.5 / 0.4: 0.290 / 0.463 / 0.504 at first, 0.526 / 0.579
 * for 0.5 / 0.4 with the stage-7 reader, but 0.4 found 2 more real plates for 4 more false ones, and the bench
 * decided (800x600, 4 in flight, a slower host): 0.4 ran 43.5 img/s against 50.0 at 0.5 (target 43). Fast mode's
 * one 640 pass sees a small plate at half the size regular's second pass does, so it scores lower.
 */
const TENTATIVE_FACTOR = { regular: 0.8, fast: 0.5 };

/**
 * Regular mode's zoom-in pass (zoom.ts): suspects from a raw score of 0.15, at most 8 per image, each seen
 * in a 192 px window that makes it 90 px wide; suspects the largest pass saw wider than 54 px (80 px of a
 * 1920x1080 frame under the 1280 pass) were seen well enough already.
 * Measured (stop 16) on 286 held-out plates 40-60 px wide pasted into 1920x1080 frames (export_e2e_val.py
 * --frame 1920x1080 --plate-px 40,60 --per-crop 1): with 2 windows top-1 0.154 -> 0.231, top-5 0.196 -> 0.304,
 * detected 0.231 -> 0.343, extra plates per frame unchanged (0.057 / 0.039 br / us). The 1280x720 validation
 * frames and the detector's real photos, which it does not touch, read exactly as before.
 * Busy frames (stop 19) hold more small plates than 2 windows reach: on the detector's held-out real photos
 * tiled into 1920x1080 mosaics at their own scale (export_mosaic.py: 28 frames, 272 plates 18-160 px wide,
 * scripts/pipeline-recall.ts) the engine finds 85 with 2 windows, 90 with 4, 95 with 8 and 96 with 16, for
 * 4 / 4 / 5 / 5 false plates; a full-resolution third pass instead (1920) finds 94. On the pasted 40-60 px
 * plates 8 windows read 0.252 top-1 (detected 0.371) against 0.231 (0.343), extra plates unchanged. The dev
 * photos at 1920x1080 (the bench's) leave a median of 5 suspects, so 8 windows cost about 9 % of the
 * engine's time there (interleaved A/B, 84 runs each: 184 against 169 ms on a loaded host); 160 px windows
 * found as many mosaic plates for one more false one and fewer pasted ones. The width limit is in the pass's
 * pixels, not the frame's (it was 80 frame pixels): the same mosaics at 3840x2160 found 87 plates with a limit
 * of 80 frame pixels, 98 with 54 pass pixels (5 false plates for 4); 1920x1080 reads as before.
 */
const REGULAR_ZOOM: ZoomSettings = { weakFloor: 0.15, maxWindows: 8, window: 192, plateWidth: 90, maxSuspectWidth: 54 };
/** Redaction: a plate missed is a privacy leak, a false box only blurs a patch. */
const REDACTION_THRESHOLD_FACTOR = 0.5;
/**
 * Redaction also reads the image at up to 3x the native size (1920 for 640; capped at the image's own
 * resolution), so a plate ~40 px wide in a 1080p frame reaches the detector at full size instead of the 27 px
 * the 1280 pass leaves it: too small to find. It costs a model run ~5x the native one on 1080p images, which
 * regular mode's throughput cannot afford and redaction's purpose can.
 */
const FULL_PASS_FACTOR = 3;

export function modeSettings(
  mode: Mode,
  sizes: { default_size: number; fast_size: number },
  recommendedThreshold: number,
  thresholdD: number | undefined,
): ModeSettings {
  const base = thresholdD ?? recommendedThreshold;
  const lowest = (factor: number): number => thresholdD ?? recommendedThreshold * factor;
  switch (mode) {
    case 'fast':
      return {
        detectorSizes: [sizes.fast_size],
        maxDecodeSide: FAST_MAX_SIDE,
        nms: { ...DEFAULT_NMS, scoreThreshold: lowest(TENTATIVE_FACTOR.fast) },
        confidentScore: base,
        beamWidth: DEFAULT_BEAM.beamWidth,
        thresholdO: DEFAULT_THRESHOLD_O,
      };
    case 'redaction':
      return {
        detectorSizes: [...twoPasses(sizes.default_size), sizes.default_size * FULL_PASS_FACTOR],
        closeUpSize: closeUpSize(sizes.default_size),
        maxDecodeSide: REGULAR_MAX_SIDE,
        nms: {
          ...DEFAULT_NMS,
          scoreThreshold: thresholdD ?? recommendedThreshold * REDACTION_THRESHOLD_FACTOR,
          preNmsTopK: 1000,
          maxDetections: 100,
        },
        confidentScore: 0,
        beamWidth: DEFAULT_BEAM.beamWidth,
        thresholdO: 0,
      };
    default:
      return {
        detectorSizes: twoPasses(sizes.default_size),
        closeUpSize: closeUpSize(sizes.default_size),
        maxDecodeSide: REGULAR_MAX_SIDE,
        nms: { ...DEFAULT_NMS, scoreThreshold: lowest(TENTATIVE_FACTOR.regular) },
        confidentScore: base,
        beamWidth: DEFAULT_BEAM.beamWidth,
        thresholdO: DEFAULT_THRESHOLD_O,
        zoom: REGULAR_ZOOM,
      };
  }
}
