/**
 * Predict a plate's `region {code, score}` from its text and, when the plate-style model ran, how the plate
 * looks. Each region that accepts the text gets weight prior x (matched format weight / all its format
 * weight) x P(its country's style | crop): a crude P(region) x P(text | region) x P(looks | region); with the
 * looks, a region of a style they scored that does not accept the text keeps a small P(text | region)
 * (UNLISTED_FIT). Scores
 * are shares of the total weight, so a text many regions accept ("abc1234": most US states, Brazil's old
 * series, Greece) gets a low score unless the plate's design settles it (a Brazilian grey plate: `br`).
 *
 * Policy:
 * - Hints first: if the text fits a hinted region, only hinted regions compete; otherwise every region does.
 * - States roll up: when the best country has states but no single state holds at least half of the weight
 *   of that country's states whose formats take the text, the answer is the country (`us`).
 * - No format fits: with the looks, the country they point to (its unlisted weight); without them the first
 *   hint (score 0.05) if there are hints, else `{code: "unknown", score: 0}`.
 */
import { matchWeight, type RegionCatalog, type RegionDef, type StyleEvidence } from './regions.js';

export interface RegionPrediction {
  code: string;
  score: number;
}

/** A state needs this share of its country's weight to be named instead of the country. */
const STATE_MAJORITY = 0.5;
/** Scores are capped below 1: a format match is never certainty. */
const MAX_SCORE = 0.99;
const HINT_FALLBACK_SCORE = 0.05;

function round3(x: number): number {
  return Math.round(Math.min(MAX_SCORE, Math.max(0, x)) * 1000) / 1000;
}

/** P(looks | region): its style's probability; an even share for a country without a style the model knows. */
function styleLikelihood(r: RegionDef, styles: StyleEvidence | undefined): number {
  if (!styles || styles.size === 0) return 1;
  return (r.style === undefined ? undefined : styles.get(r.style)) ?? 1 / styles.size;
}

/**
 * P(text | region) for a text none of the region's formats take, when the plate's design was seen: vanity,
 * specialty, dealer and older series exist everywhere, and so do misreads, so the looks can still name the
 * country. Without it such a plate went to whichever far-off country's format happened to fit (a Californian
 * vanity plate `bl0gger` came back `pl`, 0.93). Only for countries of a style the plate-style model scored, so
 * a text that fits nothing still comes back `unknown` when the model did not run. Grid on held-out US photos
 * (scripts/pipeline-recall.ts, 75 plates found) / the end-to-end validation photos (US 144): region of the
 * right country 0.320 / 0.660 without, 0.680 / 0.847 at 0.01, 0.960 / 0.938 at 0.02, 0.987 / 0.972 at 0.05
 * (0.1: the same on validation); BR there 0.889 -> 0.892.
 */
const UNLISTED_FIT = 0.05;

interface Weighed {
  r: RegionDef;
  w: number;
  /** Whether one of the region's formats takes the text (false: weighed as an unlisted text). */
  listed: boolean;
}

function weigh(regions: readonly RegionDef[], plate: string, styles: StyleEvidence | undefined): Weighed[] {
  const out: Weighed[] = [];
  for (const r of regions) {
    const m = matchWeight(r, plate);
    const seen = r.style !== undefined && styles?.has(r.style) === true;
    const fit = m > 0 ? m / r.totalWeight : seen ? UNLISTED_FIT : 0;
    if (fit > 0) out.push({ r, w: r.prior * fit * styleLikelihood(r, styles), listed: m > 0 });
  }
  return out;
}

function pickFrom(weighted: Weighed[]): RegionPrediction {
  const total = weighted.reduce((s, x) => s + x.w, 0);
  const byCountry = new Map<string, Weighed[]>();
  for (const x of weighted) byCountry.set(x.r.country, [...(byCountry.get(x.r.country) ?? []), x]);
  let best: { country: string; w: number; members: Weighed[] } | undefined;
  for (const [country, members] of byCountry) {
    const w = members.reduce((s, x) => s + x.w, 0);
    if (!best || w > best.w) best = { country, w, members };
  }
  if (!best || total <= 0) return { code: 'unknown', score: 0 };
  const countryShare = best.w / total;
  // The state is told by the formats that take the text: the others' unlisted weight says the country, not
  // which of its states (a Californian serial stays `us-ca`).
  const listed = best.members.filter((x) => x.listed);
  const members = listed.length > 0 ? listed : best.members;
  const top = [...members].sort((a, b) => b.w - a.w)[0];
  if (!top) return { code: 'unknown', score: 0 };
  if (top.r.code === best.country) return { code: top.r.code, score: round3(countryShare) };
  const stateShare = top.w / members.reduce((sum, x) => sum + x.w, 0);
  if (stateShare >= STATE_MAJORITY) return { code: top.r.code, score: round3(countryShare * stateShare) };
  return { code: best.country, score: round3(countryShare) };
}

export function predictRegion(
  plate: string,
  catalog: RegionCatalog,
  hinted: readonly RegionDef[],
  hintCodes: readonly string[] = [],
  styles?: StyleEvidence,
): RegionPrediction {
  if (hinted.length > 0) {
    const w = weigh(hinted, plate, styles);
    // The hints decide when one of their formats takes the text; an unlisted text is weighed among all regions.
    if (w.some((x) => x.listed)) return pickFrom(w);
  }
  const all = weigh(catalog.regions, plate, styles);
  if (all.length > 0) return pickFrom(all);
  const firstHint = hintCodes[0]?.trim().toLowerCase();
  return firstHint ? { code: firstHint, score: HINT_FALLBACK_SCORE } : { code: 'unknown', score: 0 };
}
