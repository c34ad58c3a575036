using System.Globalization;
using MriCs.Actors.Results;
using MriCs.Evaluation.Analysis;
using MriCs.Evaluation.Input;
using MriCs.Phantom;
using MriCs.Phantom.Studies;

namespace MriCs.Cli.Commands;

public static partial class PipelineCommands
{
    /// <summary>
    /// `mrics demo`: phantom studies (DICOM, with ground truth) -> the actor pipeline on the embedded
    /// defaults -> recommendation table -> agreement with the ground truth (MriCs.Evaluation).
    /// </summary>
    private static int Demo(CliArgs args, CliContext ctx)
    {
        var patients = args.Int("patients", 12);
        var seed = args.Int("seed", 7);
        if (patients is < 1 or > 10_000) throw new CliUsageException("--patients must be 1..10000");
        var protocol = args.Option("protocol") switch
        {
            null or "key-images" => PhantomProtocol.KeyImages,
            "slabs" => PhantomProtocol.Slabs,
            var p => throw new CliUsageException($"unknown protocol '{p}' (key-images or slabs)"),
        };
        var output = Path.GetFullPath(args.Option("out") ?? Path.Combine(CliPaths.Home, "data", "demo"));
        var studies = Path.Combine(output, "studies");
        var labels = Path.Combine(output, "labels.csv");
        if (Directory.Exists(studies)) Directory.Delete(studies, recursive: true); // the demo's own generated folder
        Directory.CreateDirectory(studies);
        ctx.Error.WriteLine($"generating {patients} phantom studies (seed {seed}, {args.Option("protocol") ?? "key-images"}) in {studies} ...");
        var files = PhantomStudy.Write(studies, new PhantomOptions(seed), patients, new StudyOptions { Protocol = protocol });
        File.Move(Path.Combine(studies, "labels.csv"), labels, overwrite: true);
        var reference = Path.Combine(output, "reference.csv");
        WriteReference(labels, reference);
        ctx.Error.WriteLine($"{files} DICOM files; ground truth {labels}");

        var settings = NodeSettings(args, dataDir: args.Option("data-dir") ?? output);
        using var host = BuildNode(settings);
        host.StartAsync().GetAwaiter().GetResult();
        try
        {
            var client = Client(host);
            var slots = args.Int("slots", 1);
            try
            {
                var ready = client.WaitForSlotsAsync(slots, TimeSpan.FromMinutes(5)).GetAwaiter().GetResult();
                ctx.Error.WriteLine($"models loaded: {string.Join(", ", ready.Select(s => $"{s.SlotId} {s.ModelSet} on {s.Provider}"))}");
            }
            catch (InvalidOperationException ex)
            {
                ctx.Error.WriteLine($"mrics demo: {ex.Message}");
                return 2;
            }
            var (recommendations, _) = RunBatch(client, studies, TimeSpan.FromHours(1), ctx.Error).GetAwaiter().GetResult();
            var csv = Path.Combine(output, "results.csv");
            var json = Path.Combine(output, "results.json");
            WriteResults(csv, json, recommendations);
            ctx.Out.Write(ResultsExport.Table(recommendations));
            ctx.Out.WriteLine();
            var agreement = Agreement(csv, reference);
            PrintAgreement(ctx.Out, agreement);
            ctx.Out.WriteLine();
            ctx.Out.WriteLine($"results:      {csv}");
            ctx.Out.WriteLine($"explanations: {json}");
            ctx.Out.WriteLine($"journal:      {Path.Combine(settings["MriCs:DataDir"]!, "mrics.db")} (run again: the same studies come back from it)");
            ctx.Out.WriteLine($"evaluate:     ./mrics evaluate --predictions {csv} --labels {reference} --out {Path.Combine(output, "evaluation")}");
            ctx.Out.WriteLine("Models trained on synthetic phantoms: for demonstration and testing only, not for clinical use.");
            return 0;
        }
        finally
        {
            host.StopAsync().GetAwaiter().GetResult();
        }
    }

    /// <summary>One reference grade per patient and level (a slab labels several images of one level with the same grade).</summary>
    internal static void WriteReference(string labelsCsv, string referenceCsv)
    {
        var lines = File.ReadAllLines(labelsCsv);
        var header = lines[0].Split(',');
        int Col(string name) => Array.IndexOf(header, name) is >= 0 and var i ? i : throw new InvalidDataException($"{labelsCsv}: no column {name}");
        int patient = Col("patient_id"), site = Col("site"), level = Col("level"), grade = Col("grade");
        var rows = lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(','))
            .GroupBy(f => (f[patient], f[level])).Select(g => g.First()).ToList();
        using var w = new StreamWriter(referenceCsv);
        w.WriteLine("patient_id,site,level,grade");
        foreach (var f in rows) w.WriteLine(string.Join(',', f[patient], f[site], f[level], f[grade]));
    }

    /// <summary>Agreement of one model with the reference, image level and patient level.</summary>
    internal sealed record DemoAgreement(string Model, double? ImageThreeClass, double? ImageBinary, double? PatientThreeClass, double? PatientBinary, long Images, long Patients);

    /// <summary>Kappa of every model in results.csv against the phantom ground truth (labels.csv), via MriCs.Evaluation.</summary>
    internal static IReadOnlyList<DemoAgreement> Agreement(string resultsCsv, string labelsCsv)
    {
        var predictions = EvaluationCsv.ReadPredictions(resultsCsv);
        var references = EvaluationCsv.ReadReferences(labelsCsv);
        var report = AgreementAnalysis.Run(predictions, references, new AgreementOptions { BootstrapReplicates = 0, Comparisons = false });
        var target = report.PrimaryTarget;
        return report.Models.Select(m =>
        {
            var image = report.Find(AnalysisUnit.Image, m, target);
            var patient = report.Find(AnalysisUnit.Patient, m, target);
            return new DemoAgreement(m, image?.ThreeClass.Estimate.Kappa, image?.Binary.Estimate.Kappa,
                patient?.ThreeClass.Estimate.Kappa, patient?.Binary.Estimate.Kappa, image?.N ?? 0, patient?.N ?? 0);
        }).ToList();
    }

    internal static void PrintAgreement(TextWriter w, IReadOnlyList<DemoAgreement> rows)
    {
        static string K(double? k) => k is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";
        w.WriteLine($"Cohen's kappa vs the phantom ground truth");
        w.WriteLine($"{"model",-10} {"image 3-class",14} {"image binary",13} {"patient 3-class",16} {"patient binary",15}");
        foreach (var r in rows)
            w.WriteLine($"{r.Model,-10} {K(r.ImageThreeClass),14} {K(r.ImageBinary),13} {K(r.PatientThreeClass),16} {K(r.PatientBinary),15}  ({r.Images} images, {r.Patients} patients)");
    }
}
