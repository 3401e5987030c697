#!/usr/bin/env python3
"""Writes fuzz/seeds/<target>/ from the test fixtures (fixtures/*.json), in the input format of
fuzz_targets/common.rs (numbers as tag 9 + little-endian f64). Re-run after changing fixtures:
    python3 fuzz/make_seeds.py
"""
import hashlib
import json
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "seeds")


def u8(x):
    return bytes([x & 0xFF])


def u16(x):
    return struct.pack("<H", x & 0xFFFF)


def f64(x):
    return b"\x09" + struct.pack("<d", float(x))


def vec(xs):
    return b"".join(f64(x) for x in xs)


def history(t, n, x):
    # T ≤ 512 and N ≤ 64 in the decoder (larger fixtures are truncated to fit)
    t2, n2 = min(t, 512), min(n, 64)
    rows = [x[r * n:(r * n) + n2] for r in range(t2)]
    return u16(t2) + u16(n2) + u8(0) + vec([v for row in rows for v in row])


seeds = {k: [] for k in ["ledoit_wolf", "kelly_independent", "kelly_joint", "risk_parity", "min_variance",
                         "prediction_greeks", "history_correlation", "simulation", "summarize_pnl"]}


def load(name):
    with open(os.path.join(ROOT, "fixtures", name)) as f:
        return json.load(f)


lw = load("ledoit_wolf.json")
for c in lw["cases"]:
    h = history(c["T"], c["N"], c["X"])
    seeds["ledoit_wolf"] += [u8(0) + h, u8(1) + h]
    seeds["history_correlation"].append(h)
    seeds["min_variance"].append(h)
    seeds["risk_parity"] += [u8(0) + u8(2) + h, u8(1) + u8(2) + h, u8(1) + u8(0) + h + vec([1.0 + j for j in range(min(c["N"], 64))])]

jk = load("joint_kelly.json")
for c in jk["cases"]:
    n = len(c["prices"])
    seeds["kelly_independent"].append(u8(n) + u8(0) + f64(c["max_total"]) + f64(1.0) + vec(c["probs"]) + vec(c["prices"]))
    # mode 2: Monte Carlo scenarios (u16 count), independent; then a correlated variant (mode 0x62)
    seeds["kelly_joint"].append(u8(n) + u8(0) + f64(c["max_total"]) + f64(1.0) + u8(2) + u16(2000) + u8(42) + vec(c["prices"]) + vec(c["probs"]))
    corr = [1.0 if i == j else 0.3 for i in range(n) for j in range(n)]
    seeds["kelly_joint"].append(u8(n) + u8(0) + f64(c["max_total"]) + f64(0.5) + u8(0x62) + u16(2000) + u8(7) + vec(c["prices"]) + vec(c["probs"]) + vec(corr))

gk = load("greeks.json")
cases = gk["cases"]
for k in range(0, len(cases), 4):
    group = cases[k:k + 4]
    # one t_hours/vol per batch: use the first case's
    seeds["prediction_greeks"].append(
        u8(len(group)) + u8(0) + f64(group[0]["t_hours"]) + f64(group[0]["vol"])
        + vec([c["price"] for c in group]) + vec([c["size"] for c in group])
        + b"".join(u8(1 if c["is_yes"] else 0) for c in group))
for c in cases:
    seeds["prediction_greeks"].append(u8(1) + u8(0) + f64(c["t_hours"]) + f64(c["vol"]) + f64(c["price"]) + f64(c["size"]) + u8(1 if c["is_yes"] else 0))

rs = load("risk_stats.json")
for s in rs["samples"]:
    pnl = s["pnl"][:4095]
    seeds["summarize_pnl"].append(u8(50) + u16(len(pnl)) + vec(pnl))

# simulation: the quickstart-like portfolio and the joint-Kelly markets, independent and correlated
for c in jk["cases"]:
    n = len(c["prices"])
    sizes = [100.0 * (i + 1) for i in range(n)]
    corr = [1.0 if i == j else 0.5 for i in range(n) for j in range(n)]
    base = vec(sizes) + vec(c["prices"]) + vec(c["probs"])
    tail = u16(42) + u8(2) + u16(10000) + u8(0) + u8(2)
    seeds["simulation"].append(u8(n) + u8(0) + base + tail)
    seeds["simulation"].append(u8(n) + u8(3) + base + vec(corr) + tail)

for target, items in seeds.items():
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):
        os.remove(os.path.join(d, old))
    for data in items:
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    print(f"{target}: {len(items)} seeds")
