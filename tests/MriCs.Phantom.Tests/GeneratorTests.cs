using MriCs.Phantom;

namespace MriCs.Phantom.Tests;

public class GeneratorTests
{
    private static readonly PhantomOptions Options = new(Seed: 42, Sites: 3);

    [Fact]
    public void Same_seed_gives_identical_patients()
    {
        var a = PhantomGenerator.Patient(Options, 7);
        var b = PhantomGenerator.Patient(Options, 7);
        Assert.Equal(a.PatientId, b.PatientId);
        Assert.Equal(a.Slices.Select(s => s.Grade), b.Slices.Select(s => s.Grade));
        for (var i = 0; i < a.Slices.Count; i++)
        {
            Assert.Equal(a.Slices[i].Roi, b.Slices[i].Roi);
            Assert.Equal(a.Slices[i].Stored, b.Slices[i].Stored);
        }
    }

    [Fact]
    public void Different_seeds_give_different_images()
    {
        var a = PhantomGenerator.Patient(Options, 3).Slices[0];
        var b = PhantomGenerator.Patient(Options with { Seed = 43 }, 3).Slices[0];
        Assert.False(a.Width == b.Width && a.Stored.AsSpan().SequenceEqual(b.Stored));
    }

    [Fact]
    public void Plan_and_rendered_patient_agree()
    {
        var plan = PhantomGenerator.Plan(Options, 11);
        var patient = PhantomGenerator.Patient(Options, 11);
        Assert.Equal(plan.Slices.Select(s => (s.Grade, s.Roi)), patient.Slices.Select(s => (s.Grade, s.Roi)));
    }

    [Fact]
    public void Grades_are_mixed_and_worse_at_the_lower_levels()
    {
        var plans = Enumerable.Range(0, 600).Select(i => PhantomGenerator.Plan(Options, i)).ToList();
        var grades = plans.SelectMany(p => p.Slices).GroupBy(s => s.Grade).ToDictionary(g => g.Key, g => g.Count());
        var total = grades.Values.Sum();
        Assert.Equal(2400, total);
        foreach (var g in new[] { 0, 1, 2 })
        {
            var share = grades.GetValueOrDefault(g) / (double)total;
            Assert.InRange(share, 0.15, 0.6);
        }
        double Mean(SpinalLevel l) => plans.Average(p => p.Slices.Single(s => s.Level == l).Grade);
        Assert.True(Mean(SpinalLevel.C5C6) > Mean(SpinalLevel.C3C4) + 0.2, $"C5/6 {Mean(SpinalLevel.C5C6)} vs C3/4 {Mean(SpinalLevel.C3C4)}");
        // Patient-level correlation: a patient's levels agree more often than independent draws would.
        var older = plans.Where(p => p.AgeYears >= 65).Average(p => p.Slices.Average(s => s.Grade));
        var younger = plans.Where(p => p.AgeYears < 45).Average(p => p.Slices.Average(s => s.Grade));
        Assert.True(older > younger + 0.3, $"older {older} vs younger {younger}");
    }

    [Fact]
    public void Roi_boxes_lie_inside_the_image_and_contain_the_canal()
    {
        foreach (var plan in Enumerable.Range(0, 300).Select(i => PhantomGenerator.Plan(Options, i)))
        {
            foreach (var s in plan.Slices)
            {
                var g = s.Geometry;
                var box = s.Roi;
                Assert.InRange(box.X0, 0, g.Matrix - 1);
                Assert.InRange(box.Y0, 0, g.Matrix - 1);
                Assert.InRange(box.X1, box.X0 + 1, g.Matrix);
                Assert.InRange(box.Y1, box.Y0 + 1, g.Matrix);
                Assert.InRange(g.CanalColumn, box.X0, box.X1);
                Assert.InRange(g.CanalRow, box.Y0, box.Y1);
                // The canal (>= 2 x 6 mm wide) plus margin spans many pixels, but far less than the image.
                Assert.InRange(box.Width * g.PixelSpacingMm, 20, 45);
                Assert.True(box.Width * box.Height < 0.2 * g.Matrix * g.Matrix);
            }
        }
    }

    [Fact]
    public void The_grade_is_visible_as_CSF_in_front_of_and_behind_the_cord()
    {
        foreach (var plan in Enumerable.Range(0, 200).Select(i => PhantomGenerator.Plan(Options, i)))
        {
            foreach (var s in plan.Slices)
            {
                var a = s.Anatomy;
                var front = SliceRenderer.Signal(a, 0, a.CordCentreAp - a.CordSemiAp - 0.6);
                var back = SliceRenderer.Signal(a, 0, a.CordCentreAp + a.CordSemiAp + 0.6);
                var cord = SliceRenderer.Signal(a, 0, a.CordCentreAp);
                Assert.True(cord is SliceRenderer.Cord or SliceRenderer.CordOedema);
                if (s.Grade == 0)
                {
                    Assert.Equal(SliceRenderer.Csf, front);
                    Assert.Equal(SliceRenderer.Csf, back);
                }
                else
                {
                    Assert.NotEqual(SliceRenderer.Csf, front);
                    Assert.NotEqual(SliceRenderer.Csf, back);
                }
                if (s.Grade == 2) Assert.True(2 * a.CordSemiAp <= 0.75 * 2 * 4.1, "grade 2 cord is flattened");
                else Assert.False(a.CordHyperintensity);
            }
        }
    }

    [Fact]
    public void Images_have_the_planned_size_and_a_bright_canal()
    {
        var s = PhantomGenerator.Patient(Options, 5).Slices[2];
        Assert.Equal(s.Width * s.Height, s.Stored.Length);
        Assert.Contains(s.Width, new[] { 256, 320, 384, 448, 512 });
        var gray = s.ToGray8();
        // Outside the neck (a corner) is dark; the ROI holds bright CSF.
        Assert.True(gray[0] < 40);
        var max = 0;
        for (var y = s.Roi.Y0; y < s.Roi.Y1; y++)
            for (var x = s.Roi.X0; x < s.Roi.X1; x++)
                max = Math.Max(max, gray[y * s.Width + x]);
        Assert.True(max > 180, $"max in ROI {max}");
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PhantomGenerator.Plan(Options, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PhantomGenerator.Plan(Options with { Sites = 0 }, 0));
        var r = new PhantomRandom(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => PhantomGenerator.Anatomy(ref r, SpinalLevel.C3C4, 3));
    }
}
