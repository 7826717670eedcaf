/**
 * How each plate looks: the plate-style model's probabilities over families of plate designs (models/
 * MODEL_CARD.md), the evidence candidates are re-ranked by when no hint is given (regions.ts rankByLooks) and
 * region-predict.ts weighs the text's formats by. One batched run for the plates read, on the same crop the
 * reader takes (the box widened by the crop margin), in colour.
 */
import { type AxisScale, scaleBox } from './box-map.js';
import { expandBox, type RawImage } from './crop.js';
import { type LoadedModels, runSession } from './onnx-session.js';
import type { StyleEvidence } from './regions.js';
import { cropToRgbTensor } from './rgb-crop.js';
import type { Box } from './types.js';

/** Per box (upload coordinates), the style probabilities; none when the models have no plate-style model. */
export async function classifyPlateStyles(models: LoadedModels, boxes: readonly Box[], raw: RawImage, toRaw: AxisScale): Promise<{ styles: StyleEvidence[]; ms: number }> {
  const m = models.manifest['plate-style'];
  if (!m || !models.plateStyle || boxes.length === 0) return { styles: [], ms: 0 };
  const { width: w, height: h } = m.input;
  const batch = new Float32Array(boxes.length * 3 * h * w);
  boxes.forEach((b, i) => {
    cropToRgbTensor(raw, expandBox(scaleBox(b, toRaw), m.crop_margin, raw.width, raw.height), w, h, batch, i * 3 * h * w);
  });
  const out = await runSession(models.plateStyle, 'images', batch, [boxes.length, 3, h, w], 'styles');
  const names = m.output.styles;
  const styles = boxes.map((_, i) => new Map(names.map((name, k) => [name, out.data[i * names.length + k] ?? 0])));
  return { styles, ms: out.ms };
}
