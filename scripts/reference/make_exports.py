#!/usr/bin/env python
"""Build real ONNX exports of transformer families, graph-only, for generate-report's tests.

Every model is built from its transformers config class with random weights (no hub access is
needed or wanted), then N(0, 0.02) noise is added to every parameter.  The noise matters:
freshly initialised biases are exactly zero and LayerNorm weights exactly one, and the legacy
exporter deduplicates identical initializers, so without it several Add nodes would share one
bias tensor and the graph would not look like a trained checkpoint's.

Each export is written with its weights to a scratch folder, checked against PyTorch with
onnxruntime, and then re-saved "graph-only": every initializer over 1 KiB is moved to an
external data file which is then deleted.  The tool only reads the graph and the initializers'
dims, and the fixtures stay small enough to commit.

Beside the exports this script writes provenance/<folder>/manifest.json (how each file was
made, the onnxruntime numeric check, the checker result) and one provenance/<folder>/<file>.json
sidecar per export giving, for every Add node, where it came from:
  * legacy (TorchScript) exporter: node names only keep the module path, so the export runs with
    verbose=True and the sidecar takes the module scope (with classes) from the printed graph
    and the Python stack from the node doc_strings (both removed from the saved file);
  * dynamo exporter: the node metadata_props (module scopes, classes, stack trace).  They stay in
    held-out files but are stripped from committed ones (90% of a small file's size), so the
    sidecar keeps them.  Helper-function frames are kept in the stack traces by registering
    transformers' functions as stack-trace anchors (see register_stack_trace_anchors).
  * ortfused: the legacy14 sidecar; onnxruntime's optimizer keeps the names of unfused nodes.
count_adds.py reads the sidecars (or the file's own metadata) to categorise every Add node.
Files that already exist are skipped, so re-running only makes what is missing.

Usage:
    make_exports.py                       # everything (skips files that already exist)
    make_exports.py bert roberta          # some families
    make_exports.py --only bert-tiny.dynamo18dyn --force
    make_exports.py --list
Run exports one at a time on a small machine: the base-size ones take a few GB of memory.
"""
from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Callable

import numpy as np
import onnx
import torch
import transformers

# The staging folder (commit/, heldout/, provenance/, recheck/); the small exports in commit/ are
# copied to Tests/Fixtures/onnx-families by hand, with their expected-counts.json.
ROOT = Path(__file__).resolve().parents[2] / ".build/exports"
SEQ = 128  # static sequence length of every text model
SEED = 0
NOISE_STD = 0.02

# The two configs of shared/fixtures/configs (Tests/Fixtures/configs), as transformers 5.25 wrote
# them with XConfig().to_json_file, minus model_type and transformers_version.  Inlined so the
# script needs nothing beside it.
ROBERTA_BASE = dict(
    add_cross_attention=False, attention_probs_dropout_prob=0.1, bos_token_id=0,
    classifier_dropout=None, eos_token_id=2, hidden_act="gelu", hidden_dropout_prob=0.1,
    hidden_size=768, initializer_range=0.02, intermediate_size=3072, is_decoder=False,
    layer_norm_eps=1e-12, max_position_embeddings=514, num_attention_heads=12,
    num_hidden_layers=12, pad_token_id=1, tie_word_embeddings=True, type_vocab_size=1,
    use_cache=True, vocab_size=50265)
DISTILBERT_BASE_UNCASED = dict(
    activation="gelu", attention_dropout=0.1, bos_token_id=None, dim=768, dropout=0.1,
    eos_token_id=None, hidden_dim=3072, initializer_range=0.02, max_position_embeddings=512,
    n_heads=12, n_layers=6, pad_token_id=0, qa_dropout=0.1, seq_classif_dropout=0.2,
    sinusoidal_pos_embds=False, tie_word_embeddings=True, vocab_size=30522)


# --------------------------------------------------------------------------------------------
# Specs
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Export:
    """One ONNX file to make."""

    name: str                 # file stem, e.g. "roberta-tiny.legacy14" -> roberta-tiny.legacy14.onnx
    family: str               # the family function that made it
    model_class: str          # transformers class name, recorded in the manifest
    make_model: Callable[[], torch.nn.Module]
    model_key: str            # exports sharing a key share one built model (same weights)
    inputs: tuple[str, ...]   # forward inputs, in this order
    outputs: tuple[str, ...]  # attribute names of the model output to export
    exporter: str             # legacy14 | legacy17dyn | dynamo18 | dynamo18dyn | ortfused | ortfused-o1
    dest: str                 # commit | heldout
    vocab: int = 1000         # for random input_ids
    ort: dict | None = None   # ortfused only: num_heads, hidden_size
    notes: str = ""
    config_summary: dict = dataclasses.field(default_factory=dict)

    @property
    def filename(self) -> str:
        return self.name + ".onnx"


def _cfg_summary(cfg) -> dict:
    """The config fields that shape the graph, for the manifest (not the whole config)."""
    keys = [
        "hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
        "intermediate_size", "vocab_size", "max_position_embeddings", "type_vocab_size",
        "embedding_size", "hidden_act", "num_hidden_groups", "inner_group_num",
        "relative_attention", "position_buckets", "pos_att_type", "share_att_key",
        "norm_rel_ebd", "max_relative_positions", "position_biased_input",
        "relative_attention_num_buckets", "relative_attention_max_distance",
        "n_embd", "n_layer", "n_head", "n_positions", "activation_function",
        "dim", "n_layers", "n_heads", "hidden_dim", "activation", "sinusoidal_pos_embds",
        "d_model", "d_kv", "d_ff", "num_layers", "num_heads", "feed_forward_proj",
        "image_size", "patch_size", "num_channels", "rope_theta", "tie_word_embeddings",
        "layer_norm_eps", "layer_norm_epsilon", "rms_norm_eps",
    ]
    out = {k: getattr(cfg, k) for k in keys if hasattr(cfg, k)}
    out["attn_implementation"] = cfg._attn_implementation
    return out


def _model_factory(model_cls, cfg_cls, attn="eager", **cfg_kwargs):
    """Return (factory, config summary).  The factory seeds torch so a model is reproducible."""
    cfg = cfg_cls(**cfg_kwargs)
    cfg._attn_implementation = attn
    summary = _cfg_summary(cfg)

    def make():
        torch.manual_seed(SEED)
        c = cfg_cls(**cfg_kwargs)
        # attn_implementation is a loading-time option; set it on the config the model is built from.
        c._attn_implementation = attn
        model = model_cls(c)
        add_noise(model)
        return model.eval()

    return make, summary


def add_noise(model: torch.nn.Module) -> None:
    """N(0, 0.02) on every parameter, so no bias is exactly 0 and no two initializers are equal."""
    g = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=g, dtype=p.dtype) * NOISE_STD)


TEXT2 = ("input_ids", "attention_mask")
TEXT3 = ("input_ids", "attention_mask", "token_type_ids")
HIDDEN = ("last_hidden_state",)
HIDDEN_POOLED = ("last_hidden_state", "pooler_output")


def _variants(family, model_class, base, key, make, summary, inputs, outputs, dest, exporters,
              vocab, ort=None, notes=""):
    return [
        Export(name=f"{base}.{e}", family=family, model_class=model_class, make_model=make,
               model_key=key, inputs=inputs, outputs=outputs, exporter=e, dest=dest,
               vocab=vocab, ort=ort if e.startswith("ortfused") else None, notes=notes,
               config_summary=summary)
        for e in exporters
    ]


# --------------------------------------------------------------------------------------------
# Families: one function each, returning the exports to make.  "tiny" = committed fixture
# (2 layers, small hidden, small vocab); realistic sizes go to heldout/.
# --------------------------------------------------------------------------------------------

def family_bert() -> list[Export]:
    from transformers import BertConfig, BertModel
    out = []
    # bert-tiny: the same config as Tests/Fixtures/onnx (vocab 30522 kept so the files compare).
    tiny = dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=2, intermediate_size=512)
    sizes = {
        "bert-tiny": (tiny, "commit"),
        "bert-mini": (dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
                           intermediate_size=1024), "heldout"),
        "bert-base": (dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                           intermediate_size=3072), "heldout"),
    }
    for base, (kw, dest) in sizes.items():
        make, s = _model_factory(BertModel, BertConfig, **kw)
        ex = ["legacy14", "legacy17dyn", "dynamo18", "dynamo18dyn", "ortfused"]
        if base == "bert-tiny":
            # The four classic variants of bert-tiny already are fixtures; only re-made on demand
            # (--recheck) to check the counter, never written to commit/.
            ex = ["dynamo18dyn", "ortfused-o1"]
        elif base == "bert-mini":
            ex.append("ortfused-o1")
        out += _variants("bert", "BertModel", base, base, make, s, TEXT3, HIDDEN_POOLED, dest, ex,
                         vocab=30522, ort=dict(num_heads=kw["num_attention_heads"],
                                               hidden_size=kw["hidden_size"]))
    # gelu_new (GPT-2's tanh approximation) instead of erf GELU: two adds in the activation.
    for base, (kw, dest) in [("bert-tiny-gelunew", (tiny, "commit")),
                             ("bert-base-gelunew", (sizes["bert-base"][0], "heldout"))]:
        make, s = _model_factory(BertModel, BertConfig, hidden_act="gelu_new", **kw)
        ex = ["legacy14", "dynamo18"] if dest == "commit" else ["legacy14"]
        out += _variants("bert", "BertModel", base, base, make, s, TEXT3, HIDDEN_POOLED, dest, ex,
                         vocab=30522, notes="hidden_act=gelu_new")
    # sdpa attention: torch.nn.functional.scaled_dot_product_attention instead of eager matmuls.
    for base, (kw, dest) in [("bert-tiny-sdpa", (tiny, "commit")),
                             ("bert-base-sdpa", (sizes["bert-base"][0], "heldout"))]:
        make, s = _model_factory(BertModel, BertConfig, attn="sdpa", **kw)
        out += _variants("bert", "BertModel", base, base, make, s, TEXT3, HIDDEN_POOLED, dest,
                         ["legacy14", "dynamo18"], vocab=30522, notes="attn_implementation=sdpa")
    return out


def recheck_bert_tiny() -> list[Export]:
    """The existing bert-tiny fixtures, re-made into recheck/ to validate the counter."""
    from transformers import BertConfig, BertModel
    make, s = _model_factory(BertModel, BertConfig, hidden_size=128, num_hidden_layers=2,
                             num_attention_heads=2, intermediate_size=512)
    return _variants("bert", "BertModel", "bert-tiny", "bert-tiny", make, s, TEXT3, HIDDEN_POOLED,
                     "recheck", ["legacy14", "legacy17dyn", "dynamo18", "ortfused"], vocab=30522,
                     ort=dict(num_heads=2, hidden_size=128))


def recheck_shared() -> list[Export]:
    """The five exports of shared/fixtures/onnx-transformers, re-made (legacy ones need the
    verbose-dump provenance that only exists at export time)."""
    from transformers import (RobertaConfig, RobertaModel, ViTConfig, ViTModel, T5Config,
                              T5EncoderModel)
    out = []
    make, s = _model_factory(RobertaModel, RobertaConfig, **ROBERTA_BASE)
    out += _variants("roberta", "RobertaModel", "roberta-base", "roberta-base-shared", make, s,
                     TEXT2, HIDDEN, "recheck", ["legacy14"], vocab=50265)
    make, s = _model_factory(ViTModel, ViTConfig, num_hidden_layers=4)
    out += _variants("vit", "ViTModel", "vit-base-4l", "vit-base-4l", make, s, ("pixel_values",),
                     HIDDEN, "recheck", ["legacy14"], vocab=0)
    make, s = _model_factory(T5EncoderModel, T5Config)
    out += _variants("t5", "T5EncoderModel", "t5-small-encoder", "t5-small", make, s, TEXT2, HIDDEN,
                     "recheck", ["legacy14"], vocab=32128)
    return out


def family_roberta() -> list[Export]:
    from transformers import RobertaConfig, RobertaModel
    out = []
    tiny = dict(vocab_size=1000, hidden_size=128, num_hidden_layers=2, num_attention_heads=2,
                intermediate_size=512, max_position_embeddings=130, type_vocab_size=1,
                pad_token_id=1, bos_token_id=0, eos_token_id=2)
    base = ROBERTA_BASE
    for name, kw, dest, ex in [
        ("roberta-tiny", tiny, "commit", ["legacy14", "dynamo18", "ortfused"]),
        ("roberta-base", base, "heldout", ["legacy14", "dynamo18", "ortfused"]),
    ]:
        make, s = _model_factory(RobertaModel, RobertaConfig, **kw)
        out += _variants("roberta", "RobertaModel", name, name, make, s, TEXT2, HIDDEN, dest, ex,
                         vocab=kw["vocab_size"],
                         ort=dict(num_heads=kw["num_attention_heads"], hidden_size=kw["hidden_size"]),
                         notes="no token_type_ids input (type_vocab_size 1; RoBERTa's tokenizer "
                               "does not return them); the model uses its zero buffer")
    make, s = _model_factory(RobertaModel, RobertaConfig, attn="sdpa", **base)
    out += _variants("roberta", "RobertaModel", "roberta-base-sdpa", "roberta-base-sdpa", make, s,
                     TEXT2, HIDDEN, "heldout", ["legacy14", "dynamo18"], vocab=50265,
                     notes="attn_implementation=sdpa")
    return out


def family_xlm_roberta() -> list[Export]:
    from transformers import XLMRobertaConfig, XLMRobertaModel
    out = []
    common = dict(type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                  layer_norm_eps=1e-5)
    for name, kw, dest in [
        ("xlm-roberta-tiny", dict(vocab_size=1000, hidden_size=128, num_hidden_layers=2,
                                  num_attention_heads=2, intermediate_size=512,
                                  max_position_embeddings=130), "commit"),
        ("xlm-roberta-base", dict(vocab_size=250002, hidden_size=768, num_hidden_layers=12,
                                  num_attention_heads=12, intermediate_size=3072,
                                  max_position_embeddings=514), "heldout"),
    ]:
        make, s = _model_factory(XLMRobertaModel, XLMRobertaConfig, **kw, **common)
        out += _variants("xlm_roberta", "XLMRobertaModel", name, name, make, s, TEXT2, HIDDEN, dest,
                         ["legacy14", "dynamo18"], vocab=kw["vocab_size"],
                         notes="no token_type_ids input (type_vocab_size 1)")
    return out


def family_distilbert() -> list[Export]:
    from transformers import DistilBertConfig, DistilBertModel
    out = []
    for name, kw, dest in [
        ("distilbert-tiny", dict(vocab_size=1000, dim=128, n_layers=2, n_heads=2, hidden_dim=512,
                                 max_position_embeddings=512), "commit"),
        ("distilbert-base", DISTILBERT_BASE_UNCASED, "heldout"),
    ]:
        make, s = _model_factory(DistilBertModel, DistilBertConfig, **kw)
        out += _variants("distilbert", "DistilBertModel", name, name, make, s, TEXT2, HIDDEN, dest,
                         ["legacy14", "dynamo18", "ortfused"], vocab=s.get("vocab_size", 30522),
                         ort=dict(num_heads=s["n_heads"], hidden_size=s["dim"]),
                         notes="DistilBERT has no token types and no pooler")
    return out


def family_albert() -> list[Export]:
    from transformers import AlbertConfig, AlbertModel
    out = []
    for name, kw, dest in [
        # Factorised embedding (64 -> 128 projection) and one layer shared by both layers.
        ("albert-tiny", dict(vocab_size=1000, embedding_size=64, hidden_size=128,
                             num_hidden_layers=2, num_attention_heads=2, intermediate_size=512,
                             hidden_act="gelu_new", max_position_embeddings=512), "commit"),
        # albert-base-v2 sizes (AlbertConfig's defaults are xxlarge, so spell them out).
        ("albert-base", dict(vocab_size=30000, embedding_size=128, hidden_size=768,
                             num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
                             hidden_act="gelu_new", max_position_embeddings=512), "heldout"),
    ]:
        make, s = _model_factory(AlbertModel, AlbertConfig, **kw)
        out += _variants("albert", "AlbertModel", name, name, make, s, TEXT3, HIDDEN, dest,
                         ["legacy14", "dynamo18"], vocab=kw["vocab_size"],
                         notes="factorised embedding + embedding_hidden_mapping_in projection; "
                               "one shared layer applied num_hidden_layers times; gelu_new")
    return out


def family_electra() -> list[Export]:
    from transformers import ElectraConfig, ElectraModel
    out = []
    for name, kw, dest in [
        ("electra-tiny", dict(vocab_size=1000, embedding_size=64, hidden_size=128,
                              num_hidden_layers=2, num_attention_heads=2, intermediate_size=512),
         "commit"),
        # ElectraConfig's defaults are electra-small-discriminator (embedding 128 -> hidden 256).
        ("electra-small", dict(), "heldout"),
    ]:
        make, s = _model_factory(ElectraModel, ElectraConfig, **kw)
        out += _variants("electra", "ElectraModel", name, name, make, s, TEXT3, HIDDEN, dest,
                         ["legacy14", "dynamo18"], vocab=s["vocab_size"],
                         notes="embedding_size != hidden_size: embeddings_project Linear")
    return out


def family_mpnet() -> list[Export]:
    from transformers import MPNetConfig, MPNetModel
    out = []
    for name, kw, dest in [
        ("mpnet-tiny", dict(vocab_size=1000, hidden_size=128, num_hidden_layers=2,
                            num_attention_heads=2, intermediate_size=512,
                            max_position_embeddings=514), "commit"),
        ("mpnet-base", dict(), "heldout"),  # MPNetConfig's defaults are mpnet-base
    ]:
        make, s = _model_factory(MPNetModel, MPNetConfig, **kw)
        out += _variants("mpnet", "MPNetModel", name, name, make, s, TEXT2, HIDDEN, dest,
                         ["legacy14", "dynamo18"], vocab=s["vocab_size"],
                         notes="relative attention bias (32 buckets) shared by all layers; "
                               "RoBERTa-style position ids")
    return out


def family_deberta_v2() -> list[Export]:
    from transformers import DebertaV2Config, DebertaV2Model
    out = []
    v3 = dict(relative_attention=True, position_buckets=256, norm_rel_ebd="layer_norm",
              share_att_key=True, pos_att_type=["p2c", "c2p"], layer_norm_eps=1e-7,
              max_relative_positions=-1, position_biased_input=False, type_vocab_size=0,
              hidden_act="gelu", max_position_embeddings=512)
    for name, kw, dest in [
        ("deberta-v3-tiny", dict(vocab_size=1000, hidden_size=128, num_hidden_layers=2,
                                 num_attention_heads=2, intermediate_size=512), "commit"),
        ("deberta-v3-base", dict(vocab_size=128100, hidden_size=768, num_hidden_layers=12,
                                 num_attention_heads=12, intermediate_size=3072), "heldout"),
    ]:
        make, s = _model_factory(DebertaV2Model, DebertaV2Config, **kw, **v3)
        out += _variants("deberta_v2", "DebertaV2Model", name, name, make, s, TEXT2, HIDDEN, dest,
                         ["legacy14", "dynamo18"], vocab=kw["vocab_size"],
                         notes="DeBERTa-v3: relative attention, position_buckets 256, "
                               "pos_att_type p2c+c2p, share_att_key, no absolute positions, "
                               "no token types (type_vocab_size 0)")
    return out


def family_gpt2() -> list[Export]:
    from transformers import GPT2Config, GPT2Model
    out = []
    for name, kw, dest, attn in [
        # bos/eos moved into the small vocab (GPT2Config defaults them to 50256); unused by GPT2Model.
        ("gpt2-tiny", dict(vocab_size=1000, n_embd=128, n_layer=2, n_head=2, n_positions=1024,
                           bos_token_id=0, eos_token_id=0),
         "commit", "eager"),
        ("gpt2", dict(), "heldout", "eager"),          # GPT2Config's defaults are gpt2 (124M)
        ("gpt2-sdpa", dict(), "heldout", "sdpa"),
    ]:
        make, s = _model_factory(GPT2Model, GPT2Config, attn=attn, **kw)
        out += _variants("gpt2", "GPT2Model", name, name, make, s, TEXT2, HIDDEN, dest,
                         ["legacy14", "dynamo18"], vocab=s["vocab_size"],
                         notes="pre-LN decoder, causal mask, Conv1D linears, gelu_new"
                               + ("; attn_implementation=sdpa" if attn == "sdpa" else ""))
    return out


def family_vit() -> list[Export]:
    from transformers import ViTConfig, ViTModel
    out = []
    for name, kw, dest in [
        ("vit-tiny", dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=2,
                          intermediate_size=512), "commit"),
        ("vit-base", dict(), "heldout"),  # ViTConfig's defaults are vit-base-patch16-224
    ]:
        make, s = _model_factory(ViTModel, ViTConfig, **kw)
        out += _variants("vit", "ViTModel", name, name, make, s, ("pixel_values",), HIDDEN, dest,
                         ["legacy14", "dynamo18"], vocab=0,
                         notes="224x224, patch 16 -> 196 patches + CLS = 197 tokens; "
                               "Conv patch embedding; pre-LN")
    return out


def family_t5() -> list[Export]:
    from transformers import T5Config, T5EncoderModel
    out = []
    for name, kw, dest in [
        ("t5-tiny-encoder", dict(vocab_size=1000, d_model=128, d_kv=64, d_ff=512, num_layers=2,
                                 num_heads=2, relative_attention_num_buckets=32,
                                 feed_forward_proj="relu"), "commit"),
        ("t5-small-encoder", dict(), "heldout"),  # T5Config's defaults are t5-small
        # T5 v1.1 / flan-t5 style: gated-gelu feed-forward (gelu_new, so activation adds).
        ("t5-v1_1-small-encoder", dict(d_model=512, d_kv=64, d_ff=1024, num_layers=8, num_heads=6,
                                       feed_forward_proj="gated-gelu", vocab_size=32128,
                                       tie_word_embeddings=False), "heldout"),
    ]:
        make, s = _model_factory(T5EncoderModel, T5Config, **kw)
        out += _variants("t5", "T5EncoderModel", name, name, make, s, TEXT2, HIDDEN, dest,
                         ["legacy14", "dynamo18"], vocab=s["vocab_size"],
                         notes="RMSNorm (T5LayerNorm), relative position buckets in layer 0, "
                               "no biases; feed_forward_proj=" + s["feed_forward_proj"])
    return out


def family_llama() -> list[Export]:
    from transformers import LlamaConfig, LlamaModel
    out = []
    small = dict(vocab_size=1000, hidden_size=128, intermediate_size=344, num_hidden_layers=2,
                 num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=512)
    # SmolLM-135M sizes: a real Llama-architecture checkpoint with grouped-query attention
    # (9 query heads, 3 key/value heads) small enough to export here.
    smol = dict(vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                num_attention_heads=9, num_key_value_heads=3, max_position_embeddings=2048,
                rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=True)
    for name, kw, dest, attn in [
        ("llama-tiny-2l", small, "commit", "eager"),
        ("llama-smol135m", smol, "heldout", "eager"),
        ("llama-smol135m-sdpa", smol, "heldout", "sdpa"),
    ]:
        make, s = _model_factory(LlamaModel, LlamaConfig, attn=attn, **kw)
        out += _variants("llama", "LlamaModel", name, name, make, s, TEXT2, HIDDEN, dest,
                         ["legacy14", "dynamo18"], vocab=kw["vocab_size"],
                         notes="RMSNorm, rotary, SwiGLU, no biases, causal"
                               + ("; attn_implementation=sdpa" if attn == "sdpa" else ""))
    return out


FAMILIES: dict[str, Callable[[], list[Export]]] = {
    "bert": family_bert,
    "roberta": family_roberta,
    "distilbert": family_distilbert,
    "albert": family_albert,
    "electra": family_electra,
    "xlm_roberta": family_xlm_roberta,
    "mpnet": family_mpnet,
    "deberta_v2": family_deberta_v2,
    "gpt2": family_gpt2,
    "vit": family_vit,
    "t5": family_t5,
    "llama": family_llama,
    # not part of "everything": re-makes of existing fixtures, to check count_adds.py
    "recheck_bert_tiny": recheck_bert_tiny,
    "recheck_shared": recheck_shared,
}
DEFAULT_FAMILIES = [f for f in FAMILIES if not f.startswith("recheck")]


# --------------------------------------------------------------------------------------------
# Exporting
# --------------------------------------------------------------------------------------------

class _Wrap(torch.nn.Module):
    """Fixed positional signature and a tuple of tensors out, as both exporters want.

    The model sits in attribute `m`, so legacy node names start with /m/ and dynamo scopes with
    `m.`, as in the existing fixtures."""

    def __init__(self, m, inputs, outputs):
        super().__init__()
        self.m = m
        self._inputs = inputs
        self._outputs = outputs

    def _run(self, **kw):
        o = self.m(**kw, return_dict=True)
        return tuple(getattr(o, n) for n in self._outputs)


class Text2(_Wrap):
    def forward(self, input_ids, attention_mask):
        return self._run(input_ids=input_ids, attention_mask=attention_mask)


class Text3(_Wrap):
    def forward(self, input_ids, attention_mask, token_type_ids):
        return self._run(input_ids=input_ids, attention_mask=attention_mask,
                         token_type_ids=token_type_ids)


class Pixels(_Wrap):
    def forward(self, pixel_values):
        return self._run(pixel_values=pixel_values)


def wrap(model, spec: Export) -> torch.nn.Module:
    cls = {TEXT2: Text2, TEXT3: Text3, ("pixel_values",): Pixels}[spec.inputs]
    return cls(model, spec.inputs, spec.outputs).eval()


def example_inputs(spec: Export, padded: bool = False) -> tuple[torch.Tensor, ...]:
    """Batch 1, static shapes.  Export with an all-ones mask (as the existing fixtures were);
    `padded` gives a mask with 16 padding positions for the numeric check, so the mask path
    is really exercised (the exports are traced, so values do not change the graph)."""
    g = torch.Generator().manual_seed(SEED + 2)
    out = []
    for name in spec.inputs:
        if name == "input_ids":
            out.append(torch.randint(3, spec.vocab, (1, SEQ), generator=g))
        elif name == "attention_mask":
            m = torch.ones(1, SEQ, dtype=torch.long)
            if padded:
                m[:, -16:] = 0
            out.append(m)
        elif name == "token_type_ids":
            t = torch.zeros(1, SEQ, dtype=torch.long)
            t[:, SEQ // 2:] = 1 if padded else 0
            out.append(t)
        elif name == "pixel_values":
            out.append(torch.randn(1, 3, 224, 224, generator=g))
    return tuple(out)


class _CaptureFd:
    """Capture what is written to file descriptor 1 (the legacy exporter's verbose graph dump
    is printed there) into a file."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        sys.stdout.flush()
        self.saved = os.dup(1)
        self.f = open(self.path, "w")
        os.dup2(self.f.fileno(), 1)
        return self

    def __exit__(self, *exc):
        sys.stdout.flush()
        os.dup2(self.saved, 1)
        os.close(self.saved)
        self.f.close()


_ONNX_NAME = re.compile(r'onnx_name="([^"]+)"')
_SCOPE = re.compile(r", scope: (\S+)")
_SRC = re.compile(r" # (.+?):(\d+):\d+\s*$")


def parse_verbose(text: str) -> dict:
    """Provenance of the Add nodes from the legacy exporter's verbose dump.

    A node line looks like
      %/m/embeddings/Add_output_0 : Float(...) = onnx::Add[onnx_name="/m/embeddings/Add"](%a, %b),
          scope: __main__.Text3::/transformers...BertModel::m/...BertEmbeddings::embeddings
          # /.../transformers/models/bert/modeling_bert.py:102:0
    The scope names each module on the path with its class; the comment is the innermost
    source line that created the node."""
    nodes = {}
    for line in text.splitlines():
        if "onnx::Add[" not in line:
            continue
        name = _ONNX_NAME.search(line)
        if not name:
            continue
        scope = _SCOPE.search(line)
        src = _SRC.search(line)
        args = line.split(f'onnx_name="{name.group(1)}"]', 1)[1]
        args = args[args.index("(") + 1: args.index(")")]
        rec = {
            "inputs": [a.strip().lstrip("%") for a in args.split(",")],
            "scope": [],
            "file": None,
            "line": None,
        }
        if scope:
            for part in scope.group(1).split("/"):
                cls, _, attr = part.partition("::")
                rec["scope"].append({"class": cls, "name": attr})
        if src:
            f = src.group(1)
            # keep the path from site-packages on, so the sidecar does not depend on this machine
            rec["file"] = _short(f)
            rec["line"] = int(src.group(2))
        nodes[name.group(1)] = rec
    return nodes


def _short(path: str) -> str:
    """Path from site-packages on, so the sidecars do not depend on this machine."""
    i = path.find("site-packages/")
    return path[i + len("site-packages/"):] if i >= 0 else path


_FRAME = re.compile(r"^(.*)\((\d+)\): (\S+)$")
_SKIP_FRAMES = ("torch/nn/modules/module.py", "transformers/utils/deprecation.py")


def stack_from_doc_string(doc: str) -> list[str]:
    """With verbose=True the legacy exporter stores the Python stack of each node in its
    doc_string, innermost frame first.  Keep the frames inside the model (up to the wrapper in
    this script), without torch's module-call plumbing."""
    frames = []
    for line in doc.splitlines():
        m = _FRAME.match(line.strip())
        if not m:
            continue
        path, lineno, func = m.groups()
        if path.endswith("make_exports.py"):
            break
        if path.endswith(_SKIP_FRAMES):
            continue
        frames.append(f"{_short(path)}:{lineno} {func}")
    return frames


def export_legacy(w, args, spec: Export, path: Path, opset: int, dynamic: bool, work: Path) -> dict:
    """torch.onnx.export(dynamo=False) with verbose=True.

    verbose changes nothing in the graph (checked: the re-made bert-tiny files equal the
    fixtures node for node) but prints the graph with each node's module scope and stores each
    node's Python stack in its doc_string.  Both are collected here for the provenance sidecar;
    the doc_strings are removed again when the file is made graph-only."""
    kw = {}
    if dynamic:
        kw["dynamic_axes"] = {n: {0: "batch", 1: "sequence"} for n in spec.inputs}
    log = work / (spec.name + ".verbose.txt")
    with _CaptureFd(log):
        torch.onnx.export(w, args, str(path), dynamo=False, opset_version=opset,
                          input_names=list(spec.inputs), output_names=list(spec.outputs),
                          verbose=True, do_constant_folding=True, **kw)
    prov = parse_verbose(log.read_text(errors="replace"))
    model = onnx.load(str(path), load_external_data=False)
    for node in model.graph.node:
        if node.op_type == "Add" and node.domain in ("", "ai.onnx"):
            rec = prov.setdefault(node.name, {"inputs": list(node.input), "scope": [],
                                              "file": None, "line": None})
            rec["stack"] = stack_from_doc_string(node.doc_string)
    return prov


def register_stack_trace_anchors() -> int:
    """Make the dynamo exporter keep the frames of transformers' helper functions.

    torch.export records each node's Python stack but, by default, keeps only frames of
    functions named `forward` (torch.fx.proxy.TracerBase._filter_traceback_frames).  An add
    made in `eager_attention_forward`, `apply_rotary_pos_emb` or DeBERTa's
    `disentangled_attention_bias` then only shows the line in the module's forward that called
    the helper, which is ambiguous when the helper makes adds of different kinds.  Frames of
    functions registered in torch.fx.proxy._STACK_TRACE_ANCHORS are kept too, so every function
    defined in the loaded transformers modules is registered.  This only changes the
    pkg.torch.onnx.stack_trace metadata, never the graph (checked: same nodes and inputs)."""
    import ast
    from torch.fx import proxy
    n = 0
    for name, mod in list(sys.modules.items()):
        f = getattr(mod, "__file__", None)
        if not name.startswith("transformers") or not f or not f.endswith(".py"):
            continue
        try:
            tree = ast.parse(Path(f).read_text())
        except (OSError, SyntaxError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                proxy._STACK_TRACE_ANCHORS.add((f, node.name))
                n += 1
    return n


def export_dynamo(w, args, spec: Export, path: Path, dynamic: bool) -> dict:
    register_stack_trace_anchors()
    kw = {}
    if dynamic:
        batch = torch.export.Dim("batch")
        seq = torch.export.Dim("sequence", max=512)
        kw["dynamic_shapes"] = {n: {0: batch, 1: seq} for n in spec.inputs}
    # optimize=True is the default and what a user gets; the metadata survives it.
    prog = torch.onnx.export(w, args, dynamo=True, opset_version=18,
                             input_names=list(spec.inputs), output_names=list(spec.outputs),
                             **kw)
    prog.save(str(path))
    return {}


def export_ortfused(spec: Export, legacy14_with_weights: Path, path: Path, opt_level: int) -> dict:
    """onnxruntime's transformer optimizer on the legacy14 export (with its weights).

    opt_level=0 runs only the Python fusions (Attention, SkipLayerNormalization, BiasGelu, ...)
    and reproduces Tests/Fixtures/onnx/bert-tiny.ortfused.onnx node for node.  The default for
    model_type='bert' is opt_level=1, which first runs onnxruntime's basic graph optimizations:
    MatMulAddFusion turns every 3-D MatMul+Add into Reshape/Gemm/Reshape, after which the Python
    Attention fusion no longer matches (only SkipLayerNormalization and Gelu are fused).  That
    variant is made too, as "ortfused-o1", because it is what a user calling the optimizer with
    defaults gets."""
    from onnxruntime.transformers.optimizer import optimize_model
    opt = optimize_model(str(legacy14_with_weights), model_type="bert",
                         num_heads=spec.ort["num_heads"], hidden_size=spec.ort["hidden_size"],
                         opt_level=opt_level)
    opt.save_model_to_file(str(path))
    stats = {k: v for k, v in opt.get_fused_operator_statistics().items() if v}
    return {"fused_ops_reported_by_optimizer": stats, "ort_opt_level": opt_level}


_PROV_KEYS = ("pkg.torch.onnx.name_scopes", "pkg.torch.onnx.class_hierarchy",
              "pkg.torch.onnx.stack_trace", "pkg.torch.onnx.fx_node")
_ABS_FRAME = re.compile(r'File "[^"]*?(site-packages/|scripts/)')


def dynamo_provenance(path: Path) -> dict:
    """The dynamo exporter's metadata of every Add node, for the sidecar (paths shortened)."""
    model = onnx.load(str(path), load_external_data=False)
    adds = {}
    for node in model.graph.node:
        if node.op_type == "Add" and node.domain in ("", "ai.onnx"):
            # `namespace` repeats name_scopes + class_hierarchy; the rewriter rule name is noise.
            md = {p.key: p.value for p in node.metadata_props if p.key in _PROV_KEYS}
            if "pkg.torch.onnx.stack_trace" in md:
                md["pkg.torch.onnx.stack_trace"] = _ABS_FRAME.sub(
                    lambda m: 'File "' + ("" if m.group(1) == "site-packages/" else m.group(1)),
                    md["pkg.torch.onnx.stack_trace"])
            adds[node.name] = {"inputs": list(node.input), "metadata": md}
    return adds


def make_graph_only(src: Path, dst: Path, strip_metadata: bool) -> None:
    """Re-save with every initializer over 1 KiB in an external file, then delete that file.

    strip_metadata drops the dynamo exporter's per-node metadata_props.  They are ~90% of a
    small dynamo file (200-500 KB for 2 layers, mostly Python stack traces) and the tool never
    reads them; for committed fixtures they are kept in the provenance sidecar instead."""
    model = onnx.load(str(src), load_external_data=True)
    for node in model.graph.node:
        # Only present because the legacy export ran with verbose=True (see export_legacy).
        node.doc_string = ""
        if strip_metadata:
            del node.metadata_props[:]
    data_name = dst.name[: -len(".onnx")] + ".data"
    dst.parent.mkdir(parents=True, exist_ok=True)
    if (dst.parent / data_name).exists():
        (dst.parent / data_name).unlink()
    onnx.save_model(model, str(dst), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=data_name, size_threshold=1024)
    (dst.parent / data_name).unlink()


def check_graph_only(path: Path) -> str:
    """onnx.checker on the graph-only file.  The checker insists that external data exist, so
    it runs on a copy beside a sparse all-zero stand-in for the deleted data file (the offsets
    and lengths are still checked against it)."""
    m = onnx.load(str(path), load_external_data=False)
    end = 0
    location = None
    for t in m.graph.initializer:
        if t.data_location == onnx.TensorProto.EXTERNAL:
            info = {e.key: e.value for e in t.external_data}
            location = info["location"]
            end = max(end, int(info.get("offset", 0)) + int(info.get("length", 0)))
    with tempfile.TemporaryDirectory() as d:
        copy = Path(d) / path.name
        shutil.copy(path, copy)
        if location:
            with open(Path(d) / location, "wb") as f:
                f.truncate(end)
        try:
            onnx.checker.check_model(str(copy), full_check=False)
            return "ok"
        except Exception as e:  # noqa: BLE001 - recorded, not fatal
            return f"checker: {type(e).__name__}: {str(e).splitlines()[0][:300]}"


def numeric_check(w, spec: Export, with_weights: Path) -> dict:
    """Run the with-weights export in onnxruntime on padded inputs and compare with PyTorch."""
    import onnxruntime as ort
    args = example_inputs(spec, padded=True)
    with torch.no_grad():
        ref = w(*args)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(str(with_weights), so, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    feed = {n: a.numpy() for n, a in zip(spec.inputs, args) if n in names}
    got = sess.run(None, feed)
    diffs = [float(np.max(np.abs(g - r.numpy()))) for g, r in zip(got, ref)]
    return {"max_abs_diff": max(diffs), "onnx_inputs": names}


def run_one(spec: Export, model_cache: dict, force: bool, root: Path) -> dict:
    out_dir = root / spec.dest
    prov_dir = root / "provenance" / spec.dest
    work = root / "work"
    for d in (out_dir, prov_dir):
        d.mkdir(parents=True, exist_ok=True)
    final = out_dir / spec.filename
    manifest_path = prov_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    if final.exists() and spec.filename in manifest and not force:
        print(f"[skip] {spec.filename} exists", flush=True)
        return manifest[spec.filename]

    t0 = time.time()
    work.mkdir(parents=True, exist_ok=True)  # scratch: exports with weights, verbose dumps
    if spec.model_key not in model_cache:
        model_cache.clear()
        gc.collect()
        model_cache[spec.model_key] = spec.make_model()
    model = model_cache[spec.model_key]
    w = wrap(model, spec)
    args = example_inputs(spec)
    with_weights = work / spec.filename
    entry = {
        "family": spec.family,
        "model_class": spec.model_class,
        "exporter": spec.exporter,
        "config": spec.config_summary,
        "notes": spec.notes,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "onnx": onnx.__version__,
    }
    prov = {}
    if spec.exporter == "legacy14":
        prov = export_legacy(w, args, spec, with_weights, 14, False, work)
    elif spec.exporter == "legacy17dyn":
        prov = export_legacy(w, args, spec, with_weights, 17, True, work)
    elif spec.exporter == "dynamo18":
        export_dynamo(w, args, spec, with_weights, False)
    elif spec.exporter == "dynamo18dyn":
        export_dynamo(w, args, spec, with_weights, True)
    elif spec.exporter in ("ortfused", "ortfused-o1"):
        import onnxruntime
        level = 0 if spec.exporter == "ortfused" else 1
        base = work / (spec.name.rsplit(".", 1)[0] + ".legacy14.onnx")
        # Always re-export legacy14 with weights here (the graph-only copy has none).  Node
        # names survive the optimizer, so the legacy14 provenance applies to unfused nodes.
        prov = export_legacy(w, args, spec, base, 14, False, work)
        entry.update(export_ortfused(spec, base, with_weights, level))
        entry["onnxruntime"] = onnxruntime.__version__
        entry["notes"] = (spec.notes + "; " if spec.notes else "") + (
            "legacy14 export passed through onnxruntime.transformers.optimizer.optimize_model("
            f"model_type='bert', num_heads={spec.ort['num_heads']}, "
            f"hidden_size={spec.ort['hidden_size']}, opt_level={level})")
    else:
        raise ValueError(spec.exporter)
    entry["export_seconds"] = round(time.time() - t0, 1)
    try:
        entry["numeric_check"] = numeric_check(w, spec, with_weights)
    except Exception as e:  # noqa: BLE001 - recorded in the manifest
        entry["numeric_check"] = {"error": f"{type(e).__name__}: {str(e)[:300]}"}
    if spec.exporter.startswith("dynamo"):
        prov = dynamo_provenance(with_weights)
    strip = spec.dest == "commit" and spec.exporter.startswith("dynamo")
    make_graph_only(with_weights, final, strip_metadata=strip)
    entry["node_metadata"] = "stripped (kept in the provenance sidecar)" if strip else "kept"
    entry["checker"] = check_graph_only(final)
    entry["size_bytes"] = final.stat().st_size
    if prov:
        (prov_dir / (spec.filename + ".json")).write_text(json.dumps(
            {"file": spec.filename,
             "source": ("node metadata_props of the dynamo export"
                        if spec.exporter.startswith("dynamo") else
                        "torch.onnx.export(verbose=True): graph dump (scope) and node "
                        "doc_strings (stack)"),
             "adds": prov}, indent=1))
    for p in work.glob(spec.name + "*"):
        p.unlink()
    if spec.exporter.startswith("ortfused"):
        for p in work.glob(spec.name.rsplit(".", 1)[0] + ".legacy14*"):
            p.unlink()
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    manifest[spec.filename] = entry
    manifest_path.write_text(json.dumps(dict(sorted(manifest.items())), indent=1))
    if not any(work.iterdir()):
        work.rmdir()
    print(f"[done] {spec.dest}/{spec.filename} {entry['size_bytes']} B in "
          f"{entry['export_seconds']} s, check {entry['checker']}, numeric "
          f"{entry['numeric_check']}", flush=True)
    return entry


def record_failure(spec: Export, root: Path, err: str) -> None:
    path = root / "provenance" / spec.dest / "failures.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    fails = json.loads(path.read_text()) if path.exists() else {}
    fails[spec.filename] = {"family": spec.family, "exporter": spec.exporter, "error": err}
    path.write_text(json.dumps(fails, indent=1))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("families", nargs="*", help=f"default: {' '.join(DEFAULT_FAMILIES)}")
    ap.add_argument("--only", nargs="*", default=[], help="file stems to make, e.g. gpt2.dynamo18")
    ap.add_argument("--dest", choices=["commit", "heldout", "recheck"], help="only this folder")
    ap.add_argument("--exporter", help="only this exporter")
    ap.add_argument("--force", action="store_true", help="re-make files that exist")
    ap.add_argument("--list", action="store_true", help="list the exports and exit")
    ap.add_argument("--root", type=Path, default=ROOT, help="output root (default: %(default)s)")
    a = ap.parse_args(argv)

    torch.set_num_threads(1)  # the machine is shared; exporting is mostly single-threaded anyway
    specs = []
    for fam in a.families or DEFAULT_FAMILIES:
        specs += FAMILIES[fam]()
    if a.only:
        specs = [s for s in specs if s.name in a.only or s.filename in a.only]
    if a.dest:
        specs = [s for s in specs if s.dest == a.dest]
    if a.exporter:
        specs = [s for s in specs if s.exporter == a.exporter]
    if a.list:
        for s in specs:
            print(f"{s.dest:8s} {s.filename}")
        return 0
    cache: dict = {}
    failed = 0
    for s in specs:
        try:
            run_one(s, cache, a.force, a.root)
        except Exception as e:  # noqa: BLE001 - keep going, record why
            failed += 1
            err = f"{type(e).__name__}: {e}"
            print(f"[FAIL] {s.filename}: {err[:2000]}", flush=True)
            traceback.print_exc()
            record_failure(s, a.root, err[:5000])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
