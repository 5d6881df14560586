#!/usr/bin/env python3
"""Keeps, from a branes ComputeProduct YAML, only the fields generate-report reads, in the same
layout, so the built-in SKUs go through the same reader as --hardware-file.

    scripts/trim-compute-product.py kpu_t256_compute_product.yaml > data/hardware/kpu-t256.yaml

(the ComputeProduct files are branes-ai/graphs' descriptions of the KPU SKUs).

Figures are kept as they are; prose (notes, market text) is dropped.
"""
import sys
import yaml

KEEP_TILE = ["tile_type", "num_tiles", "pe_array_rows", "pe_array_cols", "ops_per_tile_per_clock",
             "schedule_class", "pipeline_fill_cycles", "pipeline_drain_cycles"]
KEEP_NOC = ["topology", "mesh_rows", "mesh_cols", "flit_bytes", "bisection_bandwidth_gbps"]
KEEP_MEMORY = ["memory_type", "memory_size_gb", "memory_bus_bits", "memory_bandwidth_gbps", "memory_controllers",
               "l3_kib_per_tile", "l2_kib_per_tile", "l1_kib_per_pe", "l1_kib_per_tile"]
KEEP_PROFILE = ["name", "tdp_watts", "clock_mhz", "efficiency_factor_by_precision", "tile_utilization_by_precision"]

def pick(d, keys):
    return {k: d[k] for k in keys if k in d}

src = yaml.safe_load(open(sys.argv[1]))
out = {"id": src["id"], "name": src["name"], "vendor": src.get("vendor"), "dies": []}
for die in src["dies"]:
    blocks = []
    for block in die.get("blocks", []):
        if block.get("kind") != "kpu":
            continue
        blocks.append({
            "kind": "kpu",
            "total_tiles": block["total_tiles"],
            "tiles": [pick(t, KEEP_TILE) for t in block["tiles"]],
            "noc": pick(block["noc"], KEEP_NOC),
            "memory": pick(block["memory"], KEEP_MEMORY),
        })
    out["dies"].append({"die_id": die["die_id"], "process_node_id": die["process_node_id"],
                        "clocks": die.get("clocks"), "blocks": blocks})
power = src["power"]
out["power"] = {"tdp_watts": power["tdp_watts"], "idle_power_watts": power["idle_power_watts"],
                "default_thermal_profile": power["default_thermal_profile"],
                "thermal_profiles": [pick(p, KEEP_PROFILE) for p in power["thermal_profiles"]]}
print("# Figures from branes-ai/embodied-schemas, src/embodied_schemas/data/compute_products/stillwater/")
print("# %s (MIT licence, Copyright (c) 2024 Branes-ai Team); only the fields this tool reads." % sys.argv[1].split("/")[-1])
print("# Regenerate: scripts/trim-compute-product.py SOURCE.yaml > data/hardware/NAME.yaml")
print(yaml.safe_dump(out, sort_keys=False, default_flow_style=False), end="")
