using System.Diagnostics;
using MriCs.Phantom;

namespace MriCs.Cli.Commands;

public static class PhantomCommands
{
    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("phantom export-training", "phantom export-training --out DIR [--patients N] [--seed S] [--sites K]", ExportTraining),
    ];

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
}
