using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using MriCs.Actors.Actors;
using MriCs.Actors.Grading;
using MriCs.Actors.Hosting;
using MriCs.Actors.Protocol;
using MriCs.Actors.Studies;
using MriCs.Inference.Batching;
using MriCs.Inference.Manifest;
using MriCs.Inference.Pipeline;
using MriCs.Inference.Sessions;

namespace MriCs.Cli.Commands;

public static partial class PipelineCommands
{
    /// <summary>
    /// Slices/s through the actor pipeline (ingest -> assembly -> dispatcher -> slots -> persisted
    /// aggregators) against the bare SlicePipeline loop on the same planned slices, in the same run;
    /// then studies one at a time for the latency from the last instance received to the recommendation persisted.
    /// </summary>
    internal static int RunBench(string input, CliArgs args, CliContext ctx)
    {
        var reader = new DicomInstanceReader();
        var (headers, rejected) = IngestActor.ReadFolder(input, reader);
        var studies = headers.GroupBy(h => h.StudyInstanceUid).ToList();
        var plans = studies.Select(g => StudyAssembly.Plan(g.Key, g.ToList(), new AssemblyRules())).ToList();
        var slices = plans.SelectMany(p => p.Slices).ToList();
        ctx.Out.WriteLine($"input: {studies.Count} studies, {headers.Count} instances ({rejected.Count} rejected), {slices.Count} slices to grade");
        if (slices.Count == 0) { ctx.Error.WriteLine("mrics bench pipeline: nothing to grade"); return 2; }

        var modelsDir = Path.GetFullPath(CliPaths.Models(args));
        var slots = args.Int("slots", 1);
        var perSlot = args.Int("in-flight", 16);

        // Baseline: one SlicePipeline, the same images read by the same reader, at most slots x perSlot in flight.
        var manifest = ManifestLoader.Load(modelsDir);
        var factory = new OnnxSessionFactory(ExecutionProviderOptions.Parse(args.Option("provider")));
        double baselineRate;
        string provider;
        {
            var pipeline = SlicePipeline.Create(modelsDir, manifest, args.Option("model-set") ?? "ensemble", factory);
            pipeline.WarmUp();
            provider = pipeline.Provider;
            var max = slots * perSlot;
            var window = new List<Task<SliceResult>>();
            void WaitOne()
            {
                var finished = Task.WhenAny(window).GetAwaiter().GetResult();
                window.Remove(finished);
            }
            var sw = Stopwatch.StartNew();
            foreach (var s in slices)
            {
                var image = reader.ReadGray(s.Path);
                while (window.Count >= max) WaitOne();
                Task<SliceResult> running;
                while (pipeline.TrySubmit(image, CancellationToken.None, out running) != EnqueueStatus.Accepted)
                {
                    if (window.Count == 0) throw new InvalidOperationException("the pipeline refused a slice with nothing in flight");
                    WaitOne();
                }
                window.Add(running);
            }
            Task.WaitAll(window);
            baselineRate = slices.Count / sw.Elapsed.TotalSeconds;
            pipeline.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        // The actor pipeline, all roles in one process, fresh journal.
        var dataDir = Path.Combine(Path.GetTempPath(), "mrics-bench-" + Guid.NewGuid().ToString("N"));
        var settings = NodeSettings(args, dataDir);
        settings["MriCs:Inference:MaxInFlightPerSlot"] = perSlot.ToString(CultureInfo.InvariantCulture);
        settings["MriCs:Inference:Slots"] = slots.ToString(CultureInfo.InvariantCulture);
        double actorRate, studiesPerHour;
        List<double> latencies = [];
        try
        {
            using var host = BuildNode(settings);
            host.StartAsync().GetAwaiter().GetResult();
            var client = Client(host);
            client.WaitForSlotsAsync(slots, TimeSpan.FromMinutes(5)).GetAwaiter().GetResult(); // model loading is not throughput

            var half = Math.Max(1, studies.Count / 2);
            var batch = studies.Take(half).SelectMany(g => g).ToList();
            var batchSlices = plans.Take(half).Sum(p => p.Slices.Count);
            var sw = Stopwatch.StartNew();
            var done = client.SubmitInstancesAsync(batch, TimeSpan.FromHours(1)).GetAwaiter().GetResult();
            client.WaitForRecommendationsAsync(done.StudyUids, TimeSpan.FromHours(1)).GetAwaiter().GetResult();
            actorRate = batchSlices / sw.Elapsed.TotalSeconds;
            studiesPerHour = half / sw.Elapsed.TotalHours;

            // One study at a time: last instance handed over -> recommendation persisted and published.
            var published = new Dictionary<string, TaskCompletionSource<DateTime>>(StringComparer.Ordinal);
            var rest = studies.Skip(half).ToList();
            foreach (var g in rest) published[g.Key] = new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously);
            var system = host.Services.GetRequiredService<ActorSystem>();
            var listener = system.ActorOf(Props.Create(() => new PublishedListener(published)));
            system.EventStream.Subscribe(listener, typeof(RecommendationPublished));
            foreach (var g in rest)
            {
                var t0 = Stopwatch.GetTimestamp();
                client.SubmitInstancesAsync(g.ToList(), TimeSpan.FromMinutes(10)).GetAwaiter().GetResult();
                published[g.Key].Task.WaitAsync(TimeSpan.FromMinutes(10)).GetAwaiter().GetResult();
                latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
            host.StopAsync().GetAwaiter().GetResult();
        }
        finally
        {
            try { Directory.Delete(dataDir, true); } catch (IOException) { }
        }

        ctx.Out.WriteLine($"machine: {Environment.ProcessorCount} cores, provider {provider}, {slots} slot(s) x {perSlot} in flight");
        ctx.Out.WriteLine($"{"path",-44} {"slices/s",10}");
        ctx.Out.WriteLine($"{"bare SlicePipeline loop (baseline)",-44} {baselineRate,10:0.0}");
        ctx.Out.WriteLine($"{"actor pipeline (ingest..persisted result)",-44} {actorRate,10:0.0}   ({actorRate / baselineRate:P0} of baseline)");
        ctx.Out.WriteLine($"studies per hour end to end (batch of {Math.Max(1, studies.Count / 2)}): {studiesPerHour:0}");
        if (latencies.Count > 0)
        {
            latencies.Sort();
            ctx.Out.WriteLine($"last instance -> recommendation persisted, one study at a time (n={latencies.Count}): p50 {Percentile(latencies, 0.5):0} ms, p95 {Percentile(latencies, 0.95):0} ms");
        }
        return 0;
    }

    private static double Percentile(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

    private sealed class PublishedListener : ReceiveActor
    {
        public PublishedListener(Dictionary<string, TaskCompletionSource<DateTime>> waiting) =>
            Receive<RecommendationPublished>(p => { if (waiting.TryGetValue(p.StudyUid, out var t)) t.TrySetResult(DateTime.UtcNow); });
    }
}
