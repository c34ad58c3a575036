using Microsoft.Extensions.Logging;

namespace MriCs.Dicom.Network.Tests;

/// <summary>Public sample files (pydicom's test files) and comparisons through dcmtk's dcmdump.</summary>
public static class DicomTestFiles
{
    public static readonly string[] Uncompressed =
    [
        "MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "CT_small.dcm", "test-SR.dcm",
        "rtplan.dcm", "rtdose.dcm", "waveform_ecg.dcm", "reportsi.dcm",
    ];

    public static string Sample(string name) => Path.Combine(TestEnv.PydicomFiles, name);

    /// <summary>The 17 MR files of pydicom's DICOMDIR test study (one patient, three series).</summary>
    public static IReadOnlyList<string> Study() =>
        Directory.EnumerateFiles(Path.Combine(TestEnv.PydicomFiles, "dicomdirtests", "98892003"), "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal).ToList();

    /// <summary>Copies with fresh SOP Instance UIDs (dcmodify -gin) so that variants of one image do not collide.</summary>
    public static async Task<IReadOnlyList<string>> UniqueCopiesAsync(IEnumerable<string> sources, string dir, int copiesEach = 1)
    {
        var result = new List<string>();
        var k = 0;
        foreach (var src in sources)
            for (var c = 0; c < copiesEach; c++)
            {
                var dst = Path.Combine(dir, $"{k++:D4}_{Path.GetFileName(src)}");
                File.Copy(src, dst);
                result.Add(dst);
            }
        foreach (var chunk in result.Chunk(200))
        {
            var (exit, output) = await PeerProcess.RunAsync("dcmodify", ["-nb", "-gin", .. chunk], TimeSpan.FromSeconds(120));
            Assert.True(exit == 0, output);
        }
        return result;
    }

    /// <summary>dcmdump of the data set only (group 0002 and the syntax line left out), for element-by-element comparison.</summary>
    public static async Task<string> DataSetDumpAsync(string path)
    {
        var (exit, output) = await PeerProcess.RunAsync("dcmdump", ["-q", "+L", path], TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, $"dcmdump {path}: {output}");
        var lines = output.Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith("# Dicom-Data-Set", StringComparison.Ordinal));
        Assert.True(start >= 0, $"dcmdump {path}: no data set section");
        return string.Join('\n', lines.Skip(start + 1).Where(l => !l.StartsWith("# Used TransferSyntax", StringComparison.Ordinal)));
    }

    public static async Task AssertSameDataSetAsync(string expected, string actual)
    {
        var a = await DataSetDumpAsync(expected);
        var b = await DataSetDumpAsync(actual);
        Assert.True(a == b, $"{actual} differs from {expected}:\n--- expected\n{a}\n--- actual\n{b}");
    }

    /// <summary>Where the MriCs SCP puts an instance.</summary>
    public static string StoredPath(string root, string original)
    {
        using var fs = File.OpenRead(original);
        var h = Part10Header.Read(fs, original);
        fs.Seek(h.DataSetOffset, SeekOrigin.Begin);
        var uids = DataSetUidScanner.Scan(fs, h.TransferSyntaxUid);
        return Path.Combine(root, uids.StudyInstanceUid!, uids.SeriesInstanceUid!, h.SopInstanceUid + ".dcm");
    }
}

/// <summary>Collects formatted log lines.</summary>
public sealed class ListLogger : ILogger
{
    private readonly List<string> _lines = [];
    public IReadOnlyList<string> Lines { get { lock (_lines) return [.. _lines]; } }
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines) _lines.Add(formatter(state, exception));
    }
}
