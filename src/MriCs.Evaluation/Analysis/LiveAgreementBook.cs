using MriCs.Evaluation.Input;
using MriCs.Evaluation.Statistics;

namespace MriCs.Evaluation.Analysis;

/// <summary>One model grade of a patient's current recommendation (Level null: the patient row; Grade null: none given).</summary>
public sealed record LivePrediction(DiscLevel? Level, string Model, int? Grade);

public enum DecisionOutcome
{
    /// <summary>A new (patient, level, rater) grade.</summary>
    Added,
    /// <summary>The same grade again: nothing to record.</summary>
    Duplicate,
    /// <summary>A different grade (or a first site) for a known (patient, level, rater): supersedes the old one.</summary>
    Changed,
    /// <summary>Refused, with the reason.</summary>
    Rejected,
}

public sealed record DecisionCheck(DecisionOutcome Outcome, int? PreviousGrade = null, string? Problem = null);

/// <summary>
/// Agreement of one model with one reference (a rater, or the raters' consensus) at one unit and
/// site, as the live book has it now. Rows of the matrix are the model. ModelOnly / ReferenceOnly
/// count items graded by one side only, within the patients both sides have something for.
/// </summary>
public sealed record LiveAgreementCell(
    AnalysisUnit Unit,
    string Site,
    string Model,
    string Reference,
    ConfusionMatrix ThreeClassMatrix,
    KappaEstimate ThreeClass,
    KappaEstimate Binary,
    KappaEstimate Linear,
    KappaEstimate Quadratic,
    long ModelOnly,
    long ReferenceOnly)
{
    public long N => ThreeClassMatrix.Total;
}

/// <summary>The book's figures at one moment.</summary>
public sealed record LiveAgreementSnapshot(
    IReadOnlyList<string> Models,
    IReadOnlyList<string> Raters,
    IReadOnlyList<string> Sites,
    string? PrimaryReference,
    int Patients,
    int Decisions,
    int PatientsWithDecisionsOnly,
    int PatientsWithPredictionsOnly,
    IReadOnlyList<LiveAgreementCell> Cells)
{
    public static LiveAgreementSnapshot Empty { get; } = new([], [], [], null, 0, 0, 0, 0, []);
}

/// <summary>
/// The live agreement of a running system: every patient's current surgeon decisions (per rater and
/// level) and current model predictions, and per (unit, site, model, reference) the 3×3 counts,
/// kept current one patient at a time (a patient's contribution is taken back and recomputed when
/// anything of theirs changes, so a corrected grade, a new level or a later study never double
/// counts). Pairing follows <see cref="AgreementAnalysis"/> exactly: image items pair grades at the
/// same (patient, level); a side's patient grade is its explicit patient grade, else the highest of
/// its level grades; the consensus is the strict majority (at least two votes) of the raters, per
/// image and per patient; a patient's site is the site their decisions name. A plain state object:
/// an actor owns it. Bounded: patients, raters, models and sites are capped.
/// </summary>
public sealed class LiveAgreementBook(int maxPatients = 1_000_000, int maxNames = 1_000)
{
    /// <summary>Site of the all-sites totals.</summary>
    public const string AllSites = "*";

    /// <summary>Site of patients whose decisions name none.</summary>
    public const string NoSite = "-";

    private sealed class PatientEntry
    {
        public string? Site;
        public string? AppliedSite;
        public readonly Dictionary<(string Rater, DiscLevel? Level), int> Decisions = new();
        public IReadOnlyList<LivePrediction>? Predictions;
        public Dictionary<(AnalysisUnit, string Model, string Reference), long[]> Contribution = new();
    }

    private const int Cells = 11; // 9 matrix cells, model only, reference only

    private readonly Dictionary<string, PatientEntry> _patients = new(StringComparer.Ordinal);
    private readonly Dictionary<(AnalysisUnit Unit, string Site, string Model, string Reference), long[]> _counts = new();
    private readonly Dictionary<string, int> _raterDecisions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _modelPatients = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sites = new(StringComparer.Ordinal);
    private int _decisions, _decisionsOnly, _predictionsOnly;

    public int Patients => _patients.Count;

    public int Decisions => _decisions;

    /// <summary>Checks decisions in order as if each earlier one had been applied; applies none.</summary>
    public IReadOnlyList<DecisionCheck> Check(IReadOnlyList<LiveDecision> decisions)
    {
        var grades = new Dictionary<(string, string, DiscLevel?), int>();
        var sites = new Dictionary<string, string?>(StringComparer.Ordinal);
        var newPatients = new HashSet<string>(StringComparer.Ordinal);
        var newRaters = new HashSet<string>(StringComparer.Ordinal);
        var newSites = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<DecisionCheck>(decisions.Count);
        foreach (var d in decisions)
        {
            var known = _patients.TryGetValue(d.PatientId, out var p);
            var site = sites.TryGetValue(d.PatientId, out var s) ? s : p?.Site;
            int? previous = grades.TryGetValue((d.PatientId, d.Rater, d.Level), out var g) ? g
                : p is not null && p.Decisions.TryGetValue((d.Rater, d.Level), out var g2) ? g2 : null;
            var problem = Problem(d, site, known || newPatients.Contains(d.PatientId), newRaters, newSites);
            if (problem is not null)
            {
                result.Add(new DecisionCheck(DecisionOutcome.Rejected, previous, problem));
                continue;
            }
            var siteChanges = d.Site is not null && site is null;
            if (previous == d.Grade && !siteChanges)
            {
                result.Add(new DecisionCheck(DecisionOutcome.Duplicate, previous));
                continue;
            }
            grades[(d.PatientId, d.Rater, d.Level)] = d.Grade;
            if (d.Site is not null) sites[d.PatientId] = d.Site;
            if (!known) newPatients.Add(d.PatientId);
            if (!_raterDecisions.ContainsKey(d.Rater)) newRaters.Add(d.Rater);
            if (d.Site is not null && !_sites.Contains(d.Site)) newSites.Add(d.Site);
            result.Add(new DecisionCheck(previous is null ? DecisionOutcome.Added : DecisionOutcome.Changed, previous));
        }
        return result;
    }

    private string? Problem(LiveDecision d, string? site, bool patientKnown, HashSet<string> newRaters, HashSet<string> newSites)
    {
        if ((uint)d.Grade > 2) return "grade is not 0, 1 or 2";
        if (d.Rater == AgreementReport.Consensus) return $"rater name '{AgreementReport.Consensus}' is reserved";
        if (_modelPatients.ContainsKey(d.Rater)) return $"rater name '{d.Rater}' is a model name";
        if (d.Site is AllSites or NoSite) return $"site names '{AllSites}' and '{NoSite}' are reserved";
        if (d.Site is not null && site is not null && !string.Equals(d.Site, site, StringComparison.Ordinal))
            return "site differs from the site recorded for this patient";
        if (!patientKnown && _patients.Count >= maxPatients) return $"more than {maxPatients} patients";
        if (!_raterDecisions.ContainsKey(d.Rater) && !newRaters.Contains(d.Rater) && _raterDecisions.Count + newRaters.Count >= maxNames)
            return $"more than {maxNames} raters";
        if (d.Site is not null && !_sites.Contains(d.Site) && !newSites.Contains(d.Site) && _sites.Count + newSites.Count >= maxNames)
            return $"more than {maxNames} sites";
        return null;
    }

    /// <summary>
    /// Every current decision (the latest per patient, level and rater) with its patient's site: applying them to an
    /// empty book gives the same figures (what a snapshot keeps).
    /// </summary>
    public IEnumerable<LiveDecision> CurrentDecisions() =>
        _patients.OrderBy(p => p.Key, StringComparer.Ordinal).SelectMany(p => p.Value.Decisions
            .OrderBy(d => d.Key.Rater, StringComparer.Ordinal).ThenBy(d => d.Key.Level)
            .Select(d => new LiveDecision(p.Key, d.Key.Level, d.Key.Rater, d.Value, p.Value.Site)));

    /// <summary>Records a decision (checked before, or replayed from a journal): the latest grade per (patient, level, rater) counts.</summary>
    public void Apply(LiveDecision d)
    {
        ArgumentNullException.ThrowIfNull(d);
        if ((uint)d.Grade > 2) throw new ArgumentOutOfRangeException(nameof(d), "grades are 0, 1 or 2");
        var p = Patient(d.PatientId);
        var hadDecisions = p.Decisions.Count > 0;
        if (d.Site is not null)
        {
            p.Site = d.Site;
            _sites.Add(d.Site);
        }
        if (!p.Decisions.ContainsKey((d.Rater, d.Level)))
        {
            _decisions++;
            _raterDecisions[d.Rater] = _raterDecisions.GetValueOrDefault(d.Rater) + 1;
        }
        p.Decisions[(d.Rater, d.Level)] = d.Grade;
        Recompute(p, hadDecisions, hadPredictions: p.Predictions is not null);
    }

    /// <summary>Replaces a patient's predictions with those of their latest recommendation.</summary>
    public void SetPredictions(string patientId, IReadOnlyList<LivePrediction> predictions)
    {
        ArgumentException.ThrowIfNullOrEmpty(patientId);
        ArgumentNullException.ThrowIfNull(predictions);
        var known = _patients.ContainsKey(patientId);
        if (!known && _patients.Count >= maxPatients) throw new InvalidOperationException($"more than {maxPatients} patients");
        var models = predictions.Select(x => x.Model).Distinct(StringComparer.Ordinal).ToList();
        if (_modelPatients.Count + models.Count(m => !_modelPatients.ContainsKey(m)) > maxNames)
            throw new InvalidOperationException($"more than {maxNames} models");
        var p = Patient(patientId);
        var hadDecisions = p.Decisions.Count > 0;
        var hadPredictions = p.Predictions is not null;
        if (p.Predictions is { } old)
            foreach (var m in old.Select(x => x.Model).Distinct(StringComparer.Ordinal))
                if (--_modelPatients[m] == 0) _modelPatients.Remove(m);
        foreach (var m in models) _modelPatients[m] = _modelPatients.GetValueOrDefault(m) + 1;
        p.Predictions = predictions.ToList();
        Recompute(p, hadDecisions, hadPredictions);
    }

    private PatientEntry Patient(string id)
    {
        if (!_patients.TryGetValue(id, out var p)) _patients[id] = p = new PatientEntry();
        return p;
    }

    private void Recompute(PatientEntry p, bool hadDecisions, bool hadPredictions)
    {
        if (hadDecisions && !hadPredictions) _decisionsOnly--;
        if (hadPredictions && !hadDecisions) _predictionsOnly--;
        var hasDecisions = p.Decisions.Count > 0;
        var hasPredictions = p.Predictions is not null;
        if (hasDecisions && !hasPredictions) _decisionsOnly++;
        if (hasPredictions && !hasDecisions) _predictionsOnly++;

        if (p.AppliedSite is { } oldSite)
            foreach (var (key, c) in p.Contribution)
            {
                AddCounts((key.Item1, oldSite, key.Model, key.Reference), c, -1);
                AddCounts((key.Item1, AllSites, key.Model, key.Reference), c, -1);
            }
        p.Contribution = Contribution(p.Decisions, p.Predictions ?? []);
        var site = p.Site ?? NoSite;
        foreach (var (key, c) in p.Contribution)
        {
            AddCounts((key.Item1, site, key.Model, key.Reference), c, +1);
            AddCounts((key.Item1, AllSites, key.Model, key.Reference), c, +1);
        }
        p.AppliedSite = site;
    }

    private void AddCounts((AnalysisUnit, string, string, string) key, long[] c, int sign)
    {
        if (!_counts.TryGetValue(key, out var total)) _counts[key] = total = new long[Cells];
        var any = false;
        for (var i = 0; i < Cells; i++)
        {
            total[i] += sign * c[i];
            if (total[i] < 0) throw new InvalidOperationException("live agreement counts went negative");
            any |= total[i] != 0;
        }
        if (!any) _counts.Remove(key);
    }

    /// <summary>Grades of one side for one patient: per level, and the patient grade (explicit, else the highest level grade).</summary>
    private sealed class Side
    {
        public readonly Dictionary<DiscLevel, int> Images = new();
        public int? Explicit;

        public int? PatientGrade => Explicit ?? (Images.Count > 0 ? Images.Values.Max() : null);
    }

    private static Dictionary<(AnalysisUnit, string Model, string Reference), long[]> Contribution(
        Dictionary<(string Rater, DiscLevel? Level), int> decisions, IReadOnlyList<LivePrediction> predictions)
    {
        var result = new Dictionary<(AnalysisUnit, string, string), long[]>();
        if (decisions.Count == 0 || predictions.Count == 0) return result;

        var models = new Dictionary<string, Side>(StringComparer.Ordinal);
        foreach (var r in predictions)
        {
            if (!models.TryGetValue(r.Model, out var s)) models[r.Model] = s = new Side();
            if (r.Grade is not { } g) continue;
            if (r.Level is { } l) s.Images[l] = g; else s.Explicit = g;
        }
        var references = new Dictionary<string, Side>(StringComparer.Ordinal);
        foreach (var ((rater, level), g) in decisions)
        {
            if (!references.TryGetValue(rater, out var s)) references[rater] = s = new Side();
            if (level is { } l) s.Images[l] = g; else s.Explicit = g;
        }
        // The consensus: strict majority of at least two votes, per level and per patient grade.
        var consensus = new Side();
        Span<int> votes = stackalloc int[3];
        foreach (var level in DiscLevels.All)
        {
            votes.Clear();
            foreach (var s in references.Values) if (s.Images.TryGetValue(level, out var g)) votes[g]++;
            if (Majority(votes) is { } m) consensus.Images[level] = m;
        }
        votes.Clear();
        foreach (var s in references.Values) if (s.PatientGrade is { } g) votes[g]++;
        consensus.Explicit = Majority(votes);
        var consensusPatient = consensus.Explicit; // never completed from its levels (as in the batch analysis)

        foreach (var (model, ms) in models)
        {
            foreach (var (name, rs) in references.Append(new KeyValuePair<string, Side>(AgreementReport.Consensus, consensus)))
            {
                var image = new long[Cells];
                foreach (var level in DiscLevels.All)
                    Pair(image, ms.Images.TryGetValue(level, out var a) ? a : null, rs.Images.TryGetValue(level, out var b) ? b : null);
                var patient = new long[Cells];
                Pair(patient, ms.PatientGrade, name == AgreementReport.Consensus ? consensusPatient : rs.PatientGrade);
                if (image.Any(x => x != 0)) result[(AnalysisUnit.Image, model, name)] = image;
                if (patient.Any(x => x != 0)) result[(AnalysisUnit.Patient, model, name)] = patient;
            }
        }
        return result;
    }

    private static void Pair(long[] c, int? model, int? reference)
    {
        if (model is { } a && reference is { } b) c[a * 3 + b]++;
        else if (model is not null) c[9]++;
        else if (reference is not null) c[10]++;
    }

    private static int? Majority(Span<int> votes)
    {
        var total = votes[0] + votes[1] + votes[2];
        if (total < 2) return null;
        for (var g = 0; g < 3; g++) if (2 * votes[g] > total) return g;
        return null;
    }

    /// <summary>Current figures: every (unit, site, model, reference) with something counted; the consensus only with two raters or more.</summary>
    public LiveAgreementSnapshot Snapshot()
    {
        var raters = _raterDecisions.Keys.Order(StringComparer.Ordinal).ToList();
        var withConsensus = raters.Count >= 2;
        var cells = _counts
            .Where(kv => withConsensus || kv.Key.Reference != AgreementReport.Consensus)
            .OrderBy(kv => kv.Key.Unit).ThenBy(kv => kv.Key.Site, StringComparer.Ordinal)
            .ThenBy(kv => kv.Key.Model, StringComparer.Ordinal).ThenBy(kv => kv.Key.Reference, StringComparer.Ordinal)
            .Select(kv =>
            {
                var m = new ConfusionMatrix(3, kv.Value[..9]);
                return new LiveAgreementCell(kv.Key.Unit, kv.Key.Site, kv.Key.Model, kv.Key.Reference, m,
                    CohenKappa.Compute(m), CohenKappa.Compute(m.ToBinary()),
                    CohenKappa.Compute(m, KappaWeighting.Linear), CohenKappa.Compute(m, KappaWeighting.Quadratic),
                    kv.Value[9], kv.Value[10]);
            })
            .ToList();
        var sites = _counts.Keys.Select(k => k.Site).Where(s => s != AllSites).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        string? primary = withConsensus ? AgreementReport.Consensus : raters.FirstOrDefault();
        return new LiveAgreementSnapshot(_modelPatients.Keys.Order(StringComparer.Ordinal).ToList(), raters, sites, primary,
            _patients.Count, _decisions, _decisionsOnly, _predictionsOnly, cells);
    }
}
