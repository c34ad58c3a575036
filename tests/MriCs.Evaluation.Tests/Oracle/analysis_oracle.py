"""Independent re-implementation of the pairing rules, with scikit-learn / statsmodels kappas.

argv: predictions.csv references.csv
stdout, one line per cell: unit;a;b;stratum;name=value;...   (stratum: all, level:C3/4, site:X)
Rules (docs/evaluation.md): image unit joins on (patient, level) where both sides have a grade;
patient unit uses a "patient" row when present, else the highest graded level of that side;
consensus = strict majority (>= 2 votes) of the raters; binary = 0 vs 1+2.
"""
import csv
import sys
import warnings
from collections import defaultdict

import numpy as np
from sklearn.metrics import cohen_kappa_score, confusion_matrix
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa, fleiss_kappa

warnings.simplefilter("ignore")


def load(path, who):
    images = defaultdict(dict)    # source -> (patient, level) -> grade
    explicit = defaultdict(dict)  # source -> patient -> grade
    sites = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            src = row.get(who) or "reference"
            sites[row["patient_id"]] = row.get("site") or None
            if row["grade"] == "":
                continue
            g = int(row["grade"])
            if row["level"] == "patient":
                explicit[src][row["patient_id"]] = g
            else:
                images[src][(row["patient_id"], row["level"])] = g
    return images, explicit, sites


def patients_of(images, explicit):
    out = {}
    for src in set(images) | set(explicit):
        p = {}
        for (pid, _), g in images.get(src, {}).items():
            p[pid] = max(p.get(pid, -1), g)
        p.update(explicit.get(src, {}))
        out[src] = p
    return out


def majority(votes):
    if len(votes) < 2:
        return None
    for g in range(3):
        if 2 * votes.count(g) > len(votes):
            return g
    return None


def fmt(x):
    x = float(x)
    return "nan" if np.isnan(x) else repr(x)


def stats(a, b):
    out = []
    if not a:
        return ["n=0"]
    out.append("n=%d" % len(a))
    for name, w, aa, bb, labels in (("u", None, a, b, [0, 1, 2]), ("l", "linear", a, b, [0, 1, 2]),
                                     ("q", "quadratic", a, b, [0, 1, 2]),
                                     ("b", None, [min(x, 1) for x in a], [min(x, 1) for x in b], [0, 1])):
        k = cohen_kappa_score(aa, bb, labels=labels, weights=w)
        out.append("k_%s=%s" % (name, fmt(k)))
        if not np.isnan(k):
            t = confusion_matrix(aa, bb, labels=labels)
            res = cohens_kappa(t) if w is None else cohens_kappa(t, wt=w)
            out.append("se_%s=%s" % (name, fmt(np.sqrt(max(res.var_kappa, 0.0)))))
    return out


pred_images, pred_explicit, pred_sites = load(sys.argv[1], "model")
ref_images, ref_explicit, ref_sites = load(sys.argv[2], "rater")
sites = dict(pred_sites)
sites.update({k: v for k, v in ref_sites.items() if v is not None or k not in sites})
pred_patients = patients_of(pred_images, pred_explicit)
ref_patients = patients_of(ref_images, ref_explicit)
raters = sorted(set(ref_images) | set(ref_explicit))
models = sorted(set(pred_images) | set(pred_explicit))

if len(raters) >= 2:
    keys = set().union(*[set(ref_images[r]) for r in raters])
    cons = {}
    for key in keys:
        g = majority([ref_images[r][key] for r in raters if key in ref_images[r]])
        if g is not None:
            cons[key] = g
    pk = set().union(*[set(ref_patients[r]) for r in raters])
    consp = {}
    for pid in pk:
        g = majority([ref_patients[r][pid] for r in raters if pid in ref_patients[r]])
        if g is not None:
            consp[pid] = g
    ref_images["consensus"] = cons
    ref_patients["consensus"] = consp
    targets = raters + ["consensus"]
else:
    targets = raters

pairs = [(pred_images, pred_patients, m, ref_images, ref_patients, t) for m in models for t in targets]
pairs += [(ref_images, ref_patients, raters[i], ref_images, ref_patients, raters[j])
          for i in range(len(raters)) for j in range(i + 1, len(raters))]
site_names = sorted({s for s in sites.values() if s})

for ai, ap, a, bi, bp, b in pairs:
    common = sorted(set(ai.get(a, {})) & set(bi.get(b, {})))
    strata = [("all", common)]
    strata += [("level:" + lv, [k for k in common if k[1] == lv]) for lv in ("C3/4", "C4/5", "C5/6", "C6/7")]
    strata += [("site:" + s, [k for k in common if sites.get(k[0]) == s]) for s in site_names]
    for name, ks in strata:
        print(";".join(["image", a, b, name] + stats([ai[a][k] for k in ks], [bi[b][k] for k in ks])))
    commonp = sorted(set(ap.get(a, {})) & set(bp.get(b, {})))
    strata = [("all", commonp)] + [("site:" + s, [p for p in commonp if sites.get(p) == s]) for s in site_names]
    for name, ps in strata:
        print(";".join(["patient", a, b, name] + stats([ap[a][p] for p in ps], [bp[b][p] for p in ps])))

# Fleiss' kappa of all raters on the items every rater graded.
if len(raters) >= 2:
    for unit, src in (("image", ref_images), ("patient", ref_patients)):
        keys = sorted(set.intersection(*[set(src[r]) for r in raters]))
        out = ["fleiss", unit, "n=%d" % len(keys)]
        if keys:
            data = np.array([[src[r][k] for r in raters] for k in keys])
            for name, d, n_cat in (("u", data, 3), ("b", np.minimum(data, 1), 2)):
                table, _ = aggregate_raters(d, n_cat=n_cat)
                with np.errstate(all="ignore"):
                    out.append("k_%s=%s" % (name, fmt(fleiss_kappa(table, method="fleiss"))))
        print(";".join(out))
