using System.Text;
using MriCs.Phantom;

namespace MriCs.Phantom.Tests;

public class SupportTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1000, 62)]   // ((1000 - 2047.5) / 4095 + 0.5) * 255 = 62.27
    [InlineData(2048, 128)]  // ((2048 - 2047.5) / 4095 + 0.5) * 255 = 127.53
    [InlineData(4095, 255)]
    public void Voi_follows_the_dicom_linear_function(int stored, int expected)
    {
        Assert.Equal(expected, Voi.Map(stored, 2048, 4096));
    }

    [Fact]
    public void Voi_refuses_a_width_below_one() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Voi.Apply(new ushort[] { 1 }, 0, 0.5));

    [Fact]
    public void Levels_have_standard_labels_and_parse_back()
    {
        Assert.Equal(["C3/4", "C4/5", "C5/6", "C6/7"], SpinalLevels.Study.Select(l => l.Label()));
        foreach (var l in SpinalLevels.All) Assert.Equal(l, SpinalLevels.Parse(l.Label()));
        Assert.Throws<FormatException>(() => SpinalLevels.Parse("L4/5"));
    }

    [Fact]
    public void Iou_of_known_boxes()
    {
        Assert.Equal(1.0, GroundTruthMetrics.IoU(new RoiBox(0, 0, 10, 10), new RoiBox(0, 0, 10, 10)));
        Assert.Equal(0.0, GroundTruthMetrics.IoU(new RoiBox(0, 0, 10, 10), new RoiBox(10, 0, 20, 10)));
        Assert.Equal(50.0 / 150.0, GroundTruthMetrics.IoU(new RoiBox(0, 0, 10, 10), new RoiBox(5, 0, 15, 10)), 12);
        Assert.Equal(0.0, GroundTruthMetrics.IoU(new RoiBox(0, 0, 0, 10), new RoiBox(0, 0, 10, 10)));
    }

    [Fact]
    public void Kappa_of_a_textbook_table()
    {
        // 2x2 table [[20, 5], [10, 15]]: po = 0.7, pe = (25*30 + 25*20) / 2500 = 0.5, kappa = 0.4.
        var a = Enumerable.Repeat(0, 25).Concat(Enumerable.Repeat(1, 25)).ToArray();
        var b = Enumerable.Repeat(0, 20).Concat(Enumerable.Repeat(1, 5)).Concat(Enumerable.Repeat(0, 10)).Concat(Enumerable.Repeat(1, 15)).ToArray();
        Assert.Equal(0.4, GroundTruthMetrics.CohenKappa(a, b, 2), 12);
        Assert.Equal(1.0, GroundTruthMetrics.CohenKappa(a, a, 2), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => GroundTruthMetrics.CohenKappa([0, 3], [0, 1], 3));
        Assert.Throws<ArgumentException>(() => GroundTruthMetrics.CohenKappa([0], [0, 1], 3));
    }

    [Fact]
    public void Training_export_writes_images_and_matching_labels()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mrics-phantom-export-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new PhantomOptions(5, 2);
            Assert.Equal(12, TrainingExport.Write(dir, options, 3));
            var lines = File.ReadAllLines(Path.Combine(dir, "labels.csv"));
            Assert.Equal(TrainingExport.Header, lines[0]);
            Assert.Equal(13, lines.Length);
            var plan = PhantomGenerator.Plan(options, 1);
            var row = lines[1 + 4 + 2].Split(',');
            Assert.Equal(plan.Slices[2].Grade.ToString(), row[6]);
            Assert.Equal(plan.Slices[2].Roi.X0.ToString(), row[10]);
            var pgm = File.ReadAllBytes(Path.Combine(dir, row[0]));
            var header = Encoding.ASCII.GetBytes($"P5\n{row[7]} {row[8]}\n255\n");
            Assert.Equal(header, pgm[..header.Length]);
            Assert.Equal(int.Parse(row[7]) * int.Parse(row[8]), pgm.Length - header.Length);
            Assert.Equal("train", row[4]);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Splits_are_by_patient_70_15_15()
    {
        var splits = Enumerable.Range(0, 1000).Select(TrainingExport.Split).GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(700, splits["train"]);
        Assert.Equal(150, splits["val"]);
        Assert.Equal(150, splits["test"]);
    }

    [Fact]
    public void Random_source_is_reproducible_and_uniform_enough()
    {
        var a = PhantomRandom.For(1, 2, 3);
        var b = PhantomRandom.For(1, 2, 3);
        var c = PhantomRandom.For(1, 2, 4);
        Assert.Equal(a.NextUInt64(), b.NextUInt64());
        Assert.NotEqual(a.NextUInt64(), c.NextUInt64());
        var sum = 0.0;
        for (var i = 0; i < 10000; i++) sum += a.NextDouble();
        Assert.InRange(sum / 10000, 0.48, 0.52);
    }
}
