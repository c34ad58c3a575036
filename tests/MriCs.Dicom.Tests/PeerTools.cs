using System.Diagnostics;

namespace MriCs.Dicom.Tests;

/// <summary>Real files and real tools the tests compare against (installed by scripts/test through apt).</summary>
internal static class PeerTools
{
    public const string PydicomFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files";
    public const string Dicom3ToolsMr = "/usr/share/doc/dicom3tools/examples/0051.dcm";
    public const string Python = "/usr/bin/python3";

    public static string PydicomFile(string name)
    {
        var p = Path.Combine(PydicomFiles, name);
        Assert.True(File.Exists(p), $"{p} missing: install python3-pydicom (scripts/test does)");
        return p;
    }

    public static string ScriptPath(string name) => Path.Combine(AppContext.BaseDirectory, "Peers", name);

    /// <summary>Runs a tool; fails the test (never skips) when it is missing or exits with an unexpected code.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish in 120 s");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static string RunOk(string file, params string[] args)
    {
        var (code, stdout, stderr) = Run(file, args);
        Assert.True(code == 0, $"{file} {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout;
    }

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "mrics-dicom-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}
