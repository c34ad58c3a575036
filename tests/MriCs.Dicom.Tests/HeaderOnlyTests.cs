using System.Buffers.Binary;

namespace MriCs.Dicom.Tests;

public class HeaderOnlyTests
{
    [Fact]
    public void A_500_MB_multiframe_is_not_loaded_to_read_its_uids()
    {
        var dir = PeerTools.TempDir();
        var path = Path.Combine(dir, "big.dcm");
        const long pixelBytes = 500L * 1024 * 1024;
        var ds = TestData.SmallImage(rows: 512, columns: 512, frames: 1000);
        ds.Remove(DicomTag.PixelData);
        var head = new DicomFile(ds).ToBytes();
        using (var fs = File.Create(path))
        {
            fs.Write(head);
            Span<byte> pd = stackalloc byte[12];
            BinaryPrimitives.WriteUInt32LittleEndian(pd, 0x00107FE0);
            pd[4] = (byte)'O';
            pd[5] = (byte)'W';
            pd[6] = pd[7] = 0;
            BinaryPrimitives.WriteUInt32LittleEndian(pd[8..], (uint)pixelBytes);
            fs.Write(pd);
            fs.SetLength(fs.Position + pixelBytes); // sparse: no disk, but a real 500 MB file
            fs.Seek(0, SeekOrigin.End);
            fs.Write(TestData.Explicit(0xFFFC, 0xFFFC, "OB", new byte[4]));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var stopped = DicomFile.Open(path, DicomReadOptions.HeaderOnly);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 2 << 20);
        Assert.True(stopped.StoppedBeforePixelData);
        Assert.Equal("1.2.826.0.1.3680043.10.999.1", stopped.Dataset.GetString(DicomTag.SOPInstanceUID));
        Assert.False(stopped.Dataset.Contains(DicomTag.PixelData));

        // Skipping instead of stopping: Pixel Data is listed with its length and offset, and what follows is read.
        before = GC.GetAllocatedBytesForCurrentThread();
        var skipped = DicomFile.Open(path, new DicomReadOptions { SkipValuesLongerThan = 4096 });
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 2 << 20);
        var pixel = Assert.IsType<DicomValueElement>(skipped.Dataset.Get(DicomTag.PixelData));
        Assert.True(pixel.IsValueSkipped);
        Assert.Equal(pixelBytes, pixel.ValueLength);
        Assert.Equal(head.Length + 12, pixel.ValueOffset);
        Assert.True(skipped.Dataset.Contains(new DicomTag(0xFFFC, 0xFFFC)));
        Assert.Throws<DicomDataException>(() => skipped.Dataset.GetBytes(DicomTag.PixelData));
        Assert.Throws<DicomDataException>(() => skipped.ToBytes());
        File.Delete(path);
    }

    [Fact]
    public void Header_only_read_of_real_files_matches_the_full_read_up_to_pixel_data()
    {
        foreach (var name in new[] { "MR_small.dcm", "MR_small_RLE.dcm", "image_dfl.dcm", "MR_small_bigendian.dcm" })
        {
            var full = DicomFile.Open(PeerTools.PydicomFile(name)).Dataset;
            var head = DicomFile.Open(PeerTools.PydicomFile(name), DicomReadOptions.HeaderOnly).Dataset;
            var expected = full.Where(e => e.Tag < DicomTag.PixelData).Select(e => e.Tag).ToList();
            Assert.Equal(expected, head.Select(e => e.Tag).ToList());
            Assert.Equal(full.GetString(DicomTag.SOPInstanceUID), head.GetString(DicomTag.SOPInstanceUID));
        }
    }
}
