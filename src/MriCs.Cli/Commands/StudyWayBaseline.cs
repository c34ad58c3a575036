using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MriCs.Phantom;

namespace MriCs.Cli.Commands;

/// <summary>
/// The study's own way of inference as a baseline for `bench inference --study-way`: the PyTorch script of the
/// training recipe (models/training/study_inference.py), one image at a time, with the float16 state dicts the
/// ONNX files were exported from (train.py writes &lt;id&gt;.pt beside &lt;id&gt;.onnx).
/// </summary>
public static partial class StudyWayBaseline
{
    public sealed record Result(double ImagesPerSecond, double MeanMilliseconds, int Images, int Threads, string Device, string WeightsDir, string Summary, string? Agreement);

    /// <summary>Patients to export so the phantom test split (3 patients in 20, 4 levels each) holds at least <paramref name="images"/>.</summary>
    public static int PatientsFor(int images) => 20 * (int)Math.Ceiling(images / 12.0);

    /// <summary>The .pt files the set needs that are missing from <paramref name="weightsDir"/> (the detector and every classifier).</summary>
    public static IReadOnlyList<string> MissingWeights(string weightsDir, string detectorId, IEnumerable<string> classifierIds) =>
        classifierIds.Prepend(detectorId).Select(id => id + ".pt").Where(f => !File.Exists(Path.Combine(weightsDir, f))).ToList();

    /// <summary>Parses the script's summary line ("... mean 51.2 ms/image, p50 ..., 19.53 images/s").</summary>
    public static (double MeanMs, double ImagesPerSecond)? ParseSummary(string line)
    {
        var m = SummaryPattern().Match(line);
        if (!m.Success) return null;
        return (double.Parse(m.Groups["mean"].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups["ips"].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"mean (?<mean>[0-9.]+) ms/image.* (?<ips>[0-9.]+) images/s")]
    private static partial Regex SummaryPattern();

    /// <summary>The Python the training recipe runs on (Debian's, with python3-torch); MRICS_PYTHON overrides it.</summary>
    public static string Python => Environment.GetEnvironmentVariable("MRICS_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";

    private static string Script => Path.Combine(CliPaths.Home, "models", "training", "study_inference.py");

    private static string NoScript => $"the study-way script is not at {Script} (set MRICS_HOME to the MriCs checkout)";

    /// <summary>Null when the baseline can run here, else what is missing (checked before the pipeline is timed).</summary>
    public static string? Preflight()
    {
        if (!File.Exists(Script)) return NoScript;
        try
        {
            var psi = new ProcessStartInfo(Python) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-c", "import numpy, torch, torchvision" }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(120_000)) { p.Kill(true); return $"{Python} did not import torch within 2 minutes"; }
            return p.ExitCode == 0 ? null
                : $"{Python} cannot import numpy, torch and torchvision ({LastLines(err.Result, 1)}); Debian: apt-get install python3-torch python3-torchvision python3-numpy libopenblas0-openmp";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"cannot run {Python}: {ex.Message}";
        }
    }

    public static Result Run(string weightsDir, string setId, int images, int threads, string device, string? dataDir, TextWriter log)
    {
        var script = Script;
        if (!File.Exists(script)) throw new InvalidOperationException(NoScript);
        var temp = dataDir is null ? Path.Combine(Path.GetTempPath(), "mrics-study-way-" + Guid.NewGuid().ToString("N")[..8]) : null;
        try
        {
            if (temp is not null)
            {
                var patients = PatientsFor(images);
                log.WriteLine($"exporting {patients} phantom patients (seed 20261127) as the study's image files for the PyTorch baseline...");
                TrainingExport.Write(temp, new PhantomOptions(20261127), patients);
            }
            var psi = new ProcessStartInfo(Python)
            {
                UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            foreach (var a in new[] { script, "--data", dataDir ?? temp!, "--weights", weightsDir, "--set", setId, "--images", images.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture), "--device", device })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {Python}");
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
                throw new InvalidOperationException($"study_inference.py exited with {p.ExitCode}: {LastLines(stderr.Result, 5)} (see docs/phantom.md for its Python packages)");
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var summary = lines.FirstOrDefault(l => l.StartsWith("study-style PyTorch inference", StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"study_inference.py printed no summary line: {LastLines(stdout, 3)}");
            var parsed = ParseSummary(summary) ?? throw new InvalidOperationException($"cannot read the study_inference.py summary: {summary}");
            return new Result(parsed.ImagesPerSecond, parsed.MeanMs, images, threads, device, weightsDir, summary,
                lines.FirstOrDefault(l => l.StartsWith("graded ", StringComparison.Ordinal)));
        }
        finally
        {
            if (temp is not null && Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    private static string LastLines(string text, int n) =>
        string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(n));
}
