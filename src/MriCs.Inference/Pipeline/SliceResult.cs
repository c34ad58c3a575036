using MriCs.Inference.Preprocessing;

namespace MriCs.Inference.Pipeline;

public enum SliceOutcome
{
    /// <summary>An ROI was found and every classifier voted.</summary>
    Graded,
    /// <summary>The detector found no spinal-canal ROI above its threshold: never a grade.</summary>
    NoRoi,
    /// <summary>The image is not what the models were trained on (blank, implausible ROI, no confident vote): a reason instead of a grade.</summary>
    NotGradable,
}

/// <summary>One classifier's vote on one slice.</summary>
public sealed record ClassifierVote(string ModelId, int? DlVersion, float[] Probabilities)
{
    public int Grade => Array.IndexOf(Probabilities, Probabilities.Max());
    public float Confidence => Probabilities.Max();
}

/// <summary>The explainable result for one slice: the ROI (in the original pixel grid), its score, each vote, or why there is no grade.</summary>
public sealed record SliceResult(SliceOutcome Outcome, PixelBox? Roi, float? RoiScore, IReadOnlyList<ClassifierVote> Votes, string? Reason)
{
    public static SliceResult NotGraded(SliceOutcome outcome, string reason, PixelBox? roi = null, float? score = null, IReadOnlyList<ClassifierVote>? votes = null)
        => new(outcome, roi, score, votes ?? [], reason);

    /// <summary>Mean probability over the votes (the ensemble), or null without votes.</summary>
    public float[]? MeanProbabilities => Votes.Count == 0 ? null
        : Enumerable.Range(0, Votes[0].Probabilities.Length).Select(c => Votes.Average(v => v.Probabilities[c])).ToArray();
}
