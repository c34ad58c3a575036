namespace MriCs.Phantom;

/// <summary>Cervical intervertebral disc levels C2/3..C7/T1.</summary>
public enum SpinalLevel
{
    C2C3 = 0,
    C3C4 = 1,
    C4C5 = 2,
    C5C6 = 3,
    C6C7 = 4,
    C7T1 = 5,
}

public static class SpinalLevels
{
    /// <summary>The four levels the study grades (one key image each).</summary>
    public static IReadOnlyList<SpinalLevel> Study { get; } = [SpinalLevel.C3C4, SpinalLevel.C4C5, SpinalLevel.C5C6, SpinalLevel.C6C7];

    public static IReadOnlyList<SpinalLevel> All { get; } = Enum.GetValues<SpinalLevel>();

    /// <summary>"C3/4", "C7/T1".</summary>
    public static string Label(this SpinalLevel level) => level switch
    {
        SpinalLevel.C2C3 => "C2/3",
        SpinalLevel.C3C4 => "C3/4",
        SpinalLevel.C4C5 => "C4/5",
        SpinalLevel.C5C6 => "C5/6",
        SpinalLevel.C6C7 => "C6/7",
        SpinalLevel.C7T1 => "C7/T1",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "not a cervical disc level"),
    };

    public static SpinalLevel Parse(string label) =>
        All.FirstOrDefault(l => l.Label() == label) is var l && l.Label() == label
            ? l
            : throw new FormatException($"'{label}' is not a cervical disc level (C2/3..C7/T1)");

    /// <summary>How much more degeneration this level tends to have (C5/6 and C6/7 worst).</summary>
    public static double DegenerationOffset(this SpinalLevel level) => level switch
    {
        SpinalLevel.C2C3 => -0.9,
        SpinalLevel.C3C4 => -0.35,
        SpinalLevel.C4C5 => 0.0,
        SpinalLevel.C5C6 => 0.45,
        SpinalLevel.C6C7 => 0.3,
        SpinalLevel.C7T1 => -0.6,
        _ => 0,
    };
}
