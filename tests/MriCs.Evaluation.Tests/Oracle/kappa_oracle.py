"""Independent oracle for MriCs.Evaluation: scikit-learn and statsmodels (Debian packages).

stdin, one case per line:  id;k;a0,a1,...;b0,b1,...   (grades of rater A and rater B)
stdout, one line per case: id;name=value;... with repr() floats ("nan" when undefined).
"""
import sys
import warnings

import numpy as np
from sklearn.metrics import cohen_kappa_score, confusion_matrix
from statsmodels.stats.inter_rater import cohens_kappa

warnings.simplefilter("ignore")


def fmt(x):
    x = float(x)
    return "nan" if np.isnan(x) else repr(x)


def sd(var):
    # Rounding leaves a variance of about -1e-17 at perfect agreement; the true value is 0.
    return np.sqrt(max(var, 0.0)) if var > -1e-12 else np.nan


for raw in sys.stdin:
    raw = raw.strip()
    if not raw:
        continue
    cid, k, a, b = raw.split(";")
    k = int(k)
    a = [int(v) for v in a.split(",")]
    b = [int(v) for v in b.split(",")]
    labels = list(range(k))
    out = [cid]
    for name, w in (("u", None), ("l", "linear"), ("q", "quadratic")):
        out.append("sk_%s=%s" % (name, fmt(cohen_kappa_score(a, b, labels=labels, weights=w))))
        table = confusion_matrix(a, b, labels=labels)
        with np.errstate(all="ignore"):
            if w is None:
                res = cohens_kappa(table)
            else:
                res = cohens_kappa(table, wt=w)
            out.append("sm_%s=%s" % (name, fmt(res.kappa)))
            out.append("se_%s=%s" % (name, fmt(sd(res.var_kappa))))
            out.append("se0_%s=%s" % (name, fmt(sd(res.var_kappa0))))
    print(";".join(out))
