namespace MriCs.Evaluation.Input;

/// <summary>One surgeon decision: a grade for one disc level (or, Level null, for the patient) by one rater.</summary>
public sealed record LiveDecision(string PatientId, DiscLevel? Level, string Rater, int Grade, string? Site);

/// <summary>A row that could not be read: its 1-based line (CSV) or element number (JSON array), and why. Never quotes a patient id.</summary>
public sealed record RowProblem(int Line, string Problem);

/// <summary>What a decision upload held: the readable rows with their lines, the refused ones, and rows at ungraded levels (C2/3, C7/T1) skipped.</summary>
public sealed record DecisionUpload(IReadOnlyList<(int Line, LiveDecision Decision)> Rows, IReadOnlyList<RowProblem> Problems, int SkippedOtherLevels);

/// <summary>One decision as loosely typed fields (a JSON element), validated by <see cref="DecisionInput.FromFields"/>.</summary>
public sealed record DecisionFields(string? PatientId, string? Level, string? Grade, string? Site, string? Rater);

/// <summary>
/// Reads surgeon decisions for the live agreement: the labels CSV of <c>./mrics evaluate</c>
/// (<c>patient_id,level,grade[,site][,rater]</c>) or loose fields from a JSON array. Unlike
/// <see cref="EvaluationCsv"/>, a bad row does not stop the upload: it is listed with its line and
/// the other rows go on. Only a bad header (or a line too long to read on) refuses the whole input.
/// </summary>
public static class DecisionInput
{
    public const int MaxRows = 200_000;

    /// <summary>Reads a CSV upload; throws <see cref="EvaluationInputException"/> only when the header is unusable.</summary>
    public static DecisionUpload ReadCsv(TextReader text, string source, string defaultRater = EvaluationCsv.DefaultRater)
    {
        var csv = new CsvLineReader(text, source);
        var names = csv.Next() ?? throw new EvaluationInputException(source, 0, "empty input (no header)");
        var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Count; i++)
            if (names[i].Length > 0 && !index.TryAdd(names[i], i))
                throw new EvaluationInputException(source, csv.LineNumber, $"column '{Short(names[i])}' appears twice in the header");
        string[] required = ["patient_id", "level", "grade"];
        var missing = required.Where(r => !index.ContainsKey(r)).ToList();
        if (missing.Count > 0)
            throw new EvaluationInputException(source, csv.LineNumber,
                $"header lacks column(s) {string.Join(", ", missing)}; expected patient_id,level,grade (optional: site,rater)");
        int Col(string n) => index.TryGetValue(n, out var i) ? i : -1;
        int patientCol = Col("patient_id"), levelCol = Col("level"), gradeCol = Col("grade"), siteCol = Col("site"), raterCol = Col("rater");

        var rows = new List<(int, LiveDecision)>();
        var problems = new List<RowProblem>();
        var skipped = 0;
        while (true)
        {
            IReadOnlyList<string>? f;
            try
            {
                f = csv.Next();
            }
            catch (EvaluationInputException ex) when (ex.Problem.StartsWith("line longer", StringComparison.Ordinal))
            {
                problems.Add(new RowProblem(ex.Line, ex.Problem + "; reading stopped here"));
                break;
            }
            catch (EvaluationInputException ex)
            {
                problems.Add(new RowProblem(ex.Line, ex.Problem)); // the line was consumed: go on with the next
                continue;
            }
            if (f is null) break;
            var line = csv.LineNumber;
            if (rows.Count + problems.Count + skipped >= MaxRows)
            {
                problems.Add(new RowProblem(line, $"more than {MaxRows} rows; reading stopped here"));
                break;
            }
            if (f.Count != names.Count)
            {
                problems.Add(new RowProblem(line, $"{f.Count} fields, header has {names.Count}"));
                continue;
            }
            var fields = new DecisionFields(f[patientCol], f[levelCol], f[gradeCol], siteCol >= 0 ? f[siteCol] : null,
                raterCol >= 0 ? f[raterCol] : defaultRater);
            Add(fields, line, rows, problems, ref skipped);
        }
        return new DecisionUpload(rows, problems, skipped);
    }

    /// <summary>Validates loose fields (a JSON array's elements, numbered from 1).</summary>
    public static DecisionUpload FromFields(IReadOnlyList<DecisionFields?> elements, string defaultRater = EvaluationCsv.DefaultRater)
    {
        var rows = new List<(int, LiveDecision)>();
        var problems = new List<RowProblem>();
        var skipped = 0;
        for (var i = 0; i < elements.Count; i++)
        {
            if (i >= MaxRows)
            {
                problems.Add(new RowProblem(i + 1, $"more than {MaxRows} rows; reading stopped here"));
                break;
            }
            if (elements[i] is not { } e)
            {
                problems.Add(new RowProblem(i + 1, "not an object"));
                continue;
            }
            Add(e with { Rater = string.IsNullOrEmpty(e.Rater) ? defaultRater : e.Rater }, i + 1, rows, problems, ref skipped);
        }
        return new DecisionUpload(rows, problems, skipped);
    }

    private static void Add(DecisionFields f, int line, List<(int, LiveDecision)> rows, List<RowProblem> problems, ref int skipped)
    {
        if (f.Level is { } lv && DiscLevels.IsUngradedCervicalLevel(lv))
        {
            skipped++;
            return;
        }
        if (Validate(f, out var decision) is { } problem) problems.Add(new RowProblem(line, problem));
        else rows.Add((line, decision!));
    }

    /// <summary>Null when the fields make a decision; else what is wrong.</summary>
    public static string? Validate(DecisionFields f, out LiveDecision? decision)
    {
        decision = null;
        var patient = f.PatientId?.Trim() ?? "";
        if (IdentifierProblem(patient, "patient_id") is { } p1) return p1;
        var rater = f.Rater?.Trim() ?? "";
        if (IdentifierProblem(rater, "rater") is { } p2) return p2;
        var siteText = f.Site?.Trim() ?? "";
        if (siteText.Length > EvaluationCsv.MaxIdentifierLength) return $"site longer than {EvaluationCsv.MaxIdentifierLength} characters";
        var levelText = f.Level?.Trim() ?? "";
        DiscLevel? level;
        if (levelText.Equals(DiscLevels.PatientLevel, StringComparison.OrdinalIgnoreCase)) level = null;
        else if (DiscLevels.TryParse(levelText, out var l)) level = l;
        else return $"level '{Short(levelText)}' is not one of C3/4, C4/5, C5/6, C6/7 (C3-4 style also accepted) or patient";
        int grade;
        switch (f.Grade?.Trim())
        {
            case "0": grade = 0; break;
            case "1": grade = 1; break;
            case "2": grade = 2; break;
            default: return $"grade '{Short(f.Grade?.Trim() ?? "")}' is not 0, 1 or 2";
        }
        decision = new LiveDecision(patient, level, rater, grade, siteText.Length == 0 ? null : siteText);
        return null;
    }

    private static string? IdentifierProblem(string value, string column) =>
        value.Length == 0 ? $"empty {column}"
        : value.Length > EvaluationCsv.MaxIdentifierLength ? $"{column} longer than {EvaluationCsv.MaxIdentifierLength} characters"
        : null;

    private static string Short(string s) => s.Length <= 16 ? s : s[..16] + "…";
}
