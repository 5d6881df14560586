#!/usr/bin/env python
"""Count the explicit Add nodes of ONNX transformer exports per category, from provenance.

This is the independent reference for generate-report's Add classification: it never looks
at graph structure.  Every Add node (op_type "Add", default domain) is put in exactly one
category from where the exporter says the node came from:

  * the module it was created in (path and class), and
  * the Python source line in transformers (or torch) that created it.

Where that provenance comes from:
  * dynamo exporter: each node's metadata_props (`pkg.torch.onnx.name_scopes`,
    `pkg.torch.onnx.class_hierarchy`, `pkg.torch.onnx.stack_trace`), read from the file, or,
    for committed files whose metadata was stripped to keep them small, from the sidecar
    provenance/<folder>/<file>.json that make_exports.py wrote from the same metadata;
  * legacy (TorchScript) exporter: the sidecar make_exports.py wrote from the exporter's
    verbose dump (module scope with classes) and the node doc_strings (the Python stack).
    Node names alone (`/m/encoder/layer.0/attention/self/Add_1`) only give the module path.
A sidecar is only used for a node whose name AND inputs match it, so it cannot be applied to
a different graph by mistake.  An Add without provenance, or whose source line has no rule,
is an error: the rules below must then be extended after reading the transformers source.

Usage (--root is the folder holding commit/, heldout/ and provenance/; default: the parent of
the repository's .build/exports; --shared is the folder of the nine earlier fixtures, default
Tests/Fixtures):
    count_adds.py FILE.onnx ... [--sidecar-dir provenance/commit] [--explain]
    count_adds.py --folder commit               # write commit/expected-counts.json, ops.json
    count_adds.py --check-fixtures              # the nine existing fixtures vs their README
"""
from __future__ import annotations

import argparse
import ast
import collections
import dataclasses
import json
import linecache
import re
import sys
from pathlib import Path

import onnx

REPOSITORY = Path(__file__).resolve().parents[2]
# The export staging folder make_exports.py writes (commit/, heldout/, provenance/, recheck/).
ROOT = REPOSITORY / ".build/exports"

CATEGORIES = [
    "embedding", "bias", "attention_mask", "attention_residual", "ffn_residual", "activation",
    "layernorm", "mask_prep", "rotary", "relative_position", "hidden_state_aggregation", "other",
]


def _site_packages() -> Path:
    import transformers
    return Path(transformers.__file__).resolve().parent.parent


# --------------------------------------------------------------------------------------------
# Provenance records
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Frame:
    file: str   # relative to site-packages, e.g. transformers/models/bert/modeling_bert.py
    line: int
    func: str
    code: str   # the source line, stripped

    def __str__(self):
        return f"{self.file}:{self.line} ({self.func}) {self.code}"


@dataclasses.dataclass
class Prov:
    node: str
    modules: list[tuple[str, str]]  # (module path, class), outermost first, wrapper dropped
    frames: list[Frame]             # innermost first, inside the model only
    aten: str | None                # dynamo: the aten op the node was lowered from
    origin: str                     # "metadata" | "sidecar-legacy" | "sidecar-dynamo"

    @property
    def leaf_class(self) -> str:
        return self.modules[-1][1] if self.modules else ""

    @property
    def leaf_path(self) -> str:
        return self.modules[-1][0] if self.modules else ""

    def transformers_frame(self) -> Frame | None:
        """Innermost frame in transformers' own code."""
        for f in self.frames:
            if f.file.startswith("transformers/"):
                return f
        return None


def _short(path: str) -> str:
    i = path.find("site-packages/")
    return path[i + len("site-packages/"):] if i >= 0 else path


_DYN_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\S+)\n\s*(.*)')


def prov_from_metadata(node_name: str, md: dict, origin: str) -> Prov:
    """The dynamo exporter's node metadata."""
    scopes = ast.literal_eval(md["pkg.torch.onnx.name_scopes"])
    classes = ast.literal_eval(md["pkg.torch.onnx.class_hierarchy"])
    # [wrapper, model, ..., leaf module, aten op]; name_scopes' last entry is the fx node name
    modules = list(zip(scopes[1:-1], classes[1:-1]))
    frames = []
    for m in _DYN_FRAME.finditer(md.get("pkg.torch.onnx.stack_trace", "")):
        path, line, func, code = m.groups()
        if path.endswith("make_exports.py") or "/truth/" in path or path.startswith("truth/"):
            continue  # the export wrapper
        frames.append(Frame(_short(path), int(line), func, code.strip()))
    frames.reverse()  # stack_trace is outermost first
    return Prov(node_name, modules, frames, classes[-1], origin)


def prov_from_legacy_sidecar(node_name: str, rec: dict) -> Prov:
    site = _site_packages()
    scope = rec.get("scope", [])[1:]  # drop the export wrapper
    modules, path = [], []
    for s in scope:
        path.append(s["name"])
        modules.append((".".join(path), s["class"]))
    frames = []
    for f in rec.get("stack", []):
        loc, func = f.rsplit(" ", 1)
        file, line = loc.rsplit(":", 1)
        code = linecache.getline(str(site / file), int(line)).strip()
        frames.append(Frame(file, int(line), func, code))
    if not frames and rec.get("file"):
        code = linecache.getline(str(site / rec["file"]), rec["line"]).strip()
        frames.append(Frame(rec["file"], rec["line"], "?", code))
    return Prov(node_name, modules, frames, None, "sidecar-legacy")


def is_add(node) -> bool:
    return node.op_type == "Add" and node.domain in ("", "ai.onnx")


def load_provenance(model: onnx.ModelProto, sidecar: Path | None) -> dict[str, Prov]:
    side = json.loads(sidecar.read_text()) if sidecar and sidecar.exists() else None
    out = {}
    for node in model.graph.node:
        if not is_add(node):
            continue
        md = {p.key: p.value for p in node.metadata_props}
        if "pkg.torch.onnx.class_hierarchy" in md:
            out[node.name] = prov_from_metadata(node.name, md, "metadata")
            continue
        if side is None:
            continue
        rec = side["adds"].get(node.name)
        if rec is None or rec["inputs"] != list(node.input):
            continue  # sidecar does not describe this node
        if "metadata" in rec:
            out[node.name] = prov_from_metadata(node.name, rec["metadata"], "sidecar-dynamo")
        else:
            out[node.name] = prov_from_legacy_sidecar(node.name, rec)
    return out


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------

# 1. The innermost module decides when it is a layer whose adds all mean one thing.
LINEAR_CLASSES = {"torch.nn.modules.linear.Linear", "transformers.pytorch_utils.Conv1D"}


def _generic(path: str) -> str:
    """m.encoder.layer.11.output.dense -> encoder.layer.*.output.dense (one reason per layer kind)."""
    path = path[2:] if path.startswith("m.") else path
    return re.sub(r"\.\d+(?=\.|$)", ".*", path)


def module_rule(p: Prov) -> tuple[str, str] | None:
    cls = p.leaf_class
    short = cls.rsplit(".", 1)[-1]
    if cls in LINEAR_CLASSES:
        return "bias", f"inside {short} {_generic(p.leaf_path)}"
    if short.endswith(("LayerNorm", "RMSNorm")):
        return "layernorm", f"inside {short} {_generic(p.leaf_path)}"
    if cls.startswith(("transformers.activations.", "torch.nn.modules.activation.")):
        return "activation", f"inside {short} {_generic(p.leaf_path)}"
    return None


# 2. Dynamo: an Add that the lowering of one aten op produced means what that op means.
#    (The legacy exporter's equivalents are caught by the module rule or the call's line.)
ATEN_RULES = {
    "aten.linear.default": ("bias", "lowered from aten.linear"),
    "aten.addmm.default": ("bias", "lowered from aten.addmm"),
    "aten.gelu.default": ("activation", "the 1 + erf of aten.gelu"),
    # torch's sdpa lowerings (onnxscript torchlib and the legacy symbolic_opset14) make exactly
    # one Add: scores + attn_mask.  The causal-mask helper they use has none.
    "aten.scaled_dot_product_attention.default": ("attention_mask",
                                                  "scores + attn_mask inside sdpa"),
}

# 3. Otherwise the source line that made the add: the innermost frame in transformers' code.
#    Keyed by file (relative to site-packages) and line in transformers 5.25; `code` must occur
#    in that line, so a changed transformers fails loudly instead of miscounting.
#    Entry: (line, code fragment, category, why).
#
#    Conventions (adopted from the categorisation of the existing fixtures, see REPORT.md):
#    * scores + mask is attention_mask even when the mask is a constant (ViT under dynamo);
#    * scores + a relative-position bias (T5, MPNet) and DeBERTa's c2p/p2c score terms are
#      relative_position, and so is all bucket / index arithmetic for relative positions;
#    * arithmetic that builds the mask or position ids from the inputs is mask_prep
#      (masking_utils, RoBERTa-style `cumsum(mask) * mask + padding_idx`);
#    * a residual add is attention_residual or ffn_residual by the block it closes, also when
#      it is written inside a LayerNorm call (post-LN: `LayerNorm(x + residual)`).
_EMB = "embedding"
_ATT = "attention_residual"
_FFN = "ffn_residual"
_MASK = "attention_mask"
_REL = "relative_position"
_PREP = "mask_prep"
_ROT = "rotary"

# Call sites: the dynamo exporter's default stack trace keeps only `forward` frames, so an add
# made in a helper shows the forward line that called it.  make_exports.py registers the
# helpers so new exports show the real line; these entries cover exports made without that
# (the existing fixtures), and only where every add inside the call has one category.
_CALL_ATTENTION = "every add inside eager attention / sdpa called here is scores + mask"

LINE_RULES: dict[str, list[tuple[int, str, str, str]]] = {
    "transformers/models/bert/modeling_bert.py": [
        (102, "inputs_embeds + token_type_embeddings", _EMB, "word + token_type embeddings"),
        (105, "embeddings + position_embeddings", _EMB, "+ position embeddings"),
        (129, "attn_weights + attention_mask", _MASK, "scores + additive mask"),
        (293, "LayerNorm(hidden_states + input_tensor)", _ATT, "BertSelfOutput residual"),
        (352, "LayerNorm(hidden_states + input_tensor)", _FFN, "BertOutput residual"),
        (194, "attention_interface(", _MASK, _CALL_ATTENTION),
    ],
    "transformers/models/roberta/modeling_roberta.py": [
        (113, "inputs_embeds + token_type_embeddings", _EMB, "word + token_type embeddings"),
        (116, "embeddings + position_embeddings", _EMB, "+ position embeddings"),
        (154, "incremental_indices.long() + padding_idx", _PREP,
         "position ids: cumsum(input_ids != pad) * mask + padding_idx"),
        (174, "attn_weights + attention_mask", _MASK, "scores + additive mask"),
        (338, "LayerNorm(hidden_states + input_tensor)", _ATT, "RobertaSelfOutput residual"),
        (397, "LayerNorm(hidden_states + input_tensor)", _FFN, "RobertaOutput residual"),
    ],
    "transformers/models/xlm_roberta/modeling_xlm_roberta.py": [
        (113, "inputs_embeds + token_type_embeddings", _EMB, "word + token_type embeddings"),
        (116, "embeddings + position_embeddings", _EMB, "+ position embeddings"),
        (154, "incremental_indices.long() + padding_idx", _PREP,
         "position ids: cumsum(input_ids != pad) * mask + padding_idx"),
        (174, "attn_weights + attention_mask", _MASK, "scores + additive mask"),
        (338, "LayerNorm(hidden_states + input_tensor)", _ATT, "XLMRobertaSelfOutput residual"),
        (397, "LayerNorm(hidden_states + input_tensor)", _FFN, "XLMRobertaOutput residual"),
    ],
    "transformers/models/distilbert/modeling_distilbert.py": [
        (114, "inputs_embeds + position_embeddings", _EMB, "word + position embeddings"),
        (138, "attn_weights + attention_mask", _MASK, "scores + additive mask"),
        (252, "sa_layer_norm(attention_output + hidden_states)", _ATT, "attention residual"),
        (256, "output_layer_norm(ffn_output + attention_output)", _FFN, "FFN residual"),
    ],
    "transformers/models/albert/modeling_albert.py": [
        (99, "inputs_embeds + token_type_embeddings", _EMB, "word + token_type embeddings"),
        (102, "embeddings + position_embeddings", _EMB, "+ position embeddings"),
        (127, "attn_weights + attention_mask", _MASK, "scores + additive mask"),
        (198, "LayerNorm(hidden_states + attn_output)", _ATT, "AlbertAttention residual"),
        (231, "full_layer_layer_norm(ffn_output + attention_output)", _FFN, "AlbertLayer FFN residual"),
    ],
    "transformers/models/electra/modeling_electra.py": [
        (107, "inputs_embeds + token_type_embeddings", _EMB, "word + token_type embeddings"),
        (110, "embeddings + position_embeddings", _EMB, "+ position embeddings"),
        (135, "attn_weights + attention_mask", _MASK, "scores + additive mask"),
        (302, "LayerNorm(hidden_states + input_tensor)", _ATT, "ElectraSelfOutput residual"),
        (364, "LayerNorm(hidden_states + input_tensor)", _FFN, "ElectraOutput residual"),
    ],
    "transformers/models/mpnet/modeling_mpnet.py": [
        (91, "inputs_embeds + position_embeddings", _EMB, "word + position embeddings"),
        (857, "incremental_indices.long() + padding_idx", _PREP,
         "position ids: cumsum(input_ids != pad) * mask + padding_idx"),
        (154, "attention_scores += position_bias", _REL, "scores + relative position bias"),
        (157, "attention_scores + attention_mask", _MASK, "scores + additive mask"),
        (197, "LayerNorm(self.dropout(self_outputs[0]) + hidden_states)", _ATT,
         "MPNetAttention residual"),
        (229, "LayerNorm(hidden_states + input_tensor)", _FFN, "MPNetOutput residual"),
        (340, "val_if_large = max_exact + (", _REL, "relative position bucket arithmetic"),
        (345, "ret += torch.where(is_small, n, val_if_large)", _REL,
         "relative position bucket arithmetic"),
    ],
    "transformers/models/deberta_v2/modeling_deberta_v2.py": [
        (52, "LayerNorm(hidden_states + input_tensor)", _ATT, "DebertaV2SelfOutput residual"),
        (405, "LayerNorm(hidden_states + input_tensor)", _FFN, "DebertaV2Output residual"),
        (65, "* (mid - 1)) + mid", _REL, "log-bucket relative position arithmetic"),
        (245, "attention_scores + rel_att", _REL, "scores + disentangled relative attention"),
        (312, "relative_pos + att_span", _REL, "c2p relative position index"),
        (318, "score += c2p_att", _REL, "content->position score term"),
        (330, "-r_pos + att_span", _REL, "p2c relative position index"),
        (337, "score += p2c_att", _REL, "position->content score term"),
    ],
    "transformers/models/gpt2/modeling_gpt2.py": [
        (577, "inputs_embeds + position_embeds", _EMB, "token + position embeddings"),
        (62, "attn_weights + attention_mask", _MASK, "scores + additive (causal) mask"),
        (285, "attn_output + residual", _ATT, "attention residual"),
        (310, "residual + feed_forward_hidden_states", _FFN, "MLP residual"),
        (213, "attention_interface(", _MASK, _CALL_ATTENTION),
    ],
    "transformers/models/vit/modeling_vit.py": [
        (157, "embeddings + self.position_embeddings", _EMB,
         "patch (+CLS) embeddings + position parameter"),
        (181, "attn_weights + attention_mask", _MASK,
         "scores + additive mask (a constant all-zero mask: ViT has no mask input)"),
        (277, "hidden_states + residual", _ATT, "attention residual"),
        (284, "hidden_states + residual", _FFN, "MLP residual"),
    ],
    "transformers/models/t5/modeling_t5.py": [
        (141, "hidden_states + self.dropout(forwarded_states)", _FFN, "T5LayerFF residual"),
        (163, "attn_weights + position_bias", _REL, "scores + relative position bias"),
        (166, "attn_weights + attention_mask", _MASK, "scores + additive mask"),
        (242, "relative_buckets += (relative_position > 0)", _REL,
         "relative position bucket arithmetic"),
        (253, "relative_position_if_large = max_exact + (", _REL,
         "relative position bucket arithmetic"),
        (262, "relative_buckets += torch.where(", _REL, "relative position bucket arithmetic"),
        (269, "[:, None] + past_seen_tokens", _REL, "relative position: context positions"),
        (403, "hidden_states + self.dropout(attention_output)", _ATT,
         "T5LayerSelfAttention residual"),
    ],
    "transformers/models/llama/modeling_llama.py": [
        (147, "q_embed = (q * cos) + (rotate_half(q) * sin)", _ROT, "rotary on q"),
        (148, "k_embed = (k * cos) + (rotate_half(k) * sin)", _ROT, "rotary on k"),
        (195, "attn_weights + attention_mask", _MASK, "scores + additive (causal) mask"),
        (308, "residual + hidden_states", _ATT, "attention residual"),
        (314, "residual + hidden_states", _FFN, "MLP residual"),
        (249, "apply_rotary_pos_emb(", _ROT, "call site: both adds of apply_rotary_pos_emb"),
        (258, "attention_interface(", _MASK, _CALL_ATTENTION),
    ],
    "transformers/integrations/sdpa_attention.py": [
        (183, "scaled_dot_product_attention(", _MASK,
         "scores + attn_mask inside torch's sdpa (legacy symbolic / torchlib lowering)"),
    ],
}

# Whole files whose adds all mean one thing.
FILE_RULES: dict[str, tuple[str, str]] = {
    "transformers/masking_utils.py": (_PREP, "building the attention mask from the inputs"),
}


class Unclassified(Exception):
    pass


def classify(p: Prov) -> tuple[str, str]:
    r = module_rule(p)
    if r:
        return r
    if p.aten in ATEN_RULES:
        return ATEN_RULES[p.aten]
    f = p.transformers_frame()
    if f is None:
        raise Unclassified(f"{p.node}: no transformers frame; modules {p.modules}; "
                           f"frames {[str(x) for x in p.frames]}")
    for line, code, cat, why in LINE_RULES.get(f.file, []):
        if line == f.line:
            if code not in f.code:
                raise Unclassified(f"{p.node}: rule for {f.file}:{line} expects {code!r}, "
                                   f"source has {f.code!r}")
            return cat, f"{why} [{f.file.rsplit('/', 1)[-1]}:{f.line}]"
    if f.file in FILE_RULES:
        cat, why = FILE_RULES[f.file]
        return cat, f"{why} [{f.file.rsplit('/', 1)[-1]}:{f.line}]"
    raise Unclassified(f"{p.node}: no rule for {f}; module {p.leaf_path} ({p.leaf_class}); "
                       f"aten {p.aten}")


# --------------------------------------------------------------------------------------------
# Counting
# --------------------------------------------------------------------------------------------

def dims_of(vi) -> list:
    return [d.dim_value if d.HasField("dim_value") else d.dim_param
            for d in vi.type.tensor_type.shape.dim]


def op_counts(model: onnx.ModelProto) -> dict[str, int]:
    c = collections.Counter(f"{n.domain or 'ai.onnx'}:{n.op_type}" for n in model.graph.node)
    return dict(sorted(c.items()))


def count_file(path: Path, sidecar: Path | None, explain: bool = False) -> dict:
    model = onnx.load(str(path), load_external_data=False)
    prov = load_provenance(model, sidecar)
    counts = collections.Counter()
    reasons: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    unknown = []
    for node in model.graph.node:
        if not is_add(node):
            continue
        p = prov.get(node.name)
        if p is None:
            unknown.append(f"{node.name}: no provenance (inputs {list(node.input)})")
            continue
        try:
            cat, why = classify(p)
        except Unclassified as e:
            unknown.append(str(e))
            continue
        counts[cat] += 1
        reasons[cat][why] += 1
        if explain:
            print(f"  {cat:22s} {node.name:60s} {why}")
    fused = collections.Counter(n.op_type for n in model.graph.node if n.domain == "com.microsoft")
    return {
        "explicit": {c: counts[c] for c in CATEGORIES if counts[c]},
        "total_add_nodes": sum(1 for n in model.graph.node if is_add(n)),
        "inputs": {i.name: dims_of(i) for i in model.graph.input},
        "outputs": {o.name: dims_of(o) for o in model.graph.output},
        "fused_ops": dict(sorted(fused.items())),
        "ops": op_counts(model),
        "explained": {c: dict(sorted(reasons[c].items())) for c in CATEGORIES if counts[c]},
        "unclassified": unknown,
        "provenance": sorted({p.origin for p in prov.values()}),
    }


# --------------------------------------------------------------------------------------------
# The existing fixtures: the counter must reproduce their READMEs exactly
# --------------------------------------------------------------------------------------------

# The repository's copies of the nine fixtures (onnx/, onnx-transformers/).
SHARED = REPOSITORY / "Tests/Fixtures"
# (file, sidecar folder or None, expected counts as in shared/fixtures/README.md).  The legacy
# files carry no stack in the file; their sidecars come from re-exporting the same config
# (make_exports.py recheck_bert_tiny recheck_shared), and a sidecar is only applied to nodes
# whose names and inputs it matches exactly.
_BERT_COMMON = {"embedding": 2, "bias": 12, "attention_mask": 2, "attention_residual": 2,
                "ffn_residual": 2, "activation": 2}
FIXTURES = [
    ("onnx/bert-tiny.legacy14.onnx", "recheck",
     {**_BERT_COMMON, "mask_prep": 1, "layernorm": 10}),
    ("onnx/bert-tiny.legacy17dyn.onnx", "recheck", {**_BERT_COMMON, "mask_prep": 1}),
    ("onnx/bert-tiny.dynamo18.onnx", None, dict(_BERT_COMMON)),
    ("onnx/bert-tiny.ortfused.onnx", "recheck", {"embedding": 2}),
    ("onnx-transformers/roberta-base.legacy14.onnx", "recheck",
     {"embedding": 2, "bias": 72, "attention_mask": 12, "attention_residual": 12,
      "ffn_residual": 12, "activation": 12, "mask_prep": 2, "layernorm": 50}),
    ("onnx-transformers/gpt2-4l.dynamo18.onnx", None,
     {"embedding": 1, "attention_mask": 4, "attention_residual": 4, "ffn_residual": 4,
      "activation": 8}),
    ("onnx-transformers/vit-base-4l.legacy14.onnx", "recheck",
     {"embedding": 1, "bias": 24, "attention_residual": 4, "ffn_residual": 4, "activation": 4,
      "layernorm": 18}),
    ("onnx-transformers/llama-tiny.dynamo18.onnx", None,
     {"attention_mask": 4, "attention_residual": 4, "ffn_residual": 4, "layernorm": 9,
      "rotary": 8}),
    ("onnx-transformers/t5-small-encoder.legacy14.onnx", "recheck",
     {"attention_mask": 6, "attention_residual": 6, "ffn_residual": 6, "mask_prep": 1,
      "layernorm": 13, "relative_position": 8}),
]


def check_fixtures(root: Path, shared: Path) -> int:
    bad = 0
    for rel, side_dir, want in FIXTURES:
        f = shared / rel
        side = root / "provenance" / side_dir / (f.name + ".json") if side_dir else None
        r = count_file(f, side)
        ok = r["explicit"] == want and not r["unclassified"]
        bad += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {rel:50s} total {r['total_add_nodes']:3d} "
              f"{json.dumps(r['explicit'])} via {r['provenance']}")
        if not ok:
            print(f"     expected {json.dumps(want)}")
            for u in r["unclassified"]:
                print("     UNCLASSIFIED", u)
    print(f"{len(FIXTURES) - bad} passed, {bad} failed")
    return 1 if bad else 0


# --------------------------------------------------------------------------------------------
# Folder mode: expected-counts.json and ops.json
# --------------------------------------------------------------------------------------------

# Observations about particular exports that a reader of the counts needs.
NOTES = {
    ("vit", "dynamo"): "ViT has no attention_mask input, yet under torch.export "
                       "create_bidirectional_mask materialises an all-zero additive mask "
                       "(Where over a constant [1,1,197,197] bool initializer), so each layer "
                       "has a scores + mask add; the legacy export has none",
    ("deberta_v2", "legacy"): "`score = 0; score += c2p_att / scale` is exported as "
                              "Add(Div, Constant 0) in every layer (counted relative_position); "
                              "the relative-position index adds (c2p/p2c) survive in layer 0 only",
    ("deberta_v2", ""): "DeBERTa masks with a boolean masked_fill, so it has no attention_mask "
                        "add; it has no absolute position or token type embedding, so no "
                        "embedding add",
    ("gpt2", ""): "Conv1D is torch.addmm, exported as Gemm: its bias is the Gemm's C input, "
                  "not an Add",
    ("t5", ""): "T5's linears have no bias; scores + position_bias is relative_position and "
                "scores + mask is attention_mask (the README's convention for T5)",
    ("llama", ""): "no biases; RMSNorm's variance + eps counts as layernorm; the rotary cos/sin "
                   "tables are constants",
    ("albert", ""): "one shared layer: the same weights appear in every layer's nodes",
    ("bert", "ortfused"): "adds hidden in com.microsoft ops: SkipLayerNormalization (residuals + "
                          "dense biases + LayerNorm), Attention (QKV biases + mask), BiasGelu "
                          "(intermediate bias + GELU), EmbedLayerNormalization where fused "
                          "(embedding adds); the mask becomes a ReduceSum mask index",
    ("roberta", "ortfused"): "adds hidden in com.microsoft ops: SkipLayerNormalization "
                             "(residuals + dense biases + LayerNorm), Attention (QKV biases + "
                             "mask), BiasGelu (intermediate bias + GELU); the embedding adds and "
                             "the position-id add stay explicit (no EmbedLayerNormalization)",
    ("distilbert", "ortfused"): "no explicit Add left: EmbedLayerNormalization (embedding add), "
                                "Attention (QKV biases + mask), SkipLayerNormalization "
                                "(residuals + dense biases), BiasGelu (intermediate bias + GELU)",
    ("bert", "ortfused-o1"): "opt_level=1: onnxruntime's MatMulAddFusion first turns every "
                             "linear into Reshape/Gemm/Reshape (bias in Gemm's C), so Attention "
                             "is not fused and scores + mask stays explicit",
}


def _notes(family: str, exporter: str, entry: dict) -> str:
    parts = [entry.get("notes", "")] if entry.get("notes") else []
    for (fam, exp), text in NOTES.items():
        # "" = every export of the family, "legacy"/"dynamo" = that exporter, else exact
        if fam == family and (exporter == exp or
                              (exp in ("", "legacy", "dynamo") and exporter.startswith(exp))):
            parts.append(text)
    nc = entry.get("numeric_check", {})
    if "max_abs_diff" in nc:
        parts.append(f"onnxruntime vs PyTorch max abs diff {nc['max_abs_diff']:.1e} "
                     "(padded mask, before stripping weights)")
    if entry.get("checker", "ok") != "ok":
        parts.append("onnx.checker fails: " + entry["checker"].removeprefix("checker: ")
                     + (" (onnxruntime's optimizer emits LayerNormalization under opset 14; "
                        "onnxruntime runs it)" if "LayerNormalization" in entry["checker"] else ""))
    if entry.get("node_metadata", "").startswith("stripped"):
        parts.append("dynamo node metadata_props stripped for size (kept in the provenance "
                     "sidecar)")
    return "; ".join(parts)


def write_folder(root: Path, folder: str) -> int:
    out_dir = root / folder
    prov_dir = root / "provenance" / folder
    manifest = json.loads((prov_dir / "manifest.json").read_text())
    expected, ops = {}, {}
    bad = 0
    for f in sorted(out_dir.glob("*.onnx")):
        entry = manifest.get(f.name, {})
        r = count_file(f, prov_dir / (f.name + ".json"))
        if r["unclassified"]:
            bad += 1
            print(f"UNCLASSIFIED in {f.name}:")
            for u in r["unclassified"]:
                print("   ", u)
        family = entry.get("family", "?")
        exporter = entry.get("exporter", "?")
        e = {
            "family": family,
            "model_class": entry.get("model_class"),
            "exporter": exporter,
            "explicit": r["explicit"],
            "total_add_nodes": r["total_add_nodes"],
            "inputs": r["inputs"],
            "outputs": r["outputs"],
            "explained": r["explained"],
            "config": entry.get("config"),
            "size_bytes": f.stat().st_size,
            "notes": _notes(family, exporter, entry),
        }
        if r["fused_ops"]:
            e["fused_ops"] = r["fused_ops"]
        expected[f.name] = e
        ops[f.name] = r["ops"]
        print(f"{f.name:42s} {f.stat().st_size:8d} B total {r['total_add_nodes']:4d} "
              f"{json.dumps(r['explicit'])}")
    (out_dir / "expected-counts.json").write_text(json.dumps(expected, indent=1) + "\n")
    (out_dir / "ops.json").write_text(json.dumps(ops, indent=1) + "\n")
    return 1 if bad else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--sidecar-dir", type=Path, help="folder of <file>.json provenance sidecars")
    ap.add_argument("--explain", action="store_true", help="print every Add with its reason")
    ap.add_argument("--folder", action="append", default=[],
                    help="commit | heldout: write <folder>/expected-counts.json and ops.json")
    ap.add_argument("--check-fixtures", action="store_true",
                    help="count the nine existing fixtures and compare with their README")
    ap.add_argument("--root", type=Path, default=ROOT)
    ap.add_argument("--shared", type=Path, default=SHARED)
    a = ap.parse_args(argv)
    bad = 0
    if a.check_fixtures:
        bad += check_fixtures(a.root, a.shared)
    for folder in a.folder:
        bad += write_folder(a.root, folder)
    for f in a.files:
        side = (a.sidecar_dir / (f.name + ".json")) if a.sidecar_dir else None
        r = count_file(f, side, a.explain)
        print(f.name, json.dumps(r["explicit"]), "total", r["total_add_nodes"], r["provenance"])
        for u in r["unclassified"]:
            print("   UNCLASSIFIED", u)
        bad += bool(r["unclassified"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
