using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MriCs.Inference.Telemetry;

/// <summary>
/// Instruments of the inference runtime (meter "MriCs.Inference"). Tags: the model id and the slice
/// outcome only (never image, study or patient identifiers).
/// </summary>
public static class InferenceMetrics
{
    public const string MeterName = "MriCs.Inference";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("mrics.inference.batch.size", "{slice}",
        "Inputs per model run (dynamic batching)", advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });

    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("mrics.inference.duration", "s",
        "Latency of one batched model run, per model",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    public static readonly Counter<long> Slices = Meter.CreateCounter<long>("mrics.inference.slices", "{slice}",
        "Slices through the pipeline, by outcome (slices/s: rate of this counter)");

    /// <summary>Runs one batch of a model, recording its size and latency under the model's id.</summary>
    public static TOut[] Measure<TIn, TOut>(string modelId, IReadOnlyList<TIn> batch, Func<IReadOnlyList<TIn>, TOut[]> run)
    {
        var model = new KeyValuePair<string, object?>("model", modelId);
        BatchSize.Record(batch.Count, model);
        var started = Stopwatch.GetTimestamp();
        try
        {
            return run(batch);
        }
        finally
        {
            Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, model);
        }
    }

    /// <summary>Counts one finished slice by its outcome (graded, no-roi, not-gradable, failed).</summary>
    public static void SliceFinished(string outcome) => Slices.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
