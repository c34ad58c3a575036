using Xunit;
using System.Diagnostics;
using System.Text.Json;
using MriCs.Dicom.Codecs;

namespace MriCs.Dicom.Tests.Codecs;

/// <summary>
/// Runs the real peers (dcmtk, gdcm, pydicom through /usr/bin/python3). They are installed by
/// scripts/test; a missing peer fails the test (it is never skipped).
/// </summary>
internal static class CodecPeers
{
    public const string PyDicomTestFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files/";
    public const string Dicom3ToolsExample = "/usr/share/doc/dicom3tools/examples/0051.dcm";

    private static readonly Lazy<string> Script = new(() =>
    {
        string path = Path.Combine(Path.GetTempPath(), $"mrics-codec-peer-{Environment.ProcessId}.py");
        File.WriteAllText(path, PythonScript);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    });

    public static string Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in 120 s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', args)} exited {process.ExitCode}: {stderr.Result}{stdout.Result}");
        return stdout.Result;
    }

    /// <summary>A temporary directory removed on dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("mrics-codecs-").FullName;
        public string File(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Writes an uncompressed explicit VR little endian Secondary Capture file holding the frame.</summary>
    public static void WriteNative(string path, FrameInfo info, byte[] pixels, TempDir tmp)
    {
        string raw = tmp.File(System.IO.Path.GetFileName(path) + ".raw");
        System.IO.File.WriteAllBytes(raw, pixels);
        string meta = JsonSerializer.Serialize(new
        {
            rows = info.Rows, cols = info.Columns, spp = info.SamplesPerPixel, ba = info.BitsAllocated,
            bs = info.BitsStored, pr = info.Signed ? 1 : 0, pc = info.PlanarConfiguration,
        });
        Run("/usr/bin/python3", Script.Value, "native", path, meta, raw);
    }

    public sealed record FileFrames(FrameInfo Info, string TransferSyntax, string Photometric, List<byte[]> Frames);

    /// <summary>Frames of a file as pydicom sees them: encapsulated frame bytes, or native little-endian bytes.</summary>
    public static FileFrames ReadFrames(string path, TempDir tmp) => ReadFrames([path], tmp)[0];

    /// <summary>Frames of several files, read by one pydicom process.</summary>
    public static List<FileFrames> ReadFrames(IReadOnlyList<string> paths, TempDir tmp)
    {
        var args = new List<string> { Script.Value, "frames" };
        var dirs = new List<string>();
        foreach (var path in paths)
        {
            string dir = tmp.File("frames-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            dirs.Add(dir);
            args.Add(path);
            args.Add(dir);
        }
        Run("/usr/bin/python3", args.ToArray());
        return dirs.Select(dir =>
        {
            using var doc = JsonDocument.Parse(System.IO.File.ReadAllText(System.IO.Path.Combine(dir, "meta.json")));
            var m = doc.RootElement;
            var info = new FrameInfo(m.GetProperty("rows").GetInt32(), m.GetProperty("cols").GetInt32(),
                m.GetProperty("spp").GetInt32(), m.GetProperty("ba").GetInt32(), m.GetProperty("bs").GetInt32(),
                m.GetProperty("pr").GetInt32() == 1, m.GetProperty("pc").GetInt32());
            int n = m.GetProperty("frames").GetInt32();
            var frames = Enumerable.Range(0, n).Select(i => System.IO.File.ReadAllBytes(System.IO.Path.Combine(dir, $"{i}.bin"))).ToList();
            return new FileFrames(info, m.GetProperty("ts").GetString()!, m.GetProperty("pi").GetString()!, frames);
        }).ToList();
    }

    public sealed record Encapsulation(string Source, string Path, string TransferSyntaxUid, IReadOnlyList<byte[]> Frames);

    /// <summary>Copies a file's dataset with the given frames encapsulated under the given transfer syntax.</summary>
    public static void WriteEncapsulated(string source, string path, string transferSyntaxUid, IReadOnlyList<byte[]> frames, TempDir tmp) =>
        WriteEncapsulated([new Encapsulation(source, path, transferSyntaxUid, frames)], tmp);

    /// <summary>Several encapsulated copies written by one pydicom process.</summary>
    public static void WriteEncapsulated(IReadOnlyList<Encapsulation> files, TempDir tmp)
    {
        var jobs = files.Select((f, j) => new
        {
            src = f.Source, @out = f.Path, ts = f.TransferSyntaxUid,
            frames = f.Frames.Select((frame, i) =>
            {
                string file = tmp.File($"{System.IO.Path.GetFileName(f.Path)}.{j}.{i}.frame");
                System.IO.File.WriteAllBytes(file, frame);
                return file;
            }).ToList(),
        }).ToList();
        string spec = tmp.File($"wrap-{Guid.NewGuid():N}.json");
        System.IO.File.WriteAllText(spec, JsonSerializer.Serialize(jobs));
        Run("/usr/bin/python3", Script.Value, "wrap", spec);
    }

    private const string PythonScript = """
import sys, json, os
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from pydicom.encaps import encapsulate, generate_pixel_data_frame

cmd = sys.argv[1]
if cmd == 'native':
    out, meta, raw = sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
    fm = FileMetaDataset()
    fm.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.7'
    fm.MediaStorageSOPInstanceUID = generate_uid()
    fm.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = fm
    ds.SOPClassUID = fm.MediaStorageSOPClassUID
    ds.SOPInstanceUID = fm.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientName = 'Synthetic^Codec'
    ds.PatientID = 'SYNTH'
    ds.Modality = 'OT'
    ds.ConversionType = 'SYN'
    ds.Rows, ds.Columns = meta['rows'], meta['cols']
    ds.SamplesPerPixel = meta['spp']
    ds.PhotometricInterpretation = 'RGB' if meta['spp'] == 3 else 'MONOCHROME2'
    if meta['spp'] > 1:
        ds.PlanarConfiguration = meta['pc']
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = meta['ba'], meta['bs'], meta['bs'] - 1
    ds.PixelRepresentation = meta['pr']
    ds.PixelData = open(raw, 'rb').read()
    ds['PixelData'].VR = 'OB' if meta['ba'] == 8 else 'OW'
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(out, write_like_original=False)
def frames(src, outdir):
    ds = pydicom.dcmread(src)
    ts = ds.file_meta.TransferSyntaxUID
    n = int(getattr(ds, 'NumberOfFrames', 1) or 1)
    if ts.is_compressed:
        frames = list(generate_pixel_data_frame(ds.PixelData, n))
    else:
        if not ts.is_little_endian:
            raise SystemExit('big endian source not supported by this helper')
        flen = ds.Rows * ds.Columns * ds.SamplesPerPixel * ds.BitsAllocated // 8
        frames = [ds.PixelData[i * flen:(i + 1) * flen] for i in range(n)]
    for i, f in enumerate(frames):
        open(os.path.join(outdir, f'{i}.bin'), 'wb').write(f)
    meta = dict(rows=ds.Rows, cols=ds.Columns, spp=ds.SamplesPerPixel, ba=ds.BitsAllocated, bs=ds.BitsStored,
                pr=ds.PixelRepresentation, pc=int(getattr(ds, 'PlanarConfiguration', 0) or 0), frames=len(frames),
                ts=str(ts), pi=str(ds.PhotometricInterpretation))
    json.dump(meta, open(os.path.join(outdir, 'meta.json'), 'w'))

def wrap(src, out, ts, frame_files):
    frames = [open(f, 'rb').read() for f in frame_files]
    ds = pydicom.dcmread(src)
    ds.PixelData = encapsulate(frames)
    ds['PixelData'].VR = 'OB'
    ds['PixelData'].is_undefined_length = True
    if len(frames) > 1:
        ds.NumberOfFrames = len(frames)
    ds.file_meta.TransferSyntaxUID = ts
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(out, write_like_original=False)

if cmd == 'native':
    pass
elif cmd == 'frames':
    for i in range(2, len(sys.argv), 2):
        frames(sys.argv[i], sys.argv[i + 1])
elif cmd == 'wrap':
    for job in json.load(open(sys.argv[2])):
        wrap(job['src'], job['out'], job['ts'], job['frames'])
else:
    raise SystemExit('unknown command ' + cmd)
""";
}
