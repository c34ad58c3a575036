using Akka.Actor;
using MriCs.Actors.Grading;
using MriCs.Actors.Protocol;
using MriCs.Actors.Telemetry;

namespace MriCs.Actors.Actors;

/// <summary>
/// Slot management: details for `gpu slots` / `models list`, and the model-set reload. A reload loads and
/// verifies the new set beside the old one (the old keeps serving); once it is ready the slot drains (new
/// slices answered <see cref="WorkerBusy"/>, which the dispatcher offers again: nothing is lost), swaps when
/// nothing is in flight and disposes the old set. A set that cannot be loaded or verified is refused: the
/// old one keeps serving and the requester gets the error.
/// </summary>
public sealed partial class GpuWorkerActor
{
    private readonly SliceRate _rate = new();
    private readonly List<IActorRef> _reloadRequesters = [];
    private ISliceGrader? _next;
    private bool _reloading;
    private string? _lastReloadError;

    private sealed record NextGraderReady(ISliceGrader Grader);
    private sealed record NextGraderFailed(Exception Error);

    /// <summary>A reload's new grader is ready and the slot waits for its in-flight slices before swapping.</summary>
    private bool Draining => _next is not null;

    private void SlotManagement()
    {
        Receive<GetSlotDetails>(_ => Sender.Tell(Details(_grader is null ? State() : Draining ? "draining" : _reloading ? "reloading" : "ready")));
        Receive<ReloadSlot>(_ =>
        {
            _reloadRequesters.Add(Sender);
            if (_reloading) return; // one reload at a time: every requester gets its outcome
            _reloading = true;
            WorkerLog.ReloadStarted(_log, _slotId, _inFlight);
            _factory.CreateAsync(_slotId, _stopping.Token).PipeTo(Self, success: g => new NextGraderReady(g), failure: ex => new NextGraderFailed(ex));
        });
        Receive<NextGraderReady>(r =>
        {
            _next = r.Grader;
            if (_inFlight == 0) Swap();
        });
        Receive<NextGraderFailed>(f =>
        {
            _reloading = false;
            var reason = (f.Error is AggregateException { InnerException: { } inner } ? inner : f.Error).Message;
            _lastReloadError = reason;
            var version = ModelSetVersion.Of(_grader?.ModelSet);
            WorkerLog.ReloadRefused(_log, _slotId, version, reason);
            ReplyReload(ok: false, version, version, reason);
        });
    }

    private string State() => _brokenReason is { } r ? FailedPrefix + r : Loading;

    /// <summary>Called when nothing is in flight and the next grader is ready.</summary>
    private void Swap()
    {
        var old = _grader;
        var oldVersion = ModelSetVersion.Of(old?.ModelSet);
        _grader = _next!;
        _next = null;
        _reloading = false;
        _brokenReason = null;
        _lastReloadError = null;
        var newVersion = ModelSetVersion.Of(_grader.ModelSet);
        if (old is not null) _ = old.DisposeAsync().AsTask();
        Timers.Cancel("reload"); // a broken slot that reloaded successfully stops its own retry
        WorkerLog.ReloadSwapped(_log, _slotId, oldVersion, newVersion);
        ReplyReload(ok: true, oldVersion, newVersion, null);
        Become(Ready);
        Stash.UnstashAll();
    }

    private void ReplyReload(bool ok, string oldVersion, string newVersion, string? error)
    {
        var reply = new SlotReloaded(_slotId, NodeAddress, ok, oldVersion, newVersion, error);
        foreach (var r in _reloadRequesters) r.Tell(reply);
        _reloadRequesters.Clear();
    }

    private string NodeAddress => ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();

    private SlotDetails Details(string state)
    {
        var g = _grader;
        var batching = g?.Batching ?? [];
        var provider = g?.Provider ?? "";
        var device = provider.StartsWith("CUDA:", StringComparison.Ordinal) ? "gpu " + provider[5..] : provider == "" ? "" : "cpu";
        return new SlotDetails(_slotId, NodeAddress, device, provider, state, g?.ModelSet.Id ?? "", ModelSetVersion.Of(g?.ModelSet),
            g?.ModelSet.Models ?? [], _inFlight, _maxInFlight, _inFlight + batching.Sum(b => b.QueueDepth), batching,
            _completed, _failed, Math.Round(_rate.PerSecond(DateTime.UtcNow), 2), _lastReloadError);
    }

    private void SliceDone(SliceTask task, SliceReport outcome)
    {
        _rate.Add(DateTime.UtcNow);
        if (outcome.Outcome == SliceOutcomes.Failed)
            WorkerLog.SliceFailed(_log, _slotId, LogSafe.Uid(task.SopInstanceUid), LogSafe.Message(outcome.Reason ?? "", task.Path));
        if (Draining && _inFlight == 0) Swap();
    }
}
