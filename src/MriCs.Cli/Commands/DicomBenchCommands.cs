using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MriCs.Dicom;
using MriCs.Dicom.IO;
using MriCs.Dicom.Pixels;

namespace MriCs.Cli.Commands;

/// <summary>
/// `bench dicom`: header-only parse rate and full read + pixel decode rate of MriCs, side by side with pydicom
/// (/usr/bin/python3) on the same files in the same run. Files: synthetic 512x512 16-bit (12 stored) MR slices in
/// explicit VR little endian, plus RLE and JPEG lossless variants made with dcmtk when it is installed, or the
/// files given with --files.
/// </summary>
public static class DicomBenchCommands
{
    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("bench dicom", "bench dicom [--files DIR] [--count N] [--seconds S] [--no-pydicom]   (MB/s and files/s vs pydicom, same files, same run)", Run, "no-pydicom"),
    ];

    private static int Run(CliArgs args, CliContext ctx)
    {
        var seconds = args.Int("seconds", 2);
        var count = args.Int("count", 20);
        var dir = args.Option("files");
        var work = Path.Combine(Path.GetTempPath(), "mrics-bench-dicom-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var sets = new List<(string Name, string[] Files)>();
        try
        {
            if (dir is not null)
            {
                var files = Directory.GetFiles(dir).Where(f => !f.EndsWith("DICOMDIR", StringComparison.Ordinal)).Order().ToArray();
                if (files.Length == 0) throw new CliUsageException($"no files in {dir}");
                sets.Add((Path.GetFileName(Path.TrimEndingDirectorySeparator(dir)), files));
            }
            else
            {
                Directory.CreateDirectory(work);
                sets.AddRange(MakeSyntheticSets(work, count, ctx));
            }

            ctx.Out.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}; {seconds} s per measurement");
            ctx.Out.WriteLine($"{"set",-20} {"files",5} {"measure",-22} {"MriCs files/s",14} {"MriCs MB/s",11} {"pydicom files/s",16} {"pydicom MB/s",13} {"ratio",7}");
            foreach (var (name, files) in sets)
            {
                var bytes = files.Sum(f => new FileInfo(f).Length);
                var header = Measure(files, seconds, HeaderOnly);
                double? full = null;
                string? fullError = null;
                try
                {
                    full = Measure(files, seconds, ReadAndDecode);
                }
                catch (DicomException ex)
                {
                    fullError = ex.Message;
                }
                PyResult? py = args.Flag("no-pydicom") ? null : RunPydicom(files, seconds, ctx);
                Print(ctx, name, files.Length, "header-only parse", header, bytes, py?.Header, py?.HeaderError);
                if (full is { } fps) Print(ctx, name, files.Length, "read + decode pixels", fps, bytes, py?.Full, py?.FullError);
                else ctx.Out.WriteLine($"{name,-20} {files.Length,5} {"read + decode pixels",-22} MriCs: {fullError}");
            }
            ctx.Out.WriteLine("MB/s counts file bytes; best of 5 rounds on both sides; 'read + decode' = read the file, parse, decode every frame to stored values (MriCs: int32 per value; pydicom: dcmread + pixel_array).");
            return 0;
        }
        finally
        {
            if (dir is null && Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }

    private static void Print(CliContext ctx, string set, int n, string what, double filesPerSecond, long bytes, double? py, string? pyError)
    {
        var mb = filesPerSecond * bytes / n / 1e6;
        var pyText = py is { } p ? p.ToString("F1", CultureInfo.InvariantCulture) : (pyError is null ? "-" : "n/a");
        var pyMb = py is { } q ? (q * bytes / n / 1e6).ToString("F1", CultureInfo.InvariantCulture) : "-";
        var ratio = py is { } r && r > 0 ? (filesPerSecond / r).ToString("F1", CultureInfo.InvariantCulture) + "x" : "-";
        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{set,-20} {n,5} {what,-22} {filesPerSecond,14:F1} {mb,11:F1} {pyText,16} {pyMb,13} {ratio,7}"));
        if (pyError is not null) ctx.Out.WriteLine($"{"",-20} {"",5} {"",-22} pydicom: {pyError}");
    }

    /// <summary>Rounds per measurement; the best round counts (the same rule for MriCs and pydicom: shared machines are noisy).</summary>
    private const int Rounds = 5;

    /// <summary>Runs the action over all files for <see cref="Rounds"/> rounds of about seconds/rounds each; returns the best files per second.</summary>
    private static double Measure(string[] files, int seconds, Action<string> action)
    {
        foreach (var f in files) action(f); // warm-up (JIT, page cache)
        var best = 0.0;
        for (var r = 0; r < Rounds; r++)
        {
            var sw = Stopwatch.StartNew();
            long done = 0;
            do
            {
                foreach (var f in files) action(f);
                done += files.Length;
            }
            while (sw.Elapsed.TotalSeconds < (double)seconds / Rounds);
            best = Math.Max(best, done / sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    private static void HeaderOnly(string path)
    {
        var file = DicomFile.Open(path, DicomReadOptions.HeaderOnly);
        if (file.Dataset.GetString(DicomTag.SOPInstanceUID) is null) throw new InvalidOperationException($"{path}: no SOPInstanceUID");
    }

    [ThreadStatic] private static int[]? _values;

    /// <summary>Reads the file into a pooled buffer (no large-object-heap allocation per file), parses it and decodes every frame.</summary>
    private static void ReadAndDecode(string path)
    {
        using var handle = File.OpenHandle(path);
        var length = checked((int)RandomAccess.GetLength(handle));
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            if (RandomAccess.Read(handle, buffer.AsSpan(0, length), 0) != length) throw new IOException($"{path}: short read");
            var file = DicomFile.Read(buffer.AsMemory(0, length));
            var px = DicomPixelData.Create(file);
            if (_values is null || _values.Length < px.ValuesPerFrame) _values = new int[px.ValuesPerFrame];
            for (var f = 0; f < px.NumberOfFrames; f++) px.GetStoredValues(f, _values);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private sealed record PyResult(double? Header, double? Full, string? HeaderError, string? FullError);

    private const string PydicomScript = """
        import json, sys, time
        import pydicom
        seconds = float(sys.argv[1]); files = sys.argv[2:]
        def measure(fn):
            for f in files: fn(f)
            best = 0.0
            for r in range(5):
                t0 = time.perf_counter(); n = 0
                while True:
                    for f in files: fn(f)
                    n += len(files)
                    if time.perf_counter() - t0 >= seconds / 5: break
                best = max(best, n / (time.perf_counter() - t0))
            return best
        def header(f):
            ds = pydicom.dcmread(f, stop_before_pixels=True)
            assert ds.SOPInstanceUID
        def full(f):
            ds = pydicom.dcmread(f)
            ds.pixel_array
        out = {}
        for name, fn in (("header", header), ("full", full)):
            try:
                out[name] = measure(fn)
            except Exception as e:
                out[name + "Error"] = type(e).__name__ + ": " + str(e).splitlines()[0][:150]
        print(json.dumps(out))
        """;

    private static PyResult? RunPydicom(string[] files, int seconds, CliContext ctx)
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python))
        {
            ctx.Error.WriteLine("bench dicom: /usr/bin/python3 not found: no pydicom baseline (apt-get install python3-pydicom)");
            return null;
        }
        var script = Path.Combine(Path.GetTempPath(), $"mrics-pydicom-bench-{Environment.ProcessId}.py");
        File.WriteAllText(script, string.Join('\n', PydicomScript.Split('\n')));
        try
        {
            var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(script);
            psi.ArgumentList.Add(seconds.ToString(CultureInfo.InvariantCulture));
            foreach (var f in files) psi.ArgumentList.Add(f);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                ctx.Error.WriteLine($"bench dicom: pydicom baseline failed: {stderr.Result.Trim().Split('\n')[^1]}");
                return null;
            }
            var json = JsonDocument.Parse(stdout.Result).RootElement;
            double? Num(string n) => json.TryGetProperty(n, out var v) ? v.GetDouble() : null;
            string? Str(string n) => json.TryGetProperty(n, out var v) ? v.GetString() : null;
            return new PyResult(Num("header"), Num("full"), Str("headerError"), Str("fullError"));
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static IEnumerable<(string, string[])> MakeSyntheticSets(string work, int count, CliContext ctx)
    {
        var native = new string[count];
        for (var i = 0; i < count; i++)
        {
            native[i] = Path.Combine(work, $"native-{i:D3}.dcm");
            new DicomFile(SyntheticSlice(i)).Save(native[i]);
        }
        yield return ("native 512x512", native);
        foreach (var (name, tool, option) in new[] { ("RLE", "dcmcrle", ""), ("JPEG LL SV1", "dcmcjpeg", "+e1") })
        {
            var made = new List<string>();
            foreach (var src in native)
            {
                var dst = src.Replace("native-", name.Replace(' ', '_') + "-", StringComparison.Ordinal);
                var psi = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
                if (option.Length > 0) psi.ArgumentList.Add(option);
                psi.ArgumentList.Add(src);
                psi.ArgumentList.Add(dst);
                try
                {
                    using var p = Process.Start(psi)!;
                    p.WaitForExit();
                    if (p.ExitCode != 0) break;
                    made.Add(dst);
                }
                catch (System.ComponentModel.Win32Exception)
                {
                    break;
                }
            }
            if (made.Count != native.Length)
            {
                // dcmtk missing: encode with MriCs' own codecs instead.
                ctx.Error.WriteLine($"bench dicom: {tool} (dcmtk) not available: {name} files encoded by MriCs");
                made.Clear();
                var ts = name == "RLE" ? TransferSyntax.RleLossless : TransferSyntax.JpegLosslessSV1;
                foreach (var src in native)
                {
                    var dst = src.Replace("native-", name.Replace(' ', '_') + "-", StringComparison.Ordinal);
                    DicomTranscoder.Transcode(DicomFile.Open(src), ts).Save(dst);
                    made.Add(dst);
                }
            }
            yield return (name + " 512x512", made.ToArray());
        }
    }

    /// <summary>A 512x512 MR-like slice: smooth anatomy-like blobs, 12-bit values, deterministic noise.</summary>
    private static DicomDataset SyntheticSlice(int index)
    {
        const int n = 512;
        var pixels = new byte[n * n * 2];
        var rng = new Random(index + 1);
        for (var y = 0; y < n; y++)
            for (var x = 0; x < n; x++)
            {
                var dx = (x - n / 2) / (double)n;
                var dy = (y - n / 2) / (double)n;
                var r = Math.Sqrt(dx * dx + dy * dy);
                var v = r < 0.42 ? 900 + 600 * Math.Cos(12 * r + index * 0.1) + 300 * Math.Sin(9 * dx) : 20;
                v += rng.Next(0, 24);
                var s = (ushort)Math.Clamp(v, 0, 4095);
                pixels[2 * (y * n + x)] = (byte)s;
                pixels[2 * (y * n + x) + 1] = (byte)(s >> 8);
            }
        var root = "1.2.826.0.1.3680043.10.1186";
        return new DicomDataset()
            .SetString(DicomTag.SOPClassUID, "1.2.840.10008.5.1.4.1.1.4")
            .SetString(DicomTag.SOPInstanceUID, DicomUid.Generate(root))
            .SetString(DicomTag.StudyInstanceUID, root + ".1")
            .SetString(DicomTag.SeriesInstanceUID, root + ".1.1")
            .SetString(DicomTag.Modality, "MR")
            .SetString(DicomTag.PatientName, "Bench^Synthetic")
            .SetString(DicomTag.PatientID, "BENCH")
            .SetInt(DicomTag.InstanceNumber, index + 1)
            .SetDoubles(DicomTag.ImagePositionPatient, 0, 0, index * 3.0)
            .SetDoubles(DicomTag.ImageOrientationPatient, 1, 0, 0, 0, 1, 0)
            .SetDoubles(DicomTag.PixelSpacing, 0.5, 0.5)
            .SetInt(DicomTag.SamplesPerPixel, 1)
            .SetString(DicomTag.PhotometricInterpretation, "MONOCHROME2")
            .SetInt(DicomTag.Rows, n)
            .SetInt(DicomTag.Columns, n)
            .SetInt(DicomTag.BitsAllocated, 16)
            .SetInt(DicomTag.BitsStored, 12)
            .SetInt(DicomTag.HighBit, 11)
            .SetInt(DicomTag.PixelRepresentation, 0)
            .SetBytes(DicomTag.PixelData, DicomVR.OW, pixels);
    }
}
