#!/usr/bin/env python
"""ZigZag reference for BERT-base's matmuls on a KPU-T256-like accelerator (issue 18).

Writes BERT-base's five matmul shapes (bf16, batch 1, sequence 128) and a KPU-T256-like
accelerator as ZigZag workload, hardware and mapping-constraint files into a temporary folder,
runs ZigZag's LOMA temporal-mapping search for every split of the output blocks over the tiles,
keeps the best mapping per shape (fewest cycles, then least energy, among output-stationary
mappings) and writes its bytes per memory level and operand to
Tests/Fixtures/zigzag/bert-base-bf16-kpu-t256.json.

Not part of CI: run it by hand in its own venv (see README.md beside this file).

    python make_fixture.py                 # writes the fixture
    python make_fixture.py --keep DIR      # also keeps the generated ZigZag inputs in DIR
    python make_fixture.py --out FILE      # writes the fixture elsewhere
    python make_fixture.py --only ffn1     # one shape (repeatable), for a quick look
    python make_fixture.py --check         # no search: prints ZigZag's figures for the split
                                           #   the fixture holds and compares with the fixture

The hardware (data/hardware/kpu-t256.yaml, data/energy-tables.yaml `kpu-16nm`,
data/kpu-engines.yaml), modelled for ZigZag:

  operational array  D1 = 32 PE rows (M), D2 = 32 PE columns (N), D3 = 256 tiles; 0.16 pJ per
                     bf16 MAC; D1 and D2 systolic (ZigZag adds a drain of 31 + 31 cycles).
  pe_acc   (O)       one accumulator per PE (fp32, 32 bits), served by no dimension; its
                     accesses cost nothing (part of the MAC) and are not reported: C never
                     passes through L1.
  l1_a     (A)       a PE row's copy of A, served along D2 (a row shares each A element; the
                     issue counts L1 once per element per tile).  2 KiB: half of each PE's
                     4 KiB operand store (the other half is B's); 16 bits per cycle.
  l1_b     (B)       a PE column's copy of B, served along D1; likewise 2 KiB, 16 bits/cycle.
  l2       (A,B,C)   32 KiB per tile (served D1, D2: one instance per tile); 64 B per cycle per
                     port: block mover (L3 <-> L2), A streamer, B streamer, drain.
  l3       (A,B,C)   64 MiB shared by all tiles (256 KiB per tile; served D1, D2, D3); 64 B per
                     cycle per tile on the block-mover side (16 KiB per cycle in all).
  dram     (A,B,C)   LPDDR5, 256 GB/s = 256 B per cycle at 1 GHz.

Energies in pJ/byte from kpu-16nm: DRAM 10 read / 12 write, L3 2.0/2.5, L2 0.8/1.0,
L1 0.3/0.4.  ZigZag charges per word of a memory's port width, so every port of a memory has
one width and its cost per word is pJ/byte x width/8.

Mapping constraints: K (the reduction) is never unrolled spatially: D1 = M 32, D2 = N 32 and D3
(the tiles) holds a split of the output blocks, heads x M-blocks x N-blocks, each a divisor of
its extent with a product of at most 256.  Every such split is one ZigZag run; LOMA searches
the temporal loop order and the memory allocation.  A mapping is output-stationary when no
partial sum leaves the PE accumulator (C's traffic above pe_acc is final outputs only); only
those are kept.

ZigZag counts one read of a shared memory for all the lower-level instances that take the same
data (an irrelevant spatial loop: A across N-blocks, B across M-blocks), i.e. L3 multicasts.
It cannot express L3 without multicast, so the no-multicast L3 reads are computed from
ZigZag's own figures: every tile's L2 fill is its own L3 read, so A/B L3 reads without
multicast = A/B L2 writes.  Energy without multicast adds those extra reads at L3's read
energy; cycles are ZigZag's (multicast) cycles.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import itertools
import json
import logging
import math
import os
import sys
import tempfile
import time
from importlib.metadata import version as package_version
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
DEFAULT_OUT = REPO / "Tests" / "Fixtures" / "zigzag" / "bert-base-bf16-kpu-t256.json"

# ----------------------------------------------------------------------------------------------
# Workload: BERT-base (bert-base-uncased) at bf16, batch 1, sequence 128, 12 heads of 64.
# C[M, N] = A[M, K] . B[K, N]; `heads` independent products (each its own A and B) when > 1.

SEQUENCE, HIDDEN, HEADS, HEAD_DIM, FFN = 128, 768, 12, 64, 3072
SHAPES = [
    {"name": "qkv_out_proj", "m": SEQUENCE, "k": HIDDEN, "n": HIDDEN, "batch": 1, "b_is_weight": True},
    {"name": "attention_scores", "m": SEQUENCE, "k": HEAD_DIM, "n": SEQUENCE, "batch": HEADS, "b_is_weight": False},
    {"name": "attention_context", "m": SEQUENCE, "k": SEQUENCE, "n": HEAD_DIM, "batch": HEADS, "b_is_weight": False},
    {"name": "ffn1", "m": SEQUENCE, "k": HIDDEN, "n": FFN, "batch": 1, "b_is_weight": True},
    {"name": "ffn2", "m": SEQUENCE, "k": FFN, "n": HIDDEN, "batch": 1, "b_is_weight": True},
]
BYTES_PER_ELEMENT = 2  # bf16
ACCUMULATOR_BITS = 32  # fp32 partial sums inside the PE; C leaves it as bf16

# ----------------------------------------------------------------------------------------------
# Hardware: KPU-T256 at bf16 (all 256 tiles run bf16 at one MAC per PE per cycle).

TILES, ROWS, COLS = 256, 32, 32
CLOCK_HZ = 1e9
ENERGY_PJ_PER_BYTE = {  # data/energy-tables.yaml kpu-16nm (LPDDR5)
    "dram": (10.0, 12.0),
    "l3": (2.0, 2.5),
    "l2": (0.8, 1.0),
    "l1": (0.3, 0.4),
}
MAC_PJ = 0.16  # kpu-16nm mac n16 bf16
L3_BYTES = 256 * 1024 * TILES  # l3_kib_per_tile 256
L2_BYTES = 32 * 1024  # l2_kib_per_tile 32
L1_BYTES_PER_PE = 4 * 1024  # l1_kib_per_pe 4: half A, half B
DRAM_BYTES_PER_CYCLE = 256  # 256 GB/s at 1 GHz
ENGINE_BYTES_PER_CYCLE = 64  # block mover / streamer bus (data/kpu-engines.yaml), one word per cycle
L1_BITS_PER_CYCLE = 16  # one bf16 element per PE row (column) per cycle


def ports(width_bits: int, groups: list[tuple[str, list[str]]]) -> list[dict]:
    """ZigZag ports, all `width_bits` wide (minimum 16 bits: one element, so no rounding)."""
    counters = {"read": 0, "write": 0, "read_write": 0}
    prefix = {"read": "r", "write": "w", "read_write": "rw"}
    out = []
    for kind, allocation in groups:
        counters[kind] += 1
        out.append(
            {
                "name": f"{prefix[kind]}_port_{counters[kind]}",
                "type": kind,
                "bandwidth_min": 16,
                "bandwidth_max": width_bits,
                "allocation": allocation,
            }
        )
    return out


def memory(size_bytes: int, level: str | None, width_bits: int, operands, served, port_groups) -> dict:
    read, write = ENERGY_PJ_PER_BYTE[level] if level else (0.0, 0.0)
    return {
        "size": int(size_bytes * 8),
        "r_cost": read * width_bits / 8,  # pJ per access of one port word
        "w_cost": write * width_bits / 8,
        "area": 0.0,
        "latency": 1,
        "operands": operands,
        "ports": ports(width_bits, port_groups),
        "served_dimensions": served,
    }


def accelerator() -> dict:
    acc_bits = ACCUMULATOR_BITS
    engine_bits = ENGINE_BYTES_PER_CYCLE * 8
    l3_bits = ENGINE_BYTES_PER_CYCLE * 8 * TILES
    dram_bits = DRAM_BYTES_PER_CYCLE * 8
    everything = ["I1, fh", "I1, tl", "I2, fh", "I2, tl", "O, fh", "O, tl", "O, fl", "O, th"]
    return {
        "name": "kpu_t256_like_bf16",
        "memories": {
            # Listed bottom-up: ZigZag builds each operand's hierarchy in this order.
            "pe_acc": memory(
                acc_bits // 8, None, acc_bits, ["O"], [],
                [("read", ["O, tl"]), ("read", ["O, th"]), ("write", ["O, fh"]), ("write", ["O, fl"])],
            ),
            "l1_a": memory(
                L1_BYTES_PER_PE // 2, "l1", L1_BITS_PER_CYCLE, ["I1"], ["D2"],
                [("read", ["I1, tl"]), ("write", ["I1, fh"])],
            ),
            "l1_b": memory(
                L1_BYTES_PER_PE // 2, "l1", L1_BITS_PER_CYCLE, ["I2"], ["D1"],
                [("read", ["I2, tl"]), ("write", ["I2, fh"])],
            ),
            "l2": memory(
                L2_BYTES, "l2", engine_bits, ["I1", "I2", "O"], ["D1", "D2"],
                [
                    # block mover; "O, tl"/"O, fh" only carry partial sums back down, which the search rejects
                    ("read_write", ["I1, fh", "I2, fh", "O, th", "O, tl", "O, fh"]),
                    ("read", ["I1, tl"]),  # A streamer
                    ("read", ["I2, tl"]),  # B streamer
                    ("write", ["O, fl"]),  # drain from the array
                ],
            ),
            "l3": memory(
                L3_BYTES, "l3", l3_bits, ["I1", "I2", "O"], ["D1", "D2", "D3"],
                [
                    ("read_write", ["I1, fh", "I2, fh", "O, th", "O, fh"]),  # DMA side
                    ("read_write", ["I1, tl", "I2, tl", "O, fl", "O, tl"]),  # block movers, all tiles
                ],
            ),
            "dram": memory(
                1 << 40, "dram", dram_bits, ["I1", "I2", "O"], ["D1", "D2", "D3"],
                [("read_write", everything)],
            ),
        },
        "operational_array": {
            "input_precision": [16, 16],
            "unit_energy": MAC_PJ,
            "unit_area": 1.0,
            "dimensions": ["D1", "D2", "D3"],
            "sizes": [ROWS, COLS, TILES],
            "systolic_dimensions": ["D1", "D2"],
        },
    }


def workload(shape: dict) -> list[dict]:
    if shape["batch"] > 1:
        equation, dims = "O[h][m][n]+=I[h][m][k]*W[h][k][n]", ["H", "M", "N", "K"]
        sizes = [shape["batch"], shape["m"], shape["n"], shape["k"]]
    else:
        equation, dims = "O[m][n]+=I[m][k]*W[k][n]", ["M", "N", "K"]
        sizes = [shape["m"], shape["n"], shape["k"]]
    return [
        {
            "id": 0,
            "name": shape["name"],
            "operator_type": "Gemm",
            "equation": equation,
            "loop_dims": dims,
            "loop_sizes": sizes,
            "operand_precision": {"I": 16, "W": 16, "O": ACCUMULATOR_BITS, "O_final": 16},
            # B is a constant (a weight) for the projections; both operands are activations in attention.
            "operand_source": {"W": 0} if shape["b_is_weight"] else {},
        }
    ]


def mapping(split: dict[str, int]) -> list[dict]:
    """Spatial mapping: M 32 on the PE rows, N 32 on the columns, the block split on the tiles."""
    d3 = [f"{dim}, {factor}" for dim, factor in split.items() if factor > 1] or ["M, 1"]
    return [
        {
            "name": "default",
            "spatial_mapping": {"D1": ["M, 32"], "D2": ["N, 32"], "D3": d3},
            "memory_operand_links": {"O": "O", "W": "I2", "I": "I1"},
        }
    ]


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def splits(shape: dict) -> list[dict[str, int]]:
    """Every split of the output blocks over the tiles: heads x M-blocks x N-blocks, divisors only."""
    m_blocks, n_blocks = math.ceil(shape["m"] / ROWS), math.ceil(shape["n"] / COLS)
    out = []
    for h, bm, bn in itertools.product(divisors(shape["batch"]), divisors(m_blocks), divisors(n_blocks)):
        if h * bm * bn <= TILES:
            split = {"H": h, "M": bm, "N": bn} if shape["batch"] > 1 else {"M": bm, "N": bn}
            out.append(split)
    return out


# ----------------------------------------------------------------------------------------------
# Running ZigZag


def zigzag_stages():
    from zigzag.cost_model.cost_model import CostModelEvaluation
    from zigzag.datatypes import Constants
    from zigzag.hardware.architecture.memory_port import DataDirection
    from zigzag.stages.evaluation.cost_model_evaluation import CostModelStage
    from zigzag.stages.mapping.spatial_mapping_generation import SpatialMappingGeneratorStage
    from zigzag.stages.mapping.temporal_mapping_generator_stage import TemporalMappingGeneratorStage
    from zigzag.stages.parser.accelerator_parser import AcceleratorParserStage
    from zigzag.stages.parser.workload_parser import WorkloadParserStage
    from zigzag.stages.stage import Stage
    from zigzag.stages.workload_iterator import WorkloadStage

    class OutputStationaryMinimalLatencyStage(Stage):
        """ZigZag's MinimalLatencyStage (fewest cycles, then least energy) over output-stationary
        mappings only: no partial sum leaves the PE accumulator. Counts what it saw."""

        def __init__(self, list_of_callables, **kwargs):
            super().__init__(list_of_callables, **kwargs)
            self.counts = kwargs.get("counts")

        def run(self):
            best = None
            substage = self.list_of_callables[0](self.list_of_callables[1:], **self.kwargs)
            for cme, extra in substage.run():
                assert isinstance(cme, CostModelEvaluation)
                self.counts["evaluated"] += 1
                out = cme.layer.output_operand
                spills = any(
                    cme.mapping.unit_mem_data_movement[out][lv].get_attribute(
                        __import__("zigzag.mapping.data_movement", fromlist=["DataMoveAttr"]).DataMoveAttr.DATA_ELEM_MOVE_COUNT
                    ).get(DataDirection.RD_OUT_TO_LOW)
                    for lv in range(1, cme.mapping.mem_level[out])
                )
                if spills:
                    self.counts["partial_sum_spills"] += 1
                    continue
                if best is None or (cme.latency_total2, cme.energy_total) < (best.latency_total2, best.energy_total):
                    best = cme
            if best is not None:
                yield best, None

    del Constants
    return [
        WorkloadParserStage,
        AcceleratorParserStage,
        WorkloadStage,
        OutputStationaryMinimalLatencyStage,
        SpatialMappingGeneratorStage,
        TemporalMappingGeneratorStage,
        CostModelStage,
    ]


def run_zigzag(folder: Path, shape: dict, split: dict[str, int], lpf_limit: int) -> tuple[object | None, dict]:
    from zigzag.stages.main import MainStage

    workload_file = folder / f"workload_{shape['name']}.yaml"
    accelerator_file = folder / "kpu_t256_like_bf16.yaml"
    mapping_file = folder / f"mapping_{shape['name']}_{'x'.join(f'{d}{f}' for d, f in split.items())}.yaml"
    mapping_file.write_text(yaml.safe_dump(mapping(split), sort_keys=False))
    counts = {"evaluated": 0, "partial_sum_spills": 0}
    main = MainStage(
        list_of_callables=zigzag_stages(),
        accelerator=str(accelerator_file),
        workload=str(workload_file),
        mapping=str(mapping_file),
        dump_folder=str(folder / "out"),
        loma_lpf_limit=lpf_limit,
        loma_show_progress_bar=False,
        nb_mappings_generated=1,
        enable_mix_spatial_mapping_generation=False,
        access_same_data_considered_as_no_access=True,
        temporal_mapping_type=__import__("zigzag.mapping.temporal_mapping", fromlist=["x"]).TemporalMappingType("uneven"),
        counts=counts,
    )
    answers = main.run()
    return (answers[0][0] if answers else None), counts


def level_bytes(cme) -> dict:
    """Bytes read and written per reported level (l1, l2, l3, dram) and operand (a, b, c),
    from ZigZag's per-unit-memory transfer amounts (ZigZag's own access formula, in bytes)."""
    from zigzag.hardware.architecture.memory_port import DataDirection
    from zigzag.mapping.data_movement import DataMoveAttr

    layer = cme.layer
    names = {layer.output_operand: "c"}
    for op in layer.input_operands:
        names[op] = "a" if cme.memory_operand_links.layer_to_mem_op(op).name == "I1" else "b"
    report = {lvl: {o: {"read": 0, "written": 0} for o in "abc"} for lvl in ("l1", "l2", "l3", "dram")}
    for op, name in names.items():
        mem_op = cme.memory_operand_links.layer_to_mem_op(op)
        for lv in range(cme.mapping.mem_level[op]):
            level = cme.accelerator.get_memory_level(mem_op, lv)
            reported = {"pe_acc": None, "l1_a": "l1", "l1_b": "l1"}.get(level.name, level.name)
            move = cme.mapping.unit_mem_data_movement[op][lv]
            amount = move.get_attribute(DataMoveAttr.DATA_TRANS_AMOUNT_PER_PERIOD)
            precision = move.get_attribute(DataMoveAttr.DATA_PRECISION)
            periods = move.get_attribute(DataMoveAttr.DATA_TRANS_PERIOD_COUNT)
            units = cme.mapping.spatial_mapping.unit_count[op][lv + 1]
            for direction in DataDirection:
                a, p, n = amount.get(direction), precision.get(direction), periods.get(direction)
                if not a or not p:
                    continue
                min_bw = level.get_min_bandwidth(mem_op, direction)
                bits = math.ceil(a * p / min_bw) * min_bw * n * units
                assert bits % 8 == 0
                if reported is None:
                    continue
                kind = "read" if direction in (DataDirection.RD_OUT_TO_LOW, DataDirection.RD_OUT_TO_HIGH) else "written"
                report[reported][name][kind] += bits // 8
    return report


def temporal_mapping_text(cme) -> dict[str, list[str]]:
    """ZigZag's temporal loops per operand, innermost first, as 'DIM SIZE @ memory'."""
    out = {}
    tm = cme.temporal_mapping
    for op, levels in tm.mapping_dic_stationary.items():
        mem_op = cme.memory_operand_links.layer_to_mem_op(op)
        rows = []
        for lv, loops in enumerate(levels):
            level = cme.accelerator.get_memory_level(mem_op, lv).name
            rows += [f"{dim} {int(size)} @ {level}" for dim, size in loops]
        out[op.name] = rows
    return out


def summarise(shape: dict, split: dict[str, int], cme, splits_tried: int, evaluated: int) -> dict:
    tiles_used = math.prod(split.values())
    blocks = shape["batch"] * math.ceil(shape["m"] / ROWS) * math.ceil(shape["n"] / COLS)
    by_level = level_bytes(cme)
    l3_mc = sum(by_level["l3"][o][k] for o in "abc" for k in ("read", "written"))
    extra_reads = sum(by_level["l2"][o]["written"] - by_level["l3"][o]["read"] for o in "ab")
    l3_read_pj = ENERGY_PJ_PER_BYTE["l3"][0]
    return {
        "name": shape["name"],
        "m": shape["m"],
        "n": shape["n"],
        "k": shape["k"],
        "batch": shape["batch"],
        "b_is_weight": shape["b_is_weight"],
        "tile_split": {dim.lower(): factor for dim, factor in split.items()},
        "tiles_used": tiles_used,
        "block": {"m": ROWS, "n": COLS},
        "blocks": blocks,
        "rounds": math.ceil(blocks / tiles_used),
        "cycles": int(round(cme.latency_total2)),
        "cycles_compute": int(round(cme.ideal_temporal_cycle)),
        "energy_pj": round(cme.energy_total, 3),
        "energy_pj_no_multicast": round(cme.energy_total + extra_reads * l3_read_pj, 3),
        "macs": int(cme.layer.total_mac_count),
        "bytes": by_level,
        "level_totals": {
            lvl: sum(by_level[lvl][o][k] for o in "abc" for k in ("read", "written")) for lvl in by_level
        },
        "l3_total": {"multicast": l3_mc, "no_multicast": l3_mc + extra_reads},
        "temporal_mapping": temporal_mapping_text(cme),
        "search": {"splits_tried": splits_tried, "mappings_evaluated": evaluated},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--keep", type=Path, help="keep the generated ZigZag inputs here")
    parser.add_argument("--only", action="append", help="only this shape (repeatable); prints, writes nothing")
    parser.add_argument("--lpf-limit", type=int, default=6, help="LOMA loop-prime-factor limit (ZigZag's default 6)")
    parser.add_argument("--check", action="store_true", help="re-run the fixture's splits only and compare")
    args = parser.parse_args()

    logging.basicConfig(level=logging.ERROR)
    for name in ("zigzag", "root"):
        logging.getLogger(name).setLevel(logging.ERROR)

    zz_version = package_version("zigzag-dse")
    shapes = [s for s in SHAPES if not args.only or s["name"] in args.only]
    if args.only and len(shapes) != len(args.only):
        parser.error(f"unknown shape in {args.only}; known: {[s['name'] for s in SHAPES]}")
    fixed: dict[str, dict[str, int]] = {}
    if args.check:
        existing = json.loads(args.out.read_text())
        fixed = {s["name"]: {k.upper(): v for k, v in s["tile_split"].items()} for s in existing["shapes"]}

    folder_context = contextlib.nullcontext(args.keep) if args.keep else tempfile.TemporaryDirectory(prefix="zigzag-kpu-")
    started = time.monotonic()
    results = []
    with folder_context as folder_name:
        folder = Path(folder_name)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "kpu_t256_like_bf16.yaml").write_text(yaml.safe_dump(accelerator(), sort_keys=False))
        for shape in shapes:
            (folder / f"workload_{shape['name']}.yaml").write_text(yaml.safe_dump(workload(shape), sort_keys=False))
            candidates = [fixed[shape["name"]]] if args.check else splits(shape)
            best = None
            evaluated = 0
            shape_start = time.monotonic()
            for split in candidates:
                with contextlib.redirect_stdout(io.StringIO()):
                    cme, counts = run_zigzag(folder, shape, split, args.lpf_limit)
                evaluated += counts["evaluated"]
                if cme is None:
                    continue
                key = (cme.latency_total2, cme.energy_total)
                if best is None or key < best[0]:
                    best = (key, split, cme)
            assert best is not None, f"no output-stationary mapping for {shape['name']}"
            summary = summarise(shape, best[1], best[2], len(candidates), evaluated)
            results.append(summary)
            print(
                f"{shape['name']:18s} split {summary['tile_split']} tiles {summary['tiles_used']:3d} "
                f"rounds {summary['rounds']} cycles {summary['cycles']:7d} energy {summary['energy_pj'] / 1e6:8.3f} uJ  "
                f"L3 {summary['l3_total']['multicast']:>10,d} / {summary['l3_total']['no_multicast']:>10,d}  "
                f"L2 {summary['level_totals']['l2']:>10,d}  L1 {summary['level_totals']['l1']:>10,d}  "
                f"DRAM {summary['level_totals']['dram']:>9,d}  "
                f"({len(candidates)} splits, {evaluated} mappings, {time.monotonic() - shape_start:.0f} s)",
                flush=True,
            )
    elapsed = time.monotonic() - started
    print(f"total {elapsed:.0f} s", flush=True)

    if args.check:
        existing_by_name = {s["name"]: s for s in existing["shapes"]}
        differ = 0
        for s in results:
            old = existing_by_name[s["name"]]
            for field in ("bytes", "cycles", "energy_pj", "l3_total"):
                if s[field] != old[field]:
                    differ += 1
                    print(f"DIFFERS {s['name']} {field}: fixture {old[field]} now {s[field]}")
        print("fixture reproduced" if differ == 0 else f"{differ} differences")
        return 1 if differ else 0
    if args.only:
        print(json.dumps(results, indent=2, sort_keys=True))
        return 0

    fixture = {
        "description": (
            "ZigZag's best output-stationary mapping (fewest cycles, then least energy, over every split of "
            "32x32 output blocks over the tiles) of BERT-base's matmuls on a KPU-T256-like accelerator at bf16. "
            "Bytes are per level and operand, read and written; l1 holds A and B only (C accumulates in the PE); "
            "dram written excludes placing A and B there; l3 read is multicast (one read per panel for all tiles "
            "that take it); l3_total.no_multicast counts one L3 read per tile's L2 fill instead. "
            "Made by scripts/reference/zigzag/make_fixture.py; see its README."
        ),
        "zigzag_version": zz_version,
        "generated": datetime.date.today().isoformat(),
        "workload": {
            "model": "bert-base-uncased",
            "dtype": "bf16",
            "bytes_per_element": BYTES_PER_ELEMENT,
            "batch": 1,
            "sequence": SEQUENCE,
        },
        "hardware": {
            "source": "data/hardware/kpu-t256.yaml, data/energy-tables.yaml kpu-16nm, data/kpu-engines.yaml",
            "tiles": TILES,
            "pe_array": {"rows": ROWS, "columns": COLS},
            "clock_hz": CLOCK_HZ,
            "l3_bytes": L3_BYTES,
            "l2_bytes_per_tile": L2_BYTES,
            "l1_bytes_per_pe": L1_BYTES_PER_PE,
            "dram_bytes_per_cycle": DRAM_BYTES_PER_CYCLE,
            "engine_bytes_per_cycle": ENGINE_BYTES_PER_CYCLE,
            "energy_pj_per_byte": {k: {"read": r, "write": w} for k, (r, w) in ENERGY_PJ_PER_BYTE.items()},
            "mac_pj": MAC_PJ,
        },
        "search": {"engine": "loma", "lpf_limit": args.lpf_limit, "seconds": round(elapsed)},
        "shapes": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(fixture, indent=2, sort_keys=True) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
