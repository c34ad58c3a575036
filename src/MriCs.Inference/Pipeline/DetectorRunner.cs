using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MriCs.Inference.Preprocessing;
using MriCs.Inference.Sessions;

namespace MriCs.Inference.Pipeline;

/// <summary>The best detector box (in the detector's S x S grid) and its score.</summary>
public sealed record Detection(BoxF Box, float Score);

/// <summary>Runs the ROI detector (exported for one image [3,S,S]) and keeps the highest-scoring box at or above the threshold.</summary>
public sealed class DetectorRunner(ModelSession session, double scoreThreshold)
{
    public int Size => session.Model.Preprocessing.Size;

    public Detection?[] Run(IReadOnlyList<float[]> inputs)
    {
        var results = new Detection?[inputs.Count];
        for (var i = 0; i < inputs.Count; i++) results[i] = RunOne(inputs[i]);
        return results;
    }

    private Detection? RunOne(float[] input)
    {
        var tensor = new DenseTensor<float>(input, [3, Size, Size]);
        try
        {
            using var outputs = session.Session.Run([NamedOnnxValue.CreateFromTensor(session.Model.Input.Name, tensor)]);
            var boxes = outputs.First(o => o.Name == "boxes").AsTensor<float>();
            var scores = outputs.First(o => o.Name == "scores").AsTensor<float>();
            return Best(boxes.ToArray(), scores.ToArray(), scoreThreshold);
        }
        catch (OnnxRuntimeException ex) when (IsZeroProposalFailure(ex))
        {
            // torchvision's exported Faster R-CNN fails in its ROI heads when the RPN proposes nothing: that is "no ROI".
            return null;
        }
    }

    /// <summary>The highest-scoring box at or above the threshold, or null.</summary>
    public static Detection? Best(ReadOnlySpan<float> boxes, ReadOnlySpan<float> scores, double threshold)
    {
        var best = -1;
        for (var i = 0; i < scores.Length; i++)
            if (scores[i] >= threshold && (best < 0 || scores[i] > scores[best])) best = i;
        if (best < 0 || boxes.Length < 4 * (best + 1)) return null;
        return new Detection(new BoxF(boxes[4 * best], boxes[4 * best + 1], boxes[4 * best + 2], boxes[4 * best + 3]), scores[best]);
    }

    public static bool IsZeroProposalFailure(OnnxRuntimeException ex) =>
        ex.Message.Contains("Reshape", StringComparison.Ordinal);
}
