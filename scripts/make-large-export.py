#!/usr/bin/env python3
"""Exports a randomly initialised BERT with torch's legacy exporter (opset 14) to measure the ONNX
reader on real files larger than the fixtures. Needs torch, transformers and onnx from PyPI.
The files are never committed.

    python3 scripts/make-large-export.py large /tmp/bert-large.onnx            # ~1.34 GB, weights embedded
    python3 scripts/make-large-export.py base /tmp/bert-base.onnx --graph-only # weights > 1 KiB moved out, as in the fixtures
"""
import os
import sys

import onnx
import torch
from transformers import BertConfig, BertModel

SIZES = {
    "base": dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072),
    "large": dict(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096),
}
size, out = sys.argv[1], sys.argv[2]
graph_only = "--graph-only" in sys.argv
config = BertConfig(**SIZES[size], attn_implementation="eager")


class Wrapper(torch.nn.Module):
    """Positional inputs for the legacy tracer, which cannot pass BertModel's keyword arguments."""

    def __init__(self, model):
        super().__init__()
        self.m = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        out = self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        return out.last_hidden_state, out.pooler_output


model = Wrapper(BertModel(config).eval()).eval()
ids = torch.ones(1, 128, dtype=torch.long)
with torch.no_grad():
    torch.onnx.export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), out, dynamo=False, opset_version=14,
                      input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["last_hidden_state", "pooler_output"])
if graph_only:
    proto = onnx.load(out)
    onnx.save(proto, out, save_as_external_data=True, all_tensors_to_one_file=True,
              location=os.path.basename(out) + ".data", size_threshold=1024)
    os.remove(os.path.join(os.path.dirname(out) or ".", os.path.basename(out) + ".data"))
print(out)
