namespace MriCs.Actors.Hosting;

/// <summary>Every cluster role, in one place. The all-in-one node (`mrics serve`, `mrics process`) has Ingest and GpuWorker.</summary>
public static class ClusterRoles
{
    /// <summary>Seed node only: remoting and clustering, no MriCs actors.</summary>
    public const string Lighthouse = "lighthouse";
    /// <summary>Ingest, study assembly, the dispatcher and the study aggregators (persistence).</summary>
    public const string Ingest = "ingest";
    /// <summary>Hosts GPU-worker slots (inference shard region).</summary>
    public const string GpuWorker = "gpu-worker";

    public static IReadOnlyList<string> All { get; } = [Lighthouse, Ingest, GpuWorker];
    public static IReadOnlyList<string> AllInOne { get; } = [Ingest, GpuWorker];
}

/// <summary>Keys of the actors registered in Akka.Hosting's ActorRegistry.</summary>
public static class ActorKeys
{
    public sealed class GpuWorkerRegion;
    public sealed class StudyAggregatorRegion;
    public sealed class Dispatcher;
    public sealed class Assembler;
    public sealed class Ingest;
}
