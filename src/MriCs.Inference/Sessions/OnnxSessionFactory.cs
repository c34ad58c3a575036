using Microsoft.ML.OnnxRuntime;
using MriCs.Inference.Manifest;

namespace MriCs.Inference.Sessions;

/// <summary>
/// Creates verified sessions: the file's SHA-256 must match the manifest and the session's inputs and
/// outputs must match the model's contract. CUDA falls back to CPU (once, with the reason kept) when
/// the provider cannot load, unless CUDA was demanded.
/// </summary>
public sealed class OnnxSessionFactory
{
    private readonly ExecutionProviderOptions _options;
    private bool _cudaUnavailable;

    public OnnxSessionFactory(ExecutionProviderOptions options)
    {
        _options = options;
        // A quiet environment: ORT otherwise prints provider-load failures in red on stderr.
        var envOptions = new EnvironmentCreationOptions { logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        if (!OrtEnv.IsCreated) OrtEnv.CreateInstanceWithOptions(ref envOptions);
    }

    /// <summary>Why CUDA is not used, once a session fell back to CPU; null otherwise.</summary>
    public string? FallbackReason { get; private set; }

    public ModelSession Create(string modelsDirectory, ModelEntry model)
    {
        var path = ManifestLoader.VerifiedPath(modelsDirectory, model);
        var (session, provider) = CreateSession(path);
        try
        {
            ContractCheck.Verify(model, session);
            return new ModelSession(model, session, provider);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private (InferenceSession Session, string Provider) CreateSession(string path)
    {
        if (_options.Provider != ExecutionProviderPreference.Cpu && !_cudaUnavailable)
        {
            using var cudaOptions = BaseOptions();
            try
            {
                cudaOptions.AppendExecutionProvider_CUDA(_options.DeviceId);
                return (new InferenceSession(path, cudaOptions), $"CUDA:{_options.DeviceId}");
            }
            catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                if (_options.Provider == ExecutionProviderPreference.Cuda)
                    throw new InvalidOperationException($"CUDA execution provider on device {_options.DeviceId} cannot load: {FirstLine(ex.Message)}", ex);
                _cudaUnavailable = true;
                FallbackReason = $"CUDA execution provider unavailable ({FirstLine(ex.Message)}); using CPU";
            }
        }
        using var cpuOptions = BaseOptions();
        return (new InferenceSession(path, cpuOptions), "CPU");
    }

    private SessionOptions BaseOptions()
    {
        var o = new SessionOptions
        {
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            InterOpNumThreads = _options.InterOpThreads,
        };
        if (_options.IntraOpThreads > 0) o.IntraOpNumThreads = _options.IntraOpThreads;
        // Several sessions run side by side in a pipeline: spinning intra-op threads would starve each other.
        o.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return o;
    }

    private static string FirstLine(string s)
    {
        var i = s.IndexOf('\n');
        return (i < 0 ? s : s[..i]).Trim();
    }
}
