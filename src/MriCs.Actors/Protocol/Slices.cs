namespace MriCs.Actors.Protocol;

/// <summary>One image to grade. Carries the staged file's path, never pixels (Akka.Remote's frame limit and heartbeats).</summary>
public sealed record SliceTask(string StudyUid, string PatientId, string Level, string SopInstanceUid, string Path) : IMriCsMessage;

/// <summary>One classifier's probabilities on one slice.</summary>
public sealed record ModelVote(string ModelId, int? DlVersion, float[] Probabilities)
{
    public int Grade
    {
        get
        {
            var best = 0;
            for (var i = 1; i < Probabilities.Length; i++) if (Probabilities[i] > Probabilities[best]) best = i;
            return best;
        }
    }
}

/// <summary>A model of the set that graded a slice, with the SHA-256 of its file.</summary>
public sealed record ModelRef(string Id, string Role, int? DlVersion, string Sha256);

/// <summary>The model set a worker runs.</summary>
public sealed record ModelSetRef(string Id, IReadOnlyList<ModelRef> Models);

public static class SliceOutcomes
{
    public const string Graded = "graded";
    public const string NoRoi = "no-roi";
    public const string NotGradable = "not-gradable";
    /// <summary>The image could not be read or the worker failed on it.</summary>
    public const string Failed = "failed";
}

/// <summary>The explainable result of one slice: ROI box (x0,y0,x1,y1 in image pixels), score, votes, or the reason there is no grade.</summary>
public sealed record SliceReport(
    string Level,
    string SopInstanceUid,
    string Outcome,
    int[]? Roi,
    float? RoiScore,
    IReadOnlyList<ModelVote> Votes,
    string? Reason,
    ModelSetRef? ModelSet);
