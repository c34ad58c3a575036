using System.Globalization;
using MriCs.Evaluation.Analysis;
using MriCs.Evaluation.Input;
using MriCs.Evaluation.Reporting;

namespace MriCs.Cli.Commands;

/// <summary><c>mrics evaluate</c>: the study's agreement analysis of predictions against surgeon grades.</summary>
public static class EvaluateCommands
{
    /// <summary>sysexits EX_DATAERR: the input files are malformed.</summary>
    public const int DataErrorExitCode = 65;

    /// <summary>sysexits EX_CANTCREAT: the report folder cannot be written.</summary>
    public const int CantCreateExitCode = 73;

    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("evaluate",
            "evaluate --predictions FILE --labels FILE [--unit image|patient] [--by model|level|site] [--out DIR] [--json] " +
            "[--bootstrap N] [--seed N] [--model NAME] [--target RATER|consensus] [--require-complete] [--no-comparisons]",
            Evaluate, "json", "require-complete", "no-comparisons"),
    ];

    private static int Evaluate(CliArgs args, CliContext ctx)
    {
        var predictionsPath = args.Required("predictions");
        var labelsPath = args.Option("labels") ?? args.Option("references") ?? throw new CliUsageException("missing required option --labels");
        var unit = args.Option("unit") switch
        {
            null or "image" => AnalysisUnit.Image,
            "patient" => AnalysisUnit.Patient,
            var u => throw new CliUsageException($"--unit expects image or patient, got '{u}'"),
        };
        var by = args.Option("by") switch
        {
            null or "model" or "version" => TextReport.Grouping.Model,
            "level" => TextReport.Grouping.Level,
            "site" => TextReport.Grouping.Site,
            var b => throw new CliUsageException($"--by expects model, level or site, got '{b}'"),
        };
        var replicates = args.Int("bootstrap", 2000);
        if (replicates is < 0 or > 1_000_000) throw new CliUsageException("--bootstrap expects 0..1000000");
        var seedText = args.Option("seed");
        ulong seed = new AgreementOptions().Seed;
        if (seedText is not null && !ulong.TryParse(seedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out seed))
            throw new CliUsageException($"--seed expects a non-negative integer, got '{seedText}'");

        var options = new AgreementOptions
        {
            BootstrapReplicates = replicates,
            Seed = seed,
            PrimaryModel = args.Option("model"),
            PrimaryTarget = args.Option("target"),
            RequireComplete = args.Flag("require-complete"),
            Comparisons = !args.Flag("no-comparisons"),
        };

        AgreementReport report;
        try
        {
            var predictions = EvaluationCsv.ReadPredictions(predictionsPath);
            var labels = EvaluationCsv.ReadReferences(labelsPath);
            report = AgreementAnalysis.Run(predictions, labels, options);
        }
        catch (EvaluationInputException ex)
        {
            ctx.Error.WriteLine($"mrics evaluate: {ex.Message}");
            return DataErrorExitCode;
        }
        catch (ArgumentException ex)
        {
            throw new CliUsageException(ex.Message);
        }

        if (args.Option("out") is { } dir)
        {
            try
            {
                foreach (var path in ReportWriter.WriteAll(report, unit, dir))
                    ctx.Error.WriteLine($"wrote {path}");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                ctx.Error.WriteLine($"mrics evaluate: cannot write the report to {dir}: {ex.Message}");
                return CantCreateExitCode;
            }
        }
        ctx.Out.Write(args.Flag("json") ? JsonReport.Render(report, unit) + "\n" : TextReport.Render(report, unit, by));
        return 0;
    }
}
