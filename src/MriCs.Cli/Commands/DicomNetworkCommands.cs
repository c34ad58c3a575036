namespace MriCs.Cli.Commands;

public static class DicomNetworkCommands
{
    public static IReadOnlyList<CliCommand> All { get; } = [];
}
