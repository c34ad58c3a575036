using System.IO.Compression;

namespace MriCs.Dicom.IO;

/// <summary>Reads a raw dataset (no preamble, no file meta information) encoded in a given transfer syntax.</summary>
public static class DicomDatasetReader
{
    public static DicomDataset Read(ReadOnlyMemory<byte> data, TransferSyntax transferSyntax, DicomReadOptions? options = null)
    {
        using var input = new MemoryInput(data);
        return Read(input, transferSyntax, options ?? DicomReadOptions.Default, out _);
    }

    public static DicomDataset Read(ReadOnlySpan<byte> data, TransferSyntax transferSyntax, DicomReadOptions? options = null) =>
        Read(data.ToArray().AsMemory(), transferSyntax, options);

    /// <summary>Reads from the stream's current position to its end.</summary>
    public static DicomDataset Read(Stream stream, TransferSyntax transferSyntax, DicomReadOptions? options = null)
    {
        using var input = new StreamInput(stream, ownsStream: false, stream.CanSeek ? stream.Position : 0);
        return Read(input, transferSyntax, options ?? DicomReadOptions.Default, out _);
    }

    internal static DicomDataset Read(DicomInput input, TransferSyntax ts, DicomReadOptions options, out bool stoppedAtPixelData)
    {
        var ds = new DicomDataset();
        if (ts.IsDeflated)
        {
            var start = input.Position;
            using var inflated = new StreamInput(new DeflateStream(input.RemainderAsStream(), CompressionMode.Decompress), ownsStream: true) { IsInflated = true };
            try
            {
                var parser = new DicomParser(inflated, ts.IsExplicitVR, ts.IsBigEndian, options);
                parser.ReadTopLevel(ds);
                stoppedAtPixelData = parser.StoppedAtPixelData;
            }
            catch (InvalidDataException ex)
            {
                throw new DicomFormatException($"deflated dataset is not valid deflate data ({ex.Message}); deflated data starts", start, inner: ex);
            }
            return ds;
        }
        var p = new DicomParser(input, ts.IsExplicitVR, ts.IsBigEndian, options);
        p.ReadTopLevel(ds);
        stoppedAtPixelData = p.StoppedAtPixelData;
        return ds;
    }
}
