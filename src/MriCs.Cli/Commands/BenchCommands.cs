namespace MriCs.Cli.Commands;

public static class BenchCommands
{
    public static IReadOnlyList<CliCommand> All { get; } = [];
}
