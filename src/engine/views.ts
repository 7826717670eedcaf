/**
 * Several views of one plate. The reader's confusions on small plates (T/I, 7/Z, 6/G) flip with a few pixels
 * of framing, so it reads the detector's box and slightly tighter and looser crops of it, and the candidates'
 * probabilities are averaged over the views: a character one view is unsure of is settled by the others.
 */
import type { Candidate } from './types.js';

/**
 * Box scale factors an unsure plate is read at (SURE_READ), the detector's own box first. Chosen on the end-to-end validation set
 * (models/train/reader/export_e2e_val.py: held-out real US and BR crops as distant plates in photos), where
 * these three views raised top-1 from 0.645 to 0.671 (US 0.779 to 0.812, BR 0.596 to 0.620); one extra view
 * (0.92) gave 0.664, horizontal shifts of 4 % 0.659, and other spreads (0.95/1.05, 0.9/1.1, five views) 0.656-0.673.
 * Fast mode reads them too: reads cost little next to its detector pass, and on the same set its share of
 * found plates read right rose from 0.85 to 0.92.
 * Tried in stop 24 with the stage-7 reader (e2e validation 0.787, in-host set 0.594): every view for every plate,
 * not only the unsure ones, read the 572 photos exactly as the gate does; each candidate scored by its exact CTC
 * probability in every view (forward algorithm) instead of 0 where a view's beam lacks it: identical again, and
 * their geometric mean 0.783; a fourth view, the crop contrast-stretched (2nd-98th percentile to 0-1), 0.794
 * (+7 / -3 photos) but 0.591 in-host; stretched copies of all three views 0.780 and 0.608 in-host; every crop
 * stretched 0.774. The views have settled what they can: the confusions left are the reader's own.
 */
export const READ_VIEWS: readonly number[] = [1, 0.92, 1.08];

/**
 * A read of the detector's box at least this probable is kept without the other views: they rarely overturn
 * it and cost a reader run and a beam search each. On the validation set above this gate cost one plate of 572
 * (top-1 0.670 against 0.671) and skips the extra views for about half the plates.
 */
export const SURE_READ = 0.9;

/**
 * The mean over views is under-confident: a plate one view misses counts 0 there, and the views that fused
 * are the unsure ones. On the validation set above, fused reads with a mean of 0.31 / 0.59 / 0.76 were right
 * 53 / 78 / 84 % of the time. Raising the mean to this power (grid 0.5-0.8, least calibration error: 0.088 ->
 * 0.019) makes `score` mean what the wire contract says again: 0.33 / 0.62 / 0.76 -> 34 / 66 / 81 %.
 */
export const FUSED_SCORE_POWER = 0.6;

/**
 * One ranked list from the views' lists: each plate's probability is its mean over the views (0 in a view
 * that did not propose it), calibrated by FUSED_SCORE_POWER; distinct plates, best first.
 */
export function fuseViews(lists: Candidate[][], topK: number): Candidate[] {
  if (lists.length === 1) return (lists[0] ?? []).slice(0, topK);
  const sum = new Map<string, number>();
  for (const list of lists) for (const c of list) sum.set(c.plate, (sum.get(c.plate) ?? 0) + c.score);
  return [...sum.entries()]
    .map(([plate, s]) => ({ plate, score: (s / lists.length) ** FUSED_SCORE_POWER }))
    .sort((a, b) => b.score - a.score)
    .slice(0, topK);
}
