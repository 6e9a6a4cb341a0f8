#!/usr/bin/env python3
"""Reference values for test/node/results/reference.test.ts, computed with SciPy.

Run:   apt-get install -y python3-scipy python3-numpy python3-mpmath   (Debian bookworm: SciPy 1.10.1, NumPy 1.24.2, mpmath 1.2.1)
       /usr/bin/python3 test/node/results/reference/make-reference.py > /tmp/ref.json
and paste the JSON into REF in reference.test.ts (its header names this script and the versions).

Where a value comes from (independent of the TypeScript formulas unless said otherwise):
- special functions:   scipy.special.gammaln, betaln, gammainc, gammaincc, betainc;
                       scipy.stats.norm.cdf / ppf, chi2.sf, t.sf.
- Wilson intervals:    scipy.stats.binomtest(k, n).proportion_ci(method="wilson").
- z-test p-values:     scipy.stats.chi2_contingency(2x2, correction=False) (Pearson chi-square = z²).
- rate lift intervals: scipy.stats.contingency.relative_risk(...).confidence_interval() − 1 (Katz log method).
- P(rate B > rate A):  numerical integration of the definition ∫ f_B(x) F_A(x) dx (scipy.integrate.quad
                       with scipy.stats.beta), cross-checked here against Miller's closed-form sum in
                       30-digit mpmath arithmetic (python3-mpmath); the script fails if they differ by
                       more than 1e-9.
- Welch's t-test:      scipy.stats.ttest_ind(a, b, equal_var=False) on the raw simulated values
                       (ttest_ind_from_stats for the huge case), means/variances from NumPy.
- mean lift interval and P(mean B > mean A): the delta-method / normal-posterior formulas written
                       again in NumPy with scipy.stats.norm (no SciPy function exists for them).
- SRM:                 scipy.stats.chisquare(f_obs, f_exp).
- holdout absolute difference interval: the Wald formula written again in NumPy.
"""
import json
import sys

import mpmath
import numpy as np
import scipy
from scipy import integrate, special, stats
from scipy.stats.contingency import relative_risk

Z = stats.norm.ppf(0.975)


def f(x):
    """JSON-safe float (None for NaN/inf, which the TS side reports as null)."""
    x = float(x)
    return x if np.isfinite(x) else None


# ---------------------------------------------------------------- special functions
special_ref = {
    "lgamma": [[x, f(special.gammaln(x))] for x in [0.5, 1, 1.5, 2, 3.7, 9.99, 10, 10.5, 33.3, 100, 1e4, 1e7]],
    "lbeta": [[a, b, f(special.betaln(a, b))] for a, b in [(1, 1), (2, 3), (0.5, 0.5), (5, 12), (30, 40), (2.5, 1e4), (1, 1e6), (1e7, 1e7), (3e5, 9.7e6)]],
    "gammainc": [
        [a, x, f(special.gammainc(a, x)), f(special.gammaincc(a, x))]
        for a, x in [(0.5, 0.01), (0.5, 3), (1, 2), (2.5, 10), (1.5, 200), (10, 3), (100, 120), (0.5, 450), (3, 1e-5), (50, 49)]
    ],
    "betainc": [
        [a, b, x, f(special.betainc(a, b, x)), f(special.betainc(b, a, 1 - x))]
        for a, b, x in [(2, 3, 0.5), (0.5, 0.5, 0.1), (10, 20, 0.9), (1.5, 40, 0.01), (1, 1, 0.3), (200, 300, 0.4), (5e5, 0.5, 0.999995)]
    ],
    "normCdf": [[z, f(stats.norm.cdf(z))] for z in [-37.5, -30, -10, -5, -1.959963984540054, -0.5, 0, 0.3, 1, 5, 8.3]],
    "normQuantile": [[p, f(stats.norm.ppf(p))] for p in [1e-300, 1e-10, 0.001, 0.025, 0.02425, 0.3, 0.5, 0.975, 0.999999]],
    "chiSquareSf": [[x, k, f(stats.chi2.sf(x, k))] for x, k in [(3.841458820694124, 1), (16, 1), (200, 3), (0.1, 5), (1000, 4), (2.5, 2), (30, 30)]],
    "studentTTwoSided": [[t, df, f(2 * stats.t.sf(abs(t), df))] for t, df in [(2, 10), (2, 2e6), (40, 3.5), (0.01, 1e7), (1.5, 1.2), (100, 50), (-3, 7.7), (0, 12)]],
}


# ---------------------------------------------------------------- rates
def wilson(k, n):
    if n == 0:
        return None
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return [f(ci.low), f(ci.high)]


def p_beats_quad(xt, nt, xc, nc):
    """P(p_t > p_c) with Beta(1,1) priors, by integrating the definition."""
    aA, bA, aB, bB = 1 + xc, 1 + nc - xc, 1 + xt, 1 + nt - xt
    lo, hi = stats.beta.ppf(1e-16, aB, bB), stats.beta.isf(1e-16, aB, bB)
    # Break points around both posteriors so quad sees where the mass is.
    pts = sorted({float(v) for v in [stats.beta.mean(aA, bA), stats.beta.mean(aB, bB), stats.beta.median(aB, bB)] if lo < v < hi})
    val, err = integrate.quad(lambda x: stats.beta.pdf(x, aB, bB) * stats.beta.cdf(x, aA, bA), lo, hi, points=pts or None, epsabs=1e-14, epsrel=1e-12, limit=1000)
    return val


def p_beats_miller(xt, nt, xc, nc):
    """Miller's closed form in 30-digit arithmetic (mpmath; scipy.special.betaln alone loses
    ~1e-8 at arguments ~1e7, which is why the TypeScript lbeta avoids lgamma differences)."""
    aA, bA, aB, bB = 1 + xc, 1 + nc - xc, 1 + xt, 1 + nt - xt
    with mpmath.workdps(30):
        t = mpmath.exp(mpmath.log(mpmath.beta(aA, bA + bB)) - mpmath.log(mpmath.beta(aA, bA)))
        total = mpmath.mpf(0)
        for i in range(aB):
            total += t
            t = t * (aA + i) * (bB + i) / ((i + 1) * (aA + bA + bB + i))
        return float(total)


def rate_case(name, xt, nt, xc, nc):
    out = {"name": name, "t": [xt, nt], "c": [xc, nc], "wilsonT": wilson(xt, nt), "wilsonC": wilson(xc, nc)}
    if nt == 0 or nc == 0:
        out.update(z=None, pValue=None, liftInterval=None, lift=None)
    else:
        pt, pc = xt / nt, xc / nc
        table = np.array([[xt, nt - xt], [xc, nc - xc]])
        if (table.sum(axis=0) == 0).any():
            # No variation at all: chi2_contingency refuses (zero expected counts); TS defines p = 1.
            out.update(z=None, pValue=1.0)
        else:
            chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
            out.update(z=f(np.sign(pt - pc) * np.sqrt(chi2)), pValue=f(p))
        out["lift"] = f(pt / pc - 1) if pc > 0 else None
        if xt > 0 and xc > 0:
            ci = relative_risk(xt, nt, xc, nc).confidence_interval(0.95)
            out["liftInterval"] = [f(ci.low - 1), f(ci.high - 1)]
        else:
            out["liftInterval"] = None
    q = p_beats_quad(xt, nt, xc, nc)
    if min(xt + 1, nt - xt + 1) < 2_000_000:
        m = p_beats_miller(xt, nt, xc, nc)
        if abs(q - m) > 1e-9:
            sys.exit(f"{name}: quad {q} and Miller {m} disagree")
    out["probBeats"] = f(q)
    return out


rates = [
    rate_case("typical", 60, 1000, 50, 1000),
    rate_case("tiny p-value", 2000, 10000, 1000, 10000),
    rate_case("zero conversions in control", 5, 1000, 0, 1000),
    rate_case("zero conversions in treatment", 0, 1000, 7, 1000),
    rate_case("zero conversions in both", 0, 1000, 0, 1000),
    rate_case("control arm empty", 10, 100, 0, 0),
    rate_case("tiny samples", 1, 3, 0, 2),
    rate_case("tiny samples 2", 2, 5, 1, 4),
    rate_case("all converted vs most", 20, 20, 18, 20),
    rate_case("all converted in both", 20, 20, 20, 20),
    rate_case("huge, no difference", 300_950, 10_000_000, 300_000, 10_000_000),
    rate_case("huge, large difference", 320_000, 10_000_000, 300_000, 10_000_000),
    rate_case("unbalanced arms", 45, 700, 130, 2600),
]


# ---------------------------------------------------------------- means (value per visitor)
def values(rng, n, p, mu, sigma):
    """n per-visitor values: 0 for non-buyers, lognormal order value for buyers."""
    buy = rng.random(n) < p
    return np.where(buy, rng.lognormal(mu, sigma, n), 0.0)


def moments(a):
    return {"n": int(a.size), "sum": f(a.sum()), "sumSq": f((a * a).sum())}


def mean_case(name, a_t, a_c, raw=True):
    st, sc = moments(a_t), moments(a_c)
    return mean_case_from(name, st, sc, raw_t=a_t if raw else None, raw_c=a_c if raw else None)


def mean_case_from(name, st, sc, raw_t=None, raw_c=None):
    def summ(s, raw):
        n = s["n"]
        if n == 0:
            return {"mean": None, "variance": None}
        if raw is not None:
            return {"mean": f(raw.mean()), "variance": f(raw.var(ddof=1)) if n > 1 else None}
        mean = s["sum"] / n
        return {"mean": f(mean), "variance": f((s["sumSq"] - n * mean * mean) / (n - 1)) if n > 1 else None}

    out = {"name": name, "t": st, "c": sc, "summaryT": summ(st, raw_t), "summaryC": summ(sc, raw_c)}
    if st["n"] < 2 or sc["n"] < 2:
        out.update(t_stat=None, df=None, pValue=None, liftInterval=None, probBeats=None)
        return out
    mt, vt = out["summaryT"]["mean"], out["summaryT"]["variance"]
    mc, vc = out["summaryC"]["mean"], out["summaryC"]["variance"]
    if raw_t is not None:
        r = stats.ttest_ind(raw_t, raw_c, equal_var=False)
    else:
        r = stats.ttest_ind_from_stats(mt, np.sqrt(vt), st["n"], mc, np.sqrt(vc), sc["n"], equal_var=False)
    set2, sec2 = vt / st["n"], vc / sc["n"]
    df = (set2 + sec2) ** 2 / (set2**2 / (st["n"] - 1) + sec2**2 / (sc["n"] - 1))
    out.update(t_stat=f(r.statistic), df=f(df), pValue=f(r.pvalue))
    out["lift"] = f(mt / mc - 1) if mc > 0 else None
    if mt > 0 and mc > 0:
        half = Z * np.sqrt(set2 / mt**2 + sec2 / mc**2)
        lr = np.log(mt / mc)
        out["liftInterval"] = [f(np.expm1(lr - half)), f(np.expm1(lr + half))]
    else:
        out["liftInterval"] = None
    out["probBeats"] = f(stats.norm.cdf((mt - mc) / np.sqrt(set2 + sec2)))
    return out


rng = np.random.default_rng(20260309)
means = [
    mean_case("order value per visitor", values(rng, 4000, 0.05, 4.0, 0.6), values(rng, 4000, 0.04, 4.0, 0.6)),
    mean_case("tiny samples", np.array([0.0, 12.5, 3.0]), np.array([7.0, 0.0])),
    mean_case("no buyer in control", values(rng, 500, 0.05, 3.5, 0.5), np.zeros(400)),
    mean_case("plain values", rng.normal(12, 3, 50), rng.normal(10, 3, 40)),
    mean_case("strong difference", values(rng, 20000, 0.08, 4.2, 0.5), values(rng, 20000, 0.04, 4.0, 0.5)),
    mean_case_from("control arm has one visitor", moments(np.array([1.0, 2.0, 3.0])), moments(np.array([5.0]))),
    mean_case_from(
        "huge",
        {"n": 10_000_000, "sum": 5_412_345.5, "sumSq": 312_345_678.25},
        {"n": 10_000_000, "sum": 5_398_765.25, "sumSq": 311_876_543.5},
    ),
]

# ---------------------------------------------------------------- SRM
def srm_case(name, observed, weights):
    obs = np.array(list(observed.values()), dtype=float)
    w = np.array([weights[k] for k in observed], dtype=float)
    exp = obs.sum() * w / w.sum()
    r = stats.chisquare(obs, exp)
    return {"name": name, "observed": observed, "expected": weights, "chiSquare": f(r.statistic), "df": len(obs) - 1, "pValue": f(r.pvalue)}


srm = [
    srm_case("5200 vs 4800 at 1:1", {"control": 5200, "b": 4800}, {"control": 1, "b": 1}),
    srm_case("fair 1:1", {"control": 10007, "b": 9993}, {"control": 1, "b": 1}),
    srm_case("arms 1:1:2 with a 10% holdout", {"control": 2260, "b": 2240, "c": 4480, "(holdout)": 1020}, {"control": 0.225, "b": 0.225, "c": 0.45, "(holdout)": 0.1}),
    srm_case("tiny", {"control": 3, "b": 1}, {"control": 1, "b": 1}),
    srm_case("huge, 0.1% skew", {"control": 5_005_000, "b": 4_995_000}, {"control": 1, "b": 1}),
    srm_case("extreme skew", {"control": 60_000, "b": 40_000}, {"control": 1, "b": 1}),
    srm_case("bandit expected counts", {"control": 1510, "b": 8490}, {"control": 1500.0, "b": 8500.0}),
]

# ---------------------------------------------------------------- holdout uplift
def holdout_case(name, xp, np_, xh, nh, share):
    pp, ph = xp / np_, xh / nh
    d = pp - ph
    half = Z * np.sqrt(pp * (1 - pp) / np_ + ph * (1 - ph) / nh)
    chi2, p, _, _ = stats.chi2_contingency(np.array([[xp, np_ - xp], [xh, nh - xh]]), correction=False)
    s = stats.chisquare([np_, nh], [(np_ + nh) * (1 - share), (np_ + nh) * share])
    ci = relative_risk(xp, np_, xh, nh).confidence_interval(0.95)
    return {
        "name": name, "personalized": [xp, np_], "holdout": [xh, nh], "share": share,
        "difference": f(d), "differenceInterval": [f(d - half), f(d + half)],
        "incremental": f(d * np_), "incrementalInterval": [f((d - half) * np_), f((d + half) * np_)],
        "pValue": f(p), "lift": f(pp / ph - 1), "liftInterval": [f(ci.low - 1), f(ci.high - 1)],
        "probBeats": f(p_beats_quad(xp, np_, xh, nh)), "srmPValue": f(s.pvalue),
    }


holdout = [
    holdout_case("5% holdout, personalization pays", 3990, 95000, 180, 5000, 0.05),
    holdout_case("no uplift", 2850, 95000, 150, 5000, 0.05),
    holdout_case("holdout split broken", 3990, 95000, 300, 6000, 0.05),
]

json.dump(
    {
        "source": f"test/node/results/reference/make-reference.py; SciPy {scipy.__version__}, NumPy {np.__version__}, mpmath {mpmath.__version__} (Debian packages)",
        "special": special_ref,
        "rates": rates,
        "means": means,
        "srm": srm,
        "holdout": holdout,
    },
    sys.stdout,
    indent=None,
    separators=(",", ":"),
)
print()
