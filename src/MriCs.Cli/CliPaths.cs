namespace MriCs.Cli;

/// <summary>Default locations, relative to the MriCs checkout (MRICS_HOME, set by ./mrics) or the current directory.</summary>
public static class CliPaths
{
    public static string Home => Environment.GetEnvironmentVariable("MRICS_HOME") is { Length: > 0 } home ? home : Directory.GetCurrentDirectory();

    public static string Models(CliArgs args) => args.Option("models") ?? Path.Combine(Home, "models");
}
