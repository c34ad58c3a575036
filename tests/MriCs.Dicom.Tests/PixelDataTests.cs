using System.Security.Cryptography;
using MriCs.Dicom.Pixels;

namespace MriCs.Dicom.Tests;

public class PixelDataTests
{
    /// <summary>SHA-256, min and max of all frames' stored values as 4-byte little endian signed integers.</summary>
    internal static (string Sha, int Min, int Max, long Count) Digest(DicomPixelData px)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var values = new int[px.ValuesPerFrame];
        int min = int.MaxValue, max = int.MinValue;
        long count = 0;
        for (var f = 0; f < px.NumberOfFrames; f++)
        {
            px.GetStoredValues(f, values);
            foreach (var v in values) { min = Math.Min(min, v); max = Math.Max(max, v); }
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
            count += values.Length;
        }
        return (Convert.ToHexStringLower(sha.GetHashAndReset()), min, max, count);
    }

    public static TheoryData<string> NativeFiles()
    {
        var d = new TheoryData<string>();
        foreach (var f in new[]
        {
            "MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm", "MR_small_padded.dcm",
            "CT_small.dcm", "image_dfl.dcm", "liver_1frame.dcm", "liver_expb_1frame.dcm", "SC_rgb_small_odd.dcm",
            "SC_ybr_full_422_uncompressed.dcm", "rtdose.dcm", "rtdose_expb.dcm", "ExplVR_BigEnd.dcm",
        })
            d.Add(Path.Combine(PeerTools.PydicomFiles, f));
        d.Add(PeerTools.Dicom3ToolsMr);
        return d;
    }

    [Theory]
    [MemberData(nameof(NativeFiles))]
    public void Native_stored_values_match_pydicom(string path)
    {
        var px = DicomPixelData.Create(DicomFile.Open(path));
        var (sha, min, max, count) = Digest(px);
        var theirs = PeerTools.RunOk(PeerTools.Python, PeerTools.ScriptPath("pydicom_pixels.py"), path).Trim().Split(' ');
        Assert.True(theirs[0] == sha, $"{Path.GetFileName(path)}: sha {sha} vs pydicom {theirs[0]} (min {min}/{theirs[1]}, max {max}/{theirs[2]})");
        Assert.Equal(int.Parse(theirs[1], System.Globalization.CultureInfo.InvariantCulture), min);
        Assert.Equal(int.Parse(theirs[2], System.Globalization.CultureInfo.InvariantCulture), max);
        Assert.Equal(long.Parse(theirs[3], System.Globalization.CultureInfo.InvariantCulture), count);
    }

    [Fact]
    public void Bits_stored_masking_high_bit_and_sign_extension()
    {
        // 16 allocated, 12 stored, high bit 11: the top 4 bits are garbage (overlay bits) and must be masked.
        var ds = TestData.SmallImage(rows: 1, columns: 4, bitsStored: 12, pixelRepresentation: 1);
        ds.SetBytes(DicomTag.PixelData, DicomVR.OW, new byte[] { 0xFF, 0xF7, 0x00, 0x08, 0x01, 0xF0, 0xFF, 0x0F });
        Assert.Equal(new[] { 2047, -2048, 1, -1 }, DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian).GetStoredValues(0));
        ds.SetInt(DicomTag.PixelRepresentation, 0);
        Assert.Equal(new[] { 0x7FF, 0x800, 1, 0xFFF }, DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian).GetStoredValues(0));
        // High bit 15 with 12 stored bits: values sit in the top bits.
        ds.SetInt(DicomTag.HighBit, 15);
        Assert.Equal(new[] { 0xF7F, 0x080, 0xF00, 0x0FF }, DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian).GetStoredValues(0));
    }

    [Fact]
    public void Planar_configuration_one_is_interleaved_and_frames_are_separate()
    {
        var ds = TestData.SmallImage(rows: 1, columns: 2, frames: 2, bitsAllocated: 8, bitsStored: 8, samples: 3);
        ds.SetInt(DicomTag.PlanarConfiguration, 1);
        ds.SetBytes(DicomTag.PixelData, DicomVR.OB, new byte[] { 1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16 });
        var px = DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian);
        Assert.Equal(new[] { 1, 3, 5, 2, 4, 6 }, px.GetStoredValues(0));
        Assert.Equal(new[] { 11, 13, 15, 12, 14, 16 }, px.GetStoredValues(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => px.GetStoredValues(2));
    }

    [Fact]
    public void Signed_8_and_32_bit_and_1_bit_values()
    {
        var ds = TestData.SmallImage(rows: 1, columns: 3, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 1);
        ds.SetBytes(DicomTag.PixelData, DicomVR.OB, new byte[] { 0x80, 0x7F, 0xFF, 0 });
        Assert.Equal(new[] { -128, 127, -1 }, DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian).GetStoredValues(0));

        var d32 = TestData.SmallImage(rows: 1, columns: 2, bitsAllocated: 32, bitsStored: 32, pixelRepresentation: 1);
        d32.SetBytes(DicomTag.PixelData, DicomVR.OW, BitConverter.GetBytes(-5).Concat(BitConverter.GetBytes(70000)).ToArray());
        Assert.Equal(new[] { -5, 70000 }, DicomPixelData.Create(d32, TransferSyntax.ExplicitVRLittleEndian).GetStoredValues(0));

        var d1 = TestData.SmallImage(rows: 2, columns: 5, frames: 2, bitsAllocated: 1, bitsStored: 1);
        d1.SetBytes(DicomTag.PixelData, DicomVR.OB, new byte[] { 0b1010_0101, 0b1100_0011, 0b0000_1111, 0 });
        var px = DicomPixelData.Create(d1, TransferSyntax.ExplicitVRLittleEndian);
        Assert.Equal(new[] { 1, 0, 1, 0, 0, 1, 0, 1, 1, 1 }, px.GetStoredValues(0));
        Assert.Equal(new[] { 0, 0, 0, 0, 1, 1, 1, 1, 1, 1 }, px.GetStoredValues(1));
    }

    [Fact]
    public void Missing_short_or_unloaded_pixel_data_and_bad_pixel_modules_are_typed_errors()
    {
        var ds = TestData.SmallImage();
        ds.Remove(DicomTag.PixelData);
        Assert.Contains("no (7FE0,0010) Pixel Data", Assert.Throws<DicomDataException>(() => DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian)).Message, StringComparison.Ordinal);
        ds.SetBytes(DicomTag.PixelData, DicomVR.OW, new byte[10]);
        Assert.Contains("need 24", Assert.Throws<DicomDataException>(() => DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian)).Message, StringComparison.Ordinal);
        var rows = TestData.SmallImage();
        rows.Remove(DicomTag.Rows);
        Assert.Contains("(0028,0010) Rows", Assert.Throws<DicomDataException>(() => DicomPixelData.Create(rows, TransferSyntax.ExplicitVRLittleEndian)).Message, StringComparison.Ordinal);
        var bits = TestData.SmallImage();
        bits.SetInt(DicomTag.BitsStored, 17);
        Assert.Contains("BitsStored 17", Assert.Throws<DicomDataException>(() => DicomPixelData.Create(bits, TransferSyntax.ExplicitVRLittleEndian)).Message, StringComparison.Ordinal);
        var head = DicomFile.Open(PeerTools.PydicomFile("MR_small.dcm"), new DicomReadOptions { SkipValuesLongerThan = 1024 });
        Assert.Contains("header-only", Assert.Throws<DicomDataException>(() => DicomPixelData.Create(head)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MR_small_jpeg_ls_lossless.dcm", "1.2.840.10008.1.2.4.80", "dcmdjpls")]
    [InlineData("MR_small_jp2klossless.dcm", "1.2.840.10008.1.2.4.90", "gdcmconv --raw")]
    [InlineData("JPEG-lossy.dcm", "1.2.840.10008.1.2.4.51", "dcmdjpeg")]
    public void Unsupported_syntaxes_name_the_syntax_and_how_to_transcode(string name, string uid, string tool)
    {
        var px = DicomPixelData.Create(DicomFile.Open(PeerTools.PydicomFile(name)));
        var ex = Assert.Throws<DicomUnsupportedTransferSyntaxException>(() => px.GetStoredValues(0));
        Assert.Contains(uid, ex.Message, StringComparison.Ordinal);
        Assert.Contains(tool, ex.Message, StringComparison.Ordinal);
        Assert.Equal(uid, ex.TransferSyntax.Uid);
    }
}
