#!/usr/bin/env python3
"""PyTorch's MAC count for each export make_exports.py makes: the same model (same config and
seed), wrapped as it was exported, run once under torch.utils.flop_counter.FlopCounterMode
(MACs = FLOPs / 2). The exporters drop what the outputs do not need: a pooler the model runs
but no exported output reads is taken out, so these are the MACs each export's graph holds.

    python3 scripts/reference/measure-export-macs.py [--dest commit] > Tests/Fixtures/onnx-families/pytorch-macs.json
"""
import argparse
import json
import sys
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_exports  # noqa: E402


def macs_of(spec, cache):
    if spec.model_key not in cache:
        cache.clear()
        cache[spec.model_key] = spec.make_model()
    wrapped = make_exports.wrap(cache[spec.model_key], spec)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        wrapped(*make_exports.example_inputs(spec))
    flops = counter.get_total_flops()
    if "pooler_output" not in spec.outputs:
        # Per-module counts include submodules; the pooler's own entry is its whole count.
        pooler = [name for name in counter.get_flop_counts() if name.endswith(".pooler")]
        flops -= sum(sum(counter.get_flop_counts()[name].values()) for name in pooler)
    return flops // 2


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dest", default="commit", choices=["commit", "heldout"])
    a = ap.parse_args()
    torch.set_num_threads(1)
    specs = [s for fam in make_exports.DEFAULT_FAMILIES for s in make_exports.FAMILIES[fam]() if s.dest == a.dest]
    cache, result = {}, {}
    for spec in specs:
        result[spec.filename] = macs_of(spec, cache)
        print(f"{spec.filename:45s} {result[spec.filename]:>16,}", file=sys.stderr)
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
