/**
 * Plate reading: crop each detection from the decoded pixels, read the batch, CTC beam search; a read that is
 * unsure is read again from the other views (views.ts) and the views' candidates averaged; where the characters
 * fill too little of the crop (refine.ts), read a re-crop around them too and keep the more confident read.
 */
import { type AxisScale, scaleBox } from './box-map.js';
import { cropToReaderTensor, type RawImage } from './crop.js';
import { ctcBeamSearch, ctcGreedyDecode, DEFAULT_BEAM, logSoftmaxFrames, READER_ALPHABET } from './ctc.js';
import { estimateSkew } from './deskew.js';
import { type LoadedModels, runSession } from './onnx-session.js';
import { applyZoom, textColumns, zoomToText } from './refine.js';
import type { Box, Candidate } from './types.js';
import { fuseViews, READ_VIEWS, SURE_READ } from './views.js';

/**
 * A tentative box (one the detector alone would have discarded, mode.ts) is kept only when the best path of
 * its first read, of the detector's box, spells something and is at least this probable; the others cost that
 * one reader run and no beam search, views or re-crop. The best path, not the beam's top read: the beam search
 * on the flat frames of a crop that is no plate keeps every beam alive and cost 2.7 ms, more than the reader.
 * On the end-to-end validation photos (regular, factor 0.65) a bar of 0.15 / 0.3 on the best path read 0.706 /
 * 0.705 right, the beam's top read at 0.3 0.708 for 1.8 ms more reading per image.
 */
export const TENTATIVE_READ = 0.15;

/** Reader input geometry from the contract, overridable by the manifest. */
const READER_HEIGHT = 64;
const READER_WIDTH = 192;
const READER_CLASSES = 37;

/** The reader reads a two-row plate as a top lane then a bottom lane of frames (contract). */
export const READER_LANES = 2;

export interface PlateReads {
  candidates: Candidate[][];
  /** Per detection, the box (upload coordinates) of the re-crop that gave the kept read, or null when the detector's box did. */
  reboxed: Array<Box | null>;
  ms: number;
}

/** A plate to crop: its box in the decoded pixels and the tilt to level it by (radians, deskew.ts). */
export interface PlateCrop {
  box: Box;
  angle: number;
}

/** Each box (upload coordinates) in decoded pixels, level (deskew.ts turns the ones read unsurely). */
export function plateCrops(boxes: Box[], toRaw: AxisScale): PlateCrop[] {
  return boxes.map((b) => ({ box: scaleBox(b, toRaw), angle: 0 }));
}

/**
 * Crop each plate in every view (box scale factors), read the batch, and return per plate and view the
 * per-frame log-probabilities.
 */
export async function readCrops(
  models: LoadedModels,
  crops: PlateCrop[],
  raw: RawImage,
  views: readonly number[] = [1],
): Promise<{ frames: Float32Array[][]; classes: number; ms: number }> {
  const m = models.manifest['plate-reader'];
  const h = m.input?.height ?? READER_HEIGHT;
  const w = m.input?.width ?? READER_WIDTH;
  const size = { width: w, height: h, margin: m.crop_margin };
  const batch = new Float32Array(crops.length * views.length * h * w);
  crops.forEach(({ box, angle }, i) => {
    views.forEach((v, k) => {
      const view = v === 1 ? box : applyZoom(box, { shiftX: 0, scaleX: v, scaleY: v });
      cropToReaderTensor(raw, view, size, batch, (i * views.length + k) * h * w, angle);
    });
  });
  const n = crops.length * views.length;
  const out = await runSession(models.reader, 'images', batch, [n, 1, h, w], 'logits');
  const classes = out.dims[2] ?? READER_CLASSES;
  const per = (out.dims[1] ?? 0) * classes;
  const frames = crops.map((_, i) =>
    views.map((_, k) => {
      const at = (i * views.length + k) * per;
      return logSoftmaxFrames(out.data.subarray(at, at + per), classes);
    }),
  );
  return { frames, classes, ms: out.ms };
}

/**
 * Read every detection: the detector's box (where that read is unsure, levelled by deskew too, the surer read
 * kept), and where the read is still unsure the other `views` too (views.ts; `views[0]` is the box itself).
 * Where the characters fill too little of the detector's crop (refine.ts), read a re-crop around them the same
 * way and keep the more confident of the two reads. A box flagged in `tentative` whose first read fails
 * TENTATIVE_READ gets no candidates and goes no further.
 */
export async function readPlates(
  models: LoadedModels,
  boxes: Box[],
  raw: RawImage,
  toRaw: AxisScale,
  beamWidth: number,
  deskew: boolean,
  tentative: readonly boolean[] = [],
  views: readonly number[] = READ_VIEWS,
): Promise<PlateReads> {
  if (boxes.length === 0) return { candidates: [], reboxed: [], ms: 0 };
  const m = models.manifest['plate-reader'];
  const alphabet = (m.output?.alphabet ?? READER_ALPHABET).toLowerCase();
  const decode = (frames: Float32Array, classes: number): Candidate[] => {
    if (alphabet.length + 1 !== classes) throw new Error(`Reader emits ${classes} classes for a ${alphabet.length}-letter alphabet.`);
    return ctcBeamSearch(frames, classes, { beamWidth }, alphabet);
  };
  const topScore = (c: Candidate[] | undefined): number => c?.[0]?.score ?? 0;
  // The detector's box first; the other views only where that read is unsure (views.ts).
  const read = async (which: Box[], tentativeOnes: readonly boolean[]) => {
    const crops = plateCrops(which, toRaw);
    const r = await readCrops(models, crops, raw);
    const frames = r.frames.map((perView) => perView[0] as Float32Array);
    const dropped = frames.map((f, i) => {
      if (tentativeOnes[i] !== true) return false;
      const path = ctcGreedyDecode(f, r.classes, alphabet);
      return path.plate.length === 0 || path.score < TENTATIVE_READ;
    });
    const candidates = frames.map((f, i) => (dropped[i] ? [] : decode(f, r.classes)));
    let ms = r.ms;
    const unsure = (i: number): boolean => !dropped[i] && topScore(candidates[i]) < SURE_READ;
    // A plate read unsurely level may be tilted: level it by its estimated roll (deskew.ts) and keep the surer of
    // the two reads, so a wrong estimate (a frame's edge taken for text) costs nothing. Only these plates pay for
    // the estimate (~2.4 ms each): a sure read needs no second look, a box dropped by the gate none at all.
    const margin = m.crop_margin;
    const turned = deskew
      ? crops.flatMap((crop, i) => {
          if (!unsure(i)) return [];
          const angle = estimateSkew(raw, crop.box, margin);
          return angle === 0 ? [] : [{ i, crop: { ...crop, angle } }];
        })
      : [];
    if (turned.length > 0) {
      const levelled = await readCrops(models, turned.map((t) => t.crop), raw);
      ms += levelled.ms;
      turned.forEach(({ i, crop }, k) => {
        const f = levelled.frames[k]?.[0] as Float32Array;
        const levelledRead = decode(f, levelled.classes);
        if (topScore(levelledRead) <= topScore(candidates[i])) return;
        candidates[i] = levelledRead;
        frames[i] = f;
        crops[i] = crop;
      });
    }
    // Still unsure after the levelled read, if any: the other views.
    const stillUnsure = crops.flatMap((_, i) => (unsure(i) ? [i] : []));
    if (views.length > 1 && stillUnsure.length > 0) {
      const more = await readCrops(models, stillUnsure.map((i) => crops[i] as PlateCrop), raw, views.slice(1));
      ms += more.ms;
      stillUnsure.forEach((i, k) => {
        const lists = [candidates[i] ?? [], ...(more.frames[k] ?? []).map((f) => decode(f, more.classes))];
        candidates[i] = fuseViews(lists, DEFAULT_BEAM.topK);
      });
    }
    return { candidates, dropped, frames, classes: r.classes, ms };
  };
  const first = await read(boxes, tentative);
  const { candidates } = first;
  // Where the characters sit is read from the first view of the detector's box (level, or levelled where that
  // read was kept).
  const reboxed = first.frames.map((f, i): Box | null => {
    if (first.dropped[i]) return null;
    const text = textColumns(f, first.classes, READER_LANES);
    const zoom = text ? zoomToText(text, m.crop_margin, m.text_span) : null;
    return zoom ? applyZoom(boxes[i] as Box, zoom) : null;
  });
  const again = reboxed.flatMap((b, i) => (b ? [i] : []));
  if (again.length === 0) return { candidates, reboxed, ms: first.ms };
  const second = await read(again.map((i) => reboxed[i] as Box), []);
  again.forEach((i, k) => {
    const reread = second.candidates[k] ?? [];
    if (topScore(reread) > topScore(candidates[i])) candidates[i] = reread;
    else reboxed[i] = null;
  });
  return { candidates, reboxed, ms: first.ms + second.ms };
}
