using System.Collections.Immutable;
using System.Globalization;
using MriCs.Actors.Protocol;

namespace MriCs.Actors.Aggregation;

/// <summary>
/// The persistent state of one study aggregator (pure): the plan, one result per SOP instance UID,
/// and the recommendation once every planned slice is in. <see cref="Decide"/> turns a command into
/// the events to persist (none for a duplicate); <see cref="Apply"/> folds an event in.
/// </summary>
public sealed record StudyState(
    string StudyUid,
    StudyPlan? Plan,
    ImmutableDictionary<string, SliceReport> Results,
    Recommendation? Recommendation)
{
    public static StudyState Empty(string studyUid) => new(studyUid, null, ImmutableDictionary<string, SliceReport>.Empty.WithComparers(StringComparer.Ordinal), null);

    public bool Opened => Plan is not null;
    public int Expected => Plan?.Slices.Count ?? 0;
    public int Received => Plan is null ? Results.Count : Plan.Slices.Count(s => Results.ContainsKey(s.SopInstanceUid));
    public bool Complete => Plan is not null && Plan.Slices.All(s => Results.ContainsKey(s.SopInstanceUid));

    public StudyState Apply(IMriCsMessage @event) => @event switch
    {
        StudyOpened e => this with { Plan = e.Plan },
        SliceResultRecorded e => this with { Results = Results.SetItem(e.Result.SopInstanceUid, e.Result) },
        RecommendationIssued e => this with { Recommendation = e.Recommendation },
        _ => throw new ArgumentException($"not a study event: {@event.GetType().Name}"),
    };

    /// <summary>Events for a command: a study opened twice or a slice recorded twice yields nothing new.</summary>
    public IReadOnlyList<IMriCsMessage> Decide(IMriCsMessage command, FusionMode fusion)
    {
        var events = new List<IMriCsMessage>();
        var next = this;
        switch (command)
        {
            case OpenStudy open when !Opened:
                if (open.Plan.StudyUid != StudyUid) throw new ArgumentException($"plan for study {open.Plan.StudyUid} sent to aggregator {StudyUid}");
                events.Add(new StudyOpened(open.Plan));
                break;
            case RecordSliceResult record when !Results.ContainsKey(record.Result.SopInstanceUid) && Recommendation is null:
                if (Plan is not null && Plan.Slices.All(s => s.SopInstanceUid != record.Result.SopInstanceUid)) break; // not part of the plan: ignore
                events.Add(new SliceResultRecorded(record.Result));
                break;
            case OpenStudy or RecordSliceResult:
                break;
            default:
                throw new ArgumentException($"not a study command: {command.GetType().Name}");
        }
        foreach (var e in events) next = next.Apply(e);
        if (next.Complete && next.Recommendation is null) events.Add(new RecommendationIssued(Recommend(next.Plan!, next.Results, fusion)));
        return events;
    }

    /// <summary>The patient recommendation from a complete study (pure).</summary>
    public static Recommendation Recommend(StudyPlan plan, IReadOnlyDictionary<string, SliceReport> results, FusionMode fusion)
    {
        var levels = new List<LevelResult>();
        foreach (var slice in plan.Slices)
        {
            var r = results[slice.SopInstanceUid];
            var models = r.Votes.Select(v => new ModelGrade(v.ModelId, v.DlVersion, v.Grade, v.Probabilities)).ToList();
            if (r.Outcome == SliceOutcomes.Graded && r.Votes.Count > 0)
            {
                var (grade, p) = Fusion.Fuse(r.Votes, fusion);
                levels.Add(new LevelResult(slice.Level, slice.SopInstanceUid, r.Outcome, grade, p, p[grade], models, r.Roi, r.RoiScore, Fusion.Disagree(r.Votes), null));
            }
            else
            {
                levels.Add(new LevelResult(slice.Level, slice.SopInstanceUid, r.Outcome, null, r.Votes.Count > 0 ? Fusion.MeanProbabilities(r.Votes) : null, null, models, r.Roi, r.RoiScore, false,
                    r.Reason ?? $"no grade ({r.Outcome})"));
            }
        }
        foreach (var missing in plan.Missing.Where(m => plan.Slices.All(s => s.Level != m.Level)))
            levels.Add(new LevelResult(missing.Level, null, "missing", null, null, null, [], null, null, false, missing.Reason));
        levels = levels.OrderBy(l => LevelOrder(l.Level)).ToList();

        var modelSet = plan.Slices.Select(s => results[s.SopInstanceUid].ModelSet).FirstOrDefault(m => m is not null);
        var graded = levels.Where(l => l.Grade is not null).ToList();
        var fusionName = Fusion.Name(fusion);
        var versions = graded.SelectMany(l => l.Models.Select(m => (l.Level, m))).GroupBy(x => x.m.ModelId)
            .Select(g =>
            {
                var worst = g.OrderByDescending(x => x.m.Grade).ThenBy(x => LevelOrder(x.Level)).First();
                return new VersionRecommendation(g.Key, worst.m.DlVersion, worst.m.Grade, worst.Level);
            })
            .OrderBy(v => v.DlVersion ?? int.MaxValue).ThenBy(v => v.ModelId, StringComparer.Ordinal).ToList();

        if (graded.Count == 0)
        {
            var reason = plan.NoRecommendationReason
                ?? "no level could be graded: " + string.Join("; ", levels.Select(l => $"{l.Level}: {l.Reason}"));
            return new Recommendation(plan.StudyUid, plan.PatientId, null, null, null, null, fusionName, levels, versions, true,
                ["no recommendation"], reason, modelSet, $"No recommendation: {reason}");
        }

        var deciding = graded.OrderByDescending(l => l.Grade).ThenByDescending(l => l.Confidence).ThenBy(l => LevelOrder(l.Level)).First();
        var review = new List<string>();
        foreach (var l in graded.Where(l => l.ModelsDisagree))
            review.Add($"models disagree at {l.Level} ({string.Join(", ", l.Models.Select(m => $"{Label(m)}={m.Grade}"))})");
        var binaryVersions = versions.Where(v => v.Grade is not null).Select(v => v.Grade >= 1).Distinct().Count();
        if (binaryVersions > 1) review.Add("DL versions disagree on surgery considered (0 vs 1+2) at patient level");
        var incomplete = levels.Where(l => l.Grade is null && l.Level != DiscLevels.Unknown).ToList();
        if (incomplete.Count > 0) review.Add($"recommendation rests on {graded.Count} of {graded.Count + incomplete.Count} levels");

        var ci = CultureInfo.InvariantCulture;
        var explanation = FormattableString.Invariant(
            $"grade {deciding.Grade} at {deciding.Level} (most severe level; {fusionName} of {deciding.Models.Count} models, confidence {deciding.Confidence:0.00}; ")
            + $"models: {string.Join(", ", deciding.Models.Select(m => $"{Label(m)}={m.Grade}"))}; ROI {FormatBox(deciding.Roi)} score {(deciding.RoiScore ?? 0).ToString("0.00", ci)})"
            + (incomplete.Count > 0 ? "; not graded: " + string.Join("; ", incomplete.Select(l => $"{l.Level}: {l.Reason}")) : "");
        return new Recommendation(plan.StudyUid, plan.PatientId, deciding.Grade, deciding.Grade >= 1, deciding.Level, deciding.Confidence, fusionName,
            levels, versions, review.Count > 0, review, null, modelSet, explanation);
    }

    public static int LevelOrder(string level)
    {
        var i = DiscLevels.Cervical.ToList().IndexOf(level);
        return i < 0 ? 100 : i;
    }

    public static string Label(ModelGrade m) => m.DlVersion is { } v ? $"dl-v{v}" : m.ModelId;

    public static string FormatBox(int[]? box) => box is { Length: 4 } b ? $"({b[0]},{b[1]})-({b[2]},{b[3]})" : "none";
}
