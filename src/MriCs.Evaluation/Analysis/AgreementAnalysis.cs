using MriCs.Evaluation.Input;
using MriCs.Evaluation.Statistics;

namespace MriCs.Evaluation.Analysis;

/// <summary>
/// The study's consistency analysis: every model against every rater and the raters' consensus,
/// raters against each other, per unit (image, patient), overall and per level and site, with
/// asymptotic and patient-bootstrap intervals, plus paired comparisons. Pure: no I/O.
/// </summary>
public static class AgreementAnalysis
{
    public static AgreementReport Run(
        InputTable<PredictionRow> predictions,
        InputTable<ReferenceRow> references,
        AgreementOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(references);
        options ??= new AgreementOptions();
        options.Validate();

        var sites = ResolveSites(predictions, references);
        var models = predictions.Rows.Select(r => r.Model).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var raters = references.Rows.Select(r => r.Rater).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        CheckNames(predictions, references, raters);

        var grades = new Dictionary<string, RatingSource>(StringComparer.Ordinal);
        foreach (var r in predictions.Rows)
            if (r.Grade is { } g) Source(grades, r.Model).Add(r.PatientId, r.Level, g);
        foreach (var r in references.Rows) Source(grades, r.Rater).Add(r.PatientId, r.Level, r.Grade);
        foreach (var m in models) Source(grades, m); // a model whose every row is ungraded still appears
        foreach (var source in grades.Values) source.CompletePatients();

        var withoutConsensus = (Images: 0, Patients: 0);
        if (raters.Count >= 2)
            grades[AgreementReport.Consensus] = BuildConsensus(raters.Select(r => grades[r]).ToList(), out withoutConsensus);

        var coverage = CheckCoverage(predictions, references, models, grades, options, withoutConsensus, sites.Count);

        var primaryModel = options.PrimaryModel ?? models.FirstOrDefault(m => m.Equals("ensemble", StringComparison.OrdinalIgnoreCase)) ?? models[0];
        if (!models.Contains(primaryModel, StringComparer.Ordinal))
            throw new ArgumentException($"primary model '{primaryModel}' is not among the models: {string.Join(", ", models)}");
        var primaryTarget = options.PrimaryTarget ?? (raters.Count >= 2 ? AgreementReport.Consensus : raters[0]);
        if (!grades.ContainsKey(primaryTarget) || models.Contains(primaryTarget, StringComparer.Ordinal))
            throw new ArgumentException($"primary target '{primaryTarget}' is not a rater{(raters.Count >= 2 ? " or the consensus" : "")}");

        var pairs = new List<(ComparisonKind Kind, string A, string B)>();
        foreach (var m in models)
        {
            foreach (var r in raters) pairs.Add((ComparisonKind.ModelVsRater, m, r));
            if (raters.Count >= 2) pairs.Add((ComparisonKind.ModelVsConsensus, m, AgreementReport.Consensus));
        }
        for (var i = 0; i < raters.Count; i++)
            for (var j = i + 1; j < raters.Count; j++)
                pairs.Add((ComparisonKind.RaterVsRater, raters[i], raters[j]));

        var siteNames = sites.Values.OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var cellJobs = PlanCells(grades, sites, pairs, siteNames, options);
        var comparisonJobs = options.Comparisons ? PlanComparisons(grades, sites, models, raters, primaryTarget, options) : [];

        var multiRater = raters.Count >= 2
            ? options.Units.Distinct().Select(u => MultiRater(grades, sites, u, raters, options)).ToList()
            : [];

        var cells = new AgreementCell[cellJobs.Count];
        var comparisons = new KappaComparison[comparisonJobs.Count];
        Parallel.For(0, cellJobs.Count + comparisonJobs.Count, k =>
        {
            if (k < cellJobs.Count) cells[k] = cellJobs[k]();
            else comparisons[k - cellJobs.Count] = comparisonJobs[k - cellJobs.Count]();
        });

        return new AgreementReport(options, predictions.File, references.File, models, raters, siteNames,
            primaryModel, primaryTarget, cells, comparisons, multiRater, coverage, Notes(options, raters.Count));
    }

    // Every cell and comparison bootstraps with its own seeded generator, so computing them in
    // parallel gives the same report as computing them one after the other.
    private static List<Func<AgreementCell>> PlanCells(Dictionary<string, RatingSource> grades, Dictionary<string, string?> sites,
        List<(ComparisonKind Kind, string A, string B)> pairs, List<string> siteNames, AgreementOptions options)
    {
        var jobs = new List<Func<AgreementCell>>();
        foreach (var unit in options.Units.Distinct())
            foreach (var (kind, a, b) in pairs)
            {
                var items = Align(grades, sites, unit, [a, b]);
                jobs.Add(() => Cell(unit, kind, a, b, Stratum.All, items, options));
                if (unit == AnalysisUnit.Image)
                    foreach (var level in DiscLevels.All)
                        jobs.Add(() => Cell(unit, kind, a, b, new Stratum(level, null), items.Where(x => x.Level == level).ToList(), options));
                foreach (var site in siteNames)
                    jobs.Add(() => Cell(unit, kind, a, b, new Stratum(null, site), items.Where(x => x.Site == site).ToList(), options));
            }
        return jobs;
    }

    /// <summary>Each pair of models against the headline reference; with several raters, each model
    /// against rater R compared with each other rater S against R.</summary>
    private static List<Func<KappaComparison>> PlanComparisons(Dictionary<string, RatingSource> grades, Dictionary<string, string?> sites,
        List<string> models, List<string> raters, string primaryTarget, AgreementOptions options)
    {
        var jobs = new List<Func<KappaComparison>>();
        foreach (var unit in options.Units.Distinct())
        {
            for (var i = 0; i < models.Count; i++)
                for (var j = i + 1; j < models.Count; j++)
                {
                    var (m1, m2) = (models[i], models[j]);
                    jobs.Add(() => Compare(grades, sites, unit, options, $"{m1} vs {m2}, both against {primaryTarget}", m1, primaryTarget, m2, primaryTarget));
                }
            if (raters.Count >= 2)
                foreach (var m in models)
                    foreach (var r in raters)
                        foreach (var s in raters.Where(s => s != r))
                            jobs.Add(() => Compare(grades, sites, unit, options, $"{m} against {r} compared with {s} against {r}", m, r, s, r));
        }
        return jobs;
    }

    private static List<string> Notes(AgreementOptions options, int raterCount)
    {
        var notes = new List<string>
        {
            "kappa CI (asymptotic): kappa ± 1.96·ASE, the non-null standard error of Fleiss, Cohen & Everitt (1969) as SPSS reports it, clipped to [-1, 1].",
            $"kappa CI (bootstrap): percentile interval of {options.BootstrapReplicates} cluster-bootstrap replicates resampling patients (seed {options.Seed}); replicates where kappa is undefined are dropped and counted.",
            "Image unit: the asymptotic SE treats the images of one patient as independent, which they are not; the bootstrap interval, which resamples whole patients, is the one to read.",
            "Patient unit: a patient's grade is the file's level \"patient\" row when there is one (the pipeline's recommendation), else the highest grade over the disc levels that side graded.",
            "Predictions without a grade (no ROI, not gradable) are left out of every kappa and counted under coverage.",
            "Binary: grade 0 against grades 1 and 2 (surgery not recommended vs considered). Rows of a matrix are the first-named side (the model), columns the reference.",
        };
        if (raterCount >= 2)
            notes.Add("Fleiss' kappa: all raters together, on the items every rater graded (Fleiss 1971), with a patient-bootstrap interval.");
        if (raterCount >= 2)
            notes.Add("Consensus: the grade given by a strict majority of the raters who graded the image or patient (at least 2); items without one are left out of consensus cells.");

        return notes;
    }

    private readonly record struct ItemKey(string PatientId, DiscLevel Level);

    /// <summary>Grades of several sources for one item (image, or patient when Level is null).</summary>
    private sealed record Item(string PatientId, DiscLevel? Level, string? Site, int[] Grades);

    /// <summary>One model's, rater's or the consensus's grades, per image and per patient.</summary>
    private sealed class RatingSource
    {
        public Dictionary<ItemKey, int> Images { get; } = new();

        public Dictionary<string, int> Patients { get; } = new(StringComparer.Ordinal);

        public void Add(string patient, DiscLevel? level, int grade)
        {
            if (level is { } l) Images[new ItemKey(patient, l)] = grade;
            else Patients[patient] = grade;
        }

        /// <summary>Patients without an explicit patient grade get the highest of their image grades.</summary>
        public void CompletePatients()
        {
            var explicitPatients = Patients.Keys.ToHashSet(StringComparer.Ordinal);
            foreach (var (key, g) in Images)
            {
                if (explicitPatients.Contains(key.PatientId)) continue;
                if (!Patients.TryGetValue(key.PatientId, out var p) || p < g) Patients[key.PatientId] = g;
            }
        }
    }

    private static RatingSource Source(Dictionary<string, RatingSource> all, string name)
    {
        if (!all.TryGetValue(name, out var d)) all[name] = d = new RatingSource();
        return d;
    }

    private static Dictionary<string, string?> ResolveSites(InputTable<PredictionRow> predictions, InputTable<ReferenceRow> references)
    {
        var fromPredictions = new Dictionary<string, (string? Site, int Line)>(StringComparer.Ordinal);
        foreach (var r in predictions.Rows) fromPredictions.TryAdd(r.PatientId, (r.Site, r.Line));
        var sites = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var r in references.Rows)
        {
            if (sites.ContainsKey(r.PatientId)) continue;
            if (fromPredictions.TryGetValue(r.PatientId, out var p) && p.Site is not null && r.Site is not null
                && !string.Equals(p.Site, r.Site, StringComparison.Ordinal))
                throw new EvaluationInputException(references.File, r.Line,
                    $"site differs from the site given for the same patient_id in {predictions.File} line {p.Line}");
            sites[r.PatientId] = r.Site ?? (fromPredictions.TryGetValue(r.PatientId, out var q) ? q.Site : null);
        }
        foreach (var (patient, p) in fromPredictions) sites.TryAdd(patient, p.Site);
        return sites;
    }

    private static void CheckNames(InputTable<PredictionRow> predictions, InputTable<ReferenceRow> references, List<string> raters)
    {
        var raterSet = raters.ToHashSet(StringComparer.Ordinal);
        foreach (var r in predictions.Rows)
        {
            if (raterSet.Contains(r.Model))
                throw new EvaluationInputException(predictions.File, r.Line, $"model name '{r.Model}' is also a rater name in {references.File}");
            if (raters.Count >= 2 && r.Model == AgreementReport.Consensus)
                throw new EvaluationInputException(predictions.File, r.Line, $"model name '{AgreementReport.Consensus}' is reserved");
        }
        if (raters.Count >= 2)
            foreach (var r in references.Rows.Where(r => r.Rater == AgreementReport.Consensus).Take(1))
                throw new EvaluationInputException(references.File, r.Line,
                    $"rater name '{AgreementReport.Consensus}' is reserved when there are several raters");
    }

    /// <summary>Strict majority (more than half, at least two votes) or null.</summary>
    private static int? Majority(Span<int> votes)
    {
        var total = votes[0] + votes[1] + votes[2];
        if (total < 2) return null;
        for (var g = 0; g < 3; g++) if (2 * votes[g] > total) return g;
        return null;
    }

    private static RatingSource BuildConsensus(List<RatingSource> raters, out (int Images, int Patients) without)
    {
        var consensus = new RatingSource();
        var imageVotes = new Dictionary<ItemKey, int[]>();
        var patientVotes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var r in raters)
        {
            foreach (var (key, g) in r.Images)
            {
                if (!imageVotes.TryGetValue(key, out var v)) imageVotes[key] = v = new int[3];
                v[g]++;
            }
            foreach (var (patient, g) in r.Patients)
            {
                if (!patientVotes.TryGetValue(patient, out var v)) patientVotes[patient] = v = new int[3];
                v[g]++;
            }
        }
        without = (0, 0);
        foreach (var (key, v) in imageVotes)
            if (Majority(v) is { } g) consensus.Images[key] = g; else without.Images++;
        foreach (var (patient, v) in patientVotes)
            if (Majority(v) is { } g) consensus.Patients[patient] = g; else without.Patients++;
        return consensus;
    }

    private static Coverage CheckCoverage(InputTable<PredictionRow> predictions, InputTable<ReferenceRow> references,
        List<string> models, Dictionary<string, RatingSource> grades, AgreementOptions options, (int Images, int Patients) withoutConsensus, int patients)
    {
        var referenceImages = new Dictionary<ItemKey, ReferenceRow>();
        var referencePatients = new Dictionary<string, ReferenceRow>(StringComparer.Ordinal);
        foreach (var r in references.Rows)
        {
            if (r.Level is { } l) referenceImages.TryAdd(new ItemKey(r.PatientId, l), r);
            referencePatients.TryAdd(r.PatientId, r);
        }
        var predictedImages = predictions.Rows.Where(r => r.Level is not null)
            .Select(r => (r.Model, new ItemKey(r.PatientId, r.Level!.Value))).ToHashSet();

        var listed = new List<UnmatchedKey>();
        int noReference = 0, ungraded = 0;
        foreach (var p in predictions.Rows)
        {
            if (p.Grade is null)
            {
                ungraded++;
                if (listed.Count < options.MaxListedUnmatched)
                    listed.Add(new UnmatchedKey(predictions.File, p.Line, p.PatientId, DiscLevels.Label(p.Level), p.Model, "no grade" + (p.Reason is { } why ? ": " + why : "")));
                continue;
            }
            var hasReference = p.Level is { } l ? referenceImages.ContainsKey(new ItemKey(p.PatientId, l)) : referencePatients.ContainsKey(p.PatientId);
            if (hasReference) continue;
            if (options.RequireComplete)
                throw new EvaluationInputException(predictions.File, p.Line, $"prediction without a reference grade in {references.File}");
            noReference++;
            if (listed.Count < options.MaxListedUnmatched)
                listed.Add(new UnmatchedKey(predictions.File, p.Line, p.PatientId, DiscLevels.Label(p.Level), p.Model, "no reference grade"));
        }
        var noPrediction = 0;
        foreach (var (key, r) in referenceImages.OrderBy(k => k.Value.Line))
            foreach (var m in models)
            {
                if (predictedImages.Contains((m, key))) continue;
                if (options.RequireComplete)
                    throw new EvaluationInputException(references.File, r.Line, $"reference grade without a prediction by model '{m}' in {predictions.File}");
                noPrediction++;
                if (listed.Count < options.MaxListedUnmatched)
                    listed.Add(new UnmatchedKey(references.File, r.Line, r.PatientId, r.Level is { } l ? l.Label() : DiscLevels.PatientLevel, m, "no prediction"));
            }
        return new Coverage(predictions.Rows.Count, references.Rows.Count, patients, noReference, noPrediction, ungraded,
            withoutConsensus.Images, withoutConsensus.Patients, predictions.SkippedOtherLevels + references.SkippedOtherLevels, listed);
    }

    /// <summary>Items graded by every named source at the unit, sorted by patient id (ordinal) and
    /// level, so clusters come in a fixed order.</summary>
    private static List<Item> Align(Dictionary<string, RatingSource> grades, Dictionary<string, string?> sites,
        AnalysisUnit unit, string[] sources)
    {
        var maps = sources.Select(s => grades.TryGetValue(s, out var d) ? d : new RatingSource()).ToArray();
        var items = new List<Item>();
        if (unit == AnalysisUnit.Image)
        {
            foreach (var (key, g0) in maps[0].Images)
            {
                var g = new int[sources.Length];
                g[0] = g0;
                var all = true;
                for (var s = 1; s < maps.Length && all; s++) all = maps[s].Images.TryGetValue(key, out g[s]);
                if (all) items.Add(new Item(key.PatientId, key.Level, sites.GetValueOrDefault(key.PatientId), g));
            }
        }
        else
        {
            foreach (var (patient, g0) in maps[0].Patients)
            {
                var g = new int[sources.Length];
                g[0] = g0;
                var all = true;
                for (var s = 1; s < maps.Length && all; s++) all = maps[s].Patients.TryGetValue(patient, out g[s]);
                if (all) items.Add(new Item(patient, null, sites.GetValueOrDefault(patient), g));
            }
        }
        items.Sort((x, y) =>
        {
            var c = string.CompareOrdinal(x.PatientId, y.PatientId);
            return c != 0 ? c : Nullable.Compare(x.Level, y.Level);
        });
        return items;
    }

    private static ClusteredPairs Clusters(List<Item> items, int first, int second) =>
        ClusteredPairs.FromOrdered(items.Select(i => (i.PatientId, i.Grades[first], i.Grades[second])).ToList(), StringComparer.Ordinal);

    private static AgreementCell Cell(AnalysisUnit unit, ComparisonKind kind, string a, string b, Stratum stratum,
        List<Item> items, AgreementOptions options)
    {
        var m3 = ConfusionMatrix.FromPairs(3, items.Select(i => (i.Grades[0], i.Grades[1])));
        var m2 = m3.ToBinary();
        var clusters = Clusters(items, 0, 1);
        var reps = options.BootstrapReplicates > 0
            ? ClusterBootstrap.Replicates(clusters, options.BootstrapReplicates, options.Seed)
            : null;
        KappaResult Result(ConfusionMatrix m, KappaWeighting w, ClusterBootstrap.Statistic s) =>
            new(CohenKappa.Compute(m, w),
                reps is null ? null : ClusterBootstrap.Percentile(reps[(int)s], options.BootstrapReplicates, options.Seed, options.ConfidenceLevel));

        return new AgreementCell(unit, kind, a, b, stratum, m3.Total, clusters.Clusters, m3, m2,
            Result(m3, KappaWeighting.Unweighted, ClusterBootstrap.Statistic.ThreeClass),
            Result(m3, KappaWeighting.Linear, ClusterBootstrap.Statistic.Linear),
            Result(m3, KappaWeighting.Quadratic, ClusterBootstrap.Statistic.Quadratic),
            Result(m2, KappaWeighting.Unweighted, ClusterBootstrap.Statistic.Binary),
            ClassMetrics.Of(m3), ClassMetrics.Of(m2));
    }

    private static KappaComparison Compare(Dictionary<string, RatingSource> grades, Dictionary<string, string?> sites,
        AnalysisUnit unit, AgreementOptions options, string description, string a1, string b1, string a2, string b2)
    {
        // Sources: distinct names in order; each pair indexes into them.
        var names = new List<string>();
        int Index(string n) { var i = names.IndexOf(n); if (i < 0) { names.Add(n); i = names.Count - 1; } return i; }
        int ia1 = Index(a1), ib1 = Index(b1), ia2 = Index(a2), ib2 = Index(b2);
        var items = Align(grades, sites, unit, [.. names]);
        var first = ConfusionMatrix.FromPairs(3, items.Select(i => (i.Grades[ia1], i.Grades[ib1])));
        var second = ConfusionMatrix.FromPairs(3, items.Select(i => (i.Grades[ia2], i.Grades[ib2])));
        var k1 = CohenKappa.Compute(first).Kappa;
        var k2 = CohenKappa.Compute(second).Kappa;
        var b1k = CohenKappa.Compute(first.ToBinary()).Kappa;
        var b2k = CohenKappa.Compute(second.ToBinary()).Kappa;

        BootstrapInterval? d3 = null, d2 = null;
        var c1 = Clusters(items, ia1, ib1);
        var c2 = Clusters(items, ia2, ib2);
        if (options.BootstrapReplicates > 0 && c1.Clusters > 0)
        {
            var diffs = ClusterBootstrap.PairedDifferences(c1, c2, options.BootstrapReplicates, options.Seed);
            d3 = ClusterBootstrap.Percentile(diffs[0], options.BootstrapReplicates, options.Seed, options.ConfidenceLevel);
            d2 = ClusterBootstrap.Percentile(diffs[1], options.BootstrapReplicates, options.Seed, options.ConfidenceLevel);
        }
        return new KappaComparison(unit, description, a1, b1, a2, b2, first.Total, c1.Clusters, k1, k2, d3, b1k, b2k, d2);
    }

    private static MultiRaterAgreement MultiRater(Dictionary<string, RatingSource> grades, Dictionary<string, string?> sites,
        AnalysisUnit unit, List<string> raters, AgreementOptions options)
    {
        var items = Align(grades, sites, unit, [.. raters]);
        var m = raters.Count;
        var counts3 = items.Select(i => { var c = new int[3]; foreach (var g in i.Grades) c[g]++; return c; }).ToList();
        var counts2 = counts3.Select(c => new[] { c[0], c[1] + c[2] }).ToList();
        var k3 = FleissKappa.Compute(counts3, 3);
        var k2 = FleissKappa.Compute(counts2, 2);

        // Per patient sufficient statistics: items, Σ n², class totals (3-class then binary).
        var clusters = new List<double[]>();
        string? current = null;
        for (var i = 0; i < items.Count; i++)
        {
            if (clusters.Count == 0 || !string.Equals(items[i].PatientId, current, StringComparison.Ordinal))
            {
                clusters.Add(new double[1 + 1 + 3 + 1 + 2]);
                current = items[i].PatientId;
            }
            var s = clusters[^1];
            var c = counts3[i];
            var b = counts2[i];
            s[0]++;
            s[1] += c[0] * c[0] + c[1] * c[1] + c[2] * c[2];
            s[2] += c[0]; s[3] += c[1]; s[4] += c[2];
            s[5] += b[0] * b[0] + b[1] * b[1];
            s[6] += b[0]; s[7] += b[1];
        }
        BootstrapInterval? ci3 = null, ci2 = null;
        if (options.BootstrapReplicates > 0 && clusters.Count > 0)
        {
            var rng = new Xoshiro256(options.Seed);
            var r3 = new double?[options.BootstrapReplicates];
            var r2 = new double?[options.BootstrapReplicates];
            var sum = new double[8];
            for (var r = 0; r < options.BootstrapReplicates; r++)
            {
                Array.Clear(sum);
                for (var i = 0; i < clusters.Count; i++)
                {
                    var pick = clusters[rng.NextInt(clusters.Count)];
                    for (var j = 0; j < 8; j++) sum[j] += pick[j];
                }
                r3[r] = FleissKappa.FromSums((long)sum[0], m, sum[1], sum.AsSpan(2, 3)).Kappa;
                r2[r] = FleissKappa.FromSums((long)sum[0], m, sum[5], sum.AsSpan(6, 2)).Kappa;
            }
            ci3 = ClusterBootstrap.Percentile(r3, options.BootstrapReplicates, options.Seed, options.ConfidenceLevel);
            ci2 = ClusterBootstrap.Percentile(r2, options.BootstrapReplicates, options.Seed, options.ConfidenceLevel);
        }
        return new MultiRaterAgreement(unit, raters, items.Count, clusters.Count, k3, ci3, k2, ci2);
    }
}
