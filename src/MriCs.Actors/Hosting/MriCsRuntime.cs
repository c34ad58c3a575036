using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MriCs.Actors.Actors;
using MriCs.Actors.Grading;
using MriCs.Inference.Pipeline;
using MriCs.Inference.Sessions;

namespace MriCs.Actors.Hosting;

/// <summary>The production services of a node: the DICOM instance reader and the SlicePipeline grader per slot.</summary>
public static class MriCsRuntime
{
    public static IServiceCollection AddMriCsRuntime(this IServiceCollection services)
    {
        services.AddSingleton<IInstanceReader>(_ => new DicomInstanceReader());
        services.AddSingleton(sp => new IngestPressure(sp.GetRequiredService<IOptions<MriCsOptions>>().Value.Ingest.MaxWaitingTasks));
        services.AddSingleton<ISliceGraderFactory>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<MriCsOptions>>().Value;
            var provider = ExecutionProviderOptions.Parse(o.Inference.Provider, 0, o.Inference.IntraOpThreads);
            var pipeline = new PipelineOptions
            {
                DetectorBatching = new PipelineOptions().DetectorBatching with
                {
                    QueueCapacity = Math.Max(256, o.Inference.MaxInFlightPerSlot),
                    Instances = o.Inference.DetectorInstances,
                },
            };
            return new PipelineSliceGraderFactory(Path.GetFullPath(o.Inference.ModelsDir), o.Inference.ModelSet, provider, pipeline, sp.GetRequiredService<IInstanceReader>());
        });
        return services;
    }

    /// <summary>Runs a node with the given roles until SIGTERM/Ctrl+C (the executables' whole program).</summary>
    public static Task<int> RunNodeAsync(string[] args, params string[] roles) => RunNodeAsync(args, roles, _ => { });

    /// <summary>Runs a node with the given roles and the extra services the executable adds (e.g. <c>s => s.AddMriCsManagement()</c>).</summary>
    public static async Task<int> RunNodeAsync(string[] args, IReadOnlyList<string> roles, Action<IServiceCollection> addServices)
    {
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < roles.Count; i++) settings[$"{MriCsOptions.Section}:Roles:{i}"] = roles[i];
        using var host = MriCsNode.Build(settings, s => addServices(s.AddMriCsRuntime()), args, logLevel: Microsoft.Extensions.Logging.LogLevel.Information);
        try
        {
            await host.RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("invalid configuration: " + string.Join("; ", ex.Failures)).ConfigureAwait(false);
            return 2;
        }
    }
}
