using System.Text.RegularExpressions;

namespace MriCs.Actors.Protocol;

/// <summary>
/// Cervical disc levels as MriCs writes them ("C3/4"). The study grades C3/4..C6/7; C2/3 and C7/T1
/// are recognised (phantom stacks include them) but never graded. "unknown" marks a slice whose
/// level could not be assigned.
/// </summary>
public static partial class DiscLevels
{
    public const string Unknown = "unknown";
    public const string Patient = "patient";

    /// <summary>The four levels the study grades, top to bottom.</summary>
    public static IReadOnlyList<string> Graded { get; } = ["C3/4", "C4/5", "C5/6", "C6/7"];

    /// <summary>Every level MriCs can name, top to bottom.</summary>
    public static IReadOnlyList<string> Cervical { get; } = ["C2/3", "C3/4", "C4/5", "C5/6", "C6/7", "C7/T1"];

    public static bool IsGraded(string level) => Graded.Contains(level);

    /// <summary>Reads "C3/4", "C3-4", "C3-C4", "c3_c4", "C34", "C7/T1", "C7-T1" (anywhere in the text); null when there is none.</summary>
    public static string? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var m = LevelPattern().Match(text);
        if (!m.Success) return null;
        var upper = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var lowerText = m.Groups[2].Value.ToUpperInvariant();
        if (upper == 7 && lowerText is "T1") return "C7/T1";
        if (lowerText.StartsWith('T')) return null;
        var lower = int.Parse(lowerText.TrimStart('C'), System.Globalization.CultureInfo.InvariantCulture);
        if (lower != upper + 1 || upper < 2 || upper > 6) return null;
        return $"C{upper}/{lower}";
    }

    [GeneratedRegex(@"(?i)\bC([2-7])\s*[/\-_ ]?\s*(C?[3-7]|T1)\b")]
    private static partial Regex LevelPattern();
}
