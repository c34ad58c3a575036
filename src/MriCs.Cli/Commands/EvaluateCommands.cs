namespace MriCs.Cli.Commands;

public static class EvaluateCommands
{
    public static IReadOnlyList<CliCommand> All { get; } = [];
}
