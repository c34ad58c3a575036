using System.Text;
using MriCs.Evaluation.Analysis;
using MriCs.Evaluation.Input;

namespace MriCs.Evaluation.Tests;

public class LiveAgreementBookTests
{
    /// <summary>Predictions and decisions with gaps: missing levels, ungraded predictions, explicit patient rows, patients without a site.</summary>
    private static (string Predictions, string References) Messy(int patients, int seed, int raters)
    {
        var rng = new Random(seed);
        var pred = new StringBuilder("patient_id,level,model,grade,site\n");
        var refs = new StringBuilder("patient_id,level,rater,grade,site\n");
        string[] models = ["dl-v1", "dl-v2", "dl-v3", "dl-v4", "ensemble"];
        string[] sites = ["north", "south", "east", ""];
        for (var p = 0; p < patients; p++)
        {
            var id = $"L{p:D4}";
            var site = sites[rng.Next(sites.Length)];
            var truth = DiscLevels.All.ToDictionary(l => l, _ => rng.NextDouble() switch { < 0.4 => 0, < 0.6 => 1, _ => 2 });
            var predicted = rng.NextDouble() < 0.9;
            foreach (var m in models)
            {
                if (!predicted) break;
                foreach (var level in DiscLevels.All)
                {
                    if (rng.NextDouble() < 0.05) continue;
                    var grade = rng.NextDouble() < 0.05 ? "" : Noisy(rng, truth[level], 0.7).ToString();
                    pred.Append($"{id},{level.Label()},{m},{grade},{site}\n");
                }
                if (m == "ensemble" && rng.NextDouble() < 0.8)
                    pred.Append($"{id},patient,{m},{(rng.NextDouble() < 0.1 ? "" : rng.Next(3).ToString())},{site}\n");
            }
            for (var r = 0; r < raters; r++)
            {
                if (rng.NextDouble() < 0.1) continue;
                foreach (var level in DiscLevels.All)
                    if (rng.NextDouble() < 0.9) refs.Append($"{id},{level.Label()},surgeon{r},{Noisy(rng, truth[level], 0.8)},{site}\n");
                if (rng.NextDouble() < 0.3) refs.Append($"{id},patient,surgeon{r},{rng.Next(3)},{site}\n");
            }
        }
        return (pred.ToString(), refs.ToString());
    }

    private static int Noisy(Random rng, int truth, double accuracy) => rng.NextDouble() < accuracy ? truth : rng.Next(3);

    private static IEnumerable<LivePrediction> Predictions(IEnumerable<PredictionRow> rows) => rows.Select(r => new LivePrediction(r.Level, r.Model, r.Grade));

    [Theory]
    [InlineData(1, 11)]
    [InlineData(2, 12)]
    [InlineData(3, 13)]
    public void Live_kappa_equals_the_batch_analysis_on_the_same_data_whatever_the_order_and_corrections(int raters, int seed)
    {
        var (predCsv, refCsv) = Messy(120, seed, raters);
        var predictions = EvaluationCsv.ReadPredictions(new StringReader(predCsv), "pred.csv");
        var references = EvaluationCsv.ReadReferences(new StringReader(refCsv), "ref.csv");
        var batch = AgreementAnalysis.Run(predictions, references, new AgreementOptions { BootstrapReplicates = 0, Comparisons = false });

        var book = new LiveAgreementBook();
        var rng = new Random(seed);
        // Decisions in a shuffled order; a third first arrives with a wrong grade and is corrected later.
        var decisions = references.Rows.Select(r => new LiveDecision(r.PatientId, r.Level, r.Rater, r.Grade, r.Site)).OrderBy(_ => rng.Next()).ToList();
        var corrections = new List<LiveDecision>();
        foreach (var d in decisions)
        {
            if (rng.NextDouble() < 0.33)
            {
                book.Apply(d with { Grade = (d.Grade + 1) % 3 });
                corrections.Add(d);
            }
            else book.Apply(d);
        }
        // Predictions per patient; some patients first get another (earlier study's) set.
        foreach (var g in predictions.Rows.GroupBy(r => r.PatientId).OrderBy(_ => rng.Next()))
        {
            if (rng.NextDouble() < 0.3) book.SetPredictions(g.Key, [new LivePrediction(DiscLevel.C3C4, "dl-v1", 2), new LivePrediction(null, "ensemble", 0)]);
            book.SetPredictions(g.Key, Predictions(g).ToList());
        }
        foreach (var d in corrections)
        {
            Assert.Equal(DecisionOutcome.Changed, book.Check([d])[0].Outcome);
            book.Apply(d);
        }
        var live = book.Snapshot();

        var compared = 0;
        foreach (var cell in batch.Cells.Where(c => c.Kind != ComparisonKind.RaterVsRater && c.Stratum.Level is null))
        {
            var site = cell.Stratum.Site ?? LiveAgreementBook.AllSites;
            var mine = live.Cells.SingleOrDefault(c => c.Unit == cell.Unit && c.Site == site && c.Model == cell.A && c.Reference == cell.B);
            if (cell.N == 0)
            {
                Assert.True(mine is null || mine.N == 0, $"{cell.Unit} {site} {cell.A} vs {cell.B}: live has pairs, the batch none");
                continue;
            }
            Assert.NotNull(mine);
            Assert.Equal(cell.ThreeClassMatrix.ToArray(), mine!.ThreeClassMatrix.ToArray());
            Assert.Equal(cell.ThreeClass.Estimate.Kappa, mine.ThreeClass.Kappa);
            Assert.Equal(cell.ThreeClass.Estimate.StandardError, mine.ThreeClass.StandardError);
            Assert.Equal(cell.Binary.Estimate.Kappa, mine.Binary.Kappa);
            Assert.Equal(cell.Binary.Estimate.AsymptoticCi, mine.Binary.AsymptoticCi);
            Assert.Equal(cell.Quadratic.Estimate.Kappa, mine.Quadratic.Kappa);
            Assert.Equal(cell.Linear.Estimate.Kappa, mine.Linear.Kappa);
            compared++;
        }
        // Nothing extra: every live cell with pairs (sites named, or the totals) is one of the batch's.
        var livePaired = live.Cells.Count(c => c.N > 0 && c.Site != LiveAgreementBook.NoSite);
        Assert.Equal(compared, livePaired);
        Assert.True(compared > 30, $"only {compared} cells compared");
        Assert.Equal(raters >= 2 ? AgreementReport.Consensus : "surgeon0", live.PrimaryReference);
        Assert.Equal(raters >= 2, live.Cells.Any(c => c.Reference == AgreementReport.Consensus));
        Assert.Equal(references.Rows.Count, live.Decisions);
        var predictedPatients = predictions.Rows.Select(r => r.PatientId).ToHashSet();
        var decidedPatients = references.Rows.Select(r => r.PatientId).ToHashSet();
        Assert.Equal(predictedPatients.Except(decidedPatients).Count(), live.PatientsWithPredictionsOnly);
        Assert.Equal(decidedPatients.Except(predictedPatients).Count(), live.PatientsWithDecisionsOnly);

        // What a snapshot keeps (the current decisions with their sites) rebuilds the same figures.
        var copy = new LiveAgreementBook();
        foreach (var d in book.CurrentDecisions()) copy.Apply(d);
        foreach (var g in predictions.Rows.GroupBy(r => r.PatientId)) copy.SetPredictions(g.Key, Predictions(g).ToList());
        var rebuilt = copy.Snapshot();
        Assert.Equal(live.Decisions, rebuilt.Decisions);
        Assert.Equal(live.Cells.Select(c => (c.Unit, c.Site, c.Model, c.Reference, c.ModelOnly, c.ReferenceOnly, string.Join(",", c.ThreeClassMatrix.ToArray()))),
            rebuilt.Cells.Select(c => (c.Unit, c.Site, c.Model, c.Reference, c.ModelOnly, c.ReferenceOnly, string.Join(",", c.ThreeClassMatrix.ToArray()))));
    }

    [Fact]
    public void Checks_tell_new_duplicate_changed_and_refused_decisions_in_order_without_applying_them()
    {
        var book = new LiveAgreementBook();
        book.Apply(new LiveDecision("P1", DiscLevel.C4C5, "r", 1, "north"));
        book.SetPredictions("P1", [new LivePrediction(DiscLevel.C4C5, "ensemble", 1)]);
        var checks = book.Check(
        [
            new LiveDecision("P1", DiscLevel.C4C5, "r", 1, null),     // same grade, site known: duplicate
            new LiveDecision("P1", DiscLevel.C4C5, "r", 2, "north"),  // changed
            new LiveDecision("P1", DiscLevel.C4C5, "r", 2, null),     // same as the row before: duplicate
            new LiveDecision("P1", DiscLevel.C5C6, "r", 0, "south"),  // site conflict
            new LiveDecision("P2", null, "r", 0, "*"),                // reserved site
            new LiveDecision("P2", null, "consensus", 0, null),       // reserved rater
            new LiveDecision("P2", null, "ensemble", 0, null),        // a model's name
            new LiveDecision("P3", null, "r", 0, null),               // new
            new LiveDecision("P3", null, "r", 0, "east"),             // first site for P3: a change
        ]);
        Assert.Equal(
            [DecisionOutcome.Duplicate, DecisionOutcome.Changed, DecisionOutcome.Duplicate, DecisionOutcome.Rejected, DecisionOutcome.Rejected,
             DecisionOutcome.Rejected, DecisionOutcome.Rejected, DecisionOutcome.Added, DecisionOutcome.Changed],
            checks.Select(c => c.Outcome));
        Assert.Equal(1, checks[1].PreviousGrade);
        Assert.Contains("site differs", checks[3].Problem);
        Assert.DoesNotContain("P1", checks[3].Problem);
        Assert.Equal(1, book.Decisions); // nothing applied
        var cell = book.Snapshot().Cells.Single(c => c.Unit == AnalysisUnit.Image && c.Site == "north");
        Assert.Equal(1, cell.N);
    }

    [Fact]
    public void A_first_site_moves_the_patients_counts_and_bounds_refuse_new_names()
    {
        var book = new LiveAgreementBook(maxPatients: 2, maxNames: 2);
        book.SetPredictions("P1", [new LivePrediction(DiscLevel.C3C4, "ensemble", 2)]);
        book.Apply(new LiveDecision("P1", DiscLevel.C3C4, "r", 2, null));
        Assert.Equal(1, book.Snapshot().Cells.Single(c => c.Unit == AnalysisUnit.Image && c.Site == LiveAgreementBook.NoSite).N);
        book.Apply(new LiveDecision("P1", DiscLevel.C3C4, "r", 2, "north"));
        var cells = book.Snapshot().Cells.Where(c => c.Unit == AnalysisUnit.Image).ToList();
        Assert.Equal(["*", "north"], cells.Select(c => c.Site));
        Assert.All(cells, c => Assert.Equal(1, c.N));
        book.Apply(new LiveDecision("P2", DiscLevel.C3C4, "r", 2, "south"));
        Assert.Equal(DecisionOutcome.Rejected, book.Check([new LiveDecision("P3", null, "r", 1, null)])[0].Outcome);
        var oneSite = new LiveAgreementBook(maxNames: 1);
        oneSite.Apply(new LiveDecision("P1", null, "r", 1, "north"));
        Assert.Contains("more than 1 sites", oneSite.Check([new LiveDecision("P2", null, "r", 1, "west")])[0].Problem);
        Assert.Contains("raters", book.Check([new LiveDecision("P2", null, "q", 1, null), new LiveDecision("P2", null, "s", 1, null)])[1].Problem);
    }

    [Fact]
    public void Patient_unit_uses_the_explicit_grade_else_the_most_severe_level_and_follows_corrections()
    {
        var book = new LiveAgreementBook();
        book.SetPredictions("P1", [new LivePrediction(DiscLevel.C3C4, "dl-v1", 0), new LivePrediction(DiscLevel.C4C5, "dl-v1", 2)]);
        book.Apply(new LiveDecision("P1", DiscLevel.C3C4, "r", 0, "a"));
        book.Apply(new LiveDecision("P1", DiscLevel.C4C5, "r", 1, "a"));
        LiveAgreementCell Patient() => book.Snapshot().Cells.Single(c => c.Unit == AnalysisUnit.Patient && c.Site == "*");
        Assert.Equal(1, Patient().ThreeClassMatrix[2, 1]); // model max 2, surgeon max 1
        book.Apply(new LiveDecision("P1", null, "r", 2, "a")); // explicit patient grade wins over the levels
        Assert.Equal(1, Patient().ThreeClassMatrix[2, 2]);
        Assert.Equal(1, Patient().N);
        book.Apply(new LiveDecision("P1", null, "r", 0, null)); // corrected: the old cell is taken back
        Assert.Equal(1, Patient().ThreeClassMatrix[2, 0]);
        Assert.Equal(1, Patient().N);
        Assert.Equal(3, book.Decisions);
    }

    [Fact]
    public void Csv_upload_lists_bad_rows_with_their_lines_and_keeps_the_good_ones()
    {
        var csv = "patient_id,level,grade,site\n" +
                  "P1,C3/4,1,north\n" +          // 2 ok
                  "P1,C9/10,1,north\n" +         // 3 bad level
                  "\n" +                         // 4 blank
                  "P2,C4-5,3,south\n" +          // 5 bad grade
                  "P3,patient,2\n" +             // 6 field count
                  ",C5/6,1,north\n" +            // 7 empty id
                  "\"P4,C6/7,1,north\n" +        // 8 unterminated quote
                  "P5,C2/3,1,north\n" +          // 9 ungraded level: skipped
                  "P6,c6-c7,0,\n";               // 10 ok, no site
        var upload = DecisionInput.ReadCsv(new StringReader(csv), "upload.csv", defaultRater: "dr-a");
        Assert.Equal([2, 10], upload.Rows.Select(r => r.Line));
        Assert.Equal([3, 5, 6, 7, 8], upload.Problems.Select(p => p.Line));
        Assert.Contains("level", upload.Problems[0].Problem);
        Assert.Contains("grade '3'", upload.Problems[1].Problem);
        Assert.Contains("fields", upload.Problems[2].Problem);
        Assert.Contains("empty patient_id", upload.Problems[3].Problem);
        Assert.Contains("quoted", upload.Problems[4].Problem);
        Assert.Equal(1, upload.SkippedOtherLevels);
        Assert.Equal(new LiveDecision("P6", DiscLevel.C6C7, "dr-a", 0, null), upload.Rows[1].Decision);
        foreach (var id in new[] { "P1", "P2", "P3", "P4" }) Assert.All(upload.Problems, p => Assert.DoesNotContain(id, p.Problem));

        var ex = Assert.Throws<EvaluationInputException>(() => DecisionInput.ReadCsv(new StringReader("patient,level,grade\nP1,C3/4,1\n"), "x.csv"));
        Assert.Equal(1, ex.Line);
        var withRater = DecisionInput.ReadCsv(new StringReader("patient_id,level,rater,grade\nP1,C3/4,dr-b,1\n"), "y.csv");
        Assert.Equal("dr-b", withRater.Rows.Single().Decision.Rater);
    }

    [Fact]
    public void Json_fields_are_numbered_from_one()
    {
        var upload = DecisionInput.FromFields(
        [
            new DecisionFields("P1", "C3/4", "1", "north", null),
            null,
            new DecisionFields("P2", "patient", "x", null, "dr-b"),
            new DecisionFields("P3", "patient", "2", null, "dr-b"),
        ], "dr-a");
        Assert.Equal([1, 4], upload.Rows.Select(r => r.Line));
        Assert.Equal("dr-a", upload.Rows[0].Decision.Rater);
        Assert.Equal("dr-b", upload.Rows[1].Decision.Rater);
        Assert.Equal([2, 3], upload.Problems.Select(p => p.Line));
    }
}
