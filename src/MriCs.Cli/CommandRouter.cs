namespace MriCs.Cli;

/// <summary>A command: its words ("dicom info"), usage text, flag names and handler.</summary>
public sealed record CliCommand(string Name, string Usage, Func<CliArgs, CliContext, int> Handler, params string[] Flags);

/// <summary>Output streams handed to commands (tests capture them).</summary>
public sealed record CliContext(TextWriter Out, TextWriter Error);

public static class CommandRouter
{
    public const int UsageExitCode = 64;

    public static int Run(string[] args, IReadOnlyList<CliCommand> commands, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintHelp(commands, stdout);
            return args.Length == 0 ? UsageExitCode : 0;
        }

        // Longest match of command words wins ("dicom info" before "dicom").
        CliCommand? match = null;
        var matchedWords = 0;
        foreach (var c in commands)
        {
            var words = c.Name.Split(' ');
            if (words.Length > args.Length || words.Length <= matchedWords) continue;
            if (words.Select((w, i) => w == args[i]).All(x => x)) { match = c; matchedWords = words.Length; }
        }
        if (match is null)
        {
            stderr.WriteLine($"mrics: unknown command '{string.Join(' ', args.Take(2))}'");
            PrintHelp(commands, stderr);
            return UsageExitCode;
        }
        var rest = args.Skip(matchedWords).ToArray();
        if (rest.Contains("--help") || rest.Contains("-h"))
        {
            stdout.WriteLine($"usage: mrics {match.Usage}");
            return 0;
        }
        try
        {
            var parsed = CliArgs.Parse(rest, new HashSet<string>(match.Flags, StringComparer.Ordinal));
            return match.Handler(parsed, new CliContext(stdout, stderr));
        }
        catch (CliUsageException ex)
        {
            stderr.WriteLine($"mrics {match.Name}: {ex.Message}");
            stderr.WriteLine($"usage: mrics {match.Usage}");
            return UsageExitCode;
        }
    }

    private static void PrintHelp(IReadOnlyList<CliCommand> commands, TextWriter w)
    {
        w.WriteLine("usage: mrics <command> [options]   (mrics <command> --help for details)");
        w.WriteLine();
        foreach (var c in commands.OrderBy(c => c.Name, StringComparer.Ordinal))
            w.WriteLine($"  {c.Usage}");
    }
}
