using MriCs.Actors.Protocol;

namespace MriCs.Actors.Aggregation;

/// <summary>How the models' votes at one level become one grade.</summary>
public enum FusionMode
{
    /// <summary>Mean probability over the models, then the most probable grade (default).</summary>
    Mean,
    /// <summary>The grade most models give; ties go to the higher mean probability.</summary>
    Majority,
    /// <summary>The most severe grade any model gives.</summary>
    MostSevere,
}

/// <summary>Pure fusion and recommendation rules.</summary>
public static class Fusion
{
    public static string Name(FusionMode mode) => mode switch
    {
        FusionMode.Mean => "mean",
        FusionMode.Majority => "majority",
        FusionMode.MostSevere => "most-severe",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    public static FusionMode Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "mean" => FusionMode.Mean,
        "majority" => FusionMode.Majority,
        "most-severe" or "mostsevere" or "max" => FusionMode.MostSevere,
        _ => throw new ArgumentException($"unknown fusion '{text}' (mean, majority or most-severe)"),
    };

    /// <summary>Mean of the models' probability vectors.</summary>
    public static float[] MeanProbabilities(IReadOnlyList<ModelVote> votes)
    {
        var classes = votes.Max(v => v.Probabilities.Length);
        var mean = new float[classes];
        foreach (var v in votes)
            for (var c = 0; c < v.Probabilities.Length; c++) mean[c] += v.Probabilities[c] / votes.Count;
        return mean;
    }

    public static int ArgMax(float[] p)
    {
        var best = 0;
        for (var i = 1; i < p.Length; i++) if (p[i] > p[best]) best = i;
        return best;
    }

    /// <summary>The fused grade and the probabilities reported with it (always the mean vector).</summary>
    public static (int Grade, float[] Probabilities) Fuse(IReadOnlyList<ModelVote> votes, FusionMode mode)
    {
        if (votes.Count == 0) throw new ArgumentException("no votes to fuse");
        var mean = MeanProbabilities(votes);
        var grade = mode switch
        {
            FusionMode.Mean => ArgMax(mean),
            FusionMode.MostSevere => votes.Max(v => v.Grade),
            FusionMode.Majority => votes.GroupBy(v => v.Grade)
                .OrderByDescending(g => g.Count()).ThenByDescending(g => mean[g.Key]).First().Key,
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };
        return (grade, mean);
    }

    /// <summary>Models disagree at a level when their binary decisions (0 vs 1+2) split or their grades span 0 to 2.</summary>
    public static bool Disagree(IReadOnlyList<ModelVote> votes) =>
        votes.Count > 1 && (votes.Any(v => v.Grade == 0) && votes.Any(v => v.Grade >= 1) || votes.Max(v => v.Grade) - votes.Min(v => v.Grade) >= 2);
}
