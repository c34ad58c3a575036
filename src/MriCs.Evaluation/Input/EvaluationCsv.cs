using System.Globalization;

namespace MriCs.Evaluation.Input;

/// <summary>
/// Reads the two evaluation inputs:
/// predictions <c>patient_id,level,model,grade[,site,p0,p1,p2,reason]</c> and
/// references <c>patient_id,level[,rater],grade[,site]</c> (a file without a rater column is one
/// rater named "reference"). Column order is free, names are case-insensitive, unknown columns
/// (study_uid, sop_instance_uid...) are ignored. Level "patient" is a patient-level grade; rows at C2/3 and C7/T1 (levels the study does not
/// grade) are skipped and counted. A
/// prediction's grade may be empty (the pipeline gave none; probabilities then empty too). Every malformed row, duplicate key or conflicting site is an
/// <see cref="EvaluationInputException"/> naming the file and line.
/// </summary>
public static class EvaluationCsv
{
    public const string DefaultRater = "reference";
    public const int MaxIdentifierLength = 256;
    public const int MaxRows = 2_000_000;

    public static InputTable<PredictionRow> ReadPredictions(string path)
    {
        using var r = OpenText(path);
        return ReadPredictions(r, path);
    }

    public static InputTable<ReferenceRow> ReadReferences(string path)
    {
        using var r = OpenText(path);
        return ReadReferences(r, path);
    }

    private static StreamReader OpenText(string path)
    {
        try { return new StreamReader(path, detectEncodingFromByteOrderMarks: true); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EvaluationInputException(path, 0, $"cannot open: {ex.Message}");
        }
    }

    public static InputTable<PredictionRow> ReadPredictions(TextReader text, string file)
    {
        var csv = new CsvLineReader(text, file);
        var h = Header.Read(csv, file, ["patient_id", "level", "model", "grade"], ["site", "p0", "p1", "p2", "reason"]);
        var probCols = new[] { h.Optional("p0"), h.Optional("p1"), h.Optional("p2") };
        var anyProb = probCols.Any(c => c >= 0);
        if (anyProb && probCols.Any(c => c < 0))
            throw new EvaluationInputException(file, 1, "probability columns must be all of p0,p1,p2 or none");

        var rows = new List<PredictionRow>();
        var skipped = 0;
        var seen = new Dictionary<(string, DiscLevel?, string), int>();
        var sites = new SiteTracker(file);
        var reasonCol = h.Optional("reason");
        while (csv.Next() is { } f)
        {
            var line = csv.LineNumber;
            if (rows.Count >= MaxRows) throw new EvaluationInputException(file, line, $"more than {MaxRows} rows");
            h.CheckWidth(f, line);
            var patient = Identifier(f[h.Required("patient_id")], "patient_id", file, line);
            if (DiscLevels.IsUngradedCervicalLevel(f[h.Required("level")])) { skipped++; continue; }
            var level = Level(f[h.Required("level")], file, line);
            var model = Identifier(f[h.Required("model")], "model", file, line);
            int? grade = f[h.Required("grade")].Length == 0 ? null : Grade(f[h.Required("grade")], file, line);
            var site = SiteValue(f, h.Optional("site"), file, line);
            sites.Check(patient, site, line);
            var reason = reasonCol >= 0 && f[reasonCol].Length > 0 ? Truncate(f[reasonCol], 200) : null;
            IReadOnlyList<double>? probs = null;
            if (anyProb && probCols.All(c => f[c].Length == 0))
            {
                // No probabilities: allowed for ungraded rows and patient-level rows.
            }
            else if (anyProb)
            {
                var p = new double[3];
                for (var k = 0; k < 3; k++) p[k] = Probability(f[probCols[k]], $"p{k}", file, line);
                if (Math.Abs(p[0] + p[1] + p[2] - 1.0) > 1e-2)
                    throw new EvaluationInputException(file, line, "p0+p1+p2 must sum to 1 (within 0.01)");
                probs = p;
            }
            if (seen.TryGetValue((patient, level, model), out var first))
                throw new EvaluationInputException(file, line,
                    $"duplicate prediction: same patient_id, level {DiscLevels.Label(level)} and model as line {first}");
            seen[(patient, level, model)] = line;
            rows.Add(new PredictionRow(patient, level, model, grade, site, probs, line, reason));
        }
        if (rows.Count == 0) throw new EvaluationInputException(file, 0, "no prediction rows");
        return new InputTable<PredictionRow>(file, rows, skipped);
    }

    public static InputTable<ReferenceRow> ReadReferences(TextReader text, string file)
    {
        var csv = new CsvLineReader(text, file);
        var h = Header.Read(csv, file, ["patient_id", "level", "grade"], ["rater", "site"]);
        var rows = new List<ReferenceRow>();
        var skipped = 0;
        var seen = new Dictionary<(string, DiscLevel?, string), int>();
        var sites = new SiteTracker(file);
        while (csv.Next() is { } f)
        {
            var line = csv.LineNumber;
            if (rows.Count >= MaxRows) throw new EvaluationInputException(file, line, $"more than {MaxRows} rows");
            h.CheckWidth(f, line);
            var patient = Identifier(f[h.Required("patient_id")], "patient_id", file, line);
            if (DiscLevels.IsUngradedCervicalLevel(f[h.Required("level")])) { skipped++; continue; }
            var level = Level(f[h.Required("level")], file, line);
            var raterCol = h.Optional("rater");
            var rater = raterCol >= 0 ? Identifier(f[raterCol], "rater", file, line) : DefaultRater;
            var grade = Grade(f[h.Required("grade")], file, line);
            var site = SiteValue(f, h.Optional("site"), file, line);
            sites.Check(patient, site, line);
            if (seen.TryGetValue((patient, level, rater), out var first))
                throw new EvaluationInputException(file, line,
                    $"duplicate reference grade: same patient_id, level {DiscLevels.Label(level)} and rater as line {first}");
            seen[(patient, level, rater)] = line;
            rows.Add(new ReferenceRow(patient, level, rater, grade, site, line));
        }
        if (rows.Count == 0) throw new EvaluationInputException(file, 0, "no reference rows");
        return new InputTable<ReferenceRow>(file, rows, skipped);
    }

    private static string Identifier(string value, string column, string file, int line)
    {
        if (value.Length == 0) throw new EvaluationInputException(file, line, $"empty {column}");
        if (value.Length > MaxIdentifierLength)
            throw new EvaluationInputException(file, line, $"{column} longer than {MaxIdentifierLength} characters");
        return value;
    }

    private static string? SiteValue(IReadOnlyList<string> f, int col, string file, int line)
    {
        if (col < 0 || f[col].Length == 0) return null;
        return Identifier(f[col], "site", file, line);
    }

    private static DiscLevel? Level(string value, string file, int line)
    {
        if (value.Equals(DiscLevels.PatientLevel, StringComparison.OrdinalIgnoreCase)) return null;
        return DiscLevels.TryParse(value, out var level)
            ? level
            : throw new EvaluationInputException(file, line,
                $"level '{Truncate(value)}' is not one of C3/4, C4/5, C5/6, C6/7 (C3-4 style also accepted) or patient");
    }

    private static int Grade(string value, string file, int line) => value switch
    {
        "0" => 0,
        "1" => 1,
        "2" => 2,
        _ => throw new EvaluationInputException(file, line, $"grade '{Truncate(value)}' is not 0, 1 or 2"),
    };

    private static double Probability(string value, string column, string file, int line)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) || !double.IsFinite(p) || p < 0 || p > 1)
            throw new EvaluationInputException(file, line, $"{column} '{Truncate(value)}' is not a probability in [0, 1]");
        return p;
    }

    private static string Truncate(string s, int max = 16) => s.Length <= max ? s : s[..max] + "…";

    /// <summary>One patient belongs to one site within a file.</summary>
    private sealed class SiteTracker(string file)
    {
        private readonly Dictionary<string, (string? Site, int Line)> _sites = new(StringComparer.Ordinal);

        public void Check(string patient, string? site, int line)
        {
            if (_sites.TryGetValue(patient, out var prev))
            {
                if (!string.Equals(prev.Site, site, StringComparison.Ordinal))
                    throw new EvaluationInputException(file, line,
                        $"site differs from the site given for the same patient_id on line {prev.Line}");
            }
            else _sites[patient] = (site, line);
        }
    }

    private sealed class Header
    {
        private readonly Dictionary<string, int> _index;
        private readonly string _file;
        private readonly int _width;

        private Header(Dictionary<string, int> index, string file, int width)
        {
            _index = index;
            _file = file;
            _width = width;
        }

        public static Header Read(CsvLineReader csv, string file, string[] required, string[] optional)
        {
            var names = csv.Next() ?? throw new EvaluationInputException(file, 0, "empty file (no header)");
            var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < names.Count; i++)
            {
                var name = names[i];
                if (name.Length == 0) continue;
                if (!index.TryAdd(name, i))
                    throw new EvaluationInputException(file, csv.LineNumber, $"column '{Truncate(name)}' appears twice in the header");
            }
            var missing = required.Where(r => !index.ContainsKey(r)).ToList();
            if (missing.Count > 0)
                throw new EvaluationInputException(file, csv.LineNumber,
                    $"header lacks column(s) {string.Join(", ", missing)}; expected {string.Join(",", required)} (optional: {string.Join(",", optional)})");
            return new Header(index, file, names.Count);
        }

        public int Required(string name) => _index[name];

        public int Optional(string name) => _index.TryGetValue(name, out var i) ? i : -1;

        public void CheckWidth(IReadOnlyList<string> fields, int line)
        {
            if (fields.Count != _width)
                throw new EvaluationInputException(_file, line, $"{fields.Count} fields, header has {_width}");
        }
    }
}
