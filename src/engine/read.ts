/**
 * Plate reading: crop each detection from the decoded pixels, read the batch, CTC beam search; where the
 * characters fill too little of the crop (refine.ts), read a re-crop around them too and keep the more
 * confident read.
 */
import { type AxisScale, scaleBox } from './box-map.js';
import { cropToReaderTensor, type RawImage } from './crop.js';
import { ctcBeamSearch, logSoftmaxFrames, READER_ALPHABET } from './ctc.js';
import { estimateSkew } from './deskew.js';
import { type LoadedModels, runSession } from './onnx-session.js';
import { applyZoom, textColumns, zoomToText } from './refine.js';
import type { Box, Candidate } from './types.js';

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

/** Crop each box (upload coordinates), read the batch, and return each crop's per-frame log-probabilities. */
export async function readCrops(
  models: LoadedModels,
  boxes: Box[],
  raw: RawImage,
  toRaw: AxisScale,
  deskew: boolean,
): Promise<{ frames: Float32Array[]; classes: number; ms: number }> {
  const m = models.manifest['plate-reader'];
  const h = m.input?.height ?? READER_HEIGHT;
  const w = m.input?.width ?? READER_WIDTH;
  const batch = new Float32Array(boxes.length * h * w);
  boxes.forEach((b, i) => {
    const box = scaleBox(b, toRaw);
    const angle = deskew ? estimateSkew(raw, box, m.crop_margin) : 0;
    cropToReaderTensor(raw, box, { width: w, height: h, margin: m.crop_margin }, batch, i * h * w, angle);
  });
  const out = await runSession(models.reader, 'images', batch, [boxes.length, 1, h, w], 'logits');
  const classes = out.dims[2] ?? READER_CLASSES;
  const per = (out.dims[1] ?? 0) * classes;
  const frames = boxes.map((_, i) => logSoftmaxFrames(out.data.subarray(i * per, (i + 1) * per), classes));
  return { frames, classes, ms: out.ms };
}

/**
 * Read every detection; where the characters fill too little of the crop (refine.ts), read a re-crop around
 * them too and keep the more confident of the two reads.
 */
export async function readPlates(
  models: LoadedModels,
  boxes: Box[],
  raw: RawImage,
  toRaw: AxisScale,
  beamWidth: number,
  deskew: boolean,
): Promise<PlateReads> {
  if (boxes.length === 0) return { candidates: [], reboxed: [], ms: 0 };
  const m = models.manifest['plate-reader'];
  const alphabet = (m.output?.alphabet ?? READER_ALPHABET).toLowerCase();
  const decode = (frames: Float32Array, classes: number): Candidate[] => {
    if (alphabet.length + 1 !== classes) throw new Error(`Reader emits ${classes} classes for a ${alphabet.length}-letter alphabet.`);
    return ctcBeamSearch(frames, classes, { beamWidth }, alphabet);
  };
  const first = await readCrops(models, boxes, raw, toRaw, deskew);
  const candidates = first.frames.map((f) => decode(f, first.classes));
  const reboxed = first.frames.map((f, i): Box | null => {
    const text = textColumns(f, first.classes, READER_LANES);
    const zoom = text ? zoomToText(text, m.crop_margin, m.text_span) : null;
    return zoom ? applyZoom(boxes[i] as Box, zoom) : null;
  });
  const again = reboxed.flatMap((b, i) => (b ? [i] : []));
  if (again.length === 0) return { candidates, reboxed, ms: first.ms };
  const second = await readCrops(models, again.map((i) => reboxed[i] as Box), raw, toRaw, deskew);
  again.forEach((i, k) => {
    const reread = decode(second.frames[k] as Float32Array, second.classes);
    if ((reread[0]?.score ?? 0) > (candidates[i]?.[0]?.score ?? 0)) candidates[i] = reread;
    else reboxed[i] = null;
  });
  return { candidates, reboxed, ms: first.ms + second.ms };
}

