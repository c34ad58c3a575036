using Microsoft.ML.OnnxRuntime;
using MriCs.Inference.Manifest;

namespace MriCs.Inference.Sessions;

/// <summary>Refuses a session whose inputs/outputs differ from the manifest contract (the study's scripts loaded mismatched weights silently).</summary>
public static class ContractCheck
{
    public static void Verify(ModelEntry model, InferenceSession session)
    {
        var problem = Find(model, session.InputMetadata.ToDictionary(kv => kv.Key, kv => kv.Value.Dimensions), session.OutputMetadata.Keys);
        if (problem is not null) throw new ModelContractException(model.Id, problem);
    }

    /// <summary>The first mismatch between the contract and the model's declared inputs/outputs, or null.</summary>
    public static string? Find(ModelEntry model, IReadOnlyDictionary<string, int[]> inputs, IEnumerable<string> outputs)
    {
        if (inputs.Count != 1)
            return $"has {inputs.Count} inputs ({string.Join(", ", inputs.Keys)}); the contract expects one named '{model.Input.Name}'";
        if (!inputs.TryGetValue(model.Input.Name, out var dims))
            return $"input is named '{inputs.Keys.First()}', the contract says '{model.Input.Name}'";
        if (dims.Length != model.Input.Shape.Count)
            return $"input '{model.Input.Name}' has rank {dims.Length} [{string.Join(",", dims)}], the contract says [{string.Join(",", model.Input.Shape)}]";
        for (var i = 0; i < dims.Length; i++)
        {
            var expected = model.Input.Shape[i];
            // -1 on either side is a dynamic axis; fixed axes must agree.
            if (expected >= 0 && dims[i] >= 0 && dims[i] != expected)
                return $"input '{model.Input.Name}' axis {i} is {dims[i]}, the contract says {expected} (shape [{string.Join(",", dims)}] vs [{string.Join(",", model.Input.Shape)}])";
        }
        var outputSet = outputs.ToHashSet(StringComparer.Ordinal);
        var missing = model.Outputs.Where(o => !outputSet.Contains(o)).ToList();
        if (missing.Count > 0)
            return $"lacks output(s) {string.Join(", ", missing)} (model has {string.Join(", ", outputSet)})";
        return null;
    }
}
