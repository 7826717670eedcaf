/**
 * The zoom-in pass: small plates in large frames. Regular mode's passes see a 1920x1080 frame at 640 and at
 * most 1280 wide, where a 40-60 px plate shrinks to 27-40 px: under what the detector finds reliably (plates
 * narrower than ~32 px at its input: 1 of 19 found on its validation split), though it still leaves weak boxes
 * there. The strongest few weak boxes that no detection already covers are looked at again through a window of
 * the decoded pixels around each, upsampled so the plate is `plateWidth` wide (mode.ts), where the detector
 * sees it at the sizes it was trained on; what it finds there, on the suspect itself, joins the passes' boxes.
 * Only frames the passes saw shrunk get it: at 1280x720 and below the larger pass already sees every pixel.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { type AxisScale, iou, scaleBox, unscaleBox } from './box-map.js';
import { axisTaps, type RawImage } from './crop.js';
import { type Detection, parseDetections } from './nms.js';
import { runSession } from './onnx-session.js';
import { borrowBytes, returnBytes } from './tensor-pool.js';
import type { Box } from './types.js';

export interface ZoomSettings {
  /** Raw detector score from which a box below the detection floor is a suspect worth a second look. */
  weakFloor: number;
  /** Suspects looked at per image at most, the strongest first: each costs a small detector run. */
  maxWindows: number;
  /** Window side in tensor pixels (a multiple of the detector's stride). */
  window: number;
  /** Width the suspect is upsampled to inside the window, in tensor pixels. */
  plateWidth: number;
  /**
   * Suspects wider than this as the largest pass saw them (its input pixels) were seen well enough by it.
   * In the pass's terms, not the image's: a plate 100 px wide in a 3840x2160 frame reaches the 1280 pass at
   * 33 px, as a 50 px one of a 1920x1080 frame does.
   */
  maxSuspectWidth: number;
}

/** Overlap with a detection at which a suspect is already explained by it. */
const EXPLAINED_IOU = 0.1;
/** Overlap with its suspect a box found in the window needs: the window shows the surroundings too. */
const ON_SUSPECT_IOU = 0.2;

/** A window of the decoded image: interleaved RGB bytes `side` x `side`, source pixel = origin + tensor / zoom. */
export interface ZoomWindow {
  pixels: Uint8Array;
  side: number;
  x0: number;
  y0: number;
  zoom: number;
}

/**
 * The `side` x `side` window centred on `box` (decoded pixels) at the zoom that makes the box `plateWidth`
 * wide, sampled bilinearly; positions outside the image take the nearest edge pixel. The pixels are borrowed
 * (tensor-pool.ts): hand them back with returnBytes once the model has run.
 */
export function zoomWindow(raw: RawImage, box: Box, side: number, plateWidth: number): ZoomWindow {
  const zoom = plateWidth / Math.max(1, box.xmax - box.xmin);
  const extent = side / zoom;
  const cx = (box.xmin + box.xmax) / 2;
  const cy = (box.ymin + box.ymax) / 2;
  const { data, width, height } = raw;
  const ch = raw.channels;
  // The level reader crop's taps (crop.ts): one bilinear sample per pixel, edges clamped the same way.
  const cols = axisTaps(cx, extent, 1 / zoom, side, 1, 0, width - 1, ch);
  const rows = axisTaps(cy, extent, 1 / zoom, side, 1, 0, height - 1, width * ch);
  const pixels = borrowBytes(side * side * 3);
  // A grey image (one channel) repeats its byte for all three; RGB reads channel c at offset c.
  const [c1, c2] = ch < 3 ? [0, 0] : [1, 2];
  let o = 0;
  for (let y = 0; y < side; y++) {
    const top = rows.offset[y]!;
    const bottom = top + rows.next[y]!;
    const ay = rows.weight[y]!;
    for (let x = 0; x < side; x++) {
      const a = cols.weight[x]!;
      const tl = top + cols.offset[x]!;
      const tr = tl + cols.next[x]!;
      const bl = tl - top + bottom;
      const br = tr - top + bottom;
      // Channels unrolled, the same arithmetic as a loop over them (byte-identical windows): 0.67 -> 0.55 ms a window.
      let t = data[tl]! * (1 - a) + data[tr]! * a;
      let b = data[bl]! * (1 - a) + data[br]! * a;
      pixels[o++] = t + (b - t) * ay + 0.5;
      t = data[tl + c1]! * (1 - a) + data[tr + c1]! * a;
      b = data[bl + c1]! * (1 - a) + data[br + c1]! * a;
      pixels[o++] = t + (b - t) * ay + 0.5;
      t = data[tl + c2]! * (1 - a) + data[tr + c2]! * a;
      b = data[bl + c2]! * (1 - a) + data[br + c2]! * a;
      pixels[o++] = t + (b - t) * ay + 0.5;
    }
  }
  return { pixels, side, x0: cx - extent / 2, y0: cy - extent / 2, zoom };
}

/** A box in window tensor pixels, in decoded pixels. */
export function windowToRaw(box: Box, w: ZoomWindow): Box {
  return { xmin: w.x0 + box.xmin / w.zoom, ymin: w.y0 + box.ymin / w.zoom, xmax: w.x0 + box.xmax / w.zoom, ymax: w.y0 + box.ymax / w.zoom };
}

/**
 * The suspects to look at: small weak boxes no detection covers, the strongest `maxWindows` of them (boxes in
 * upload coordinates). `passScale`: the largest pass's input pixels per decoded pixel.
 */
export function zoomSuspects(
  weak: readonly Detection[],
  found: readonly Detection[],
  toRaw: AxisScale,
  passScale: number,
  settings: ZoomSettings,
): Detection[] {
  return weak
    .filter((w) => (w.box.xmax - w.box.xmin) * toRaw.scaleX * passScale <= settings.maxSuspectWidth)
    .filter((w) => !found.some((d) => iou(d.box, w.box) > EXPLAINED_IOU))
    .sort((a, b) => b.score - a.score)
    .slice(0, settings.maxWindows);
}

/**
 * Look at each suspect through its window; returns the boxes found on the suspects (upload coordinates) at
 * `scoreThreshold` or more, and the model time.
 */
export async function zoomIn(
  session: InferenceSession,
  raw: RawImage,
  toRaw: AxisScale,
  suspects: readonly Detection[],
  settings: ZoomSettings,
  scoreThreshold: number,
): Promise<{ detections: Detection[]; ms: number }> {
  const detections: Detection[] = [];
  let ms = 0;
  for (const suspect of suspects) {
    const w = zoomWindow(raw, scaleBox(suspect.box, toRaw), settings.window, settings.plateWidth);
    const out = await runSession(session, 'pixels', w.pixels, [1, w.side, w.side, 3], 'detections').finally(() => returnBytes(w.pixels));
    ms += out.ms;
    for (const d of parseDetections(out.data, scoreThreshold, out.dims[2] ?? 5)) {
      const box = unscaleBox(windowToRaw(d.box, w), toRaw);
      if (iou(box, suspect.box) > ON_SUSPECT_IOU) detections.push({ box, score: d.score });
    }
  }
  return { detections, ms };
}
