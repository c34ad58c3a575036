namespace MriCs.Evaluation.Input;

/// <summary>The four intervertebral disc levels the study grades, one axial image each.</summary>
public enum DiscLevel
{
    C3C4 = 0,
    C4C5 = 1,
    C5C6 = 2,
    C6C7 = 3,
}

public static class DiscLevels
{
    public static IReadOnlyList<DiscLevel> All { get; } = [DiscLevel.C3C4, DiscLevel.C4C5, DiscLevel.C5C6, DiscLevel.C6C7];

    /// <summary>The level name of a patient-level grade (the patient recommendation).</summary>
    public const string PatientLevel = "patient";

    /// <summary>"C3/4", or "patient" for a patient-level row.</summary>
    public static string Label(DiscLevel? level) => level is { } l ? l.Label() : PatientLevel;

    /// <summary>The study's spelling: "C3/4".</summary>
    public static string Label(this DiscLevel level) => level switch
    {
        DiscLevel.C3C4 => "C3/4",
        DiscLevel.C4C5 => "C4/5",
        DiscLevel.C5C6 => "C5/6",
        DiscLevel.C6C7 => "C6/7",
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    /// <summary>
    /// C2/3 and C7/T1 (any of the accepted spellings): real cervical disc levels that the study does not
    /// grade. Inputs may carry them (the phantom can generate them); they are skipped and counted.
    /// </summary>
    public static bool IsUngradedCervicalLevel(string text)
    {
        var s = text.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()
            .Replace('-', '/').Replace('_', '/');
        return s is "C2/3" or "C2/C3" or "C23" or "C7/T1" or "C7T1";
    }

    /// <summary>Accepts "C3/4", "C3-4", "C3_4", "C3/C4", "C3-C4", "C34" (case-insensitive, spaces ignored).</summary>
    public static bool TryParse(string text, out DiscLevel level)
    {
        level = default;
        var s = text.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        if (s.Length < 3 || s[0] != 'C') return false;
        s = s[1..];
        int upper, lower;
        if (s.Length == 2 && char.IsAsciiDigit(s[0]) && char.IsAsciiDigit(s[1]))
        {
            upper = s[0] - '0';
            lower = s[1] - '0';
        }
        else if (s.Length >= 3 && char.IsAsciiDigit(s[0]) && s[1] is '/' or '-' or '_')
        {
            upper = s[0] - '0';
            var rest = s[2..];
            if (rest.Length == 2 && rest[0] == 'C') rest = rest[1..];
            if (rest.Length != 1 || !char.IsAsciiDigit(rest[0])) return false;
            lower = rest[0] - '0';
        }
        else return false;
        if (lower != upper + 1 || upper < 3 || upper > 6) return false;
        level = (DiscLevel)(upper - 3);
        return true;
    }
}
