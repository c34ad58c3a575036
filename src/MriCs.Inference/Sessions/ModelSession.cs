using Microsoft.ML.OnnxRuntime;
using MriCs.Inference.Manifest;

namespace MriCs.Inference.Sessions;

/// <summary>An ONNX Runtime session for one manifest model, with the provider it actually runs on.</summary>
public sealed class ModelSession(ModelEntry model, InferenceSession session, string provider) : IDisposable
{
    public ModelEntry Model { get; } = model;
    public InferenceSession Session { get; } = session;

    /// <summary>"CUDA:0" or "CPU".</summary>
    public string Provider { get; } = provider;

    public void Dispose() => Session.Dispose();
}
