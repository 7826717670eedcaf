/**
 * Box detection (plates and vehicles: both detectors share one output contract) over one or more letterbox
 * sizes. One pass at the detector's native size finds plates of the sizes it was trained on; a second, larger
 * pass (regular mode, images bigger than the first size) finds the small, distant plates the first pass
 * shrinks below the detector's reach. The vendor describes fast mode as "one detection pass": this is the other
 * pass. Passes are merged by NMS in image coordinates.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { type AxisScale, clampBox, composeScale, roundBox, unscaleBox } from './box-map.js';
import type { RawImage } from './crop.js';
import { buildDetectorInput, letterboxPixels, type ResizeCache } from './decode.js';
import { type Detection, type NmsOptions, nonMaxSuppression, parseDetections } from './nms.js';
import { runSession } from './onnx-session.js';
import type { Box } from './types.js';
import { type ZoomSettings, zoomIn, zoomSuspects } from './zoom.js';

export interface ImageDetection extends Detection {
  /** `box` is in upload coordinates (floats); this is the same clamped and rounded for the wire. */
  imageBox: Box;
}

export interface DetectInput {
  raw: RawImage;
  /** Upload -> decoded pixels. */
  toRaw: AxisScale;
  width: number;
  height: number;
  /** Letterbox resizes already done for this image (shared between the plate and vehicle detectors). */
  resized?: ResizeCache;
}

/**
 * Boxes over `nms.scoreThreshold` from every pass, merged by NMS; with `weakFloor` (raw score, below the
 * threshold) also the boxes between the two, merged the same way: the zoom-in pass's suspects (zoom.ts).
 */
export async function detectBoxes(
  session: InferenceSession,
  img: DetectInput,
  sizes: readonly number[],
  nms: NmsOptions,
  tight: boolean,
  weakFloor?: number,
): Promise<{ detections: ImageDetection[]; weak: Detection[]; ms: number }> {
  const found: Detection[] = [];
  const weak: Detection[] = [];
  const floor = Math.min(weakFloor ?? nms.scoreThreshold, nms.scoreThreshold);
  let ms = 0;
  await resizeLargestFirst(img, sizes, tight);
  for (const size of sizes) {
    const input = await buildDetectorInput(img.raw, size, tight, img.resized);
    const { canvasWidth: cw, canvasHeight: ch } = input.letterbox;
    const out = await runSession(session, 'pixels', input.pixels, [1, ch, cw, 3], 'detections').finally(input.release);
    ms += out.ms;
    const toTensor = composeScale(img.toRaw, input.letterbox);
    for (const d of parseDetections(out.data, floor, out.dims[2] ?? 5)) {
      (d.score >= nms.scoreThreshold ? found : weak).push({ box: unscaleBox(d.box, toTensor), score: d.score });
    }
  }
  return { detections: mergeDetections(found, img, nms), weak: nonMaxSuppression(weak, nms.iouThreshold, Number.POSITIVE_INFINITY, nms.preNmsTopK), ms };
}

/**
 * When the native pass is half the largest one (640 and 1280), resample the image for the largest pass first,
 * so the native pass is the 2x2 average of it (decode.ts letterboxPixels) rather than a second resample of the
 * whole image: libvips takes ~21 ms to bring a 12 MP phone photo down to 640, ~3.7 ms a 1920x1080 frame, ~2.5 ms
 * a 1280x720 one (which the 1280 pass reads as it is), and halving takes ~1.3 ms. Stop 24, against one resample
 * per pass: 1920x1080 CPU per call 99.9 / 96.3 -> 90.7 / 94.3 ms, 1280x720 62.4 / 67.4 -> 62.9 / 64.5 (one pool
 * worker, alternated runs); the end-to-end validation photos (572, 1280x720) and the same crops as 80-200 px
 * plates in 1920x1080 frames (`export_e2e_val.py --frame 1920x1080 --plate-px 80,200 --per-crop 1`, 286) read
 * exactly as before, photo for photo (one more false plate in the 286), and the 1080p mosaics of the detector's
 * held-out photos find the same 124 of 272 plates (7 false against 6). A frame whose largest pass is capped
 * below twice the native one (800x600: 640 + 800) resamples for each pass.
 */
async function resizeLargestFirst(img: DetectInput, sizes: readonly number[], tight: boolean): Promise<void> {
  const largest = Math.max(...sizes);
  if (!img.resized || !sizes.includes(largest / 2)) return;
  await letterboxPixels(img.raw, largest, tight, img.resized);
}

/** One list from overlapping boxes (NMS), clamped to the image, at most `nms.maxDetections`. */
function mergeDetections(boxes: readonly Detection[], img: DetectInput, nms: NmsOptions): ImageDetection[] {
  return (
    nonMaxSuppression(boxes, nms.iouThreshold, Number.POSITIVE_INFINITY, nms.preNmsTopK)
      .map((d) => ({ ...d, imageBox: roundBox(clampBox(d.box, img.width, img.height)) }))
      // A box lying in the letterbox padding clamps to nothing: drop it before paying for a read.
      .filter((d) => d.imageBox.xmax - d.imageBox.xmin >= 1 && d.imageBox.ymax - d.imageBox.ymin >= 1)
      .slice(0, nms.maxDetections)
  );
}

/**
 * The passes, and when they find no confident plate, one more at `closeUpSize` (smaller than the native one):
 * a plate filling much of the frame (a hand-held close-up, a gate camera a metre from the bumper) is wider at
 * the native size than anything the detector was trained on, and shrinking the image brings it back into
 * range. Only an image with no confident plate pays for it; one that has a plate elsewhere too is not searched
 * again. Boxes under `confidentScore` are tentative (mode.ts): they do not stop the close-up pass, and are
 * kept only when it finds no confident plate either. With `zoom`, a frame larger than every pass also gets the
 * zoom-in pass (zoom.ts) on the passes' weak boxes, before the close-up pass is considered.
 */
export async function detectWithCloseUp(
  session: InferenceSession,
  img: DetectInput,
  sizes: readonly number[],
  closeUpSize: number | undefined,
  nms: NmsOptions,
  tight: boolean,
  confidentScore = nms.scoreThreshold,
  zoom?: ZoomSettings,
): Promise<{ detections: ImageDetection[]; ms: number }> {
  const longest = Math.max(img.raw.width, img.raw.height);
  // The zoom-in pass (zoom.ts) only where the passes saw the frame shrunk.
  const largestPass = Math.max(...sizes);
  const zooming = zoom !== undefined && largestPass < longest;
  const passes = await detectBoxes(session, img, sizes, nms, tight, zooming ? zoom.weakFloor : undefined);
  let found: { detections: ImageDetection[]; ms: number } = passes;
  if (zooming) {
    const suspects = zoomSuspects(passes.weak, passes.detections, img.toRaw, largestPass / longest, zoom);
    const zoomed = await zoomIn(session, img.raw, img.toRaw, suspects, zoom, nms.scoreThreshold);
    const detections = zoomed.detections.length > 0 ? mergeDetections([...passes.detections, ...zoomed.detections], img, nms) : passes.detections;
    found = { detections, ms: passes.ms + zoomed.ms };
  }
  const confident = (d: ImageDetection): boolean => d.score >= confidentScore;
  if (found.detections.some(confident) || closeUpSize === undefined || longest <= closeUpSize) return found;
  const closeUp = await detectBoxes(session, img, [closeUpSize], nms, tight);
  const ms = found.ms + closeUp.ms;
  if (closeUp.detections.some(confident) || found.detections.length === 0) return { detections: closeUp.detections, ms };
  return { detections: found.detections, ms };
}

/**
 * Tentative boxes looked at per image at most, the likeliest first: each costs a read, and a cluttered frame
 * (signs, grilles, text) can hold dozens under the confident score.
 */
export const MAX_TENTATIVE = 6;

/** The confident detections and the `max` best tentative ones (under `confidentScore`), order kept. */
export function capTentative<T extends { score: number }>(detections: readonly T[], confidentScore: number, max = MAX_TENTATIVE): T[] {
  const best = new Set(
    detections
      .filter((d) => d.score < confidentScore)
      .sort((a, b) => b.score - a.score)
      .slice(0, max),
  );
  return detections.filter((d) => d.score >= confidentScore || best.has(d));
}

/** A larger pass capped below this many times the native one finds too little more to pay for itself. */
export const MIN_SECOND_PASS_GAIN = 1.2;

/**
 * Sizes to run: the native pass, then the larger passes capped at the image's own resolution. Upsampling adds
 * no detail and costs a resize plus a bigger model run (an 800x600 photo gets 640 + 800, not 640 + 960); a
 * capped pass that would barely exceed the one before it is skipped. `allowUpsample` restores the full-size
 * second pass for images between the two sizes (more small plates found, at the cost of the resize and the
 * larger run); passes after it still stop at the image's resolution.
 */
export function passSizes(sizes: readonly number[], longestSide: number, allowUpsample = false): number[] {
  const [first, second, ...more] = sizes;
  if (first === undefined) return [];
  if (second === undefined || longestSide <= first) return [first];
  const passes = [first];
  let last = first;
  const add = (size: number): void => {
    if (size < last * MIN_SECOND_PASS_GAIN) return;
    passes.push(size);
    last = size;
  };
  add(allowUpsample ? second : Math.min(second, longestSide));
  for (const size of more) add(Math.min(size, Math.max(longestSide, last)));
  return passes;
}
