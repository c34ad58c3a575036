using System.Diagnostics;
using System.Globalization;
using MriCs.Inference.Manifest;
using MriCs.Inference.Pipeline;
using MriCs.Inference.Preprocessing;
using MriCs.Inference.Sessions;
using MriCs.Dicom;
using MriCs.Phantom;
using MriCs.Phantom.Studies;

namespace MriCs.Cli.Commands;

public static class PhantomCommands
{
    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("phantom", "phantom --out DIR [--patients N] [--seed S] [--sites K] [--protocol key-images|slabs|stack] [--level-tag gggg,eeee] [--no-distractors]", Studies, "no-distractors"),
        new("phantom export-training", "phantom export-training --out DIR [--patients N] [--seed S] [--sites K]", ExportTraining),
        new("phantom evaluate-models", "phantom evaluate-models [--models DIR] [--set ID] [--patients N] [--seed S] [--sites K] [--provider auto|cpu|cuda]", EvaluateModels),
    ];

    /// <summary>Synthetic MR studies as DICOM Part 10 files (one folder per patient) plus labels.csv.</summary>
    private static int Studies(CliArgs args, CliContext ctx)
    {
        if (args.Positionals.Count > 0) throw new CliUsageException($"unknown subcommand '{args.Positionals[0]}'");
        var output = args.Required("out");
        var patients = args.Int("patients", 10);
        if (patients < 1) throw new CliUsageException("--patients must be >= 1");
        var options = new PhantomOptions(args.Int("seed", 1), args.Int("sites", 3));
        var protocol = args.Option("protocol") switch
        {
            null or "key-images" => PhantomProtocol.KeyImages,
            "slabs" => PhantomProtocol.Slabs,
            "stack" => PhantomProtocol.Stack,
            var p => throw new CliUsageException($"--protocol '{p}' is not key-images, slabs or stack"),
        };
        var study = new StudyOptions { Protocol = protocol, Distractors = !args.Flag("no-distractors") };
        if (args.Option("level-tag") is { } tagText)
            study = study with { LevelTag = DicomTag.TryParse(tagText, out var tag) ? tag : throw new CliUsageException($"--level-tag '{tagText}' is not a tag (gggg,eeee)") };
        var sw = Stopwatch.StartNew();
        var files = PhantomStudy.Write(output, options, patients, study);
        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {files} DICOM files of {patients} studies ({protocol}) to {output} in {sw.Elapsed.TotalSeconds:F1} s; ground truth in labels.csv"));
        return 0;
    }

    private static int ExportTraining(CliArgs args, CliContext ctx)
    {
        var output = args.Required("out");
        var patients = args.Int("patients", 100);
        if (patients < 1) throw new CliUsageException("--patients must be >= 1");
        var options = new PhantomOptions(args.Int("seed", 1), args.Int("sites", 3));
        var sw = Stopwatch.StartNew();
        var images = TrainingExport.Write(output, options, patients);
        ctx.Out.WriteLine($"wrote {images} images of {patients} patients to {output} in {sw.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    /// <summary>Runs a model set on freshly generated (held-out) phantoms and reports detector IoU and per-image kappa against ground truth.</summary>
    private static int EvaluateModels(CliArgs args, CliContext ctx)
    {
        var dir = CliPaths.Models(args);
        var patients = args.Int("patients", 50);
        if (patients < 1) throw new CliUsageException("--patients must be >= 1");
        var options = new PhantomOptions(args.Int("seed", 99991), args.Int("sites", 3));
        var manifest = ManifestLoader.Load(dir);
        var factory = new OnnxSessionFactory(ExecutionProviderOptions.Parse(args.Option("provider")));
        var setId = args.Option("set") ?? "ensemble";
        var pipeline = SlicePipeline.Create(dir, manifest, setId, factory);
        try
        {
            var ious = new List<double>();
            var truth = new List<int>();
            var perModel = new Dictionary<string, List<int>>();
            var ensemble = new List<int>();
            var noRoi = 0;
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < patients; i++)
            {
                foreach (var slice in PhantomGenerator.Patient(options, i).Slices)
                {
                    var image = new GrayImage(slice.Width, slice.Height, slice.ToGray8());
                    if (pipeline.TrySubmit(image, CancellationToken.None, out var task) != Inference.Batching.EnqueueStatus.Accepted)
                        throw new InvalidOperationException("pipeline refused a slice");
                    var result = task.GetAwaiter().GetResult();
                    ious.Add(result.Roi is { } roi ? GroundTruthMetrics.IoU(slice.Roi, new RoiBox(roi.X0, roi.Y0, roi.X1, roi.Y1)) : 0);
                    if (result.Votes.Count == 0) { noRoi++; continue; }
                    truth.Add(slice.Grade);
                    foreach (var v in result.Votes)
                    {
                        if (!perModel.TryGetValue(v.ModelId, out var list)) perModel[v.ModelId] = list = [];
                        list.Add(v.Grade);
                    }
                    var mean = result.MeanProbabilities!;
                    ensemble.Add(Array.IndexOf(mean, mean.Max()));
                }
            }
            var inv = CultureInfo.InvariantCulture;
            ctx.Out.WriteLine(string.Create(inv, $"model set {setId} on {ious.Count} held-out phantom images ({patients} patients, seed {options.Seed}), {pipeline.Provider}, {sw.Elapsed.TotalSeconds:F1} s"));
            ctx.Out.WriteLine(string.Create(inv, $"detector: IoU>=0.7 {ious.Count(x => x >= 0.7) / (double)ious.Count:P1}, mean IoU {ious.Average():F3}, no ROI/vote {noRoi}"));
            if (truth.Count == 0) return 1;
            foreach (var (id, grades) in perModel)
                ctx.Out.WriteLine(string.Create(inv, $"{id,-28} kappa3 {GroundTruthMetrics.CohenKappa(truth, grades, 3):F3}  binary {GroundTruthMetrics.CohenKappa(Binary(truth), Binary(grades), 2):F3}  n {truth.Count}"));
            ctx.Out.WriteLine(string.Create(inv, $"{"ensemble (mean probability)",-28} kappa3 {GroundTruthMetrics.CohenKappa(truth, ensemble, 3):F3}  binary {GroundTruthMetrics.CohenKappa(Binary(truth), Binary(ensemble), 2):F3}"));
            return 0;
        }
        finally
        {
            pipeline.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static int[] Binary(IEnumerable<int> grades) => grades.Select(g => g > 0 ? 1 : 0).ToArray();
}
