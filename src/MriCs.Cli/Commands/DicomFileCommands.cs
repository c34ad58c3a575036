namespace MriCs.Cli.Commands;

public static class DicomFileCommands
{
    public static IReadOnlyList<CliCommand> All { get; } = [];
}
