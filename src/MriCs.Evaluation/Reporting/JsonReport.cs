using System.Text;
using System.Text.Json;
using MriCs.Evaluation.Analysis;
using MriCs.Evaluation.Statistics;

namespace MriCs.Evaluation.Reporting;

/// <summary>
/// One JSON object: "overall" (primary model against primary target at the chosen unit) with
/// "threeClass", "binary", "linearWeighted", "quadraticWeighted" (kappa, se, ciLow, ciHigh, n, ...),
/// then "perModel", "perLevel", "perSite", "interRater", "comparisons", every "cells" entry with its
/// matrices, "coverage" and "notes". Undefined values are null with an "undefined" reason; never NaN.
/// </summary>
public static class JsonReport
{
    public static string Render(AgreementReport r, AnalysisUnit unit)
    {
        ReportViews.Require(r, unit);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("predictions", r.PredictionsFile);
            w.WriteString("references", r.ReferencesFile);
            w.WriteString("unit", Fmt.Unit(unit));
            w.WriteString("primaryModel", r.PrimaryModel);
            w.WriteString("primaryTarget", r.PrimaryTarget);
            StringArray(w, "models", r.Models);
            StringArray(w, "raters", r.Raters);
            StringArray(w, "sites", r.Sites);
            w.WriteNumber("confidenceLevel", r.Options.ConfidenceLevel);
            w.WriteNumber("bootstrapReplicates", r.Options.BootstrapReplicates);
            w.WriteNumber("seed", r.Options.Seed);

            w.WritePropertyName("overall");
            // The shape: overall also nests the per-version and per-site entries.
            if (r.Overall(unit) is { } o)
                Cell(w, o, matrices: true, extra: () =>
                {
                    Cells(w, "perVersion", ReportViews.PerModel(r, unit), false);
                    Cells(w, "perSite", ReportViews.PerSite(r, unit, r.PrimaryModel), false);
                });
            else w.WriteNullValue();
            Cells(w, "perModel", ReportViews.PerModel(r, unit), false);
            Cells(w, "perLevel", r.Models.SelectMany(m => ReportViews.PerLevel(r, unit, m)).ToList(), false);
            Cells(w, "perSite", r.Models.SelectMany(m => ReportViews.PerSite(r, unit, m)).ToList(), false);
            Cells(w, "interRater", ReportViews.InterRater(r, unit), false);

            w.WritePropertyName("multiRater");
            if (ReportViews.MultiRater(r, unit) is { } mr)
            {
                w.WriteStartObject();
                StringArray(w, "raters", mr.Raters);
                w.WriteNumber("n", mr.N);
                w.WriteNumber("patients", mr.Patients);
                Fleiss(w, "threeClass", mr.ThreeClass, mr.ThreeClassBootstrap);
                Fleiss(w, "binary", mr.Binary, mr.BinaryBootstrap);
                w.WriteEndObject();
            }
            else w.WriteNullValue();

            w.WriteStartArray("comparisons");
            foreach (var c in ReportViews.Comparisons(r, unit)) Comparison(w, c);
            w.WriteEndArray();

            Cells(w, "cells", r.Cells, true);

            w.WriteStartObject("coverage");
            w.WriteNumber("predictionRows", r.Coverage.PredictionRows);
            w.WriteNumber("referenceRows", r.Coverage.ReferenceRows);
            w.WriteNumber("patients", r.Coverage.Patients);
            w.WriteNumber("predictionsWithoutReference", r.Coverage.PredictionsWithoutReference);
            w.WriteNumber("referencesWithoutPrediction", r.Coverage.ReferencesWithoutPrediction);
            w.WriteNumber("predictionsUngraded", r.Coverage.PredictionsUngraded);
            w.WriteNumber("imagesWithoutConsensus", r.Coverage.ImagesWithoutConsensus);
            w.WriteNumber("patientsWithoutConsensus", r.Coverage.PatientsWithoutConsensus);
            w.WriteNumber("rowsAtOtherLevels", r.Coverage.RowsAtOtherLevels);
            w.WriteStartArray("listed");
            foreach (var u in r.Coverage.Listed)
            {
                w.WriteStartObject();
                w.WriteString("file", u.File);
                w.WriteNumber("line", u.Line);
                w.WriteString("patientId", u.PatientId);
                w.WriteString("level", u.Level);
                w.WriteString("model", u.Model);
                w.WriteString("problem", u.Problem);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            StringArray(w, "notes", r.Notes);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void StringArray(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private static void Cells(Utf8JsonWriter w, string name, IEnumerable<AgreementCell> cells, bool matrices)
    {
        w.WriteStartArray(name);
        foreach (var c in cells) Cell(w, c, matrices);
        w.WriteEndArray();
    }

    private static void Cell(Utf8JsonWriter w, AgreementCell c, bool matrices, Action? extra = null)
    {
        w.WriteStartObject();
        w.WriteString("unit", Fmt.Unit(c.Unit));
        w.WriteString("kind", Fmt.Kind(c.Kind));
        w.WriteString("a", c.A);
        w.WriteString("b", c.B);
        if (c.Stratum.Level is { } l) w.WriteString("level", Input.DiscLevels.Label(l));
        else w.WriteNull("level");
        if (c.Stratum.Site is { } s) w.WriteString("site", s); else w.WriteNull("site");
        w.WriteNumber("n", c.N);
        w.WriteNumber("patients", c.Patients);
        Number(w, "percentAgreement", c.PercentAgreement);
        Number(w, "binaryPercentAgreement", c.BinaryPercentAgreement);
        Kappa(w, "threeClass", c.ThreeClass);
        Kappa(w, "binary", c.Binary);
        Kappa(w, "linearWeighted", c.Linear);
        Kappa(w, "quadraticWeighted", c.Quadratic);
        if (matrices)
        {
            Matrix(w, "confusionThreeClass", c.ThreeClassMatrix);
            Matrix(w, "confusionBinary", c.BinaryMatrix);
            Metrics(w, "classesThreeClass", c.ThreeClassMetrics);
            Metrics(w, "classesBinary", c.BinaryMetrics);
        }
        extra?.Invoke();
        w.WriteEndObject();
    }

    private static void Kappa(Utf8JsonWriter w, string name, KappaResult k)
    {
        var e = k.Estimate;
        w.WriteStartObject(name);
        Number(w, "kappa", e.Kappa);
        Number(w, "se", e.StandardError);
        Number(w, "se0", e.NullStandardError);
        var ci = e.AsymptoticCi;
        Number(w, "ciLow", ci?.Low);
        Number(w, "ciHigh", ci?.High);
        Number(w, "bootstrapLow", k.Bootstrap?.Low);
        Number(w, "bootstrapHigh", k.Bootstrap?.High);
        if (k.Bootstrap is { } b) w.WriteNumber("bootstrapValid", b.ValidReplicates); else w.WriteNull("bootstrapValid");
        Number(w, "z", e.Z);
        Number(w, "p", e.PValue);
        w.WriteNumber("n", e.N);
        w.WriteNumber("observedAgreement", e.ObservedAgreement);
        w.WriteNumber("expectedAgreement", e.ExpectedAgreement);
        if (k.Band is { } band) w.WriteString("band", band.Label()); else w.WriteNull("band");
        if (e.UndefinedReason is { } why) w.WriteString("undefined", why);
        if (e.Caveat is { } caveat) w.WriteString("caveat", caveat);
        w.WriteEndObject();
    }

    private static void Fleiss(Utf8JsonWriter w, string name, FleissEstimate e, BootstrapInterval? ci)
    {
        w.WriteStartObject(name);
        Number(w, "fleissKappa", e.Kappa);
        Number(w, "bootstrapLow", ci?.Low);
        Number(w, "bootstrapHigh", ci?.High);
        w.WriteNumber("observedAgreement", e.ObservedAgreement);
        w.WriteNumber("expectedAgreement", e.ExpectedAgreement);
        if (e.Band is { } band) w.WriteString("band", band.Label()); else w.WriteNull("band");
        if (e.UndefinedReason is { } why) w.WriteString("undefined", why);
        w.WriteEndObject();
    }

    private static void Matrix(Utf8JsonWriter w, string name, ConfusionMatrix m)
    {
        w.WriteStartArray(name);
        for (var i = 0; i < m.Classes; i++)
        {
            w.WriteStartArray();
            for (var j = 0; j < m.Classes; j++) w.WriteNumberValue(m[i, j]);
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }

    private static void Metrics(Utf8JsonWriter w, string name, IReadOnlyList<ClassMetrics> metrics)
    {
        w.WriteStartArray(name);
        foreach (var m in metrics)
        {
            w.WriteStartObject();
            w.WriteString("class", Fmt.Grade(m.Class, metrics.Count));
            w.WriteNumber("support", m.Support);
            w.WriteNumber("predicted", m.Predicted);
            Number(w, "precision", m.Precision);
            Number(w, "recall", m.Recall);
            Number(w, "f1", m.F1);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void Comparison(Utf8JsonWriter w, KappaComparison c)
    {
        w.WriteStartObject();
        w.WriteString("unit", Fmt.Unit(c.Unit));
        w.WriteString("description", c.Description);
        w.WriteString("firstA", c.FirstA);
        w.WriteString("firstB", c.FirstB);
        w.WriteString("secondA", c.SecondA);
        w.WriteString("secondB", c.SecondB);
        w.WriteNumber("n", c.N);
        w.WriteNumber("patients", c.Patients);
        foreach (var (name, first, second, delta, ci) in new[]
                 {
                     ("threeClass", c.ThreeClassFirst, c.ThreeClassSecond, c.ThreeClassDelta, c.ThreeClassDifference),
                     ("binary", c.BinaryFirst, c.BinarySecond, c.BinaryDelta, c.BinaryDifference),
                 })
        {
            w.WriteStartObject(name);
            Number(w, "first", first);
            Number(w, "second", second);
            Number(w, "difference", delta);
            Number(w, "bootstrapLow", ci?.Low);
            Number(w, "bootstrapHigh", ci?.High);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter w, string name, double? v)
    {
        if (v is { } x && double.IsFinite(x)) w.WriteNumber(name, x);
        else w.WriteNull(name);
    }
}
