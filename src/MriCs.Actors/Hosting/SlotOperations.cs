using Akka.Actor;
using MriCs.Actors.Actors;
using MriCs.Actors.Protocol;

namespace MriCs.Actors.Hosting;

/// <summary>The outcome of a rolling model-set reload: each slot tried in order; after a refusal the rest are not tried.</summary>
public sealed record RollingReloadReport(bool Ok, IReadOnlyList<SlotReloaded> Slots, IReadOnlyList<string> NotAttempted);

/// <summary>What `gpu slots` and `models list | reload` do, over the gpu-worker region (or its proxy) of any node.</summary>
public static class SlotOperations
{
    /// <summary>The slot ids of the cluster (the same list the dispatcher sends work to).</summary>
    public static IReadOnlyList<string> SlotIds(MriCsOptions options) => DispatcherSettings.SlotIds(options.Inference.Slots);

    public static async Task<IReadOnlyList<SlotDetails>> DetailsAsync(IActorRef workers, IReadOnlyList<string> slots, TimeSpan timeout) =>
        await Task.WhenAll(slots.Select(s => workers.Ask<SlotDetails>(new GetSlotDetails(s), timeout))).ConfigureAwait(false);

    /// <summary>
    /// Reloads the slots one at a time: each loads and verifies the new set, drains its in-flight slices and swaps before
    /// the next starts, so the other slots keep serving. The first refusal stops the roll: slots not yet tried keep the old set.
    /// </summary>
    public static async Task<RollingReloadReport> RollingReloadAsync(IActorRef workers, IReadOnlyList<string> slots, TimeSpan timeoutPerSlot)
    {
        var done = new List<SlotReloaded>();
        for (var i = 0; i < slots.Count; i++)
        {
            SlotReloaded result;
            try
            {
                result = await workers.Ask<SlotReloaded>(new ReloadSlot(slots[i]), timeoutPerSlot).ConfigureAwait(false);
            }
            catch (AskTimeoutException)
            {
                result = new SlotReloaded(slots[i], "", false, ModelSetVersion.None, ModelSetVersion.None,
                    $"no answer within {timeoutPerSlot.TotalSeconds:0} s (the slot may still be loading the new set)");
            }
            done.Add(result);
            if (!result.Ok) return new RollingReloadReport(false, done, slots.Skip(i + 1).ToList());
        }
        return new RollingReloadReport(true, done, []);
    }
}
