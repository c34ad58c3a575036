using System.Collections.Immutable;
using MriCs.Actors.Aggregation;
using MriCs.Actors.Protocol;
using MriCs.Actors.Results;
using MriCs.Actors.Studies;
using static MriCs.Actors.Tests.TestData;

namespace MriCs.Actors.Tests;

public class DiscLevelTests
{
    [Theory]
    [InlineData("C3/4", "C3/4")]
    [InlineData("level C4-5 axial", "C4/5")]
    [InlineData("C5-C6", "C5/6")]
    [InlineData("c6_c7", "C6/7")]
    [InlineData("C34", "C3/4")]
    [InlineData("C7/T1", "C7/T1")]
    [InlineData("C2/3", "C2/3")]
    [InlineData("C3/5", null)]
    [InlineData("T1", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Parses_level_labels(string? text, string? expected) => Assert.Equal(expected, DiscLevels.Parse(text));
}

public class StudyAssemblyTests
{
    private static readonly AssemblyRules Rules = new();

    [Fact]
    public void Key_images_with_labels_give_one_slice_per_level()
    {
        var plan = StudyAssembly.Plan("1.2", KeyImages("1.2"), Rules);
        Assert.Null(plan.NoRecommendationReason);
        Assert.Equal(LevelSources.Explicit, plan.LevelSource);
        Assert.Equal(DiscLevels.Graded, plan.Slices.Select(s => s.Level));
        Assert.Equal(["1.2.1", "1.2.2", "1.2.3", "1.2.4"], plan.Slices.Select(s => s.SopInstanceUid));
        Assert.Empty(plan.Missing);
    }

    [Fact]
    public void A_missing_level_is_listed_with_a_reason()
    {
        var images = KeyImages("1.2").Where(i => i.LevelLabel != "C5/6").ToList();
        var plan = StudyAssembly.Plan("1.2", images, Rules);
        Assert.Equal(3, plan.Slices.Count);
        var note = Assert.Single(plan.Missing);
        Assert.Equal("C5/6", note.Level);
        Assert.Contains("no image labelled C5/6", note.Reason);
    }

    [Fact]
    public void Several_images_at_one_level_pick_the_middle_one()
    {
        var images = new[] { Header("s", "a", "C3/4", z: 10), Header("s", "b", "C3/4", z: 8), Header("s", "c", "C3/4", z: 6) };
        var plan = StudyAssembly.Plan("s", images, Rules);
        Assert.Equal("b", Assert.Single(plan.Slices).SopInstanceUid);
    }

    [Fact]
    public void A_sagittal_or_non_MR_or_T1_study_gets_no_slices_and_a_reason()
    {
        var sag = StudyAssembly.Plan("s", [Header("s", "a", orientation: Sagittal)], Rules);
        Assert.Empty(sag.Slices);
        Assert.Contains("not axial", sag.NoRecommendationReason);

        var ct = StudyAssembly.Plan("s", [Header("s", "a", modality: "CT")], Rules);
        Assert.Contains("modality CT is not MR", ct.NoRecommendationReason);

        var t1 = StudyAssembly.Plan("s", [Header("s", "a", description: "t1_tse_tra") with { EchoTime = 10, RepetitionTime = 500 }], Rules);
        Assert.Contains("not T2", t1.NoRecommendationReason);
    }

    [Fact]
    public void T2_is_recognised_by_timing_when_the_description_is_silent()
    {
        var h = Header("s", "a", "C3/4", description: null);
        Assert.True(StudyAssembly.IsT2(h, Rules));
        Assert.False(StudyAssembly.IsT2(h with { EchoTime = 12 }, Rules));
    }

    [Fact]
    public void The_labelled_axial_T2_series_wins_over_an_unlabelled_one()
    {
        var images = KeyImages("s").Concat(Enumerable.Range(0, 10).Select(k => Header("s", $"x{k}", series: "s2", z: k))).ToList();
        var plan = StudyAssembly.Plan("s", images, Rules);
        Assert.Equal("s.s1", plan.SeriesUid);
        Assert.Equal(4, plan.Slices.Count);
    }

    private static double[] Tilted(double degrees)
    {
        var a = degrees * Math.PI / 180;
        return [1, 0, 0, 0, Math.Cos(a), Math.Sin(a)];
    }

    [Fact]
    public void Four_angled_slabs_are_labelled_C3_4_to_C6_7_from_head_to_feet()
    {
        var images = new List<InstanceHeader>();
        var angles = new[] { 8.0, 0.0, -6.0, -12.0 };
        for (var s = 0; s < 4; s++)
            for (var k = 0; k < 3; k++)
                images.Add(Header("s", $"slab{s}-{k}", orientation: Tilted(angles[s]), z: -20 * s - 3 * k));
        var plan = StudyAssembly.Plan("s", images, Rules);
        Assert.Equal(LevelSources.Slabs, plan.LevelSource);
        Assert.Equal(DiscLevels.Graded, plan.Slices.Select(s => s.Level));
        Assert.Equal(["slab0-1", "slab1-1", "slab2-1", "slab3-1"], plan.Slices.Select(s => s.SopInstanceUid));
    }

    [Fact]
    public void Six_slabs_drop_C2_3_and_C7_T1()
    {
        var images = new List<InstanceHeader>();
        for (var s = 0; s < 6; s++)
            for (var k = 0; k < 3; k++)
                images.Add(Header("s", $"slab{s}-{k}", z: -25 * s - 3 * k));
        var plan = StudyAssembly.Plan("s", images, Rules);
        Assert.Equal(["slab1-1", "slab2-1", "slab3-1", "slab4-1"], plan.Slices.Select(s => s.SopInstanceUid));
    }

    [Fact]
    public void A_continuous_stack_is_graded_with_unknown_levels()
    {
        var images = Enumerable.Range(0, 20).Select(k => Header("s", $"i{k:00}", z: -3 * k)).ToList();
        var plan = StudyAssembly.Plan("s", images, Rules);
        Assert.Equal(LevelSources.Unlabelled, plan.LevelSource);
        Assert.Equal(20, plan.Slices.Count);
        Assert.All(plan.Slices, s => Assert.Equal(DiscLevels.Unknown, s.Level));
        Assert.Equal(4, plan.Missing.Count);
    }

    [Fact]
    public void Sidecar_levels_override_missing_labels()
    {
        var images = KeyImages("s").Select(i => i with { LevelLabel = null }).ToList();
        var sidecar = images.Select((i, k) => (i.SopInstanceUid, DiscLevels.Graded[k])).ToDictionary(x => x.SopInstanceUid, x => x.Item2);
        var plan = StudyAssembly.Plan("s", images, Rules, sidecar);
        Assert.Equal(LevelSources.Sidecar, plan.LevelSource);
        Assert.Equal(4, plan.Slices.Count);
    }

    [Fact]
    public void Sidecar_file_errors_name_the_line()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mrics-sidecar-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "sop_instance_uid,level\n1.2.3,C3/4\n1.2.4,C9/9\n");
        try
        {
            var ex = Assert.Throws<FormatException>(() => StudyAssembly.ReadSidecar(path));
            Assert.Contains("line 3", ex.Message);
        }
        finally { File.Delete(path); }
    }
}

public class FusionTests
{
    private static readonly ModelVote[] Votes =
    [
        new("a", 1, [0.6f, 0.3f, 0.1f]),
        new("b", 2, [0.5f, 0.1f, 0.4f]),
        new("c", 3, [0.1f, 0.2f, 0.7f]),
    ];

    [Fact]
    public void Mean_majority_and_most_severe()
    {
        var (mean, p) = Fusion.Fuse(Votes, FusionMode.Mean);
        Assert.Equal(0, mean); // mean = (0.4, 0.2, 0.4): first maximum
        Assert.Equal(0.4f, p[0], 5);
        Assert.Equal(0, Fusion.Fuse(Votes, FusionMode.Majority).Grade);
        Assert.Equal(2, Fusion.Fuse(Votes, FusionMode.MostSevere).Grade);
    }

    [Fact]
    public void Disagreement_is_a_binary_split_or_a_span_of_two()
    {
        Assert.True(Fusion.Disagree(Votes));
        Assert.False(Fusion.Disagree([new ModelVote("a", 1, OneHot(1)), new ModelVote("b", 2, OneHot(2))]));
        Assert.True(Fusion.Disagree([new ModelVote("a", 1, OneHot(0)), new ModelVote("b", 2, OneHot(1))]));
    }

    [Fact]
    public void Parse_rejects_unknown_modes() => Assert.Throws<ArgumentException>(() => Fusion.Parse("median"));
}

public class StudyStateTests
{
    private static StudyPlan Plan(string study = "1.9") => StudyAssembly.Plan(study, KeyImages(study), new AssemblyRules());

    private static StudyState Run(StudyState s, IMriCsMessage command, out IReadOnlyList<IMriCsMessage> events)
    {
        events = s.Decide(command, FusionMode.Mean);
        foreach (var e in events) s = s.Apply(e);
        return s;
    }

    [Fact]
    public void Opening_twice_and_recording_twice_yield_no_new_events()
    {
        var s = Run(StudyState.Empty("1.9"), new OpenStudy(Plan()), out var e1);
        Assert.IsType<StudyOpened>(Assert.Single(e1));
        Run(s, new OpenStudy(Plan()), out var e2);
        Assert.Empty(e2);
        s = Run(s, new RecordSliceResult("1.9", Graded("C3/4", "1.9.1", 0, 0)), out var e3);
        Assert.Single(e3);
        Run(s, new RecordSliceResult("1.9", Graded("C3/4", "1.9.1", 2, 2)), out var e4);
        Assert.Empty(e4);
        Assert.Equal(0, s.Results["1.9.1"].Votes[0].Grade);
    }

    [Fact]
    public void The_last_slice_issues_the_recommendation_at_the_most_severe_level()
    {
        var s = Run(StudyState.Empty("1.9"), new OpenStudy(Plan()), out _);
        var grades = new[] { 0, 1, 2, 1 };
        IReadOnlyList<IMriCsMessage> events = [];
        for (var i = 0; i < 4; i++) s = Run(s, new RecordSliceResult("1.9", Graded(DiscLevels.Graded[i], $"1.9.{i + 1}", grades[i], grades[i])), out events);
        var issued = Assert.IsType<RecommendationIssued>(events[^1]);
        var r = issued.Recommendation;
        Assert.Equal(2, r.Grade);
        Assert.True(r.SurgeryConsidered);
        Assert.Equal("C5/6", r.DecidingLevel);
        Assert.False(r.FlaggedForReview);
        Assert.Equal(2, r.Versions.Count);
        Assert.All(r.Versions, v => Assert.Equal(2, v.Grade));
        Assert.Contains("grade 2 at C5/6", r.Explanation);
        Assert.Contains("(10,20)-(50,60)", r.Explanation);
        Assert.Equal(TestData.ModelSet, r.ModelSet);
        // A late duplicate after the recommendation changes nothing.
        Run(s, new RecordSliceResult("1.9", Graded("C3/4", "1.9.1", 2, 2)), out var late);
        Assert.Empty(late);
    }

    [Fact]
    public void Missing_levels_and_no_roi_are_explained_and_disagreement_flags_review()
    {
        var plan = StudyAssembly.Plan("s", KeyImages("s").Where(i => i.LevelLabel != "C6/7").ToList(), new AssemblyRules());
        var results = ImmutableDictionary<string, SliceReport>.Empty
            .Add("s.1", Graded("C3/4", "s.1", 0, 1))
            .Add("s.2", new SliceReport("C4/5", "s.2", SliceOutcomes.NoRoi, null, null, [], "no ROI found", TestData.ModelSet))
            .Add("s.3", Graded("C5/6", "s.3", 0, 0));
        var r = StudyState.Recommend(plan, results, FusionMode.Mean);
        Assert.NotNull(r.Grade);
        Assert.True(r.FlaggedForReview);
        Assert.Contains(r.ReviewReasons, x => x.Contains("models disagree at C3/4"));
        Assert.Contains(r.ReviewReasons, x => x.Contains("2 of 4 levels"));
        Assert.Equal("no ROI found", r.Levels.Single(l => l.Level == "C4/5").Reason);
        Assert.Equal("missing", r.Levels.Single(l => l.Level == "C6/7").Outcome);
        Assert.Contains("C6/7", r.Explanation);
    }

    [Fact]
    public void A_study_without_slices_gets_no_recommendation_at_once()
    {
        var plan = StudyAssembly.Plan("s", [Header("s", "a", modality: "CT")], new AssemblyRules());
        var events = StudyState.Empty("s").Decide(new OpenStudy(plan), FusionMode.Mean);
        var r = Assert.IsType<RecommendationIssued>(events[^1]).Recommendation;
        Assert.Null(r.Grade);
        Assert.Null(r.SurgeryConsidered);
        Assert.Contains("not a cervical axial T2 MR study", r.Reason);
    }
}

public class ResultsExportTests
{
    [Fact]
    public void Csv_has_a_row_per_level_and_model_plus_the_patient_row()
    {
        var plan = StudyAssembly.Plan("s", KeyImages("s", patient: "PX").Where(i => i.LevelLabel != "C6/7").ToList(), new AssemblyRules());
        var results = plan.Slices.ToImmutableDictionary(p => p.SopInstanceUid, p => Graded(p.Level, p.SopInstanceUid, 1, 2));
        var r = StudyState.Recommend(plan, results, FusionMode.Mean);
        var rows = ResultsExport.Rows(r).ToList();
        Assert.Equal(4 * 3 + 1, rows.Count); // 4 levels x (2 models + ensemble) + patient
        var patient = rows[^1];
        Assert.Equal(new string?[] { "PX", "s", "patient", "ensemble" }, patient[..4]);
        Assert.Equal("1", patient[4]); // mean (0.1, 0.45, 0.45): an exact tie goes to the first (lower) grade
        var missing = rows.Where(x => x[2] == "C6/7").ToList();
        Assert.All(missing, x => Assert.Null(x[4]));
        Assert.All(missing, x => Assert.Contains("no image labelled", x[9]));
        Assert.Contains(rows, x => x[2] == "C3/4" && x[3] == "dl-v2" && x[4] == "2");

        var sw = new StringWriter();
        ResultsExport.WriteCsv(sw, [r]);
        var lines = sw.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', ResultsExport.Columns), lines[0].TrimEnd('\r'));
        Assert.Equal(14, lines.Length);
    }

    [Fact]
    public void Cells_with_commas_and_quotes_are_quoted() =>
        Assert.Equal("\"a, \"\"b\"\"\"", ResultsExport.Cell("a, \"b\""));
}

public class IngestFolderTests
{
    [Fact]
    public void A_sidecar_labels_the_levels_and_bad_files_are_reported_not_dropped()
    {
        using var tmp = new TempDir();
        for (var i = 0; i < 4; i++) Write(tmp.Path, Header("7.1", $"7.1.{i}", level: null, z: -20 * i), 0);
        File.WriteAllText(Path.Combine(tmp.Path, Actors.IngestActor.SidecarFileName), "sop_instance_uid,level\n7.1.0,C3-4\n7.1.1,C4/5\n7.1.2,C5-C6\n7.1.3,C6/7\n");
        File.WriteAllBytes(Path.Combine(tmp.Path, "garbage.bin"), [1, 2, 3]);
        var (headers, rejected) = Actors.IngestActor.ReadFolder(tmp.Path, new FakeReader());
        Assert.Equal(["C3/4", "C4/5", "C5/6", "C6/7"], headers.OrderBy(h => h.SopInstanceUid).Select(h => h.LevelLabel));
        Assert.Equal("garbage.bin", Path.GetFileName(Assert.Single(rejected).Path));
        var plan = StudyAssembly.Plan("7.1", headers, new AssemblyRules());
        Assert.Equal(4, plan.Slices.Count);
    }
}
