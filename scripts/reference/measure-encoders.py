#!/usr/bin/env python3
"""Reference parameter and MAC counts for BERT-family encoders, measured in PyTorch.

What this script does
---------------------
1. Builds Hugging Face configs for six published encoder checkpoints (plus a few
   "refusal" variants) from their config classes, with the published hyper-parameters
   written out explicitly, and saves them with ``config.to_json_file`` to
   ``configs/<name>.json``.  Nothing is downloaded: no hub access, no from_pretrained.
2. Instantiates the *base* model class for each (``BertModel``, ``RobertaModel``, ...)
   with random weights, eval mode, eager attention, default ``add_pooling_layer``.
3. Counts parameters as ``sum(p.numel() for p in model.parameters())`` (this
   de-duplicates shared Parameter objects) and MACs with
   ``torch.utils.flop_counter.FlopCounterMode`` (MACs = FLOPs / 2) at
   (batch, seq) = (1, 128), (2, 64), (1, 512).  Inputs: ``input_ids`` and
   ``attention_mask`` (all ones), plus ``token_type_ids`` (zeros) when ``forward``
   accepts it.
4. Records a per-module parameter breakdown (with shapes, tied/shared detection) and a
   per-module *exclusive* MAC breakdown from ``get_flop_counts()``, plus forward-call
   counts per module (to show ALBERT's one layer being called 12 times).
5. Cross-checks every measured figure against a closed-form formula (see
   ``formula_params`` / ``formula_macs``) so the Swift side has the arithmetic too.

Outputs, in the folder given as the first argument (default ``.build/reference/encoders``):
``configs/*.json`` (the files in Tests/Fixtures/configs come from here) and ``figures.json``,
the figures Tests/ModelGraphTests/EncoderFamilyTests.swift pins.

Run:  python3 scripts/reference/measure-encoders.py [OUT]   (about 30 s, one thread), in a venv
with scripts/reference/requirements.txt installed.
"""

from __future__ import annotations

import inspect
import json
import platform
import sys
from collections import defaultdict
from pathlib import Path

import torch
import transformers
from torch.utils.flop_counter import FlopCounterMode
from transformers import (
    AlbertConfig,
    AlbertModel,
    BertConfig,
    BertModel,
    DistilBertConfig,
    DistilBertModel,
    ElectraConfig,
    ElectraModel,
    RobertaConfig,
    RobertaModel,
    XLMRobertaConfig,
    XLMRobertaModel,
)

# Where the configs and figures.json go: the first argument, else .build/reference/encoders.
OUT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / ".build/reference/encoders")
CONFIG_DIR = OUT / "configs"

# Keep the machine usable for other jobs; FLOP counting does not need speed.
torch.set_num_threads(1)
torch.manual_seed(0)

SIZES = [(1, 128), (2, 64), (1, 512)]  # (batch, sequence)


def size_key(b: int, s: int) -> str:
    return f"b{b}_s{s}"


# --------------------------------------------------------------------------------------
# 1. Configs: published hyper-parameters of each checkpoint, written explicitly.
# --------------------------------------------------------------------------------------

BERT_BASE_UNCASED = dict(
    architectures=["BertForMaskedLM"],
    vocab_size=30522,
    hidden_size=768,
    num_hidden_layers=12,
    num_attention_heads=12,
    intermediate_size=3072,
    hidden_act="gelu",
    hidden_dropout_prob=0.1,
    attention_probs_dropout_prob=0.1,
    max_position_embeddings=512,
    type_vocab_size=2,
    initializer_range=0.02,
    layer_norm_eps=1e-12,
    pad_token_id=0,
    # Present in the published config.json; transformers 5.x no longer has this field
    # (it is kept as an extra attribute and written back to JSON, but ignored by the model).
    position_embedding_type="absolute",
)

ROBERTA_BASE = dict(
    architectures=["RobertaForMaskedLM"],
    vocab_size=50265,
    hidden_size=768,
    num_hidden_layers=12,
    num_attention_heads=12,
    intermediate_size=3072,
    hidden_act="gelu",
    hidden_dropout_prob=0.1,
    attention_probs_dropout_prob=0.1,
    max_position_embeddings=514,  # 512 usable positions + padding_idx offset of 2
    type_vocab_size=1,
    initializer_range=0.02,
    layer_norm_eps=1e-5,
    pad_token_id=1,
    bos_token_id=0,
    eos_token_id=2,
)

XLM_ROBERTA_BASE = dict(
    architectures=["XLMRobertaForMaskedLM"],
    vocab_size=250002,
    hidden_size=768,
    num_hidden_layers=12,
    num_attention_heads=12,
    intermediate_size=3072,
    hidden_act="gelu",
    hidden_dropout_prob=0.1,
    attention_probs_dropout_prob=0.1,
    max_position_embeddings=514,
    type_vocab_size=1,
    initializer_range=0.02,
    layer_norm_eps=1e-5,
    pad_token_id=1,
    bos_token_id=0,
    eos_token_id=2,
    output_past=True,  # present in the published config.json; unused by the encoder
    position_embedding_type="absolute",  # ditto (see BERT note)
)

DISTILBERT_BASE_UNCASED = dict(
    architectures=["DistilBertForMaskedLM"],
    vocab_size=30522,
    dim=768,
    n_layers=6,
    n_heads=12,
    hidden_dim=3072,
    activation="gelu",
    dropout=0.1,
    attention_dropout=0.1,
    max_position_embeddings=512,
    sinusoidal_pos_embds=False,
    initializer_range=0.02,
    qa_dropout=0.1,
    seq_classif_dropout=0.2,
    pad_token_id=0,
    tie_weights_=True,  # present in the published config.json; unused
)

ALBERT_BASE_V2 = dict(
    architectures=["AlbertForMaskedLM"],
    vocab_size=30000,
    embedding_size=128,
    hidden_size=768,
    num_hidden_layers=12,
    num_hidden_groups=1,
    num_attention_heads=12,
    intermediate_size=3072,
    inner_group_num=1,
    hidden_act="gelu_new",
    hidden_dropout_prob=0.0,
    attention_probs_dropout_prob=0.0,
    max_position_embeddings=512,
    type_vocab_size=2,
    initializer_range=0.02,
    layer_norm_eps=1e-12,
    classifier_dropout_prob=0.1,
    pad_token_id=0,
    bos_token_id=2,
    eos_token_id=3,
    # Legacy keys present in the published config.json, unused by transformers:
    down_scale_factor=1,
    gap_size=0,
    net_structure_type=0,
    num_memory_blocks=0,
)

ELECTRA_SMALL_DISCRIMINATOR = dict(
    architectures=["ElectraForPreTraining"],
    vocab_size=30522,
    embedding_size=128,
    hidden_size=256,
    num_hidden_layers=12,
    num_attention_heads=4,
    intermediate_size=1024,
    hidden_act="gelu",
    hidden_dropout_prob=0.1,
    attention_probs_dropout_prob=0.1,
    max_position_embeddings=512,
    type_vocab_size=2,
    initializer_range=0.02,
    layer_norm_eps=1e-12,
    pad_token_id=0,
)

# name -> (config class, model class, kwargs)
MODELS = {
    "bert-base-uncased": (BertConfig, BertModel, BERT_BASE_UNCASED),
    "roberta-base": (RobertaConfig, RobertaModel, ROBERTA_BASE),
    "xlm-roberta-base": (XLMRobertaConfig, XLMRobertaModel, XLM_ROBERTA_BASE),
    "distilbert-base-uncased": (DistilBertConfig, DistilBertModel, DISTILBERT_BASE_UNCASED),
    "albert-base-v2": (AlbertConfig, AlbertModel, ALBERT_BASE_V2),
    "electra-small-discriminator": (ElectraConfig, ElectraModel, ELECTRA_SMALL_DISCRIMINATOR),
}

# Variants a converter should refuse (or at least not silently treat as the base model).
VARIANTS = {
    "bert-base-uncased-relative-key": (
        BertConfig, BertModel, {**BERT_BASE_UNCASED, "position_embedding_type": "relative_key"}),
    "bert-base-uncased-relative-key-query": (
        BertConfig, BertModel, {**BERT_BASE_UNCASED, "position_embedding_type": "relative_key_query"}),
    "bert-base-uncased-is-decoder": (
        BertConfig, BertModel, {**BERT_BASE_UNCASED, "is_decoder": True}),
    # Literally as briefed: add_cross_attention without is_decoder (transformers refuses it).
    "bert-base-uncased-add-cross-attention": (
        BertConfig, BertModel, {**BERT_BASE_UNCASED, "add_cross_attention": True}),
    # The combination transformers accepts: decoder with cross-attention blocks.
    "bert-base-uncased-decoder-cross-attention": (
        BertConfig, BertModel, {**BERT_BASE_UNCASED, "is_decoder": True, "add_cross_attention": True}),
    "bert-base-uncased-silu": (
        BertConfig, BertModel, {**BERT_BASE_UNCASED, "hidden_act": "silu"}),
    "roberta-base-relative-key": (
        RobertaConfig, RobertaModel, {**ROBERTA_BASE, "position_embedding_type": "relative_key"}),
}


def make_and_save_config(name: str, config_cls, kwargs: dict):
    config = config_cls(**kwargs)
    path = CONFIG_DIR / f"{name}.json"
    config.to_json_file(str(path))
    return config, path


# --------------------------------------------------------------------------------------
# 2. Closed-form formulas (what the Swift side should reproduce).
# --------------------------------------------------------------------------------------

def dims(cfg) -> dict:
    """Normalise the family-specific field names."""
    if cfg.model_type == "distilbert":
        H, L, I = cfg.dim, cfg.n_layers, cfg.hidden_dim
        return dict(V=cfg.vocab_size, P=cfg.max_position_embeddings, T=0, E=H, H=H, L=L, I=I,
                    distinct_layers=L, projection=False, pooler=False)
    E = getattr(cfg, "embedding_size", cfg.hidden_size)
    if cfg.model_type == "albert":
        # One projection Linear(E, H) always exists (even if E == H); layers are shared:
        # num_hidden_groups * inner_group_num distinct layers, executed num_hidden_layers times.
        distinct, projection, pooler = cfg.num_hidden_groups * cfg.inner_group_num, True, True
    elif cfg.model_type == "electra":
        distinct, projection, pooler = cfg.num_hidden_layers, E != cfg.hidden_size, False
    else:  # bert, roberta, xlm-roberta
        distinct, projection, pooler = cfg.num_hidden_layers, False, True
    return dict(V=cfg.vocab_size, P=cfg.max_position_embeddings, T=cfg.type_vocab_size, E=E,
                H=cfg.hidden_size, L=cfg.num_hidden_layers, I=cfg.intermediate_size,
                distinct_layers=distinct, projection=projection, pooler=pooler)


def formula_params(cfg) -> dict:
    d = dims(cfg)
    V, P, T, E, H, I = d["V"], d["P"], d["T"], d["E"], d["H"], d["I"]
    embeddings = (V + P + T) * E + 2 * E            # word + position (+ token type) tables, LayerNorm(E)
    projection = (E * H + H) if d["projection"] else 0
    layer = (4 * (H * H + H)                         # Q, K, V, attention-output Linear(H, H)
             + (H * I + I) + (I * H + H)             # FFN up / down
             + 2 * 2 * H)                            # two LayerNorm(H)
    pooler = (H * H + H) if d["pooler"] else 0
    total = embeddings + projection + d["distinct_layers"] * layer + pooler
    return dict(embeddings=embeddings, projection=projection, layer_each=layer,
                distinct_layers=d["distinct_layers"], pooler=pooler, total=total)


def formula_macs(cfg, B: int, S: int) -> dict:
    d = dims(cfg)
    E, H, I, L = d["E"], d["H"], d["I"], d["L"]
    projection = B * S * E * H if d["projection"] else 0
    linear_per_layer = B * S * (4 * H * H + 2 * H * I)
    attention_per_layer = 2 * B * S * S * H          # Q·K^T and P·V (summed over heads)
    pooler = B * H * H if d["pooler"] else 0         # pooler runs on token 0 only
    total = projection + L * (linear_per_layer + attention_per_layer) + pooler
    return dict(projection=projection, linear_per_layer=linear_per_layer,
                attention_per_layer=attention_per_layer, layers_executed=L,
                pooler=pooler, total=total)


# --------------------------------------------------------------------------------------
# 3. Measurement helpers.
# --------------------------------------------------------------------------------------

def build_model(model_cls, config):
    config._attn_implementation = "eager"  # set after saving, so it is not in the JSON
    model = model_cls(config)               # random weights; default add_pooling_layer
    model.eval()
    return model


def make_inputs(model, config, B: int, S: int) -> dict:
    # Token ids avoid the special ids 0..4 so RoBERTa's pad-dependent position ids
    # are the plain 2..S+1 (MACs do not depend on this, but keep inputs realistic).
    g = torch.Generator().manual_seed(1234)
    inputs = {
        "input_ids": torch.randint(5, config.vocab_size, (B, S), generator=g),
        "attention_mask": torch.ones(B, S, dtype=torch.long),
    }
    if "token_type_ids" in inspect.signature(model.forward).parameters:
        inputs["token_type_ids"] = torch.zeros(B, S, dtype=torch.long)
    return inputs


def count_macs(model, inputs: dict, with_breakdown: bool = False):
    """Return total MACs and, optionally, per-module exclusive MACs and call counts."""
    calls: dict[str, int] = defaultdict(int)
    handles = []
    if with_breakdown:
        for mod_name, mod in model.named_modules():
            handles.append(mod.register_forward_pre_hook(
                lambda m, a, _n=mod_name: calls.__setitem__(_n, calls[_n] + 1)))
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as fc:
            model(**inputs)
    finally:
        for h in handles:
            h.remove()
    flops = fc.get_total_flops()
    assert flops % 2 == 0
    total_macs = flops // 2
    if not with_breakdown:
        return total_macs, None

    # get_flop_counts() is keyed by "<RootClass>.<dotted module path>" and its counts are
    # *inclusive* (a module's count includes its submodules').  Convert to exclusive.
    root = type(model).__name__
    raw = fc.get_flop_counts()
    inclusive = {}
    for key, ops in raw.items():
        if key == "Global":
            continue
        path = "" if key == root else key[len(root) + 1:]
        inclusive[path] = {str(op).replace("aten.", "").split(".")[0]: int(v) for op, v in ops.items()}
    # Containers such as nn.ModuleList are never called, so they have no entry; subtract
    # each tracked module from its *nearest tracked* ancestor rather than its direct parent.
    exclusive = {path: dict(ops) for path, ops in inclusive.items()}
    for path, ops in inclusive.items():
        if not path:
            continue
        parent = path
        while True:
            parent = parent.rpartition(".")[0]
            if parent in inclusive:
                break
        for op, v in ops.items():
            exclusive[parent][op] = exclusive[parent].get(op, 0) - v
    modules = dict(model.named_modules())
    rows = []
    for path, ops in exclusive.items():
        assert all(v >= 0 for v in ops.values()), (path, ops)
        own = {op: v // 2 for op, v in ops.items() if v}
        if own:
            rows.append(dict(module=path or "<root>", type=type(modules[path]).__name__,
                             forward_calls=calls.get(path, 0), macs_by_op=own,
                             macs=sum(own.values())))
    return total_macs, rows


def macs_by_role(rows: list) -> list:
    """Fold per-module rows across layers: 'encoder.layer.7.output.dense' -> 'encoder.layer.*.output.dense'."""
    acc: dict[tuple, dict] = {}
    for r in rows:
        parts = r["module"].split(".")
        # Only the index after "layer" is folded; ALBERT's group/layer indices stay (one shared module).
        role = ".".join("*" if i > 0 and parts[i - 1] == "layer" and p.isdigit() else p
                        for i, p in enumerate(parts))
        key = (role, r["type"])
        a = acc.setdefault(key, dict(module=role, type=r["type"], module_instances=0, forward_calls=0, macs=0))
        a["module_instances"] += 1
        a["forward_calls"] += r["forward_calls"]
        a["macs"] += r["macs"]
    return list(acc.values())


def param_breakdown(model) -> dict:
    """Per-module parameter listing, plus detection of shared/tied parameters."""
    # remove_duplicate=False lists a Parameter once per owning module path, so any tensor
    # that appears under two names is shared (e.g. tied embeddings).
    by_id: dict[int, list[str]] = defaultdict(list)
    for n, p in model.named_parameters(remove_duplicate=False):
        by_id[id(p)].append(n)
    shared = [names for names in by_id.values() if len(names) > 1]

    modules = dict(model.named_modules())
    groups: dict[str, list] = defaultdict(list)
    for n, p in model.named_parameters():
        mod_path, _, leaf = n.rpartition(".")
        groups[mod_path].append(dict(name=leaf, shape=list(p.shape), numel=p.numel()))
    listing = [dict(module=m, type=type(modules[m]).__name__, params=ps,
                    total=sum(x["numel"] for x in ps)) for m, ps in groups.items()]
    return dict(
        modules=listing,
        shared_parameter_groups=shared,
        numel_unique=sum(p.numel() for p in model.parameters()),
        numel_with_duplicates=sum(p.numel() for _, p in model.named_parameters(remove_duplicate=False)),
    )


def top_level_param_groups(model) -> dict:
    """Parameters summed by the first one or two path components (embeddings, layer.i, ...)."""
    out: dict[str, int] = defaultdict(int)
    for n, p in model.named_parameters():
        parts = n.split(".")
        if parts[0] in ("encoder", "transformer") and len(parts) > 2 and parts[1] in (
                "layer", "albert_layer_groups"):
            key = ".".join(parts[:3])
        elif parts[0] in ("encoder", "transformer"):
            key = ".".join(parts[:2])
        else:
            key = parts[0]
        out[key] += p.numel()
    return dict(out)


# --------------------------------------------------------------------------------------
# 4. Main.
# --------------------------------------------------------------------------------------

def measure_model(name, config_cls, model_cls, kwargs) -> dict:
    config, path = make_and_save_config(name, config_cls, kwargs)
    model = build_model(model_cls, config)
    pb = param_breakdown(model)
    fp = formula_params(config)
    assert pb["numel_unique"] == fp["total"], (name, pb["numel_unique"], fp)

    result = dict(
        model_class=model_cls.__name__,
        config_file=str(path.relative_to(OUT)),
        params=pb["numel_unique"],
        params_with_duplicates=pb["numel_with_duplicates"],
        shared_parameter_groups=pb["shared_parameter_groups"],
        params_formula=fp,
        params_by_group=top_level_param_groups(model),
        macs={}, macs_formula={},
        forward_inputs=None,
        macs_breakdown_b1_s128=None,
        param_breakdown=pb["modules"],
    )
    for B, S in SIZES:
        inputs = make_inputs(model, config, B, S)
        want_rows = (B, S) == (1, 128)
        macs, rows = count_macs(model, inputs, with_breakdown=want_rows)
        fm = formula_macs(config, B, S)
        assert macs == fm["total"], (name, B, S, macs, fm)
        result["macs"][size_key(B, S)] = macs
        result["macs_formula"][size_key(B, S)] = fm
        if want_rows:
            result["forward_inputs"] = sorted(inputs)
            result["macs_breakdown_b1_s128"] = rows
            result["macs_by_role_b1_s128"] = macs_by_role(rows)
    print(f"{name:30s} params={result['params']:>13,d}  "
          + "  ".join(f"{k}={v:,d}" for k, v in result["macs"].items()), flush=True)
    del model
    return result


def measure_variant(name, config_cls, model_cls, kwargs) -> dict:
    config, path = make_and_save_config(name, config_cls, kwargs)
    base = BERT_BASE_UNCASED if config_cls is BertConfig else ROBERTA_BASE
    out = dict(model_class=model_cls.__name__, config_file=str(path.relative_to(OUT)),
               changed_keys={k: v for k, v in kwargs.items() if base.get(k, object()) != v})
    try:
        model = build_model(model_cls, config)
    except Exception as e:  # noqa: BLE001 - we want to record exactly what transformers says
        # The message embeds a multi-line module repr; keep the class name and the sentence.
        lines = str(e).splitlines()
        msg = f"{lines[0].rstrip('(')}(...) {lines[-1].lstrip(') ')}" if len(lines) > 1 else str(e)
        out.update(builds=False, error=f"{type(e).__name__}: {msg}")
        print(f"{name:40s} does not build: {out['error']}", flush=True)
        return out
    macs, _ = count_macs(model, make_inputs(model, config, 1, 128))
    out.update(builds=True,
               params=sum(p.numel() for p in model.parameters()),
               macs={size_key(1, 128): macs},
               # Parameters a plain encoder of the same shape would not have (layer 0 shown).
               extra_parameters_layer0={n.removeprefix("encoder.layer.0."): list(p.shape)
                                        for n, p in model.named_parameters()
                                        if n.startswith("encoder.layer.0.")
                                        and ("crossattention" in n or "distance_embedding" in n)},
               activation_modules=sorted({type(m).__name__ for m in model.modules()
                                          if "Activation" in type(m).__name__ or type(m).__name__ in ("SiLU", "GELU", "Tanh")}))
    print(f"{name:40s} params={out['params']:,d} macs(1,128)={macs:,d}", flush=True)
    return out


def main():
    CONFIG_DIR.mkdir(parents=True, exist_ok=True)
    figures = dict(
        environment=dict(python=platform.python_version(), torch=torch.__version__,
                         transformers=transformers.__version__),
        method=("Base model classes, random init, eval(), config._attn_implementation='eager', "
                "default add_pooling_layer. params = sum(p.numel() for p in model.parameters()). "
                "MACs = FlopCounterMode total FLOPs / 2 for one forward under torch.no_grad() with "
                "input_ids + attention_mask (all ones) [+ token_type_ids zeros where forward accepts it]. "
                "FlopCounterMode counts only matmul-class aten ops (mm/addmm/bmm/baddbmm/sdpa/conv); "
                "embedding lookups, LayerNorm, activations, softmax, adds and scalings count 0."),
        sizes=[size_key(b, s) for b, s in SIZES],
        models={}, variants={},
    )
    for name, (ccls, mcls, kw) in MODELS.items():
        figures["models"][name] = measure_model(name, ccls, mcls, kw)
    for name, (ccls, mcls, kw) in VARIANTS.items():
        figures["variants"][name] = measure_variant(name, ccls, mcls, kw)

    (OUT / "figures.json").write_text(json.dumps(figures, indent=1) + "\n")
    print("wrote", OUT / "figures.json")


if __name__ == "__main__":
    sys.exit(main())
