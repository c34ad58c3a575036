using MriCs.Evaluation.Statistics;

namespace MriCs.Evaluation.Analysis;

/// <summary>One key's running figures: 3-class and binary kappa with their asymptotic CIs.</summary>
public sealed record LiveAgreementEntry(string Site, string Model, long N, KappaEstimate ThreeClass, KappaEstimate Binary, KappaEstimate QuadraticWeighted);

/// <summary>
/// Running agreement for a live system: (site, model) → 3×3 counts of (model grade, surgeon grade),
/// updated one decision at a time, read as kappas at any moment. A plain state object (not thread
/// safe): an actor owns one and calls it from its message handler. Sites and models are bounded so
/// a flood of new names cannot grow it without limit.
/// </summary>
public sealed class LiveAgreement(int maxKeys = 10_000)
{
    /// <summary>Site name used for the all-sites totals.</summary>
    public const string AllSites = "*";

    private readonly Dictionary<(string Site, string Model), long[]> _counts = new();

    public int Keys => _counts.Count;

    /// <summary>Counts one decision under its site and under all sites. Grades are 0, 1 or 2.</summary>
    public void Add(string site, string model, int modelGrade, int surgeonGrade) => Apply(site, model, modelGrade, surgeonGrade, +1);

    /// <summary>Takes back a decision counted before (a surgeon corrected a grade).</summary>
    public void Remove(string site, string model, int modelGrade, int surgeonGrade) => Apply(site, model, modelGrade, surgeonGrade, -1);

    private void Apply(string site, string model, int modelGrade, int surgeonGrade, int delta)
    {
        ArgumentException.ThrowIfNullOrEmpty(site);
        ArgumentException.ThrowIfNullOrEmpty(model);
        if (site == AllSites) throw new ArgumentException($"site name '{AllSites}' is reserved for the totals", nameof(site));
        if ((uint)modelGrade > 2 || (uint)surgeonGrade > 2) throw new ArgumentOutOfRangeException(nameof(modelGrade), "grades are 0, 1 or 2");
        var cell = modelGrade * 3 + surgeonGrade;
        (string, string)[] keys = [(site, model), (AllSites, model)];
        // Check everything first, so a refused update changes nothing.
        var missing = keys.Count(k => !_counts.ContainsKey(k));
        if (delta < 0 && (missing > 0 || keys.Any(k => _counts[k][cell] == 0)))
            throw new InvalidOperationException("removing a decision that was never added");
        if (_counts.Count + missing > maxKeys) throw new InvalidOperationException($"more than {maxKeys} (site, model) keys");
        foreach (var key in keys)
        {
            if (!_counts.TryGetValue(key, out var c)) _counts[key] = c = new long[9];
            c[cell] += delta;
        }
    }

    /// <summary>Current figures for every (site, model), the all-sites totals under site "*".</summary>
    public IReadOnlyList<LiveAgreementEntry> Snapshot() =>
        _counts.OrderBy(k => k.Key.Site, StringComparer.Ordinal).ThenBy(k => k.Key.Model, StringComparer.Ordinal)
            .Select(k =>
            {
                var m = new ConfusionMatrix(3, k.Value);
                return new LiveAgreementEntry(k.Key.Site, k.Key.Model, m.Total,
                    CohenKappa.Compute(m), CohenKappa.Compute(m.ToBinary()), CohenKappa.Compute(m, KappaWeighting.Quadratic));
            })
            .ToList();
}
