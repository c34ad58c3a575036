using Akka.Actor;
using Akka.Hosting;
using MriCs.Actors.Actors;
using MriCs.Actors.Protocol;
using MriCs.Actors.Results;

namespace MriCs.Actors.Hosting;

/// <summary>What the CLI and tests do with a running node: ingest a folder, wait for recommendations, read results.</summary>
public sealed class PipelineClient(ActorSystem system, IActorRegistry registry)
{
    public ActorSystem System => system;
    public IActorRef Aggregators => registry.Get<ActorKeys.StudyAggregatorRegion>();

    public Task<FolderIngested> IngestFolderAsync(string directory, TimeSpan timeout) =>
        registry.Get<ActorKeys.Ingest>().Ask<FolderIngested>(new IngestFolder(Path.GetFullPath(directory)), timeout);

    /// <summary>Hands already-read instances to the assembler and completes their studies (what the SCP does at the end of an association).</summary>
    public Task<StudiesCompleted> SubmitInstancesAsync(IReadOnlyList<InstanceHeader> instances, TimeSpan timeout)
    {
        var assembler = registry.Get<ActorKeys.Assembler>();
        assembler.Tell(new InstancesArrived(instances));
        return assembler.Ask<StudiesCompleted>(new CompleteStudies(instances.Select(i => i.StudyInstanceUid).Distinct(StringComparer.Ordinal).ToList()), timeout);
    }

    public Task<DispatcherStats> DispatcherStatsAsync() => registry.Get<ActorKeys.Dispatcher>().Ask<DispatcherStats>(GetDispatcherStats.Instance, TimeSpan.FromSeconds(10));

    public Task<SlotStats> SlotStatsAsync(string slot) => registry.Get<ActorKeys.GpuWorkerRegion>().Ask<SlotStats>(new GetSlotStats(slot), TimeSpan.FromSeconds(30));

    /// <summary>Waits until every slot has loaded its models; throws with the reason when one cannot.</summary>
    public async Task<IReadOnlyList<SlotStats>> WaitForSlotsAsync(int slots, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var stats = await Task.WhenAll(DispatcherSettings.SlotIds(slots).Select(SlotStatsAsync)).ConfigureAwait(false);
            if (stats.FirstOrDefault(s => s.Provider.StartsWith(GpuWorkerActor.FailedPrefix, StringComparison.Ordinal)) is { } failed)
                throw new InvalidOperationException($"GPU-worker {failed.SlotId} cannot run: {failed.Provider[GpuWorkerActor.FailedPrefix.Length..]}");
            if (stats.All(s => s.Provider != GpuWorkerActor.Loading)) return stats;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"GPU-worker slots still loading after {timeout.TotalSeconds:0} s");
            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    /// <summary>Polls the aggregators until every study has its recommendation; <paramref name="progress"/> gets (done, total).</summary>
    public async Task<IReadOnlyList<Recommendation>> WaitForRecommendationsAsync(IReadOnlyList<string> studyUids, TimeSpan timeout,
        Action<int, int>? progress = null, CancellationToken cancellation = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        var done = new Dictionary<string, Recommendation>(StringComparer.Ordinal);
        while (true)
        {
            var pending = studyUids.Where(u => !done.ContainsKey(u)).ToList();
            if (pending.Count > 0)
                foreach (var r in await ResultsQuery.GetAsync(Aggregators, pending, TimeSpan.FromSeconds(30)).ConfigureAwait(false))
                    if (r.Recommendation is not null) done[r.StudyUid] = r.Recommendation;
            progress?.Invoke(done.Count, studyUids.Count);
            if (done.Count == studyUids.Count) return studyUids.Select(u => done[u]).ToList();
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{studyUids.Count - done.Count} of {studyUids.Count} studies have no recommendation after {timeout.TotalSeconds:0} s");
            await Task.Delay(200, cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>The recommendation of every study in the journal.</summary>
    public async Task<IReadOnlyList<Recommendation>> AllRecommendationsAsync()
    {
        var uids = await ResultsQuery.AllStudyUidsAsync(system).ConfigureAwait(false);
        var results = await ResultsQuery.GetAsync(Aggregators, uids, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return results.Where(r => r.Recommendation is not null).Select(r => r.Recommendation!).ToList();
    }
}
