#!/usr/bin/env python
"""ZigZag reference for BERT-base's matmuls on a KPU-T256-like accelerator (issue 18).

Writes BERT-base's five matmul shapes (bf16, batch 1, sequence 128) and a KPU-T256-like
accelerator as ZigZag workload, hardware and mapping-constraint files into a temporary folder,
runs ZigZag's LOMA temporal-mapping search for every split of the output blocks over the tiles,
keeps the best output-stationary mapping per shape and writes its bytes per memory level and
operand to Tests/Fixtures/zigzag/bert-base-bf16-kpu-t256.json.

Not part of CI: run it by hand in its own venv (see README.md beside this file).

    python make_fixture.py                 # searches every shape, writes the fixture (~3 min)
    python make_fixture.py --verbose       # ... and prints every split's best mapping
    python make_fixture.py --keep DIR      # ... and keeps the generated ZigZag inputs in DIR
    python make_fixture.py --only ffn1     # one shape (repeatable): prints JSON, writes nothing
    python make_fixture.py --check         # only the fixture's splits (~1 s): compares with it

The hardware (data/hardware/kpu-t256.yaml, data/energy-tables.yaml `kpu-16nm`,
data/kpu-engines.yaml), as ZigZag memories listed bottom-up:

  operational array  D1 = 32 PE rows (M), D2 = 32 PE columns (N), D3 = 256 tiles; 0.16 pJ per
                     bf16 MAC; D1 and D2 systolic (ZigZag adds a drain of 31 + 31 cycles).
  pe_acc   (C)       one fp32 accumulator per PE, served by no dimension; free (part of the
                     MAC) and not reported: C never passes through L1.
  l1_a     (A)       a PE row's A, served along D2 (the row shares each element, so L1 counts
                     it once per tile, as the issue does); 256 B double-buffered, 16 bits/cycle.
  l1_b     (B)       a PE column's B, served along D1; likewise.
  l2       (A,B,C)   32 KiB per tile (served D1, D2: one instance per tile), double-buffered;
                     64 B/cycle per port: block mover, A streamer, B streamer, drain.
  l3       (A,B,C)   64 MiB (256 KiB per tile) shared by all tiles (served D1, D2, D3); 64 B/cycle
                     per tile on the block-mover side, 16 KiB/cycle in all.
  dram     (A,B,C)   LPDDR5, 256 GB/s = 256 B per cycle at 1 GHz.

Energies in pJ/byte from kpu-16nm: DRAM 10 read / 12 write, L3 2.0/2.5, L2 0.8/1.0,
L1 0.3/0.4.  ZigZag charges per word of a port, so all ports of a memory have one width and
its cost per word is pJ/byte x width / 8 (the script checks that bytes x pJ/byte + MACs x 0.16
is exactly ZigZag's energy).

L1 size: ZigZag's hierarchy is inclusive (a level holds what the levels below it hold) and
LOMA's allocator fills each level greedily, so an L1 larger than its share of L2 leaves no
valid mapping at all.  The spec's 4 KiB per PE (4 MiB per tile, 128 x the 32 KiB L2) cannot be
modelled; a row's (column's) L1 is a double-buffered 64-element slice of K, what L2 can
double-buffer next to the other operand and the output block.

Mapping constraints: K is never unrolled spatially: D1 = M 32, D2 = N 32 and D3 holds a split of
the output blocks (heads x M-blocks x N-blocks, each a divisor of its block count, at most 256
tiles).  Every split is one ZigZag run in which LOMA searches loop orders and memory
allocations.  A mapping is output-stationary when no partial sum leaves pe_acc (C above it is
final outputs only); the others are discarded (the L2/L3 "O, tl"/"O, fh" port allocations exist
only so that ZigZag can evaluate, and the script reject, such mappings).

Rank: fewest on-chip cycles (ZigZag's latency_total0: compute plus stalls), then fewest cycles
in all (latency_total2, adding the initial load from DRAM and the final store), then least
energy.  Every shape is DRAM-bound here, so latency_total2 differs by a few per cent at most
between most splits, and ranking by it alone picks on ZigZag's onload/offload rounding (6
tiles x 16 rounds for attention_context, 24 tiles x 4 rounds for qkv_out_proj); a model runs
the load and store of one operator under its neighbours, so the on-chip part decides.

Multicast: ZigZag counts one read of a shared memory for all lower-level instances that take
the same data (an irrelevant spatial loop: A across N-blocks, B across M-blocks), i.e. L3
multicasts.  ZigZag cannot express L3 without multicast, so those reads are derived from its
figures: every tile's L2 fill is its own L3 read, so A/B L3 reads without multicast = A/B L2
writes.  energy_pj_no_multicast adds the extra reads at L3's read energy; cycles stay ZigZag's.
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
import sys
import tempfile
import time
from importlib.metadata import version as package_version
from pathlib import Path

import yaml
from zigzag.cost_model.cost_model import CostModelEvaluation
from zigzag.hardware.architecture.memory_port import DataDirection
from zigzag.mapping.data_movement import DataMoveAttr
from zigzag.mapping.temporal_mapping import TemporalMappingType
from zigzag.opt.loma.engine import NoValidLoopOrderingFoundException
from zigzag.stages.evaluation.cost_model_evaluation import CostModelStage
from zigzag.stages.main import MainStage
from zigzag.stages.mapping.spatial_mapping_generation import SpatialMappingGeneratorStage
from zigzag.stages.mapping.temporal_mapping_generator_stage import TemporalMappingGeneratorStage
from zigzag.stages.parser.accelerator_parser import AcceleratorParserStage
from zigzag.stages.parser.workload_parser import WorkloadParserStage
from zigzag.stages.stage import Stage
from zigzag.stages.workload_iterator import WorkloadStage

REPO = Path(__file__).resolve().parents[3]
DEFAULT_OUT = REPO / "Tests" / "Fixtures" / "zigzag" / "bert-base-bf16-kpu-t256.json"

# ----------------------------------------------------------------------------------------------
# Workload: BERT-base (bert-base-uncased) at bf16, batch 1, sequence 128, 12 heads of 64.
# C[M, N] = A[M, K] . B[K, N]; `heads` independent products (each its own A and B) when > 1.

SEQUENCE, HIDDEN, HEADS, HEAD_DIM, FFN = 128, 768, 12, 64, 3072
SHAPES = [
    {"name": "qkv_out_proj", "m": SEQUENCE, "k": HIDDEN, "n": HIDDEN, "batch": 1, "b_is_weight": True},
    {
        "name": "attention_scores",
        "m": SEQUENCE,
        "k": HEAD_DIM,
        "n": SEQUENCE,
        "batch": HEADS,
        "b_is_weight": False,
    },
    {
        "name": "attention_context",
        "m": SEQUENCE,
        "k": SEQUENCE,
        "n": HEAD_DIM,
        "batch": HEADS,
        "b_is_weight": False,
    },
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
L1_BYTES_PER_PE = 4 * 1024  # l1_kib_per_pe 4 (not representable, see L1_BYTES_PER_LINE)
# ZigZag's hierarchy is inclusive (each level holds what the levels below it hold) and LOMA's
# allocator fills a level greedily, so an L1 larger than its share of L2 leaves no valid mapping.
# A PE row's A (a column's B) is therefore a double-buffered slice of 64 elements of K, 256 bytes:
# with B's and the 32x32 output block, what the 32 KiB L2 can double-buffer (64 is also the K slice
# a 32x32 block gets in the tool's own L2 sizing).
L1_BYTES_PER_LINE = 256
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


def memory(*, size_bytes, level, width_bits, operands, served, port_groups, double_buffered=False):
    """A ZigZag memory: size in bits, costs per port word; `level` names the energy-table row
    (None: free)."""
    read, write = ENERGY_PJ_PER_BYTE[level] if level else (0.0, 0.0)
    return {
        "force_double_buffering": double_buffered,
        "size": int(size_bytes * 8),
        "r_cost": read * width_bits / 8,
        "w_cost": write * width_bits / 8,
        "area": 0.0,
        "latency": 1,
        "operands": operands,
        "ports": ports(width_bits, port_groups),
        "served_dimensions": served,
    }


def accelerator() -> dict:
    engine_bits = ENGINE_BYTES_PER_CYCLE * 8
    every_direction = ["I1, fh", "I1, tl", "I2, fh", "I2, tl", "O, fh", "O, tl", "O, fl", "O, th"]
    # Listed bottom-up: ZigZag builds each operand's hierarchy in this order. The "O, tl" and
    # "O, fh" allocations of l2 and l3 carry partial sums back down: never in a kept mapping,
    # but ZigZag cannot evaluate (and the search reject) such a mapping without them.
    memories = {
        "pe_acc": memory(
            size_bytes=ACCUMULATOR_BITS // 8,
            level=None,
            width_bits=ACCUMULATOR_BITS,
            operands=["O"],
            served=[],
            port_groups=[
                ("read", ["O, tl"]),
                ("read", ["O, th"]),
                ("write", ["O, fh"]),
                ("write", ["O, fl"]),
            ],
        ),
        "l1_a": memory(
            size_bytes=L1_BYTES_PER_LINE,
            level="l1",
            width_bits=L1_BITS_PER_CYCLE,
            operands=["I1"],
            served=["D2"],
            port_groups=[("read", ["I1, tl"]), ("write", ["I1, fh"])],
            double_buffered=True,
        ),
        "l1_b": memory(
            size_bytes=L1_BYTES_PER_LINE,
            level="l1",
            width_bits=L1_BITS_PER_CYCLE,
            operands=["I2"],
            served=["D1"],
            port_groups=[("read", ["I2, tl"]), ("write", ["I2, fh"])],
            double_buffered=True,
        ),
        "l2": memory(
            size_bytes=L2_BYTES,
            level="l2",
            width_bits=engine_bits,
            operands=["I1", "I2", "O"],
            served=["D1", "D2"],
            port_groups=[
                ("read_write", ["I1, fh", "I2, fh", "O, th", "O, tl", "O, fh"]),  # block mover
                ("read", ["I1, tl"]),  # A streamer
                ("read", ["I2, tl"]),  # B streamer
                ("write", ["O, fl"]),  # drain from the array
            ],
            double_buffered=True,
        ),
        "l3": memory(
            size_bytes=L3_BYTES,
            level="l3",
            width_bits=engine_bits * TILES,
            operands=["I1", "I2", "O"],
            served=["D1", "D2", "D3"],
            port_groups=[
                ("read_write", ["I1, fh", "I2, fh", "O, th", "O, fh"]),  # DMA side
                ("read_write", ["I1, tl", "I2, tl", "O, fl", "O, tl"]),  # block movers, all tiles
            ],
        ),
        "dram": memory(
            size_bytes=1 << 40,
            level="dram",
            width_bits=DRAM_BYTES_PER_CYCLE * 8,
            operands=["I1", "I2", "O"],
            served=["D1", "D2", "D3"],
            port_groups=[("read_write", every_direction)],
        ),
    }
    return {
        "name": "kpu_t256_like_bf16",
        "memories": memories,
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
            # B is a constant (a weight) in the projections; in attention both are activations.
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
    for h, bm, bn in itertools.product(
        divisors(shape["batch"]), divisors(m_blocks), divisors(n_blocks)
    ):
        if h * bm * bn <= TILES:
            split = {"H": h, "M": bm, "N": bn} if shape["batch"] > 1 else {"M": bm, "N": bn}
            out.append(split)
    return out


# ----------------------------------------------------------------------------------------------
# Running ZigZag


def rank(cme) -> tuple[float, float, float]:
    """Fewest on-chip cycles (ZigZag's latency without the initial load from DRAM and the final
    store: compute plus stalls), then fewest cycles in all, then least energy."""
    return (cme.latency_total0, cme.latency_total2, cme.energy_total)


def spills_partial_sums(cme) -> bool:
    """True when some partial sum leaves the PE accumulator (read back down from L2 or above)."""
    out = cme.layer.output_operand
    return any(
        cme.mapping.unit_mem_data_movement[out][lv]
        .get_attribute(DataMoveAttr.DATA_ELEM_MOVE_COUNT)
        .get(DataDirection.RD_OUT_TO_LOW)
        for lv in range(1, cme.mapping.mem_level[out])
    )


class OutputStationaryBestStage(Stage):
    """Like ZigZag's MinimalLatencyStage, over output-stationary mappings only and ranked by
    `rank`; counts what it saw in the `counts` dict it is given."""

    def __init__(self, list_of_callables, *, counts: dict, **kwargs):
        super().__init__(list_of_callables, **kwargs)
        self.counts = counts

    def run(self):
        best = None
        substage = self.list_of_callables[0](self.list_of_callables[1:], **self.kwargs)
        for cme, _ in substage.run():
            assert isinstance(cme, CostModelEvaluation)
            self.counts["evaluated"] += 1
            if spills_partial_sums(cme):
                self.counts["partial_sum_spills"] += 1
                continue
            if best is None or rank(cme) < rank(best):
                best = cme
        if best is not None:
            yield best, None


STAGES = [
    WorkloadParserStage,
    AcceleratorParserStage,
    WorkloadStage,
    OutputStationaryBestStage,
    SpatialMappingGeneratorStage,  # passes the fixed spatial mapping through
    TemporalMappingGeneratorStage,  # LOMA
    CostModelStage,
]


def run_zigzag(folder: Path, shape: dict, split: dict[str, int], lpf_limit: int):
    """One ZigZag run: the best output-stationary temporal mapping for this split (or None)."""
    mapping_file = (
        folder / f"mapping_{shape['name']}_{'_'.join(f'{d}{f}' for d, f in split.items())}.yaml"
    )
    mapping_file.write_text(yaml.safe_dump(mapping(split), sort_keys=False))
    counts = {"evaluated": 0, "partial_sum_spills": 0}
    main = MainStage(
        list_of_callables=STAGES,
        accelerator=str(folder / "kpu_t256_like_bf16.yaml"),
        workload=str(folder / f"workload_{shape['name']}.yaml"),
        mapping=str(mapping_file),
        loma_lpf_limit=lpf_limit,
        loma_show_progress_bar=False,
        nb_mappings_generated=1,
        enable_mix_spatial_mapping_generation=False,
        access_same_data_considered_as_no_access=True,  # as ZigZag's own API sets it
        temporal_mapping_type=TemporalMappingType.UNEVEN,
        counts=counts,
    )
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            answers = main.run()
    except NoValidLoopOrderingFoundException:
        answers = []
    return (answers[0][0] if answers else None), counts


def level_bytes(cme) -> dict:
    """Bytes read and written per reported level (l1, l2, l3, dram) and operand (a, b, c),
    from ZigZag's per-unit-memory transfer amounts (ZigZag's own access formula, in bytes)."""
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
                kind = (
                    "read"
                    if direction in (DataDirection.RD_OUT_TO_LOW, DataDirection.RD_OUT_TO_HIGH)
                    else "written"
                )
                report[reported][name][kind] += bits // 8
    return report


def temporal_mapping_text(cme) -> dict[str, str]:
    """ZigZag's temporal loops per operand (a, b, c), innermost first, grouped by memory:
    'K3 K4 K4 @ l1_a | K4 @ l2 | K2 K2 @ l3'."""
    names = {"I1": "a", "I2": "b", "O": "c"}
    out = {}
    for op, levels in cme.temporal_mapping.mapping_dic_stationary.items():
        mem_op = cme.memory_operand_links.layer_to_mem_op(op)
        groups = []
        for lv, loops in enumerate(levels):
            if loops:
                level = cme.accelerator.get_memory_level(mem_op, lv).name
                groups.append(" ".join(f"{dim}{int(size)}" for dim, size in loops) + f" @ {level}")
        out[names[mem_op.name]] = " | ".join(groups)
    return out


def energy_from_bytes(by_level: dict, macs: int) -> float:
    """The energy the reported bytes cost at the table's pJ/byte, plus the MACs: a check that the
    bytes are the ones ZigZag charged for."""
    total = macs * MAC_PJ
    for level, operands in by_level.items():
        read, write = ENERGY_PJ_PER_BYTE[level]
        total += sum(v["read"] * read + v["written"] * write for v in operands.values())
    return total


def summarise(shape: dict, split: dict[str, int], cme, splits_tried: int, evaluated: int) -> dict:
    tiles_used = math.prod(split.values())
    blocks = shape["batch"] * math.ceil(shape["m"] / ROWS) * math.ceil(shape["n"] / COLS)
    by_level = level_bytes(cme)
    macs = int(cme.layer.total_mac_count)
    recomputed = energy_from_bytes(by_level, macs)
    if not math.isclose(recomputed, cme.energy_total, rel_tol=1e-9):
        raise SystemExit(
            f"{shape['name']}: bytes x pJ/byte = {recomputed} pJ, ZigZag charged {cme.energy_total} pJ"
        )
    l3_mc = sum(by_level["l3"][o][k] for o in "abc" for k in ("read", "written"))
    # Without multicast every tile's L2 fill is its own L3 read.
    extra_reads = sum(by_level["l2"][o]["written"] - by_level["l3"][o]["read"] for o in "ab")
    return {
        "name": shape["name"],
        "m": shape["m"],
        "n": shape["n"],
        "k": shape["k"],
        "batch": shape["batch"],
        "b_is_weight": shape["b_is_weight"],
        "macs": macs,
        "tile_split": {dim.lower(): factor for dim, factor in split.items()},
        "tiles_used": tiles_used,
        "block": {"m": ROWS, "n": COLS},
        "blocks": blocks,
        "rounds": math.ceil(blocks / tiles_used),
        "cycles": int(round(cme.latency_total2)),
        "cycles_breakdown": {
            "compute": int(round(cme.ideal_temporal_cycle)),
            "stall": int(round(cme.stall_slack_comb)),
            "onload": int(round(cme.data_onloading_cycle)),
            "offload": int(round(cme.data_offloading_cycle)),
            "systolic_drain": int(round(cme.systolic_drain_cycle)),
        },
        "energy_pj": round(cme.energy_total, 3),
        "energy_pj_no_multicast": round(
            cme.energy_total + extra_reads * ENERGY_PJ_PER_BYTE["l3"][0], 3
        ),
        "bytes": by_level,
        "level_totals": {
            lvl: sum(v["read"] + v["written"] for v in ops.values()) for lvl, ops in by_level.items()
        },
        "l3_total": {"multicast": l3_mc, "no_multicast": l3_mc + extra_reads},
        "temporal_mapping": temporal_mapping_text(cme),
        "search": {"splits_tried": splits_tried, "mappings_evaluated": evaluated},
    }


def describe(cme) -> str:
    return (
        f"cycles {cme.latency_total2:.0f} = compute {cme.ideal_temporal_cycle:.0f}"
        f" + stall {cme.stall_slack_comb:.0f} + onload {cme.data_onloading_cycle:.0f}"
        f" + offload {cme.data_offloading_cycle:.0f}"
        f" + drain {cme.systolic_drain_cycle:.0f}; energy {cme.energy_total / 1e6:.3f} uJ"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="the fixture to write (or --check)"
    )
    parser.add_argument("--keep", type=Path, help="write the ZigZag inputs here and keep them")
    parser.add_argument(
        "--only", action="append", help="only this shape (repeatable); prints JSON, writes no fixture"
    )
    parser.add_argument(
        "--lpf-limit", type=int, default=6, help="LOMA loop-prime-factor limit (ZigZag's default 6)"
    )
    parser.add_argument("--verbose", action="store_true", help="print every split's best mapping")
    parser.add_argument(
        "--check", action="store_true", help="re-run only the fixture's splits and compare"
    )
    args = parser.parse_args()

    logging.basicConfig(level=logging.ERROR)
    logging.getLogger().setLevel(logging.ERROR)

    shapes = [s for s in SHAPES if not args.only or s["name"] in args.only]
    if args.only and len(shapes) != len(set(args.only)):
        parser.error(f"unknown shape in {args.only}; known: {[s['name'] for s in SHAPES]}")
    existing = json.loads(args.out.read_text()) if args.check else None
    fixed = (
        {s["name"]: {k.upper(): v for k, v in s["tile_split"].items()} for s in existing["shapes"]}
        if existing
        else {}
    )

    folder_context = (
        contextlib.nullcontext(args.keep)
        if args.keep
        else tempfile.TemporaryDirectory(prefix="zigzag-kpu-")
    )
    started = time.monotonic()
    results = []
    with folder_context as folder_name:
        folder = Path(folder_name)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "kpu_t256_like_bf16.yaml").write_text(yaml.safe_dump(accelerator(), sort_keys=False))
        for shape in shapes:
            (folder / f"workload_{shape['name']}.yaml").write_text(
                yaml.safe_dump(workload(shape), sort_keys=False)
            )
            candidates = [fixed[shape["name"]]] if args.check else splits(shape)
            best = None
            evaluated = 0
            shape_start = time.monotonic()
            for split in candidates:
                cme, counts = run_zigzag(folder, shape, split, args.lpf_limit)
                evaluated += counts["evaluated"]
                if args.verbose:
                    found = describe(cme) if cme else "no output-stationary mapping"
                    seen = f"{counts['evaluated']} mappings, {counts['partial_sum_spills']} spilling"
                    print(f"  {shape['name']} {split}: {found} [{seen}]", flush=True)
                if cme is not None and (best is None or rank(cme) < rank(best[1])):
                    best = (split, cme)
            if best is None:
                raise SystemExit(f"no output-stationary mapping for {shape['name']}")
            summary = summarise(shape, best[0], best[1], len(candidates), evaluated)
            results.append(summary)
            totals, l3 = summary["level_totals"], summary["l3_total"]
            seconds = time.monotonic() - shape_start
            print(
                f"{shape['name']:18s} split {summary['tile_split']} tiles {summary['tiles_used']:3d} "
                f"rounds {summary['rounds']:2d} cycles {summary['cycles']:6d} "
                f"energy {summary['energy_pj'] / 1e6:7.3f} uJ  "
                f"L3 {l3['multicast']:>10,d} / {l3['no_multicast']:>10,d}  "
                f"L2 {totals['l2']:>10,d}  L1 {totals['l1']:>10,d}  DRAM {totals['dram']:>9,d}  "
                f"({len(candidates)} splits, {evaluated} mappings, {seconds:.0f} s)",
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
            "ZigZag's best output-stationary mapping (fewest on-chip cycles, then fewest cycles, "
            "then least energy, over every split of 32x32 output blocks over the tiles) of "
            "BERT-base's matmuls on a KPU-T256-like accelerator at bf16. Bytes are per level and "
            "operand, read and written; l1 holds A and B only (C accumulates in the PE); dram "
            "written excludes placing A and B there; l3 read is multicast (one read per panel for "
            "all the tiles that take it); l3_total.no_multicast counts one L3 read per tile's L2 "
            "fill instead. Made by scripts/reference/zigzag/make_fixture.py; see its README."
        ),
        "zigzag_version": package_version("zigzag-dse"),
        "generated": datetime.date.today().isoformat(),
        "workload": {
            "model": "bert-base-uncased",
            "dtype": "bf16",
            "bytes_per_element": BYTES_PER_ELEMENT,
            "batch": 1,
            "sequence": SEQUENCE,
        },
        "hardware": {
            "source": "data/hardware/kpu-t256.yaml, data/energy-tables.yaml kpu-16nm, "
            "data/kpu-engines.yaml",
            "tiles": TILES,
            "pe_array": {"rows": ROWS, "columns": COLS},
            "clock_hz": CLOCK_HZ,
            "l3_bytes": L3_BYTES,
            "l2_bytes_per_tile": L2_BYTES,
            "l1_bytes_per_pe": L1_BYTES_PER_PE,
            "l1_bytes_per_pe_line_modelled": L1_BYTES_PER_LINE,
            "dram_bytes_per_cycle": DRAM_BYTES_PER_CYCLE,
            "engine_bytes_per_cycle": ENGINE_BYTES_PER_CYCLE,
            "energy_pj_per_byte": {
                k: {"read": r, "write": w} for k, (r, w) in ENERGY_PJ_PER_BYTE.items()
            },
            "mac_pj": MAC_PJ,
        },
        "search": {
            "engine": "loma",
            "lpf_limit": args.lpf_limit,
            "temporal_mapping_type": "uneven",
            "rank": "fewest on-chip cycles (compute + stalls), then fewest cycles, then least energy",
            "output_stationary": "mappings moving partial sums out of the PE accumulator are discarded",
        },
        "shapes": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(fixture, indent=2, sort_keys=True) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
