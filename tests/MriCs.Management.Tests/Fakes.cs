using System.Text.Json;
using MriCs.Actors.Grading;
using MriCs.Actors.Protocol;
using MriCs.Inference.Preprocessing;

namespace MriCs.Management.Tests;

/// <summary>Synthetic instances (no patient data): a JSON header plus the grade the fake grader gives.</summary>
public static class Fake
{
    public static readonly string[] Levels = ["C3/4", "C4/5", "C5/6", "C6/7"];

    public static ModelSetRef ModelSet { get; } = new("ensemble",
    [
        new ModelRef("det", "detector", null, new string('a', 64)),
        new ModelRef("cls1", "classifier", 1, new string('b', 64)),
        new ModelRef("cls2", "classifier", 2, new string('c', 64)),
    ]);

    public sealed record Instance(InstanceHeader Header, int Grade);

    /// <summary>Writes one key image per graded level (axial T2, labelled) for a synthetic patient key.</summary>
    public static void WriteStudy(string directory, string study, string patient, int[] grades)
    {
        for (var i = 0; i < grades.Length; i++)
        {
            var dir = Path.Combine(directory, study);
            Directory.CreateDirectory(dir);
            var sop = $"{study}.{i + 1}";
            var path = Path.Combine(dir, sop + ".fake");
            var header = new InstanceHeader(path, patient, study, study + ".1", sop, "MR", "t2_tse_tra", 100, 3000, [1, 0, 0, 0, 1, 0], [0, 0, -20 * i], i + 1, Levels[i]);
            File.WriteAllText(path, JsonSerializer.Serialize(new Instance(header, grades[i])));
        }
    }

    public static Instance Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<Instance>(File.ReadAllBytes(path)) ?? throw new InvalidDataException($"{path}: empty");
        }
        catch (JsonException)
        {
            throw new InvalidDataException($"{path}: not a DICOM file (test reader)");
        }
    }
}

public sealed class FakeReader : IInstanceReader
{
    public InstanceHeader ReadHeader(string path) => Fake.Load(path).Header;

    public GrayImage ReadGray(string path) => new(8, 8, new byte[64]);
}

/// <summary>Grades fake instances with their stored grade; slices of studies in <see cref="Held"/> wait until <see cref="Release"/>.</summary>
public sealed class FakeGraderFactory : ISliceGraderFactory
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HashSet<string> Held { get; } = new(StringComparer.Ordinal);

    public void Release() => _release.TrySetResult();

    public Task<ISliceGrader> CreateAsync(string slotId, CancellationToken cancellation) => Task.FromResult<ISliceGrader>(new Grader(this));

    private sealed class Grader(FakeGraderFactory owner) : ISliceGrader
    {
        public ModelSetRef ModelSet => Fake.ModelSet;
        public string Provider => "fake";

        public async Task<SliceReport> GradeAsync(SliceTask task, CancellationToken cancellation)
        {
            bool held;
            lock (owner.Held) held = owner.Held.Contains(task.StudyUid);
            if (held) await owner._release.Task.WaitAsync(cancellation);
            var grade = Fake.Load(task.Path).Grade;
            float[] p = [grade == 0 ? 0.8f : 0.1f, grade == 1 ? 0.8f : 0.1f, grade == 2 ? 0.8f : 0.1f];
            return new SliceReport(task.Level, task.SopInstanceUid, SliceOutcomes.Graded, [10, 20, 50, 60], 0.9f,
                [new ModelVote("cls1", 1, p), new ModelVote("cls2", 2, p)], null, ModelSet);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
