using System.Buffers.Binary;
using System.Text;

namespace MriCs.Dicom.Tests;

/// <summary>Synthetic datasets and hand-made encodings for tests (no patient data).</summary>
internal static class TestData
{
    public static DicomDataset SmallImage(int rows = 4, int columns = 3, int frames = 1, int bitsAllocated = 16, int bitsStored = 12, int pixelRepresentation = 0, int samples = 1)
    {
        var ds = new DicomDataset()
            .SetString(DicomTag.SOPClassUID, "1.2.840.10008.5.1.4.1.1.4")
            .SetString(DicomTag.SOPInstanceUID, "1.2.826.0.1.3680043.10.999.1")
            .SetString(DicomTag.StudyInstanceUID, "1.2.826.0.1.3680043.10.999.2")
            .SetString(DicomTag.SeriesInstanceUID, "1.2.826.0.1.3680043.10.999.3")
            .SetString(DicomTag.Modality, "MR")
            .SetInt(DicomTag.SamplesPerPixel, samples)
            .SetString(DicomTag.PhotometricInterpretation, samples == 3 ? "RGB" : "MONOCHROME2")
            .SetInt(DicomTag.Rows, rows)
            .SetInt(DicomTag.Columns, columns)
            .SetInt(DicomTag.BitsAllocated, bitsAllocated)
            .SetInt(DicomTag.BitsStored, bitsStored)
            .SetInt(DicomTag.HighBit, bitsStored - 1)
            .SetInt(DicomTag.PixelRepresentation, pixelRepresentation);
        if (samples > 1) ds.SetInt(DicomTag.PlanarConfiguration, 0);
        if (frames > 1) ds.SetInt(DicomTag.NumberOfFrames, frames);
        var bytes = new byte[rows * columns * frames * samples * (bitsAllocated / 8)];
        for (var i = 0; i < bytes.Length; i++) bytes[i] = (byte)(i * 7 + 1);
        ds.SetBytes(DicomTag.PixelData, bitsAllocated > 8 ? DicomVR.OW : DicomVR.OB, bytes);
        return ds;
    }

    /// <summary>Explicit VR little endian element bytes.</summary>
    public static byte[] Explicit(ushort group, ushort element, string vr, ReadOnlySpan<byte> value, uint? lengthOverride = null)
    {
        var v = DicomVR.Parse(vr);
        var headLen = v.HasLongExplicitLength ? 12 : 8;
        var b = new byte[headLen + value.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(b, group);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2), element);
        b[4] = (byte)vr[0];
        b[5] = (byte)vr[1];
        var len = lengthOverride ?? (uint)value.Length;
        if (v.HasLongExplicitLength) BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), len);
        else BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(6), (ushort)len);
        value.CopyTo(b.AsSpan(headLen));
        return b;
    }

    public static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>A Part 10 file around the given explicit VR little endian dataset bytes.</summary>
    public static byte[] Part10(byte[] datasetBytes, string transferSyntax = "1.2.840.10008.1.2.1")
    {
        var meta = new DicomDataset()
            .SetString(DicomTag.TransferSyntaxUID, transferSyntax)
            .SetString(DicomTag.MediaStorageSOPClassUID, "1.2.840.10008.5.1.4.1.1.7")
            .SetString(DicomTag.MediaStorageSOPInstanceUID, "1.2.3");
        var metaBytes = DicomDatasetWriter.ToBytes(meta, TransferSyntax.ExplicitVRLittleEndian);
        var groupLength = Explicit(0x0002, 0x0000, "UL", BitConverter.GetBytes((uint)metaBytes.Length));
        return Concat(new byte[128], Ascii("DICM"), groupLength, metaBytes, datasetBytes);
    }
}
