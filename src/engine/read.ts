/**
 * Plate reading: crop each detection from the decoded pixels in a few views (views.ts), read the batch, CTC
 * beam search per view and average the views' candidates; where the characters fill too little of the crop
 * (refine.ts), read a re-crop around them too and keep the more confident read.
 */
import { type AxisScale, scaleBox } from './box-map.js';
import { cropToReaderTensor, type RawImage } from './crop.js';
import { ctcBeamSearch, DEFAULT_BEAM, logSoftmaxFrames, READER_ALPHABET } from './ctc.js';
import { estimateSkew } from './deskew.js';
import { type LoadedModels, runSession } from './onnx-session.js';
import { applyZoom, textColumns, zoomToText } from './refine.js';
import type { Box, Candidate } from './types.js';
import { fuseViews } from './views.js';

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

/**
 * Crop each box (upload coordinates) in every view (box scale factors; the tilt is estimated once per box),
 * read the batch, and return per box and view the per-frame log-probabilities, box-major.
 */
export async function readCrops(
  models: LoadedModels,
  boxes: Box[],
  raw: RawImage,
  toRaw: AxisScale,
  deskew: boolean,
  views: readonly number[] = [1],
): Promise<{ frames: Float32Array[][]; classes: number; ms: number }> {
  const m = models.manifest['plate-reader'];
  const h = m.input?.height ?? READER_HEIGHT;
  const w = m.input?.width ?? READER_WIDTH;
  const size = { width: w, height: h, margin: m.crop_margin };
  const batch = new Float32Array(boxes.length * views.length * h * w);
  boxes.forEach((b, i) => {
    const box = scaleBox(b, toRaw);
    const angle = deskew ? estimateSkew(raw, box, m.crop_margin) : 0;
    views.forEach((v, k) => {
      const view = v === 1 ? box : applyZoom(box, { shiftX: 0, scaleX: v, scaleY: v });
      cropToReaderTensor(raw, view, size, batch, (i * views.length + k) * h * w, angle);
    });
  });
  const n = boxes.length * views.length;
  const out = await runSession(models.reader, 'images', batch, [n, 1, h, w], 'logits');
  const classes = out.dims[2] ?? READER_CLASSES;
  const per = (out.dims[1] ?? 0) * classes;
  const frames = boxes.map((_, i) =>
    views.map((_, k) => {
      const at = (i * views.length + k) * per;
      return logSoftmaxFrames(out.data.subarray(at, at + per), classes);
    }),
  );
  return { frames, classes, ms: out.ms };
}

/**
 * Read every detection in `views`; where the characters fill too little of the detector's crop (refine.ts),
 * read a re-crop around them too and keep the more confident of the two reads.
 */
export async function readPlates(
  models: LoadedModels,
  boxes: Box[],
  raw: RawImage,
  toRaw: AxisScale,
  beamWidth: number,
  deskew: boolean,
  views: readonly number[] = [1],
): Promise<PlateReads> {
  if (boxes.length === 0) return { candidates: [], reboxed: [], ms: 0 };
  const m = models.manifest['plate-reader'];
  const alphabet = (m.output?.alphabet ?? READER_ALPHABET).toLowerCase();
  const read = async (which: Box[]) => {
    const r = await readCrops(models, which, raw, toRaw, deskew, views);
    if (alphabet.length + 1 !== r.classes) throw new Error(`Reader emits ${r.classes} classes for a ${alphabet.length}-letter alphabet.`);
    const candidates = r.frames.map((perView) =>
      fuseViews(
        perView.map((f) => ctcBeamSearch(f, r.classes, { beamWidth }, alphabet)),
        DEFAULT_BEAM.topK,
      ),
    );
    return { candidates, frames: r.frames, classes: r.classes, ms: r.ms };
  };
  const first = await read(boxes);
  const { candidates } = first;
  // Where the characters sit is read from the detector's own box, the first view.
  const reboxed = first.frames.map((perView, i): Box | null => {
    const text = textColumns(perView[0] as Float32Array, first.classes, READER_LANES);
    const zoom = text ? zoomToText(text, m.crop_margin, m.text_span) : null;
    return zoom ? applyZoom(boxes[i] as Box, zoom) : null;
  });
  const again = reboxed.flatMap((b, i) => (b ? [i] : []));
  if (again.length === 0) return { candidates, reboxed, ms: first.ms };
  const second = await read(again.map((i) => reboxed[i] as Box));
  again.forEach((i, k) => {
    const reread = second.candidates[k] ?? [];
    if ((reread[0]?.score ?? 0) > (candidates[i]?.[0]?.score ?? 0)) candidates[i] = reread;
    else reboxed[i] = null;
  });
  return { candidates, reboxed, ms: first.ms + second.ms };
}
