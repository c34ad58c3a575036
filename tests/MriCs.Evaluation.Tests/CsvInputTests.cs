using MriCs.Evaluation.Input;

namespace MriCs.Evaluation.Tests;

public class CsvInputTests
{
    private static InputTable<PredictionRow> P(string text) => EvaluationCsv.ReadPredictions(new StringReader(text), "pred.csv");

    private static InputTable<ReferenceRow> R(string text) => EvaluationCsv.ReadReferences(new StringReader(text), "ref.csv");

    private static EvaluationInputException Bad(Action a) => Assert.Throws<EvaluationInputException>(a);

    [Theory]
    [InlineData("C3/4", DiscLevel.C3C4)]
    [InlineData("C4-5", DiscLevel.C4C5)]
    [InlineData("c5_6", DiscLevel.C5C6)]
    [InlineData("C6/C7", DiscLevel.C6C7)]
    [InlineData("C67", DiscLevel.C6C7)]
    [InlineData(" C3 / 4 ", DiscLevel.C3C4)]
    public void Levels_in_the_usual_spellings_parse(string text, DiscLevel expected)
    {
        Assert.True(DiscLevels.TryParse(text, out var level));
        Assert.Equal(expected, level);
    }

    [Theory]
    [InlineData("C2/3")]
    [InlineData("C7/T1")]
    [InlineData("C3/5")]
    [InlineData("L4/5")]
    [InlineData("")]
    [InlineData("C3/")]
    public void Other_levels_are_rejected(string text) => Assert.False(DiscLevels.TryParse(text, out _));

    [Fact]
    public void Predictions_with_optional_columns_in_any_order_are_read()
    {
        var t = P("grade,Model,level,patient_id,site,p0,p1,p2,extra\n2,mnasnet_small,C3/4,P1,A,0.1,0.2,0.7,x\n\n0,ensemble,\"C4-5\",\"P,2\",B,0.8,0.1,0.1,y\n");
        Assert.Equal(2, t.Rows.Count);
        var r = t.Rows[1];
        Assert.Equal(("P,2", DiscLevel.C4C5, "ensemble", 0, "B", 4), (r.PatientId, r.Level, r.Model, r.Grade, r.Site, r.Line));
        Assert.Equal([0.8, 0.1, 0.1], r.Probabilities!);
    }

    [Fact]
    public void The_phantom_labels_file_is_read_and_levels_the_study_does_not_grade_are_skipped()
    {
        // MriCs.Phantom's training labels.csv header, with its optional extra levels.
        var t = R("file,patient_id,patient_index,site,split,level,grade,width,height,pixel_spacing_mm,roi_x0,roi_y0,roi_x1,roi_y1\n" +
                  "images/p00000_C2-3.pgm,PH0,0,north,train,C2/3,0,256,256,0.5,1,2,3,4\n" +
                  "images/p00000_C3-4.pgm,PH0,0,north,train,C3/4,1,256,256,0.5,1,2,3,4\n" +
                  "images/p00000_C7-T1.pgm,PH0,0,north,train,C7/T1,2,256,256,0.5,1,2,3,4\n");
        Assert.Single(t.Rows);
        Assert.Equal((DiscLevel.C3C4, 1, "north", "reference"), (t.Rows[0].Level!.Value, t.Rows[0].Grade, t.Rows[0].Site, t.Rows[0].Rater));
        Assert.Equal(2, t.SkippedOtherLevels);
    }

    [Fact]
    public void References_without_a_rater_column_are_one_rater()
    {
        var t = R("patient_id,level,grade\r\nP1,C3/4,1\r\nP1,C4/5,2\r\n");
        Assert.All(t.Rows, r => Assert.Equal(EvaluationCsv.DefaultRater, r.Rater));
        Assert.Equal([2, 3], t.Rows.Select(r => r.Line));
    }

    [Fact]
    public void A_bad_grade_names_file_and_line_and_not_the_patient()
    {
        var e = Bad(() => P("patient_id,level,model,grade\nP1,C3/4,m,1\nSECRET-ID,C4/5,m,3\n"));
        Assert.Equal(("pred.csv", 3), (e.File, e.Line));
        Assert.StartsWith("pred.csv:3:", e.Message);
        Assert.Contains("grade '3'", e.Message);
        Assert.DoesNotContain("SECRET", e.Message);
    }

    [Theory]
    [InlineData("patient_id,level,model,grade\nP1,C1/2,m,1\n", 2, "level")]
    [InlineData("patient_id,level,model,grade\nP1,C3/4,m\n", 2, "3 fields, header has 4")]
    [InlineData("patient_id,level,model\nP1,C3/4,m\n", 1, "lacks column(s) grade")]
    [InlineData("patient_id,level,model,grade,grade\n", 1, "appears twice")]
    [InlineData("patient_id,level,model,grade\n,C3/4,m,1\n", 2, "empty patient_id")]
    [InlineData("patient_id,level,model,grade\nP1,C3/4,,1\n", 2, "empty model")]
    [InlineData("patient_id,level,model,grade\n\"P1,C3/4,m,1\n", 2, "unterminated")]
    [InlineData("patient_id,level,model,grade\nP\"1,C3/4,m,1\n", 2, "quote inside")]
    [InlineData("patient_id,level,model,grade\nP1,C3/4,m,1\nP1,C3-4,m,2\n", 3, "duplicate prediction: same patient_id, level C3/4 and model as line 2")]
    [InlineData("patient_id,level,model,grade,site\nP1,C3/4,m,1,A\nP1,C4/5,m,2,B\n", 3, "site differs")]
    [InlineData("patient_id,level,model,grade,p0,p1\nP1,C3/4,m,1,0.5,0.5\n", 1, "p0,p1,p2")]
    [InlineData("patient_id,level,model,grade,p0,p1,p2\nP1,C3/4,m,1,0.5,0.6,0.1\n", 2, "sum to 1")]
    [InlineData("patient_id,level,model,grade,p0,p1,p2\nP1,C3/4,m,1,x,0.6,0.1\n", 2, "p0 'x'")]
    [InlineData("patient_id,level,model,grade\n", 0, "no prediction rows")]
    [InlineData("", 0, "empty file")]
    public void Malformed_predictions_are_rejected_with_the_line(string text, int line, string fragment)
    {
        var e = Bad(() => P(text));
        Assert.Equal(line, e.Line);
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void Duplicate_reference_by_the_same_rater_is_rejected_but_two_raters_are_fine()
    {
        var ok = R("patient_id,level,rater,grade\nP1,C3/4,s1,1\nP1,C3/4,s2,2\n");
        Assert.Equal(2, ok.Rows.Count);
        var e = Bad(() => R("patient_id,level,rater,grade\nP1,C3/4,s1,1\nP1,C3/4,s1,1\n"));
        Assert.Equal(3, e.Line);
        Assert.Contains("as line 2", e.Message);
    }

    [Fact]
    public void An_overlong_line_is_rejected_without_reading_it_whole()
    {
        var text = "patient_id,level,model,grade\nP1,C3/4,m," + new string('1', 200_000) + "\n";
        var e = Bad(() => P(text));
        Assert.Equal(2, e.Line);
        Assert.Contains("longer than", e.Message);
    }

    [Fact]
    public void A_missing_file_is_an_input_error_naming_it()
    {
        var e = Bad(() => EvaluationCsv.ReadPredictions("/nonexistent/preds.csv"));
        Assert.Equal("/nonexistent/preds.csv", e.File);
    }
}
