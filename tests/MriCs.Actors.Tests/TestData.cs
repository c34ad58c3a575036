using System.Collections.Concurrent;
using System.Text.Json;
using MriCs.Actors.Grading;
using MriCs.Actors.Protocol;
using MriCs.Inference.Preprocessing;

namespace MriCs.Actors.Tests;

/// <summary>Synthetic instances (no patient data) and test doubles for the reader and the grader.</summary>
public static class TestData
{
    public static readonly double[] Axial = [1, 0, 0, 0, 1, 0];
    public static readonly double[] Sagittal = [0, 1, 0, 0, 0, -1];

    public static InstanceHeader Header(string study, string sop, string? level = null, double z = 0, string series = "s1",
        string modality = "MR", string? description = "t2_tse_tra", double[]? orientation = null, string patient = "P1") =>
        new($"/nowhere/{sop}", patient, study, $"{study}.{series}", sop, modality, description, 100, 3000,
            orientation ?? Axial, [0, 0, z], null, level);

    public static List<InstanceHeader> KeyImages(string study, string patient = "P1") =>
        DiscLevels.Graded.Select((l, i) => Header(study, $"{study}.{i + 1}", l, z: -20 * i, patient: patient)).ToList();

    public static ModelSetRef ModelSet { get; } = new("ensemble",
    [
        new ModelRef("det", "detector", null, new string('a', 64)),
        new ModelRef("cls1", "classifier", 1, new string('b', 64)),
        new ModelRef("cls2", "classifier", 2, new string('c', 64)),
    ]);

    public static float[] OneHot(int grade, float p = 0.8f)
    {
        var r = new float[3];
        for (var i = 0; i < 3; i++) r[i] = i == grade ? p : (1 - p) / 2;
        return r;
    }

    public static SliceReport Graded(string level, string sop, int grade1, int grade2) =>
        new(level, sop, SliceOutcomes.Graded, [10, 20, 50, 60], 0.9f,
            [new ModelVote("cls1", 1, OneHot(grade1)), new ModelVote("cls2", 2, OneHot(grade2))], null, ModelSet);

    /// <summary>A fake instance file: the header as JSON plus the grade the fake grader will give.</summary>
    public sealed record FakeInstance(InstanceHeader Header, int Grade, bool NoRoi = false);

    public static string Write(string directory, InstanceHeader header, int grade, bool noRoi = false)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, header.SopInstanceUid + ".fake");
        File.WriteAllText(path, JsonSerializer.Serialize(new FakeInstance(header with { Path = path }, grade, noRoi)));
        return path;
    }

    public static void WriteStudy(string directory, string study, string patient, int[] grades, int skipLevel = -1)
    {
        for (var i = 0; i < grades.Length; i++)
        {
            if (i == skipLevel) continue;
            Write(Path.Combine(directory, study), Header(study, $"{study}.{i + 1}", DiscLevels.Graded[i], z: -20 * i, patient: patient), grades[i]);
        }
    }

    public static FakeInstance Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<FakeInstance>(File.ReadAllBytes(path)) ?? throw new InvalidDataException($"{path}: empty");
        }
        catch (JsonException)
        {
            throw new InvalidDataException($"{path}: not a DICOM file (test reader: no instance header)");
        }
    }
}

/// <summary>Reads the fake instance files.</summary>
public sealed class FakeReader : IInstanceReader
{
    public InstanceHeader ReadHeader(string path) => TestData.Load(path).Header;

    public GrayImage ReadGray(string path)
    {
        TestData.Load(path);
        return new GrayImage(8, 8, new byte[64]);
    }
}

/// <summary>Grades fake instances with their stored grade (both models agree), after an optional delay; counts concurrency.</summary>
public sealed class FakeGraderFactory(TimeSpan delay) : ISliceGraderFactory
{
    private int _inFlight, _maxInFlight, _graded;
    public ConcurrentDictionary<string, int> GradedPerSop { get; } = new(StringComparer.Ordinal);
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);
    public int Graded => Volatile.Read(ref _graded);

    public Task<ISliceGrader> CreateAsync(string slotId, CancellationToken cancellation) => Task.FromResult<ISliceGrader>(new Grader(this));

    private sealed class Grader(FakeGraderFactory owner) : ISliceGrader
    {
        public ModelSetRef ModelSet => TestData.ModelSet;
        public string Provider => "fake";

        public async Task<SliceReport> GradeAsync(SliceTask task, CancellationToken cancellation)
        {
            var now = Interlocked.Increment(ref owner._inFlight);
            int seen;
            do { seen = owner._maxInFlight; } while (now > seen && Interlocked.CompareExchange(ref owner._maxInFlight, now, seen) != seen);
            try
            {
                if (owner._delay > TimeSpan.Zero) await Task.Delay(owner._delay, cancellation);
                owner.GradedPerSop.AddOrUpdate(task.SopInstanceUid, 1, (_, n) => n + 1);
                Interlocked.Increment(ref owner._graded);
                TestData.FakeInstance instance;
                try { instance = TestData.Load(task.Path); }
                catch (InvalidDataException ex) { return new SliceReport(task.Level, task.SopInstanceUid, SliceOutcomes.Failed, null, null, [], ex.Message, ModelSet); }
                if (instance.NoRoi) return new SliceReport(task.Level, task.SopInstanceUid, SliceOutcomes.NoRoi, null, null, [], "no ROI found", ModelSet);
                return TestData.Graded(task.Level, task.SopInstanceUid, instance.Grade, instance.Grade) with { ModelSet = ModelSet };
            }
            finally
            {
                Interlocked.Decrement(ref owner._inFlight);
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private readonly TimeSpan _delay = delay;
}
