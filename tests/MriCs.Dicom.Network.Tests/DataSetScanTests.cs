using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace MriCs.Dicom.Network.Tests;

public class DataSetScanTests
{
    [Theory]
    [InlineData("MR_small.dcm")]
    [InlineData("MR_small_implicit.dcm")]
    [InlineData("MR_small_bigendian.dcm")]
    [InlineData("MR_small_RLE.dcm")]
    [InlineData("image_dfl.dcm")]
    [InlineData("test-SR.dcm")]
    [InlineData("rtplan.dcm")]
    [InlineData("CT_small.dcm")]
    public async Task Scanner_finds_the_uids_dcmdump_finds(string name)
    {
        var path = DicomTestFiles.Sample(name);
        using var fs = File.OpenRead(path);
        var h = Part10Header.Read(fs, path);
        fs.Seek(h.DataSetOffset, SeekOrigin.Begin);
        var uids = DataSetUidScanner.Scan(fs, h.TransferSyntaxUid);
        Assert.NotNull(uids.SopInstanceUid);
        Assert.Equal(await DcmdumpValueAsync(path, "0008,0016"), uids.SopClassUid);
        Assert.Equal(await DcmdumpValueAsync(path, "0008,0018"), uids.SopInstanceUid);
        Assert.Equal(await DcmdumpValueAsync(path, "0020,000d"), uids.StudyInstanceUid);
        Assert.Equal(await DcmdumpValueAsync(path, "0020,000e"), uids.SeriesInstanceUid);
    }

    private static async Task<string?> DcmdumpValueAsync(string path, string tag)
    {
        // Top-level elements only: dcmdump indents nested ones.
        var (_, output) = await PeerProcess.RunAsync("dcmdump", ["-q", "-Un", path], TimeSpan.FromSeconds(30));
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("(" + tag + ")", StringComparison.OrdinalIgnoreCase));
        if (line is null) return null;
        var open = line.IndexOf('[');
        return open < 0 ? null : line[(open + 1)..line.IndexOf(']')];
    }

    [Fact]
    public void Truncated_and_overlong_data_sets_fail_with_offsets()
    {
        var path = DicomTestFiles.Sample("MR_small.dcm");
        var bytes = File.ReadAllBytes(path);
        Part10Header h;
        using (var fs = new MemoryStream(bytes)) h = Part10Header.Read(fs, path);
        var dataSet = bytes[(int)h.DataSetOffset..];
        // Cut inside the first element header.
        var ex = Assert.Throws<DataSetFormatException>(() => DataSetUidScanner.Scan(new MemoryStream(dataSet[..6]), h.TransferSyntaxUid));
        Assert.Contains("truncated", ex.Message);
        // First element claims a length beyond the end.
        var bad = (byte[])dataSet.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(bad.AsSpan(6), 0xFFFF);
        Assert.Contains("beyond the end", Assert.Throws<DataSetFormatException>(() => DataSetUidScanner.Scan(new MemoryStream(bad[..200]), h.TransferSyntaxUid)).Message);
        Assert.Throws<DataSetFormatException>(() => DataSetUidScanner.Scan(new MemoryStream([1, 2, 3, 4, 5]), NetworkUids.DeflatedExplicitVrLittleEndian));
    }

    [Fact]
    public void Part10_header_rejects_non_dicom_and_round_trips_its_own()
    {
        Assert.Contains("DICM", Assert.Throws<InvalidDataException>(() => Part10Header.Read(new MemoryStream(new byte[200]), "x")).Message);
        var header = Part10Header.Encode("1.2.840.10008.5.1.4.1.1.4", "1.2.3.4.5", NetworkUids.RleLossless, "SCU");
        var h = Part10Header.Read(new MemoryStream(header), "mine");
        Assert.Equal(("1.2.840.10008.5.1.4.1.1.4", "1.2.3.4.5", NetworkUids.RleLossless, (long)header.Length),
            (h.SopClassUid, h.SopInstanceUid, h.TransferSyntaxUid, h.DataSetOffset));
    }

    /// <summary>A synthetic explicit-LE MR instance with a large OB element (no patient data).</summary>
    internal static byte[] SyntheticInstance(string sopInstance, int payloadBytes)
    {
        var ds = new MemoryStream();
        void Element(ushort g, ushort e, string vr, byte[] value)
        {
            Span<byte> h = stackalloc byte[12];
            BinaryPrimitives.WriteUInt16LittleEndian(h, g);
            BinaryPrimitives.WriteUInt16LittleEndian(h[2..], e);
            Encoding.ASCII.GetBytes(vr, h[4..]);
            if (vr is "OB")
            {
                h[6] = 0; h[7] = 0;
                BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)value.Length);
                ds.Write(h);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)value.Length);
                ds.Write(h[..8]);
            }
            ds.Write(value);
        }
        byte[] Uid(string s) => Encoding.ASCII.GetBytes(s.Length % 2 == 0 ? s : s + "\0");
        Element(0x0008, 0x0016, "UI", Uid("1.2.840.10008.5.1.4.1.1.4"));
        Element(0x0008, 0x0018, "UI", Uid(sopInstance));
        Element(0x0010, 0x0010, "PN", Encoding.ASCII.GetBytes("SYNTHETIC^TEST"));
        Element(0x0020, 0x000D, "UI", Uid("1.2.3.4.100"));
        Element(0x0020, 0x000E, "UI", Uid("1.2.3.4.100.1"));
        var payload = new byte[payloadBytes];
        new Random(1).NextBytes(payload);
        Element(0x0009, 0x1010, "OB", payload);
        return [.. Part10Header.Encode("1.2.840.10008.5.1.4.1.1.4", sopInstance, NetworkUids.ExplicitVrLittleEndian, null), .. ds.ToArray()];
    }

    [Fact]
    public async Task Large_instance_is_fragmented_at_the_smallest_max_pdu_and_arrives_byte_identical()
    {
        var dir = TestEnv.TempDir();
        var options = TestEnv.FastOptions();
        options.MaxPduLength = 4096; // the SCU must fragment into ~2000 P-DATA-TF PDUs
        await using var server = TestEnv.StartServer(options, new FileStorageProvider(new FileStorageOptions { Directory = dir, MinFreeBytes = 1 }));
        var file = Path.Combine(TestEnv.TempDir(), "big.dcm");
        var bytes = SyntheticInstance("1.2.3.4.100.1.1", 8 * 1024 * 1024);
        await File.WriteAllBytesAsync(file, bytes);
        var results = await DicomFileSender.SendAsync("127.0.0.1", server.LocalEndPoint.Port, new DicomClientOptions { CalledAeTitle = "MRICS" }, [file]);
        Assert.Equal(DimseStatus.Success, results[0].Status);
        var stored = Path.Combine(dir, "1.2.3.4.100", "1.2.3.4.100.1", "1.2.3.4.100.1.1.dcm");
        var storedBytes = await File.ReadAllBytesAsync(stored);
        // Same meta header layout (MriCs wrote both), so the files are byte-identical but for the source AE element.
        using var a = new MemoryStream(bytes);
        using var b = new MemoryStream(storedBytes);
        var ha = Part10Header.Read(a, "sent");
        var hb = Part10Header.Read(b, "stored");
        Assert.True(bytes.AsSpan((int)ha.DataSetOffset).SequenceEqual(storedBytes.AsSpan((int)hb.DataSetOffset)));
    }
}
