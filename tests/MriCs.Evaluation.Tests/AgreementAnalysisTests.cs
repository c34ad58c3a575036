using MriCs.Evaluation.Analysis;
using MriCs.Evaluation.Input;
using MriCs.Evaluation.Statistics;

namespace MriCs.Evaluation.Tests;

public class AgreementAnalysisTests
{
    private static InputTable<PredictionRow> P(string text) => EvaluationCsv.ReadPredictions(new StringReader(text), "pred.csv");

    private static InputTable<ReferenceRow> R(string text) => EvaluationCsv.ReadReferences(new StringReader(text), "ref.csv");

    private static readonly AgreementOptions Fast = new() { BootstrapReplicates = 200 };

    [Fact]
    public void Image_and_patient_cells_follow_from_the_rows_by_hand()
    {
        // Patient A: model (2,0,1,0) vs truth (2,0,0,0); patient B: model (0,0,0,1) vs truth (0,0,0,0);
        // patient C: model (1,1,2,2) vs truth (1,2,2,2).
        var pred = "patient_id,level,model,grade\n" +
                   "A,C3/4,m,2\nA,C4/5,m,0\nA,C5/6,m,1\nA,C6/7,m,0\n" +
                   "B,C3/4,m,0\nB,C4/5,m,0\nB,C5/6,m,0\nB,C6/7,m,1\n" +
                   "C,C3/4,m,1\nC,C4/5,m,1\nC,C5/6,m,2\nC,C6/7,m,2\n";
        var refs = "patient_id,level,grade\n" +
                   "A,C3/4,2\nA,C4/5,0\nA,C5/6,0\nA,C6/7,0\n" +
                   "B,C3/4,0\nB,C4/5,0\nB,C5/6,0\nB,C6/7,0\n" +
                   "C,C3/4,1\nC,C4/5,2\nC,C5/6,2\nC,C6/7,2\n";
        var report = AgreementAnalysis.Run(P(pred), R(refs), Fast);

        var image = report.Overall(AnalysisUnit.Image)!;
        Assert.Equal(("m", "reference", 12L, 3), (image.A, image.B, image.N, image.Patients));
        // Rows = model, columns = reference.
        Assert.Equal(new long[] { 5, 0, 0, 2, 1, 1, 0, 0, 3 }, image.ThreeClassMatrix.ToArray());
        Assert.Equal(9.0 / 12, image.PercentAgreement!.Value, 12);
        Assert.Equal(CohenKappa.Compute(new ConfusionMatrix(3, [5, 0, 0, 2, 1, 1, 0, 0, 3])).Kappa!.Value, image.ThreeClass.Estimate.Kappa!.Value, 12);
        Assert.Equal(new long[] { 5, 0, 2, 5 }, image.BinaryMatrix.ToArray());

        // Patients: max grades model (2, 1, 2) vs reference (2, 0, 2).
        var patient = report.Overall(AnalysisUnit.Patient)!;
        Assert.Equal((3L, 3), (patient.N, patient.Patients));
        Assert.Equal(new long[] { 0, 0, 0, 1, 0, 0, 0, 0, 2 }, patient.ThreeClassMatrix.ToArray());

        var c56 = report.Find(AnalysisUnit.Image, "m", "reference", new Stratum(DiscLevel.C5C6, null))!;
        Assert.Equal(new long[] { 1, 0, 0, 1, 0, 0, 0, 0, 1 }, c56.ThreeClassMatrix.ToArray());
        Assert.Empty(report.Comparisons);
        Assert.Equal(0, report.Coverage.PredictionsWithoutReference + report.Coverage.ReferencesWithoutPrediction);
    }

    [Fact]
    public void Per_level_and_per_site_cells_partition_the_overall_cell()
    {
        var d = Synthetic.Make(40, 1, new Dictionary<string, double> { ["v1"] = 0.7, ["ensemble"] = 0.8 },
            new Dictionary<string, double> { ["s1"] = 0.9 }, ["north", "south", "east"]);
        var report = AgreementAnalysis.Run(d.Predictions, d.References, Fast);
        Assert.Equal("ensemble", report.PrimaryModel);
        Assert.Equal("s1", report.PrimaryTarget);
        Assert.Equal(["east", "north", "south"], report.Sites);
        foreach (var unit in new[] { AnalysisUnit.Image, AnalysisUnit.Patient })
            foreach (var m in report.Models)
            {
                var all = report.Find(unit, m, "s1")!.ThreeClassMatrix.ToArray();
                var bySite = report.Sites.Select(s => report.Find(unit, m, "s1", new Stratum(null, s))!.ThreeClassMatrix.ToArray())
                    .Aggregate(new long[9], (acc, x) => acc.Zip(x, (p, q) => p + q).ToArray());
                Assert.Equal(all, bySite);
                if (unit == AnalysisUnit.Image)
                {
                    var byLevel = DiscLevels.All.Select(l => report.Find(unit, m, "s1", new Stratum(l, null))!.ThreeClassMatrix.ToArray())
                        .Aggregate(new long[9], (acc, x) => acc.Zip(x, (p, q) => p + q).ToArray());
                    Assert.Equal(all, byLevel);
                }
            }
        Assert.Null(report.Find(AnalysisUnit.Patient, "v1", "s1", new Stratum(DiscLevel.C3C4, null)));
    }

    [Fact]
    public void Consensus_is_the_strict_majority_and_ties_are_left_out()
    {
        var pred = "patient_id,level,model,grade\nA,C3/4,m,1\nA,C4/5,m,2\nB,C3/4,m,0\n";
        var refs = "patient_id,level,rater,grade\n" +
                   "A,C3/4,s1,1\nA,C3/4,s2,1\nA,C3/4,s3,0\n" +   // majority 1
                   "A,C4/5,s1,2\nA,C4/5,s2,0\nA,C4/5,s3,1\n" +   // no majority
                   "B,C3/4,s1,0\nB,C3/4,s2,2\n";                // tie of two
        var report = AgreementAnalysis.Run(P(pred), R(refs), Fast);
        Assert.Equal(AgreementReport.Consensus, report.PrimaryTarget);
        Assert.Equal(2, report.Coverage.ImagesWithoutConsensus);
        var c = report.Overall(AnalysisUnit.Image)!;
        Assert.Equal(1, c.N);
        Assert.Equal(1, c.ThreeClassMatrix[1, 1]);
        Assert.False(c.ThreeClass.Estimate.IsDefined); // one item, one class: kappa undefined
        Assert.Contains(report.Cells, x => x.Kind == ComparisonKind.RaterVsRater && x.A == "s1" && x.B == "s3");
        Assert.Equal(3, report.Cells.Count(x => x.Kind == ComparisonKind.RaterVsRater && x.Unit == AnalysisUnit.Image && x.Stratum.IsAll));
    }

    [Fact]
    public void Unmatched_rows_are_counted_and_listed_or_rejected_when_complete_is_required()
    {
        var pred = "patient_id,level,model,grade\nA,C3/4,m,1\nA,C4/5,m,1\nZ,C3/4,m,1\n";
        var refs = "patient_id,level,grade\nA,C3/4,1\nA,C4/5,2\nA,C5/6,0\n";
        var report = AgreementAnalysis.Run(P(pred), R(refs), Fast);
        Assert.Equal(1, report.Coverage.PredictionsWithoutReference);
        Assert.Equal(1, report.Coverage.ReferencesWithoutPrediction);
        Assert.Equal([("pred.csv", 4), ("ref.csv", 4)], report.Coverage.Listed.Select(u => (u.File, u.Line)));
        Assert.Equal(2, report.Overall(AnalysisUnit.Image)!.N);

        var e = Assert.Throws<EvaluationInputException>(() =>
            AgreementAnalysis.Run(P(pred), R(refs), Fast with { RequireComplete = true }));
        Assert.Equal(("pred.csv", 4), (e.File, e.Line));
    }

    [Fact]
    public void Site_conflicts_between_the_files_name_both_lines()
    {
        var e = Assert.Throws<EvaluationInputException>(() => AgreementAnalysis.Run(
            P("patient_id,level,model,grade,site\nA,C3/4,m,1,north\n"),
            R("patient_id,level,grade,site\nA,C3/4,1,south\n"), Fast));
        Assert.Equal(("ref.csv", 2), (e.File, e.Line));
        Assert.Contains("pred.csv line 2", e.Message);
    }

    [Fact]
    public void A_model_named_like_a_rater_is_rejected()
    {
        var e = Assert.Throws<EvaluationInputException>(() => AgreementAnalysis.Run(
            P("patient_id,level,model,grade\nA,C3/4,reference,1\n"), R("patient_id,level,grade\nA,C3/4,1\n"), Fast));
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void Bootstrap_is_reproducible_by_seed_and_changes_with_it()
    {
        var d = Synthetic.Make(30, 2, new Dictionary<string, double> { ["v1"] = 0.75 }, new Dictionary<string, double> { ["s"] = 1.0 });
        BootstrapInterval Ci(ulong seed) =>
            AgreementAnalysis.Run(d.Predictions, d.References, Fast with { Seed = seed }).Overall(AnalysisUnit.Image)!.ThreeClass.Bootstrap!;
        Assert.Equal(Ci(7), Ci(7));
        Assert.NotEqual(Ci(7), Ci(8));
        var cell = AgreementAnalysis.Run(d.Predictions, d.References, Fast).Overall(AnalysisUnit.Image)!;
        Assert.InRange(cell.ThreeClass.Estimate.Kappa!.Value, cell.ThreeClass.Bootstrap!.Low, cell.ThreeClass.Bootstrap.High);
        Assert.Equal(200, cell.ThreeClass.Bootstrap.Replicates);
    }

    [Fact]
    public void The_whole_report_is_reproducible_although_cells_run_in_parallel()
    {
        var d = Synthetic.Make(40, 12, new Dictionary<string, double> { ["v1"] = 0.7, ["v2"] = 0.6, ["ensemble"] = 0.8 },
            new Dictionary<string, double> { ["s1"] = 0.9, ["s2"] = 0.85 }, ["north", "south"]);
        string Json() => MriCs.Evaluation.Reporting.JsonReport.Render(AgreementAnalysis.Run(d.Predictions, d.References, Fast), AnalysisUnit.Image);
        Assert.Equal(Json(), Json());
    }

    [Fact]
    public void Clustered_pairs_group_consecutive_patients_and_paired_bootstrap_needs_equal_layouts()
    {
        var a = ClusteredPairs.FromOrdered(new[] { ("p", 0, 0), ("p", 1, 2), ("q", 2, 2) });
        Assert.Equal([0, 2, 3], a.Offsets);
        Assert.Equal(new byte[] { 0, 5, 8 }, a.Cells);
        var b = ClusteredPairs.FromOrdered(new[] { ("p", 0, 0), ("q", 1, 2), ("q", 2, 2) });
        Assert.Throws<ArgumentException>(() => ClusterBootstrap.PairedDifferences(a, b, 10, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClusteredPairs.FromOrdered(new[] { ("p", 3, 0) }));
    }

    [Fact]
    public void Generator_is_uniform_enough_and_fixed_by_seed()
    {
        var g1 = new Xoshiro256(42);
        var g2 = new Xoshiro256(42);
        Assert.Equal(Enumerable.Range(0, 10).Select(_ => g1.NextUInt64()), Enumerable.Range(0, 10).Select(_ => g2.NextUInt64()));
        var counts = new int[7];
        var g = new Xoshiro256(7);
        for (var i = 0; i < 70_000; i++) counts[g.NextInt(7)]++;
        var chi2 = counts.Sum(c => (c - 10_000.0) * (c - 10_000.0) / 10_000.0);
        Assert.True(chi2 < 22.5, $"chi-square {chi2} with 6 degrees of freedom (p < 0.001 above 22.46)");
    }

    [Fact]
    public void Patient_bootstrap_interval_width_matches_the_asymptotic_one_for_independent_patients()
    {
        // At the patient unit items are independent, so the two intervals estimate the same spread.
        var d = Synthetic.Make(1500, 3, new Dictionary<string, double> { ["v1"] = 0.7 }, new Dictionary<string, double> { ["s"] = 1.0 });
        var cell = AgreementAnalysis.Run(d.Predictions, d.References, new AgreementOptions { BootstrapReplicates = 2000, Units = [AnalysisUnit.Patient] })
            .Overall(AnalysisUnit.Patient)!;
        foreach (var k in new[] { cell.ThreeClass, cell.Linear, cell.Quadratic, cell.Binary })
        {
            var asym = k.Estimate.AsymptoticCi!.Value;
            var ratio = (k.Bootstrap!.High - k.Bootstrap.Low) / (asym.High - asym.Low);
            Assert.InRange(ratio, 0.85, 1.15);
        }
    }

    [Fact]
    public void Image_bootstrap_widens_when_images_of_a_patient_are_correlated()
    {
        // Each patient's four levels share one grade and one model error: the images are 4 copies,
        // so the honest interval is about twice (sqrt 4) the naive per-image one.
        var rng = new Random(9);
        var pred = new System.Text.StringBuilder("patient_id,level,model,grade\n");
        var refs = new System.Text.StringBuilder("patient_id,level,grade\n");
        for (var p = 0; p < 400; p++)
        {
            var truth = rng.Next(3);
            var model = rng.NextDouble() < 0.7 ? truth : rng.Next(3);
            foreach (var l in DiscLevels.All)
            {
                pred.Append($"P{p},{l.Label()},m,{model}\n");
                refs.Append($"P{p},{l.Label()},{truth}\n");
            }
        }
        var cell = AgreementAnalysis.Run(P(pred.ToString()), R(refs.ToString()), new AgreementOptions { BootstrapReplicates = 1000, Units = [AnalysisUnit.Image] })
            .Overall(AnalysisUnit.Image)!;
        var asym = cell.ThreeClass.Estimate.AsymptoticCi!.Value;
        var ratio = (cell.ThreeClass.Bootstrap!.High - cell.ThreeClass.Bootstrap.Low) / (asym.High - asym.Low);
        Assert.InRange(ratio, 1.7, 2.3);
    }

    [Fact]
    public void Comparisons_of_identical_models_are_exactly_zero_and_surgeon_comparisons_exist()
    {
        var d = Synthetic.Make(25, 4, new Dictionary<string, double> { ["v1"] = 0.7 }, new Dictionary<string, double> { ["s1"] = 0.9, ["s2"] = 0.9 });
        // Copy v1 as v2.
        var rows = d.Predictions.Rows.Concat(d.Predictions.Rows.Select(r => r with { Model = "v2" })).ToList();
        var report = AgreementAnalysis.Run(new InputTable<PredictionRow>("pred.csv", rows), d.References, Fast);
        var same = report.Comparisons.Single(c => c.Unit == AnalysisUnit.Image && c.FirstA == "v1" && c.SecondA == "v2");
        Assert.Equal(0.0, same.ThreeClassDelta!.Value, 15);
        Assert.Equal((0.0, 0.0), (same.ThreeClassDifference!.Low, same.ThreeClassDifference.High));
        var vsSurgeon = report.Comparisons.Single(c => c.Unit == AnalysisUnit.Patient && c.FirstA == "v1" && c.FirstB == "s1" && c.SecondA == "s2");
        Assert.Equal(report.Find(AnalysisUnit.Patient, "v1", "s1")!.ThreeClass.Estimate.Kappa, vsSurgeon.ThreeClassFirst);
        // kappa(s2, s1) is kappa(s1, s2) up to rounding (symmetry).
        Assert.Equal(report.Find(AnalysisUnit.Patient, "s1", "s2")!.ThreeClass.Estimate.Kappa!.Value, vsSurgeon.ThreeClassSecond!.Value, 12);
    }

    [Fact]
    public void Perfect_agreement_gives_one_everywhere_and_one_class_only_is_reported_undefined()
    {
        var pred = "patient_id,level,model,grade\nA,C3/4,m,0\nA,C4/5,m,1\nB,C3/4,m,2\nB,C4/5,m,0\n";
        var refs = "patient_id,level,grade\nA,C3/4,0\nA,C4/5,1\nB,C3/4,2\nB,C4/5,0\n";
        var c = AgreementAnalysis.Run(P(pred), R(refs), Fast).Overall(AnalysisUnit.Image)!;
        Assert.All(new[] { c.ThreeClass, c.Linear, c.Quadratic, c.Binary }, k =>
        {
            Assert.Equal(1.0, k.Estimate.Kappa!.Value, 12);
            Assert.Equal((1.0, 1.0), (k.Bootstrap!.Low, k.Bootstrap.High));
            Assert.Equal(InterpretationBand.AlmostPerfect, k.Band);
        });

        var one = AgreementAnalysis.Run(P("patient_id,level,model,grade\nA,C3/4,m,1\nB,C3/4,m,2\n"),
            R("patient_id,level,grade\nA,C3/4,1\nB,C3/4,2\n"), Fast).Overall(AnalysisUnit.Image)!;
        Assert.True(one.ThreeClass.Estimate.IsDefined);
        Assert.False(one.Binary.Estimate.IsDefined); // both are "1+2": a single binary class
        Assert.Null(one.Binary.Band);
        Assert.Null(one.Binary.Bootstrap);
    }

    [Fact]
    public void Pipeline_results_with_patient_rows_and_ungraded_images_are_understood()
    {
        // The columns the cluster's results.csv has: ungraded levels have an empty grade and a reason,
        // the ensemble's patient recommendation is a level "patient" row.
        var pred = "patient_id,study_uid,level,model,grade,p0,p1,p2,sop_instance_uid,reason\n" +
                   "A,1.2.3,C3/4,dl-v1,2,0.1,0.2,0.7,1.2.3.1,\n" +
                   "A,1.2.3,C3/4,ensemble,2,0.1,0.2,0.7,1.2.3.1,\n" +
                   "A,1.2.3,C4/5,dl-v1,,,,,1.2.3.2,no ROI detected\n" +
                   "A,1.2.3,C4/5,ensemble,,,,,1.2.3.2,no ROI detected\n" +
                   "A,1.2.3,patient,ensemble,1,,,,,review: rests on 1 of 2 levels\n" +
                   "B,1.2.4,C3/4,dl-v1,0,0.9,0.05,0.05,1.2.4.1,\n" +
                   "B,1.2.4,C3/4,ensemble,0,0.9,0.05,0.05,1.2.4.1,\n" +
                   "B,1.2.4,C4/5,dl-v1,1,0.2,0.6,0.2,1.2.4.2,\n" +
                   "B,1.2.4,C4/5,ensemble,1,0.2,0.6,0.2,1.2.4.2,\n" +
                   "B,1.2.4,patient,ensemble,1,,,,,\n";
        var refs = "patient_id,level,grade\nA,C3/4,2\nA,C4/5,2\nB,C3/4,0\nB,C4/5,0\n";
        var report = AgreementAnalysis.Run(P(pred), R(refs), Fast);
        Assert.Equal(["dl-v1", "ensemble"], report.Models);
        Assert.Equal(2, report.Coverage.PredictionsUngraded);
        Assert.Contains(report.Coverage.Listed, u => u.Line == 4 && u.Problem == "no grade: no ROI detected");
        Assert.Equal(3, report.Overall(AnalysisUnit.Image)!.N);
        // Patient unit: the explicit recommendation (A: 1, B: 1) for the ensemble, not the max of its levels (A: 2).
        var patient = report.Overall(AnalysisUnit.Patient)!;
        Assert.Equal(new long[] { 0, 0, 0, 1, 0, 1, 0, 0, 0 }, patient.ThreeClassMatrix.ToArray());
        // dl-v1 has no patient rows: the max over the levels it graded (A: 2, B: 1).
        var v1 = report.Find(AnalysisUnit.Patient, "dl-v1", "reference")!;
        Assert.Equal(new long[] { 0, 0, 0, 1, 0, 0, 0, 0, 1 }, v1.ThreeClassMatrix.ToArray());
    }

    [Theory]
    [InlineData(0.2, InterpretationBand.Poor)]
    [InlineData(-0.3, InterpretationBand.Poor)]
    [InlineData(0.21, InterpretationBand.Fair)]
    [InlineData(0.4, InterpretationBand.Fair)]
    [InlineData(0.6, InterpretationBand.Moderate)]
    [InlineData(0.743, InterpretationBand.Substantial)]
    [InlineData(0.8, InterpretationBand.Substantial)]
    [InlineData(0.874, InterpretationBand.AlmostPerfect)]
    public void Bands_follow_the_study(double kappa, InterpretationBand band) => Assert.Equal(band, InterpretationBands.Of(kappa));
}
