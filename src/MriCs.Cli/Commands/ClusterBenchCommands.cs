using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MriCs.Actors.Actors;
using MriCs.Actors.Grading;
using MriCs.Actors.Hosting;
using MriCs.Actors.Protocol;
using Akka.Hosting;
using MriCs.Actors.Studies;

namespace MriCs.Cli.Commands;

/// <summary>
/// `bench heartbeat`: round trips over the cluster connection between an ingest node and a gpu-worker node
/// (two nodes in this process, real remoting on 127.0.0.1) while idle, while the actor pipeline grades phantom
/// studies across that connection (tasks carry file paths), and while the same pixel volume is pushed through
/// the connection as 64 KB chunks (what carrying pixels in messages would cost), side by side.
/// </summary>
public static class ClusterBenchCommands
{
    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("bench heartbeat", "bench heartbeat [--patients N] [--seed S] [--slots N] [--interval-ms MS] [--idle-seconds S] [--models DIR] [--provider auto|cpu|cuda] [--no-pixels]", Heartbeat, "no-pixels"),
    ];

    private const int ChunkBytes = 64 * 1024;
    private const int ChunksInFlight = 32;

    private sealed record Phase(string Name, List<double> RoundTrips, string Load);

    private static int Heartbeat(CliArgs args, CliContext ctx)
    {
        var patients = args.Int("patients", 8);
        var slots = args.Int("slots", 1);
        var interval = TimeSpan.FromMilliseconds(args.Int("interval-ms", 20));
        var idle = TimeSpan.FromSeconds(args.Int("idle-seconds", 5));
        if (patients < 1 || slots < 1 || interval <= TimeSpan.Zero || idle <= TimeSpan.Zero)
            throw new CliUsageException("--patients, --slots, --interval-ms and --idle-seconds must be >= 1");

        var root = Path.Combine(Path.GetTempPath(), "mrics-heartbeat-" + Guid.NewGuid().ToString("N"));
        var input = Path.Combine(root, "studies");
        try
        {
            MriCs.Phantom.Studies.PhantomStudy.Write(input, new MriCs.Phantom.PhantomOptions(args.Int("seed", 5)), patients, new MriCs.Phantom.Studies.StudyOptions());
            File.Delete(Path.Combine(input, "labels.csv"));
            var (headers, _) = IngestActor.ReadFolder(input, new DicomInstanceReader());
            var slices = headers.GroupBy(h => h.StudyInstanceUid).Sum(g => StudyAssembly.Plan(g.Key, g.ToList(), new AssemblyRules()).Slices.Count);
            ctx.Out.WriteLine($"input: {patients} phantom studies, {headers.Count} instances, {slices} slices to grade");
            if (slices == 0) { ctx.Error.WriteLine("mrics bench heartbeat: the phantom studies have nothing to grade"); return 2; }

            var ingestSettings = PipelineCommands.NodeSettings(args, Path.Combine(root, "ingest"));
            ingestSettings["MriCs:Roles:0"] = ClusterRoles.Ingest;
            ingestSettings["MriCs:Cluster:Port"] = "0";
            using var ingest = PipelineCommands.BuildNode(ingestSettings);
            ingest.StartAsync().GetAwaiter().GetResult();
            var ingestSystem = ingest.Services.GetRequiredService<ActorSystem>();

            var workerSettings = PipelineCommands.NodeSettings(args, Path.Combine(root, "worker"));
            workerSettings["MriCs:Roles:0"] = ClusterRoles.GpuWorker;
            workerSettings["MriCs:Cluster:Port"] = "0";
            workerSettings["MriCs:Inference:Slots"] = slots.ToString(CultureInfo.InvariantCulture);
            workerSettings["MriCs:Cluster:SeedNodes:0"] = Cluster.Get(ingestSystem).SelfAddress.ToString();
            using var worker = PipelineCommands.BuildNode(workerSettings);
            worker.StartAsync().GetAwaiter().GetResult();
            var workerSystem = worker.Services.GetRequiredService<ActorSystem>();
            var workerAddress = Cluster.Get(workerSystem).SelfAddress;

            WaitUntil(() => Cluster.Get(ingestSystem).State.Members.Count(m => m.Status == MemberStatus.Up) == 2, TimeSpan.FromMinutes(1), "both nodes up");
            var client = PipelineCommands.Client(ingest);
            var dispatcher = ingest.Services.GetRequiredService<IActorRegistry>().Get<ActorKeys.Dispatcher>();
            WaitUntil(() => dispatcher.Ask<DispatcherSlots>(GetDispatcherSlots.Instance, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult().Slots.Count == slots,
                TimeSpan.FromMinutes(1), "the dispatcher's slot set");
            client.WaitForSlotsAsync(slots, TimeSpan.FromMinutes(5)).GetAwaiter().GetResult(); // model loading is not load

            workerSystem.ActorOf(Props.Create(() => new Echo()), "mrics-echo");
            var echo = ingestSystem.ActorSelection(new RootActorPath(workerAddress) / "user" / "mrics-echo");
            echo.Ask<long>(0L, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult(); // association established

            var phases = new List<Phase>();
            phases.Add(new("idle", Pings(echo, interval, ct => Task.Delay(idle, ct)), $"{idle.TotalSeconds:0} s, nothing else"));

            var loaded = Stopwatch.StartNew();
            var rtts = Pings(echo, interval, async _ =>
            {
                var done = await client.SubmitInstancesAsync(headers, TimeSpan.FromHours(1));
                await client.WaitForRecommendationsAsync(done.StudyUids, TimeSpan.FromHours(1));
            });
            phases.Add(new("pipeline grading (tasks carry paths)", rtts, $"{slices / loaded.Elapsed.TotalSeconds:0.0} slices/s over the connection"));

            if (!args.Flag("no-pixels"))
            {
                var sink = workerSystem.ActorOf(Props.Create(() => new ChunkSink()), "mrics-chunk-sink");
                var sinkRef = ingestSystem.ActorSelection(new RootActorPath(workerAddress) / "user" / "mrics-chunk-sink")
                    .ResolveOne(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
                var pushed = Stopwatch.StartNew();
                long bytes = 0;
                rtts = Pings(echo, interval, _ =>
                {
                    var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                    ingestSystem.ActorOf(Props.Create(() => new ChunkPusher(sinkRef, idle, done)));
                    return done.Task.ContinueWith(t => bytes = t.Result);
                });
                phases.Add(new($"pixels in messages ({ChunkBytes / 1024} KB chunks, {ChunksInFlight} in flight)", rtts,
                    $"{bytes / 1e6 / pushed.Elapsed.TotalSeconds:0} MB/s for {idle.TotalSeconds:0} s = {bytes / (512.0 * 512 * 2) / pushed.Elapsed.TotalSeconds:0} slices/s of 512x512x16 bit"));
                workerSystem.Stop(sink);
            }

            var fd = ingestSystem.Settings.Config.GetConfig("akka.cluster.failure-detector");
            ctx.Out.WriteLine($"machine: {Environment.ProcessorCount} cores; two nodes in one process over 127.0.0.1 (Akka.Remote TCP), {slots} slot(s), provider {args.Option("provider") ?? "auto"}");
            ctx.Out.WriteLine($"cluster heartbeat every {fd.GetTimeSpan("heartbeat-interval").TotalMilliseconds:0} ms, acceptable pause {fd.GetTimeSpan("acceptable-heartbeat-pause").TotalSeconds:0.#} s; a ping every {interval.TotalMilliseconds:0} ms rides the same connection");
            ctx.Out.WriteLine($"{"phase",-50} {"pings",6} {"p50 ms",8} {"p99 ms",8} {"max ms",8}  load");
            foreach (var p in phases)
            {
                var s = p.RoundTrips.Order().ToList();
                ctx.Out.WriteLine(s.Count == 0
                    ? $"{p.Name,-50} {0,6} {"-",8} {"-",8} {"-",8}  {p.Load}"
                    : $"{p.Name,-50} {s.Count,6} {Percentile(s, 0.5),8:0.0} {Percentile(s, 0.99),8:0.0} {s[^1],8:0.0}  {p.Load}");
            }

            worker.StopAsync().GetAwaiter().GetResult();
            ingest.StopAsync().GetAwaiter().GetResult();
            return 0;
        }
        finally
        {
            try { Directory.Delete(root, true); } catch (IOException) { }
        }
    }

    /// <summary>Round trips (ms) of pings sent every <paramref name="interval"/> while <paramref name="load"/> runs.</summary>
    private static List<double> Pings(ActorSelection echo, TimeSpan interval, Func<CancellationToken, Task> load)
    {
        using var stop = new CancellationTokenSource();
        var results = new List<double>();
        var pinger = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var t0 = Stopwatch.GetTimestamp();
                await echo.Ask<long>(t0, TimeSpan.FromSeconds(30));
                results.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                var wait = interval - Stopwatch.GetElapsedTime(t0);
                if (wait > TimeSpan.Zero) await Task.Delay(wait);
            }
        });
        try { load(stop.Token).GetAwaiter().GetResult(); }
        finally
        {
            stop.Cancel();
            pinger.GetAwaiter().GetResult();
        }
        return results;
    }

    private static void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"bench heartbeat: {what} not reached after {timeout.TotalSeconds:0} s");
            Thread.Sleep(100);
        }
    }

    private static double Percentile(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, Math.Max(0, (int)Math.Ceiling(q * sorted.Count) - 1))];

    private sealed class Echo : ReceiveActor
    {
        public Echo() => Receive<long>(t => Sender.Tell(t));
    }

    private sealed class ChunkSink : ReceiveActor
    {
        public ChunkSink() => Receive<byte[]>(b => Sender.Tell((long)b.Length));
    }

    /// <summary>Pushes chunks as fast as the connection takes them for <c>duration</c>, at most <see cref="ChunksInFlight"/>
    /// unacknowledged (flow control, bounded memory); completes with the bytes delivered.</summary>
    private sealed class ChunkPusher : ReceiveActor
    {
        public ChunkPusher(IActorRef sink, TimeSpan duration, TaskCompletionSource<long> done)
        {
            var chunk = new byte[ChunkBytes];
            Random.Shared.NextBytes(chunk);
            var until = Stopwatch.StartNew();
            long sent = 0, acked = 0;
            void Fill()
            {
                while (until.Elapsed < duration && sent - acked < ChunksInFlight) { sink.Tell(chunk); sent++; }
            }
            Receive<long>(_ =>
            {
                if (++acked == sent && until.Elapsed >= duration) { done.TrySetResult(acked * ChunkBytes); Context.Stop(Self); }
                else Fill();
            });
            Receive<string>(_ => Fill());
            Self.Tell("start");
        }
    }
}
