using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using MriCs.Evaluation.Analysis;

namespace MriCs.Actors.Agreement;

/// <summary>
/// Meter "MriCs.Agreement": the live kappas of the node that holds the live-agreement singleton,
/// against the primary reference (the raters' consensus with two raters or more, else the only rater).
/// Tags: site ("*" all sites, "-" none given), version (dl-v1..dl-v4, ensemble), classes ("3" or "2"),
/// unit ("image" or "patient"). Never a patient identifier.
/// </summary>
public static class AgreementMetrics
{
    public const string MeterName = "MriCs.Agreement";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<AgreementGauge, byte> Gauges = new();

    static AgreementMetrics()
    {
        Meter.CreateObservableGauge("mrics.agreement.kappa", () => Cells<double>(c => c.N > 0, (c, g) =>
            {
                var list = new List<Measurement<double>>(2);
                if (c.ThreeClass.Kappa is { } k3) list.Add(new Measurement<double>(k3, Tags(c, "3")));
                if (c.Binary.Kappa is { } k2) list.Add(new Measurement<double>(k2, Tags(c, "2")));
                return list;
            }), null, "Cohen's kappa of a model against the primary reference (surgeons), per site, version, classes and unit");
        Meter.CreateObservableGauge("mrics.agreement.pairs", () => Cells<long>(c => true, (c, _) => [new Measurement<long>(c.N, Tags(c, null))]),
            "{item}", "Items (images or patients) graded by both the model and the primary reference");
        Meter.CreateObservableGauge("mrics.agreement.decisions", () => Gauges.Keys.Select(g => new Measurement<long>(g.Current.Decisions)),
            "{decision}", "Surgeon decisions held (the latest per patient, level and rater)");
        Meter.CreateObservableGauge("mrics.agreement.patients.without_recommendation",
            () => Gauges.Keys.Select(g => new Measurement<long>(g.Current.PatientsWithDecisionsOnly)),
            "{patient}", "Patients with surgeon decisions and no recommendation");
        Meter.CreateObservableGauge("mrics.agreement.patients.without_decisions",
            () => Gauges.Keys.Select(g => new Measurement<long>(g.Current.PatientsWithPredictionsOnly)),
            "{patient}", "Patients with a recommendation and no surgeon decision");
    }

    private static KeyValuePair<string, object?>[] Tags(LiveAgreementCell c, string? classes)
    {
        var tags = new List<KeyValuePair<string, object?>>
        {
            new("site", c.Site),
            new("version", c.Model),
            new("unit", AgreementViews.UnitName(c.Unit)),
        };
        if (classes is not null) tags.Add(new("classes", classes));
        return [.. tags];
    }

    private static IEnumerable<Measurement<T>> Cells<T>(Func<LiveAgreementCell, bool> filter,
        Func<LiveAgreementCell, AgreementGauge, IEnumerable<Measurement<T>>> measure) where T : struct =>
        Gauges.Keys.SelectMany(g => g.Current.Cells
            .Where(c => c.Reference == g.Current.PrimaryReference && filter(c))
            .SelectMany(c => measure(c, g)));

    /// <summary>Where the live-agreement actor publishes its snapshots; observed by the gauges while registered.</summary>
    public sealed class AgreementGauge : IDisposable
    {
        private LiveAgreementSnapshot _current = LiveAgreementSnapshot.Empty;

        public AgreementGauge() => Gauges.TryAdd(this, 0);

        public LiveAgreementSnapshot Current => Volatile.Read(ref _current);

        public void Set(LiveAgreementSnapshot snapshot) => Volatile.Write(ref _current, snapshot);

        public void Dispose() => Gauges.TryRemove(this, out _);
    }
}
