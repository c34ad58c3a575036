using MriCs.Dicom;
using MriCs.Inference.Benchmarks;
using MriCs.Phantom;
using MriCs.Phantom.Studies;

namespace MriCs.Inference.Tests;

public class BenchmarkPiecesTests
{
    [Theory]
    [InlineData(10000, 20, 500)]
    [InlineData(60, 20, 3)]
    [InlineData(7, 20, 1)]
    [InlineData(1, 20, 1)]
    [InlineData(100, 0, 100)]
    public void Memory_is_sampled_at_whole_intervals(int count, int samples, int expectedInterval)
    {
        var interval = MemorySampling.Interval(count, samples);
        Assert.Equal(expectedInterval, interval);
        var due = Enumerable.Range(0, count + 1).Where(d => MemorySampling.Due(d, interval)).ToList();
        Assert.DoesNotContain(0, due);
        Assert.All(due, d => Assert.Equal(0, d % interval));
        Assert.Equal(count / interval, due.Count);
    }

    [Fact]
    public void Memory_growth_is_last_minus_first()
    {
        const long MiB = 1 << 20;
        var figures = new MemoryFigures([
            new MemorySample(500, 100 * MiB, 600 * MiB),
            new MemorySample(1000, 300 * MiB, 900 * MiB),
            new MemorySample(1500, 90 * MiB, 660 * MiB),
        ]);
        Assert.Equal(-10 * MiB, figures.ManagedGrowthBytes);
        Assert.Equal(60 * MiB, figures.WorkingSetGrowthBytes);
        Assert.Equal(900 * MiB, figures.MaxWorkingSetBytes);
        Assert.Equal(0.1, figures.WorkingSetGrowthFraction, 9);
        Assert.Equal(600.0, figures.Samples[0].WorkingSetMiB, 9);
    }

    [Fact]
    public void Memory_growth_is_zero_with_fewer_than_two_samples()
    {
        var one = new MemoryFigures([new MemorySample(1, 10, 20)]);
        Assert.Equal(0, one.WorkingSetGrowthBytes);
        Assert.Equal(0, one.WorkingSetGrowthFraction);
        Assert.Equal(20, one.MaxWorkingSetBytes);
        Assert.Equal(0, new MemoryFigures([]).MaxWorkingSetBytes);
    }

    [Fact]
    public void Phantom_dicom_bytes_decode_to_the_slice_grid()
    {
        var file = PhantomStudy.Build(new PhantomOptions(Seed: 3), 0, new StudyOptions { Distractors = false }).First(f => f.Truth is not null);
        var bytes = file.File.ToBytes();
        var image = DicomSliceDecoder.Decode(bytes);
        Assert.True(file.File.Dataset.TryGetInt(DicomTag.Rows, out var rows));
        Assert.True(file.File.Dataset.TryGetInt(DicomTag.Columns, out var columns));
        Assert.Equal(columns, image.Width);
        Assert.Equal(rows, image.Height);
        Assert.Equal(rows * columns, image.Pixels.Length);
        // A real image, not a blank one: the windowed slice spans most of the 8-bit range.
        Assert.True(image.Pixels.Max() - image.Pixels.Min() > 100);
    }

    [Fact]
    public void Bytes_that_are_not_dicom_are_refused_with_a_clear_error()
    {
        var ex = Assert.Throws<InvalidDataException>(() => DicomSliceDecoder.Decode(new byte[] { 1, 2, 3, 4, 5 }));
        Assert.Contains("DICOM slice", ex.Message);
    }
}
