namespace MriCs.Cli.Commands;

public static class ModelsCommands
{
    public static IReadOnlyList<CliCommand> All { get; } = [];
}
