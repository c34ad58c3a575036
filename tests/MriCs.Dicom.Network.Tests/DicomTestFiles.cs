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

    /// <param name="ignoreSequenceLengthEncoding">Transcoding changes sequence and item lengths: compare
    /// sequences and items without their explicit/undefined length encoding.</param>
    public static async Task AssertSameDataSetAsync(string expected, string actual, bool ignoreSequenceLengthEncoding = false)
    {
        var a = await DataSetDumpAsync(expected);
        var b = await DataSetDumpAsync(actual);
        if (ignoreSequenceLengthEncoding)
        {
            a = NormalizeSequences(a);
            b = NormalizeSequences(b);
        }
        Assert.True(a == b, $"{actual} differs from {expected}:\n--- expected\n{a}\n--- actual\n{b}");
    }

    private static string NormalizeSequences(string dump) => string.Join('\n', dump.Split('\n').Select(line =>
    {
        var t = line.TrimStart();
        // Implicit VR makes Pixel Data OW even for 8-bit data: compare it as bytes.
        if (line.StartsWith("(7fe0,0010) OW ", StringComparison.Ordinal))
        {
            var words = line[15..].Split(' ')[0].Split('\\');
            return "(7fe0,0010) OB " + string.Join('\\', words.SelectMany(w => new[] { w[2..4], w[0..2] }));
        }
        if (line.StartsWith("(7fe0,0010) OB ", StringComparison.Ordinal))
            return "(7fe0,0010) OB " + line[15..].Split(' ')[0];
        if (!(t.StartsWith("(fffe,", StringComparison.Ordinal) || System.Text.RegularExpressions.Regex.IsMatch(t, @"^\([0-9a-f]{4},[0-9a-f]{4}\) SQ "))) return line;
        var hash = line.IndexOf('#');
        var head = hash < 0 ? line : line[..hash];
        var cut = System.Text.RegularExpressions.Regex.Replace(head, @"with (explicit|undefined) length|for re-encod\w*\.?", "");
        return System.Text.RegularExpressions.Regex.Replace(cut, @"\s+\)", ")").TrimEnd();
    }));

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
