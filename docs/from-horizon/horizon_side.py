"""Horizon's side of every worked example in docs/from-horizon.md.

Run with horizon-sdk 0.8.8 (PyPI `horizon-sdk`) installed, and optionally scikit-learn:

    python docs/from-horizon/horizon_side.py

Everything here runs without a Horizon API key: `Portfolio.metrics()`, `hz.monte_carlo` and
`hz.Engine` need a paid plan / a key, so `from_engine` is fed a minimal stand-in engine that has
exactly the two methods `from_engine` calls (`positions()` and `all_feed_snapshots()`).
The printed output is quoted verbatim in the guide; the TypeScript blocks there compute our side.
"""
import itertools
from types import SimpleNamespace

import numpy as np

import horizon as hz
from horizon.portfolio import min_variance_weights

print("horizon-sdk", hz.__version__)


def book(no_prices="held"):
    """fed-cut: 400 YES, 0.45 -> 0.52. recession: 1000 NO bought when YES was 0.30, now YES 0.35."""
    p = hz.Portfolio(name="main", capital=10_000)
    p.add_position("fed-cut", "yes", 400, 0.45, 0.52)
    if no_prices == "held":  # NO prices (0.70 -> 0.65), as hz-portfolio expects
        p.add_position("recession", "no", 1000, 0.70, 0.65)
    else:  # YES prices (0.30 -> 0.35)
        p.add_position("recession", "no", 1000, 0.30, 0.35)
    return p


def r(d, n=6):
    return {k: round(v, n) for k, v in d.items()}


print("\n## 1. NO prices")
for reading in ("held", "yes"):
    p = book(reading)
    print(f"{reading:>4} prices: pnl={p.pnl():.2f} pnl_pct={p.pnl_pct():.6f} value={p._total_value():.2f} weights={r(p.weights())}")


class StandInEngine:
    """What from_engine reads: positions() and all_feed_snapshots() (YES feed: bid 0.34, ask 0.36)."""

    def positions(self):
        return [
            SimpleNamespace(market_id="fed-cut", side="YES", size=400, avg_entry_price=0.45),
            SimpleNamespace(market_id="recession", side="NO", size=1000, avg_entry_price=0.70),
        ]

    def all_feed_snapshots(self):
        return {
            "fed-cut": SimpleNamespace(bid=0.51, ask=0.53, price=0.52),
            "recession": SimpleNamespace(bid=0.34, ask=0.36, price=0.35),
        }


pe = hz.Portfolio.from_engine(StandInEngine())
a = pe._assets["recession"]
print(f"from_engine: recession entry={a.entry_price} current={a.current_price:.2f} pnl={pe.pnl():.2f} value={pe._total_value():.2f}")

print("\n## 2. weights against capital, rebalance_orders")
p = book()
print("capital:", p.capital, "weights:", r(p.weights()))
for o in p.rebalance_orders({"fed-cut": 0.5, "recession": 0.5}):
    print(o)
print("target {'fed-cut': 0.5} only:", p.rebalance_orders({"fed-cut": 0.5}))

print("\n## 3. Ledoit-Wolf")
H = [
    [0.010, -0.020, 0.030],
    [0.020, 0.010, -0.050],
    [-0.010, 0.030, 0.040],
    [0.000, -0.010, -0.060],
    [0.015, 0.020, 0.050],
    [-0.005, -0.030, -0.020],
]
cov_h, d_h = hz.ledoit_wolf_shrinkage(H)
print(f"hz.ledoit_wolf_shrinkage: shrinkage={d_h:.10f} cov[0][0]={cov_h[0][0]:.10e} cov[0][1]={cov_h[0][1]:.10e}")
try:
    from sklearn.covariance import ledoit_wolf

    cov_s, d_s = ledoit_wolf(np.array(H))
    print(f"sklearn ledoit_wolf:      shrinkage={d_s:.10f} cov[0][0]={cov_s[0][0]:.10e} cov[0][1]={cov_s[0][1]:.10e}")
except ImportError:
    cov_s = None
    print("scikit-learn not installed: pip install scikit-learn")

print("\n## 4. Kelly")
p = book()
print("YES probs {fed-cut: 0.62, recession: 0.25}:", r(p.optimize_kelly({"fed-cut": 0.62, "recession": 0.25})))
print("held-side prob for NO (0.75):", r(p.optimize_kelly({"fed-cut": 0.62, "recession": 0.75})))
print("YES prices stored, YES prob:", r(book("yes").optimize_kelly({"fed-cut": 0.62, "recession": 0.25})))
print("YES holdings, scaled to max_total:", [round(x, 6) for x in hz.multi_kelly([0.62, 0.9], [0.52, 0.5], 1.0)])
print("hz.kelly_no(0.25, 0.35) =", round(hz.kelly_no(0.25, 0.35), 6), "(YES probability, YES price: not used by optimize_kelly)")

print("\n## 5. minimum variance")


def exact_min_variance(S):
    """Brute force over active sets: the exact long-only optimum (fine for 3 markets)."""
    n = len(S)
    best = None
    for k in range(1, n + 1):
        for A in itertools.combinations(range(n), k):
            x = np.linalg.solve(S[np.ix_(A, A)], np.ones(k))
            if (x < 0).any():
                continue
            w = np.zeros(n)
            w[list(A)] = x / x.sum()
            v = w @ S @ w
            if best is None or v < best[0]:
                best = (v, w)
    return best


if cov_s is not None:
    S = np.array(cov_s)  # scikit-learn's = hz-portfolio's covariance of H
    w = np.array(min_variance_weights(S.tolist()))
    v_opt, w_opt = exact_min_variance(S)
    print(f"Horizon's solver on sklearn cov: w={np.round(w, 6).tolist()} variance={w @ S @ w:.6e}")
    print(f"exact optimum:                   w={np.round(w_opt, 6).tolist()} variance={v_opt:.6e} ratio={(w @ S @ w) / v_opt:.4f}")
p3 = hz.Portfolio(capital=1_000)
for m in ("a", "b", "c"):
    p3.add_position(m, "yes", 100, 0.5, 0.5)
w3 = p3.optimize_min_variance(H)
S = np.array(cov_h)
wv = np.array([w3[m] for m in ("a", "b", "c")])
v_opt, w_opt = exact_min_variance(S)
print(f"optimize_min_variance(H) on its own cov: w={r(w3)} variance={wv @ S @ wv:.6e} optimum={v_opt:.6e} ratio={(wv @ S @ wv) / v_opt:.4f}")

print("\n## 6. validation")
p = hz.Portfolio()
p.add_position("x", "yes", -10, 1.5, 1.5)  # negative size, price 1.5: accepted
p.add_position("y", "maybe", 10, 0.5, 0.4)  # unknown side: accepted (priced as NO)
p.update_price("not-held", 0.5)  # silently ignored
print(f"accepted: positions={len(p)} value={p._total_value():.2f} pnl={p.pnl():.2f} weights={r(p.weights())}")
p3 = hz.Portfolio()
for m in ("a", "b", "c"):
    p3.add_position(m, "yes", 100, 0.5, 0.5)
two_columns = [[0.01, 0.02], [0.02, -0.01], [0.0, 0.01]]  # 2 columns for 3 positions
print("2-column history for 3 positions -> optimize_min_variance:", r(p3.optimize_min_variance(two_columns)))
print("order for a market not held (price assumed 0.50):", p3.rebalance_orders({"zzz": 0.1}))
print("Kelly for a market not held:", p3.optimize_kelly({"zzz": 0.7}))

print("\n## 7. needs_rebalance and noise")
p = book()
w = p.weights()
print("weights:", r(w))
print("needs_rebalance({fed-cut: 0.27, recession: 0.73}):", p.needs_rebalance({"fed-cut": 0.27, "recession": 0.73}))
noisy = {"fed-cut": w["fed-cut"] + 2e-10, "recession": w["recession"] - 2e-10}
print("2e-10 weight noise -> needs_rebalance:", p.needs_rebalance(noisy), "orders:", p.rebalance_orders(noisy))

print("\n## 8. Greeks")
g = hz.prediction_greeks(0.6, 100, True, 24.0, 0.2)
print(f"100 YES @ 0.60: delta={g.delta!r} gamma={g.gamma!r} vega={g.vega!r} theta={g.theta!r}")
g = hz.prediction_greeks(0.65, 1000, False, 24.0, 0.2)
print(f"1000 NO @ 0.65: delta={g.delta!r} gamma={g.gamma!r} vega={g.vega!r} theta={g.theta!r}")
g = hz.prediction_greeks(1.0, 10, True, 24.0, 0.2)
print(f"10 YES settled @ 1.00: delta={g.delta!r}")
g = hz.prediction_greeks(0.97, 100, True, 24.0, 0.2)
print(f"100 YES @ 0.97: delta={g.delta!r}")
