using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MriCs.Inference.Manifest;
using MriCs.Inference.Sessions;

namespace MriCs.Inference.Verification;

/// <summary>Result of verifying one model: file hash, load + contract, and golden-vector parity.</summary>
public sealed record ModelVerification(string Id, bool Sha256Ok, bool Loaded, double? MaxAbsDiff, bool ParityOk, string? Provider, string? Error)
{
    public bool Ok => Sha256Ok && Loaded && ParityOk && Error is null;
}

/// <summary>Checks every manifest model: SHA-256, ONNX Runtime load, input/output contract, golden vectors within a tolerance.</summary>
public sealed class ModelVerifier(OnnxSessionFactory factory, double tolerance = 1e-4)
{
    public IReadOnlyList<ModelVerification> VerifyAll(string modelsDirectory, ModelManifest manifest) =>
        manifest.Models.Select(m => Verify(modelsDirectory, m)).ToList();

    public ModelVerification Verify(string modelsDirectory, ModelEntry model)
    {
        var file = Path.Combine(modelsDirectory, model.File);
        if (!File.Exists(file)) return new(model.Id, false, false, null, false, null, $"file '{model.File}' is missing");
        var actual = ManifestLoader.Sha256Of(file);
        if (!string.Equals(actual, model.Sha256, StringComparison.OrdinalIgnoreCase))
            return new(model.Id, false, false, null, false, null, $"file '{model.File}' has sha256 {actual}, manifest says {model.Sha256}");
        ModelSession session;
        try
        {
            session = factory.Create(modelsDirectory, model);
        }
        catch (Exception ex) when (ex is ModelContractException or OnnxRuntimeException or InvalidOperationException)
        {
            return new(model.Id, true, false, null, false, null, ex.Message);
        }
        using (session)
        {
            if (model.Golden is null) return new(model.Id, true, true, null, false, session.Provider, "manifest has no golden vectors for this model");
            try
            {
                var diff = GoldenDiff(modelsDirectory, session, model.Golden);
                var ok = diff <= tolerance;
                return new(model.Id, true, true, diff, ok, session.Provider, ok ? null : $"golden vectors differ by {diff:G3} (> {tolerance:G3})");
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or OnnxRuntimeException)
            {
                return new(model.Id, true, true, null, false, session.Provider, ex.Message);
            }
        }
    }

    private static double GoldenDiff(string dir, ModelSession session, GoldenVectors golden)
    {
        var input = RawTensors.ReadFloat32(Path.Combine(dir, golden.Input), golden.InputShape);
        var tensor = new DenseTensor<float>(input, golden.InputShape.ToArray());
        using var results = session.Session.Run([NamedOnnxValue.CreateFromTensor(session.Model.Input.Name, tensor)]);
        var max = 0.0;
        foreach (var (name, expected) in golden.Outputs)
        {
            var result = results.FirstOrDefault(r => r.Name == name)
                ?? throw new InvalidDataException($"model output '{name}' named by the golden vectors is missing");
            var actual = ToDoubles(result);
            var wanted = RawTensors.ReadFloat32(Path.Combine(dir, expected.File), expected.Shape);
            if (actual.Length != wanted.Length)
                throw new InvalidDataException($"output '{name}' has {actual.Length} values, golden file has {wanted.Length}");
            for (var i = 0; i < actual.Length; i++) max = Math.Max(max, Math.Abs(actual[i] - wanted[i]));
        }
        return max;
    }

    private static double[] ToDoubles(DisposableNamedOnnxValue value) => value.Value switch
    {
        Tensor<float> f => f.ToArray().Select(v => (double)v).ToArray(),
        Tensor<long> l => l.ToArray().Select(v => (double)v).ToArray(),
        Tensor<int> i => i.ToArray().Select(v => (double)v).ToArray(),
        _ => throw new InvalidDataException($"output '{value.Name}' has an unsupported element type"),
    };
}

/// <summary>Raw little-endian float32 tensors (the recipe's golden-vector format).</summary>
public static class RawTensors
{
    public static float[] ReadFloat32(string path, IReadOnlyList<int> shape)
    {
        if (!File.Exists(path)) throw new IOException($"golden file '{Path.GetFileName(path)}' is missing");
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var length = new FileInfo(path).Length;
        if (count < 0 || length != count * 4)
            throw new InvalidDataException($"golden file '{Path.GetFileName(path)}' has {length} bytes; shape [{string.Join(",", shape)}] needs {count * 4}");
        var bytes = File.ReadAllBytes(path);
        var values = new float[count];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
        return values;
    }
}
