#!/usr/bin/env python3
"""Weight-space interpolation of two exported readers (WiSE-FT, Wortsman et al. 2022): a fine-tune on one
domain tends to lose accuracy elsewhere (here real EU plates, which no validation set of ours holds), and
averaging its weights with the model it started from keeps most of the gain while giving back little of the
rest. Both models must have the same architecture; for the weight average the second must be fine-tuned from
the first (the output ensemble below takes any two).

    /usr/bin/python3 models/train/reader/interpolate.py BASE.onnx TUNED.onnx --alpha 0.5 --out models/plate-reader.onnx

Prints the validation sets of train.py for the base, the tuned and the interpolated model, then exports the
interpolated one (and its manifest entry, unless --no-manifest).

With --ensemble the export is instead both models side by side in one graph, their per-frame probabilities
averaged (log of the mean, so the output is still CTC log-probabilities): an output ensemble costs two models'
compute, where the weight average costs one. Both are printed either way, for the comparison.
"""
import argparse
import os
import sys

os.environ.setdefault("READER_NO_PRELOAD", "1")  # train.py would re-exec this process otherwise
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402
import platesynth as ps  # noqa: E402  (train.py put it on the path)
import torch  # noqa: E402


class OutputEnsemble(torch.nn.Module):
    """Weighted mean of the members' per-frame probabilities, as log-probabilities (equal weights unless
    `weights` says otherwise). Members fine-tuned from one another keep the same CTC alignment (the same frames
    carry the same characters), so averaging frame by frame is averaging like with like; an independently
    trained member of the same architecture need not (stop 22: such an ensemble read worse end to end)."""

    def __init__(self, *members, weights=None):
        super().__init__()
        self.members = torch.nn.ModuleList(members)
        w = weights or [1.0 / len(members)] * len(members)
        self.register_buffer("log_w", torch.log(torch.tensor(w, dtype=torch.float32)).view(-1, 1, 1, 1))

    def forward(self, x):
        logp = torch.stack([m(x) for m in self.members])
        return torch.logsumexp(logp + self.log_w, dim=0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("tuned")
    ap.add_argument("--alpha", type=float, default=0.5, help="weight of the tuned model")
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-manifest", action="store_true")
    ap.add_argument("--emblems", action="store_true", help="also report the emblem-synth validation set")
    ap.add_argument("--ensemble", action="store_true", help="export the output ensemble instead of the weight average")
    ap.add_argument("--ensemble-weight", type=float, default=0.5, help="weight of the second model in the ensemble")
    args = ap.parse_args()
    base, tuned = train.load_onnx_weights(args.base), train.load_onnx_weights(args.tuned)
    mixed = train.load_onnx_weights(args.base)
    sb, st = base.state_dict(), tuned.state_dict()
    mixed.load_state_dict({k: (1 - args.alpha) * sb[k] + args.alpha * st[k] for k in sb})
    sets = train.validation_sets(train.load_real(), ps.load_glyphs(os.path.join(train.DATA, "plate-chars")),
                                 emblems=args.emblems)
    ensemble = OutputEnsemble(base, tuned, weights=[1 - args.ensemble_weight, args.ensemble_weight])
    for name, model in (("base", base), ("tuned", tuned), (f"alpha {args.alpha:g}", mixed), ("ensemble", ensemble)):
        accs = {k: train.evaluate(model, x, y, "cpu")[0] for k, (x, y) in sets.items()}
        print(f"{name:>10}: " + " ".join(f"{k} {v:.3f}" for k, v in accs.items()) + f" | mean {sum(accs.values()) / len(accs):.3f}")
    sha = train.export_onnx(ensemble if args.ensemble else mixed, args.out)
    if not args.no_manifest:
        train.update_manifest(args.out, sha)
    print("exported", args.out, sha)


if __name__ == "__main__":
    main()
