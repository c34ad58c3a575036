using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MriCs.Actors.Grading;
using MriCs.Actors.Protocol;
using MriCs.Inference.Preprocessing;

namespace MriCs.Telemetry.Tests;

/// <summary>Synthetic instance files (a header as JSON) for the fake reader: no pixels, no patient data.</summary>
public static class FakeStudies
{
    public static readonly string[] Levels = ["C3/4", "C4/5", "C5/6", "C6/7"];

    public static void Write(string directory, string study)
    {
        Directory.CreateDirectory(Path.Combine(directory, study));
        for (var i = 0; i < Levels.Length; i++)
        {
            var path = Path.Combine(directory, study, $"{i}.fake");
            var header = new InstanceHeader(path, "P-" + study, study, study + ".1", $"{study}.1.{i + 1}", "MR", "t2_tse_tra", 100, 3000,
                [1, 0, 0, 0, 1, 0], [0, 0, -20 * i], i + 1, Levels[i]);
            File.WriteAllText(path, JsonSerializer.Serialize(header));
        }
    }
}

public sealed class FakeReader : IInstanceReader
{
    public InstanceHeader ReadHeader(string path)
    {
        try { return JsonSerializer.Deserialize<InstanceHeader>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}: empty"); }
        catch (JsonException) { throw new InvalidDataException($"{path}: not an instance"); }
    }

    public GrayImage ReadGray(string path) => new(8, 8, new byte[64]);
}

/// <summary>
/// Graders whose model set changes with <see cref="Version"/> (as if the files on disk changed); creating one fails while
/// <see cref="Corrupt"/> is set (as a set whose SHA-256 does not match its manifest). Records which version graded each slice.
/// </summary>
public sealed class VersionedGraderFactory(TimeSpan delay) : ISliceGraderFactory
{
    public volatile int Version = 1;
    public volatile bool Corrupt;
    public ConcurrentDictionary<string, string> GradedBy { get; } = new(StringComparer.Ordinal);
    private int _graded;
    public int Graded => Volatile.Read(ref _graded);

    public static ModelSetRef SetFor(int version) => new("ensemble",
    [
        new ModelRef("det", "detector", null, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("det" + version)))),
        new ModelRef("cls", "classifier", 1, new string('b', 64)),
    ]);

    public async Task<ISliceGrader> CreateAsync(string slotId, CancellationToken cancellation)
    {
        await Task.Delay(50, cancellation);
        if (Corrupt) throw new InvalidOperationException("model 'det' file 'det.onnx' has sha256 0000, manifest says 1111 (altered or wrong file)");
        return new Grader(this, SetFor(Version));
    }

    private sealed class Grader(VersionedGraderFactory owner, ModelSetRef set) : ISliceGrader
    {
        public ModelSetRef ModelSet => set;
        public string Provider => "fake";

        public async Task<SliceReport> GradeAsync(SliceTask task, CancellationToken cancellation)
        {
            await Task.Delay(owner._delay, cancellation);
            owner.GradedBy[task.SopInstanceUid] = ModelSetVersion.Of(set);
            Interlocked.Increment(ref owner._graded);
            return new SliceReport(task.Level, task.SopInstanceUid, SliceOutcomes.Graded, [10, 20, 50, 60], 0.9f,
                [new ModelVote("cls", 1, [0.8f, 0.1f, 0.1f])], null, set);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private readonly TimeSpan _delay = delay;
}
