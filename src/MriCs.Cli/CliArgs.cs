namespace MriCs.Cli;

/// <summary>Parsed command-line arguments: positionals, single/repeated options, flags.</summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, List<string>> _options;
    private readonly HashSet<string> _flags;

    public CliArgs(IReadOnlyList<string> positionals, Dictionary<string, List<string>> options, HashSet<string> flags)
    {
        Positionals = positionals;
        _options = options;
        _flags = flags;
    }

    public IReadOnlyList<string> Positionals { get; }

    public bool Flag(string name) => _flags.Contains(name);

    public string? Option(string name) => _options.TryGetValue(name, out var v) ? v[^1] : null;

    public IReadOnlyList<string> Options(string name) => _options.TryGetValue(name, out var v) ? v : [];

    public string Required(string name) =>
        Option(name) ?? throw new CliUsageException($"missing required option --{name}");

    public int Int(string name, int fallback)
    {
        var s = Option(name);
        if (s is null) return fallback;
        return int.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new CliUsageException($"option --{name} expects an integer, got '{s}'");
    }

    /// <summary>Parses tokens; names in <paramref name="flagNames"/> take no value, every other --option takes one.</summary>
    public static CliArgs Parse(IEnumerable<string> tokens, IReadOnlySet<string> flagNames)
    {
        var positionals = new List<string>();
        var options = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        using var e = tokens.GetEnumerator();
        while (e.MoveNext())
        {
            var t = e.Current;
            if (t == "--")
            {
                while (e.MoveNext()) positionals.Add(e.Current);
                break;
            }
            if (t.StartsWith("--", StringComparison.Ordinal) && t.Length > 2)
            {
                var name = t[2..];
                string? inline = null;
                var eq = name.IndexOf('=');
                if (eq > 0) { inline = name[(eq + 1)..]; name = name[..eq]; }
                if (flagNames.Contains(name))
                {
                    if (inline is not null) throw new CliUsageException($"--{name} takes no value");
                    flags.Add(name);
                    continue;
                }
                var value = inline;
                if (value is null)
                {
                    if (!e.MoveNext()) throw new CliUsageException($"option --{name} needs a value");
                    value = e.Current;
                }
                if (!options.TryGetValue(name, out var list)) options[name] = list = [];
                list.Add(value);
                continue;
            }
            positionals.Add(t);
        }
        return new CliArgs(positionals, options, flags);
    }
}

/// <summary>Wrong use of the command line: printed with the command's usage, exit code 64.</summary>
public sealed class CliUsageException(string message) : Exception(message);
