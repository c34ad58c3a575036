namespace MriCs.Cli.Commands;

public static class PhantomCommands
{
    public static IReadOnlyList<CliCommand> All { get; } = [];
}
