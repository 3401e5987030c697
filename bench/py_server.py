"""Python contestant of `npm run bench`: what a Python user would run instead.

Same line protocol as rust/examples/bench_native.rs: `op path t n sims reps` on stdin, one JSON
line `{"ms": [...], "check": x}` per request (first request of a shape runs once untimed).
ops: `lw` = sklearn.covariance.ledoit_wolf; `mc` = vectorised numpy Monte Carlo (independent
outcomes, or a Gaussian copula via numpy Cholesky when a correlation is given), processed in
chunks of 2^20 scenario·markets so memory stays bounded.
Horizon (`horizon-sdk`, Rust via PyO3; imported on first use, so the other ops work without it):
`hz-lw` = hz.ledoit_wolf_shrinkage (it takes a list of rows: the .tolist() is part of its cost);
`hz-kelly` = hz.multi_kelly(probs, prices, 1.0) on n markets (file: n prices, then n probs);
`hz-greeks` = hz.prediction_greeks once per position for `sims` positions (file: prices). Horizon's
Monte Carlo (hz.monte_carlo / hz.simulate) needs a paid plan, so it is not a contestant.
"""
import json
import sys
import time

import numpy as np
from scipy.special import ndtri
from sklearn.covariance import ledoit_wolf

CHUNK = 1 << 20


def mc(data, n, sims, rng):
    sizes, entries, probs = data[:n], data[n:2 * n], data[2 * n:3 * n]
    corr = data[3 * n:]
    gain = sizes * (1 - entries)
    loss = -sizes * entries
    out = np.empty(sims)
    rows = max(1, CHUNK // n)
    if corr.size:
        L = np.linalg.cholesky(corr.reshape(n, n))
        thr = ndtri(probs)
        for s in range(0, sims, rows):
            m = min(rows, sims - s)
            z = rng.standard_normal((m, n)) @ L.T
            out[s:s + m] = np.where(z < thr, gain, loss).sum(axis=1)
    else:
        for s in range(0, sims, rows):
            m = min(rows, sims - s)
            u = rng.random((m, n))
            out[s:s + m] = np.where(u < probs, gain, loss).sum(axis=1)
    return out


def run(op, data, t, n, sims, rng):
    if op.startswith("hz-"):
        import horizon as hz
        if op == "hz-lw":
            _, shrink = hz.ledoit_wolf_shrinkage(data.reshape(t, n).tolist())
            return float(shrink)
        if op == "hz-kelly":
            prices, probs = data[:n].tolist(), data[n:2 * n].tolist()
            return float(sum(hz.multi_kelly(probs, prices, 1.0)))
        if op == "hz-greeks":
            prices = data.tolist()
            total = 0.0
            for i in range(sims):
                total += hz.prediction_greeks(prices[i % len(prices)], 2.0, i % 2 == 0, 24.0, 0.2).delta
            return total
    if op == "lw":
        _, shrink = ledoit_wolf(data.reshape(t, n))
        return float(shrink)
    if op == "mc":
        return float(mc(data, n, sims, rng).mean())
    raise ValueError(op)


def main():
    rng = np.random.default_rng(42)
    warmed = set()
    for line in sys.stdin:
        f = line.split()
        if not f:
            continue
        if f[0] == "quit":
            break
        if f[0] == "info":
            try:
                from threadpoolctl import threadpool_info
                info = [{k: d.get(k) for k in ("internal_api", "num_threads", "architecture")} for d in threadpool_info()]
            except Exception as e:  # noqa: BLE001
                info = str(e)
            import sklearn
            print(json.dumps({"numpy": np.__version__, "sklearn": sklearn.__version__, "python": sys.version.split()[0], "blas": info}), flush=True)
            continue
        op, path = f[0], f[1]
        t, n, sims, reps = (int(v) for v in f[2:6])
        data = np.fromfile(path, dtype="<f8")
        key = (op, t, n, sims)
        if key not in warmed:
            warmed.add(key)
            run(op, data, t, n, sims, rng)
        ms = []
        check = 0.0
        for _ in range(reps):
            t0 = time.perf_counter()
            check = run(op, data, t, n, sims, rng)
            ms.append((time.perf_counter() - t0) * 1e3)
        print(json.dumps({"ms": ms, "check": check}), flush=True)


if __name__ == "__main__":
    main()
