using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using MriCs.Actors.Protocol;

namespace MriCs.Actors.Telemetry;

/// <summary>
/// Instruments of the actor pipeline (meter "MriCs.Actors"): dispatcher queue, studies, resent tasks,
/// journal writes. Counts are per process (since it started). Tags never carry study or patient identifiers.
/// </summary>
public static class ActorMetrics
{
    public const string MeterName = "MriCs.Actors";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<DispatcherGauge, byte> Dispatchers = new();

    public static readonly Counter<long> StudiesReceived = Meter.CreateCounter<long>("mrics.studies.received", "{study}",
        "Studies opened by their aggregator (plan persisted)");

    public static readonly UpDownCounter<long> StudiesInFlight = Meter.CreateUpDownCounter<long>("mrics.studies.in_flight", "{study}",
        "Studies opened and not yet recommended on this node");

    public static readonly Counter<long> StudiesCompleted = Meter.CreateCounter<long>("mrics.studies.completed", "{study}",
        "Studies with a persisted recommendation (including 'no recommendation')");

    public static readonly Counter<long> StudiesNoRecommendation = Meter.CreateCounter<long>("mrics.studies.no_recommendation", "{study}",
        "Studies completed without a grade (no level could be graded)");

    public static readonly Counter<long> SlicesResent = Meter.CreateCounter<long>("mrics.slices.resent", "{slice}",
        "Slice tasks sent again after the task timeout");

    public static readonly Histogram<double> JournalWriteDuration = Meter.CreateHistogram<double>("mrics.journal.write.duration", "s",
        "Aggregator persist round trip (command to last event persisted)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    static ActorMetrics()
    {
        Meter.CreateObservableGauge("mrics.dispatcher.queue.depth", () => Dispatchers.Keys.Sum(g => (long)g.Queued), "{slice}",
            "Slice tasks waiting in the dispatcher (queue and retries)");
        Meter.CreateObservableGauge("mrics.dispatcher.in_flight", () => Dispatchers.Keys.Sum(g => (long)g.InFlight), "{slice}",
            "Slice tasks dispatched to GPU-worker slots and not yet acknowledged");
    }

    /// <summary>A dispatcher's current counts, read by the observable gauges (written by the dispatcher only).</summary>
    public sealed class DispatcherGauge : IDisposable
    {
        private int _queued, _inFlight;
        public int Queued => Volatile.Read(ref _queued);
        public int InFlight => Volatile.Read(ref _inFlight);

        public void Set(int queued, int inFlight)
        {
            Volatile.Write(ref _queued, queued);
            Volatile.Write(ref _inFlight, inFlight);
        }

        public void Dispose() => Dispatchers.TryRemove(this, out _);
    }

    public static DispatcherGauge TrackDispatcher()
    {
        var gauge = new DispatcherGauge();
        Dispatchers[gauge] = 0;
        return gauge;
    }

    /// <summary>Counts a persisted study event (opened, recommendation issued).</summary>
    public static void StudyEventPersisted(IMriCsMessage @event)
    {
        switch (@event)
        {
            case StudyOpened:
                StudiesReceived.Add(1);
                StudiesInFlight.Add(1);
                break;
            case RecommendationIssued issued:
                StudiesCompleted.Add(1);
                StudiesInFlight.Add(-1);
                if (issued.Recommendation.Grade is null) StudiesNoRecommendation.Add(1);
                break;
        }
    }

    /// <summary>Records one persist round trip that began at <paramref name="startedTimestamp"/> (Stopwatch ticks).</summary>
    public static void JournalWritten(long startedTimestamp) =>
        JournalWriteDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);
}
