using System.Diagnostics;
using System.Globalization;

namespace MriCs.Evaluation.Tests.Oracle;

/// <summary>Runs an oracle script with /usr/bin/python3 (scikit-learn, statsmodels from Debian). Fails, never skips, when missing.</summary>
internal static class PythonOracle
{
    public static IReadOnlyDictionary<string, Dictionary<string, double>> Run(string script, IEnumerable<string> inputLines)
    {
        var stdout = Execute(script, [], inputLines);
        var result = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Trim().Split(';');
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var kv in parts.Skip(1))
            {
                var eq = kv.IndexOf('=');
                var v = kv[(eq + 1)..];
                values[kv[..eq]] = v == "nan" ? double.NaN : double.Parse(v, CultureInfo.InvariantCulture);
            }
            result[parts[0]] = values;
        }
        return result;
    }

    /// <summary>Runs a script with arguments and returns its non-empty output lines.</summary>
    public static IReadOnlyList<string> RunLines(string script, IReadOnlyList<string> arguments) =>
        Execute(script, arguments, []).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();

    private static string Execute(string script, IReadOnlyList<string> arguments, IEnumerable<string> inputLines)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Oracle", script);
        Assert.True(File.Exists(path), $"oracle script missing: {path}");
        Assert.True(File.Exists("/usr/bin/python3"),
            "/usr/bin/python3 missing: install python3-sklearn python3-statsmodels (scripts/test does)");
        var psi = new ProcessStartInfo("/usr/bin/python3", [path, .. arguments])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderrTask = p.StandardError.ReadToEndAsync();
        foreach (var l in inputLines) p.StandardInput.WriteLine(l);
        p.StandardInput.Close();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("oracle timed out");
        }
        var stdout = stdoutTask.Result;
        Assert.True(p.ExitCode == 0, $"oracle failed (exit {p.ExitCode}): {stderrTask.Result}");
        return stdout;
    }
}
