using System.Text.Json;
using MriCs.Dicom;
using MriCs.Dicom.Inspection;

namespace MriCs.Cli.Commands;

/// <summary>`dicom dump` and `dicom info`: thin wrappers over MriCs.Dicom.Inspection.</summary>
public static class DicomFileCommands
{
    public const int UnreadableExitCode = 2;

    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("dicom dump", "dicom dump FILE [--header-only]   (every element: tag, VR, value, length, keyword)", Dump, "header-only"),
        new("dicom info", "dicom info FILE [--json]   (UIDs, pixel module, pixelSha256/min/max of the stored values)", Info, "json"),
    ];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string FileArg(CliArgs args) =>
        args.Positionals.Count == 1 ? args.Positionals[0] : throw new CliUsageException("expects exactly one FILE");

    private static int Dump(CliArgs args, CliContext ctx)
    {
        var path = FileArg(args);
        try
        {
            var file = DicomFile.Open(path, args.Flag("header-only") ? Dicom.IO.DicomReadOptions.HeaderOnly : null);
            DicomDumper.Dump(file, ctx.Out);
            return 0;
        }
        catch (Exception ex) when (ex is DicomException or IOException or UnauthorizedAccessException)
        {
            ctx.Error.WriteLine($"mrics dicom dump: {path}: {ex.Message}");
            return UnreadableExitCode;
        }
    }

    private static int Info(CliArgs args, CliContext ctx)
    {
        var path = FileArg(args);
        DicomImageSummary summary;
        try
        {
            summary = DicomImageSummary.Create(DicomFile.Open(path));
        }
        catch (Exception ex) when (ex is DicomException or IOException or UnauthorizedAccessException)
        {
            if (args.Flag("json")) ctx.Out.WriteLine(JsonSerializer.Serialize(new { error = ex.Message, file = path }, Json));
            else ctx.Error.WriteLine($"mrics dicom info: {path}: {ex.Message}");
            return UnreadableExitCode;
        }
        if (args.Flag("json"))
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(summary, Json));
            return 0;
        }
        foreach (var p in typeof(DicomImageSummary).GetProperties())
        {
            if (p.Name == "EqualityContract") continue;
            ctx.Out.WriteLine($"{JsonNamingPolicy.CamelCase.ConvertName(p.Name),-26} {p.GetValue(summary) ?? "-"}");
        }
        return 0;
    }
}
