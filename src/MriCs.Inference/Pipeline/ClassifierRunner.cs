using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MriCs.Inference.Preprocessing;
using MriCs.Inference.Sessions;

namespace MriCs.Inference.Pipeline;

/// <summary>Runs one classifier on a batch of preprocessed crops ([3,S,S] each) and returns softmax probabilities.</summary>
public sealed class ClassifierRunner(ModelSession session)
{
    public ModelSession Session => session;
    public int Size => session.Model.Preprocessing.Size;

    public float[][] Run(IReadOnlyList<float[]> inputs)
    {
        var plane = 3 * Size * Size;
        var stacked = new float[inputs.Count * plane];
        for (var i = 0; i < inputs.Count; i++) inputs[i].AsSpan(0, plane).CopyTo(stacked.AsSpan(i * plane));
        var tensor = new DenseTensor<float>(stacked, [inputs.Count, 3, Size, Size]);
        using var outputs = session.Session.Run([NamedOnnxValue.CreateFromTensor(session.Model.Input.Name, tensor)]);
        var logits = outputs.First(o => o.Name == session.Model.Outputs[0]).AsTensor<float>().ToArray();
        var classes = logits.Length / inputs.Count;
        var result = new float[inputs.Count][];
        for (var i = 0; i < inputs.Count; i++) result[i] = ModelInputs.Softmax(logits.AsSpan(i * classes, classes));
        return result;
    }
}
