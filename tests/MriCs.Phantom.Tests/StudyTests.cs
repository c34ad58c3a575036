using System.Diagnostics;
using System.Globalization;
using MriCs.Dicom;
using MriCs.Phantom.Studies;

namespace MriCs.Phantom.Tests;

public class StudyTests
{
    private static readonly PhantomOptions Options = new(Seed: 77, Sites: 2);

    private static IReadOnlyList<StudyFile> Study(int index = 0, StudyOptions? study = null) => PhantomStudy.Build(Options, index, study ?? new StudyOptions());

    private static string Desc(StudyFile f) => f.File.Dataset.GetRequiredString(DicomTag.SeriesDescription);

    [Fact]
    public void Key_image_study_has_four_graded_axial_T2_images_and_distractor_series()
    {
        var files = Study();
        var t2 = files.Where(f => Desc(f) == PhantomStudy.AxialT2Description).ToList();
        Assert.Equal(["C3/4", "C4/5", "C5/6", "C6/7"], t2.Select(f => f.File.Dataset.GetRequiredString(DicomTag.ImageComments)));
        Assert.All(t2, f => Assert.NotNull(f.Truth));
        Assert.Equal(new[] { "localizer", "t2_tse_sag", "t1_tse_tra" }.Order(), files.Select(Desc).Distinct().Where(d => d != PhantomStudy.AxialT2Description).Order());
        Assert.All(files.Where(f => Desc(f) != PhantomStudy.AxialT2Description), f => Assert.Null(f.Truth));
        var plan = PhantomGenerator.Plan(Options, 0);
        Assert.Equal(plan.Slices.Select(s => s.Grade), t2.Select(f => f.Truth!.Grade));
        Assert.Equal(plan.Slices.Select(s => s.Roi), t2.Select(f => f.Truth!.Roi));
    }

    [Fact]
    public void Identifiers_are_consistent_unique_and_well_formed()
    {
        var files = Study(3);
        var ds = files.Select(f => f.File.Dataset).ToList();
        Assert.Single(ds.Select(d => d.GetRequiredString(DicomTag.StudyInstanceUID)).Distinct());
        Assert.Single(ds.Select(d => d.GetRequiredString(DicomTag.PatientID)).Distinct());
        Assert.Single(ds.Select(d => d.GetRequiredString(DicomTag.FrameOfReferenceUID)).Distinct());
        Assert.StartsWith("PHANTOM", ds[0].GetRequiredString(DicomTag.PatientName));
        Assert.Equal(files.Count, ds.Select(d => d.GetRequiredString(DicomTag.SOPInstanceUID)).Distinct().Count());
        foreach (var series in ds.GroupBy(d => d.GetRequiredString(DicomTag.SeriesInstanceUID)))
        {
            Assert.Single(series.Select(d => d.GetInt(DicomTag.SeriesNumber)).Distinct());
            Assert.Equal(Enumerable.Range(1, series.Count()), series.Select(d => d.GetInt(DicomTag.InstanceNumber)).Order());
        }
        foreach (var uid in ds.SelectMany(d => new[] { DicomTag.StudyInstanceUID, DicomTag.SeriesInstanceUID, DicomTag.SOPInstanceUID }.Select(d.GetRequiredString)))
        {
            Assert.InRange(uid.Length, 6, 64);
            Assert.Matches(@"^2\.25\.[1-9][0-9]*$", uid);
        }
        Assert.NotEqual(Study(4)[0].File.Dataset.GetRequiredString(DicomTag.StudyInstanceUID), ds[0].GetRequiredString(DicomTag.StudyInstanceUID));
    }

    [Fact]
    public void Axial_geometry_puts_the_canal_centre_on_the_spine_axis_at_the_level()
    {
        foreach (var protocol in new[] { PhantomProtocol.KeyImages, PhantomProtocol.Slabs })
        {
            var plan = PhantomGenerator.Plan(Options, 1);
            foreach (var f in Study(1, new StudyOptions { Protocol = protocol }).Where(f => f.Truth is not null))
            {
                var d = f.File.Dataset;
                var slice = plan.Slices.Single(s => s.Level == f.Truth!.Level);
                var ipp = d.GetDoubles(DicomTag.ImagePositionPatient);
                var iop = d.GetDoubles(DicomTag.ImageOrientationPatient);
                var sp = d.GetDoubles(DicomTag.PixelSpacing);
                var c = slice.Geometry.CanalColumn - 0.5;
                var r = slice.Geometry.CanalRow - 0.5;
                var p = Enumerable.Range(0, 3).Select(k => ipp[k] + c * sp[1] * iop[k] + r * sp[0] * iop[3 + k]).ToArray();
                Assert.Equal(0, p[0], 1e-3);
                // Within the slab the centre moves along the slice normal only (tilt about x).
                var normal = new[] { iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5], iop[0] * iop[4] - iop[1] * iop[3] };
                var t = p[2] - SagittalRenderer.LevelZ(slice.Level);
                var along = Math.Abs(normal[2]) > 1e-9 ? t / normal[2] : 0;
                Assert.Equal(along * normal[1], p[1], 1e-3);
                Assert.True(Math.Abs(along) <= 3.5 * 2 + 1e-6, $"{along} mm off the disc");
                Assert.Equal(slice.Geometry.Matrix, d.GetInt(DicomTag.Rows));
                Assert.True(d.GetDouble(DicomTag.EchoTime) > 80 && d.GetDouble(DicomTag.RepetitionTime) > 2000, "T2 timing");
            }
        }
    }

    [Fact]
    public void Slabs_hold_three_to_five_slices_per_level()
    {
        var t2 = Study(2, new StudyOptions { Protocol = PhantomProtocol.Slabs }).Where(f => f.Truth is not null).ToList();
        foreach (var level in t2.GroupBy(f => f.Truth!.Level))
            Assert.InRange(level.Count(), 3, 5);
        Assert.Equal(4, t2.Select(f => f.Truth!.Level).Distinct().Count());
    }

    [Fact]
    public void Stack_is_one_continuous_series_with_one_graded_slice_per_disc()
    {
        var t2 = Study(6, new StudyOptions { Protocol = PhantomProtocol.Stack }).Where(f => Desc(f) == PhantomStudy.AxialT2Description).ToList();
        Assert.InRange(t2.Count, 25, 40);
        var z = t2.Select(f => f.File.Dataset.GetDoubles(DicomTag.ImagePositionPatient)[2]).ToList();
        for (var i = 1; i < z.Count; i++) Assert.Equal(-PhantomStudy.StackSpacingMm, z[i] - z[i - 1], 1e-3);
        Assert.Single(t2.Select(f => (f.File.Dataset.GetInt(DicomTag.Rows), f.File.Dataset.GetDoubles(DicomTag.PixelSpacing)[0])).Distinct());
        var graded = t2.Where(f => f.Truth is not null).ToList();
        Assert.Equal(SpinalLevels.All, graded.Select(f => f.Truth!.Level));
        var plan = PhantomGenerator.Plan(Options with { Levels = SpinalLevels.All }, 6);
        Assert.Equal(plan.Slices.Select(s => s.Grade), graded.Select(f => f.Truth!.Grade));
        // The study levels grade as in the key-image protocol of the same patient.
        var key = Study(6).Where(f => f.Truth is not null).Select(f => (f.Truth!.Level, f.Truth.Grade));
        Assert.Equal(key, graded.Where(f => SpinalLevels.Study.Contains(f.Truth!.Level)).Select(f => (f.Truth!.Level, f.Truth.Grade)));
        Assert.All(t2.Where(f => f.Truth is null), f => Assert.False(f.File.Dataset.Contains(DicomTag.ImageComments)));
    }

    [Fact]
    public void Files_round_trip_and_carry_the_rendered_pixels()
    {
        var plan = PhantomGenerator.Plan(Options, 0);
        var f = Study().First(f => f.Truth is { Level: SpinalLevel.C5C6 });
        var read = DicomFile.Read(f.File.ToBytes());
        var d = read.Dataset;
        Assert.Equal("MR", d.GetRequiredString(DicomTag.Modality));
        Assert.Equal(PhantomStudy.MrImageStorage, d.GetRequiredString(DicomTag.SOPClassUID));
        var s = plan.Slices.Single(x => x.Level == SpinalLevel.C5C6);
        var image = SliceRenderer.Render(s.Level, s.Grade, s.Anatomy, s.Geometry, s.NoiseSeed);
        var bytes = d.GetBytes(DicomTag.PixelData).ToArray();
        var stored = new ushort[bytes.Length / 2];
        Buffer.BlockCopy(bytes, 0, stored, 0, bytes.Length);
        Assert.Equal(image.Stored, stored);
        Assert.Equal(image.ToGray8(), Voi.Apply(stored, d.GetDouble(DicomTag.WindowCenter), d.GetDouble(DicomTag.WindowWidth)));
    }

    [Fact]
    public void Studies_are_deterministic_and_the_level_tag_is_configurable()
    {
        var a = Study(5).Select(f => f.File.ToBytes()).ToList();
        var b = Study(5).Select(f => f.File.ToBytes()).ToList();
        Assert.Equal(a, b);
        var custom = Study(5, new StudyOptions { LevelTag = DicomTag.ProtocolName, Distractors = false });
        Assert.All(custom, f => Assert.NotNull(f.Truth));
        Assert.Equal(["C3/4", "C4/5", "C5/6", "C6/7"], custom.Select(f => f.File.Dataset.GetRequiredString(DicomTag.ProtocolName)));
    }

    [Fact]
    public void Written_studies_pass_dciodvfy_dcmdump_and_pydicom()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mrics-phantom-study-" + Guid.NewGuid().ToString("N"));
        try
        {
            var count = PhantomStudy.Write(dir, Options, 2, new StudyOptions { Protocol = PhantomProtocol.Slabs });
            var files = Directory.GetFiles(dir, "*.dcm", SearchOption.AllDirectories);
            Assert.Equal(count, files.Length);
            var labels = File.ReadAllLines(Path.Combine(dir, "labels.csv"));
            Assert.Equal(PhantomStudy.CsvHeader, labels[0]);
            Assert.All(labels.Skip(1), l => Assert.True(File.Exists(Path.Combine(dir, l.Split(',')[^1]))));
            foreach (var f in files.Where((_, i) => i % 3 == 0))
            {
                var (rc, output) = Run("dciodvfy", f);
                Assert.True(rc == 0, $"dciodvfy {Path.GetRelativePath(dir, f)} exit {rc}: {output}");
                Assert.DoesNotContain("Error", output, StringComparison.Ordinal);
                Assert.Contains("MRImage", output, StringComparison.Ordinal);
                var (drc, dump) = Run("dcmdump", f);
                Assert.Equal(0, drc);
                Assert.Contains("(0008,0060) CS [MR]", dump, StringComparison.Ordinal);
            }
            // pydicom: every graded file decodes to the ROI-bearing image and names its level.
            var script = "import csv,sys,pydicom\n" +
                         "rows=list(csv.DictReader(open(sys.argv[1]+'/labels.csv')))\n" +
                         "for r in rows:\n" +
                         "  d=pydicom.dcmread(sys.argv[1]+'/'+r['file']); a=d.pixel_array\n" +
                         "  assert d.SOPInstanceUID==r['sop_instance_uid'] and d.ImageComments==r['level'], r['file']\n" +
                         "  assert 0<=int(r['roi_x0'])<int(r['roi_x1'])<=d.Columns and 0<=int(r['roi_y0'])<int(r['roi_y1'])<=d.Rows\n" +
                         "  assert a.max()<4096 and a.shape==(d.Rows,d.Columns)\n" +
                         "print(len(rows))\n";
            var scriptPath = Path.Combine(dir, "check.py");
            File.WriteAllText(scriptPath, script);
            var (prc, pout) = Run("/usr/bin/python3", scriptPath + " " + dir);
            Assert.True(prc == 0, "pydicom check failed: " + pout);
            Assert.Equal((labels.Length - 1).ToString(CultureInfo.InvariantCulture), pout.Trim());
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    private static (int ExitCode, string Output) Run(string program, string arguments)
    {
        var psi = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException($"{program} did not finish"); }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
