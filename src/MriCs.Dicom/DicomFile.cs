using System.Buffers.Binary;
using MriCs.Dicom.IO;

namespace MriCs.Dicom;

/// <summary>
/// A DICOM Part 10 file: file meta information (group 0002) and the dataset in its transfer syntax.
/// Reads files with the 128-byte preamble and "DICM", and also raw datasets without them (the syntax is
/// then recognised from the first element).
/// </summary>
public sealed class DicomFile
{
    public DicomFile(DicomDataset dataset, TransferSyntax? transferSyntax = null, DicomDataset? fileMetaInformation = null)
    {
        Dataset = dataset;
        TransferSyntax = transferSyntax ?? TransferSyntax.ExplicitVRLittleEndian;
        FileMetaInformation = fileMetaInformation ?? new DicomDataset();
    }

    /// <summary>Group 0002 as read (empty for a raw dataset or a new file; <see cref="Save(Stream, DicomWriteOptions?)"/> rebuilds it).</summary>
    public DicomDataset FileMetaInformation { get; }

    public DicomDataset Dataset { get; }

    public TransferSyntax TransferSyntax { get; }

    /// <summary>False when the bytes had no preamble and "DICM" (a raw dataset).</summary>
    public bool HasPreamble { get; private init; }

    /// <summary>True when a header-only read stopped at Pixel Data (so Pixel Data exists but was not read).</summary>
    public bool StoppedBeforePixelData { get; private init; }

    /// <summary>Files up to this size are read into one array; larger ones are streamed (values copied one by one).</summary>
    public const long WholeFileLimit = 1L << 30;

    /// <summary>Opens a file. Full reads load the file into memory once (values are slices of it);
    /// header-only reads (<see cref="DicomReadOptions.HeaderOnly"/>) stream it and seek over large values.</summary>
    public static DicomFile Open(string path, DicomReadOptions? options = null)
    {
        options ??= DicomReadOptions.Default;
        if (!options.StopBeforePixelData && options.SkipValuesLongerThan is null && new FileInfo(path).Length <= WholeFileLimit)
            return Read(File.ReadAllBytes(path), options);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        return Read(fs, options);
    }

    public static DicomFile Read(ReadOnlyMemory<byte> bytes, DicomReadOptions? options = null)
    {
        using var input = new MemoryInput(bytes);
        return Read(input, options ?? DicomReadOptions.Default);
    }

    /// <summary>Reads from the stream's current position (the stream stays open).</summary>
    public static DicomFile Read(Stream stream, DicomReadOptions? options = null)
    {
        using var input = new StreamInput(stream, ownsStream: false, stream.CanSeek ? stream.Position : 0);
        return Read(input, options ?? DicomReadOptions.Default);
    }

    private static DicomFile Read(DicomInput input, DicomReadOptions options)
    {
        var meta = new DicomDataset();
        var n = input.Fill(132);
        var hasPreamble = n == 132 && input.Peek(132)[128..].SequenceEqual("DICM"u8);
        TransferSyntax ts;
        if (hasPreamble)
        {
            input.Take(132);
            ReadMeta(input, meta, options);
            ts = MetaTransferSyntax(meta, input);
        }
        else if (n >= 8 && BinaryPrimitives.ReadUInt16LittleEndian(input.Peek(2)) == 0x0002 && IsVR(input.Peek(8)[4..6]))
        {
            // File meta information without the preamble (seen from some writers).
            ReadMeta(input, meta, options);
            ts = MetaTransferSyntax(meta, input);
        }
        else
        {
            ts = GuessRawSyntax(input.Peek(Math.Min(n, 132)), 0);
        }
        var ds = DicomDatasetReader.Read(input, ts, options, out var stopped);
        return new DicomFile(ds, ts, meta) { HasPreamble = hasPreamble, StoppedBeforePixelData = stopped };
    }

    private static void ReadMeta(DicomInput input, DicomDataset meta, DicomReadOptions options)
    {
        var start = input.Position;
        // Group 0002 is always explicit VR little endian (PS3.10 7.1).
        var parser = new DicomParser(input, explicitVR: true, bigEndian: false, options with { StopBeforePixelData = false, SkipValuesLongerThan = null });
        parser.ReadTopLevel(meta, onlyGroup: 0x0002);
        if (meta.Count == 0) throw new DicomFormatException("no file meta information (group 0002) after 'DICM'", start);
    }

    private static TransferSyntax MetaTransferSyntax(DicomDataset meta, DicomInput input)
    {
        var uid = meta.GetString(DicomTag.TransferSyntaxUID);
        if (!string.IsNullOrEmpty(uid)) return TransferSyntax.Lookup(uid);
        // (0002,0010) missing: like dcmtk and pydicom, recognise the encoding from the first dataset element.
        var n = input.Fill(16);
        return n == 0 ? TransferSyntax.ExplicitVRLittleEndian : GuessRawSyntax(input.Peek(n), input.Position, "file meta information lacks (0002,0010) TransferSyntaxUID and");
    }

    private static bool IsVR(ReadOnlySpan<byte> b) => b.Length == 2 && DicomVR.TryParse(b[0], b[1], out _);

    /// <summary>Recognises the encoding of a raw dataset from its first element (group 0008 or another low group).</summary>
    private static TransferSyntax GuessRawSyntax(ReadOnlySpan<byte> head, long offset, string? context = null)
    {
        if (head.Length >= 8)
        {
            var le = BinaryPrimitives.ReadUInt16LittleEndian(head);
            var be = BinaryPrimitives.ReadUInt16BigEndian(head);
            var explicitVR = IsVR(head[4..6]);
            if (explicitVR && le is > 0 and <= 0x0010 && le % 2 == 0) return TransferSyntax.ExplicitVRLittleEndian;
            if (explicitVR && be is > 0 and <= 0x0010 && be % 2 == 0) return TransferSyntax.ExplicitVRBigEndian;
            if (!explicitVR && le is > 0 and <= 0x0010 && le % 2 == 0 && BinaryPrimitives.ReadUInt32LittleEndian(head[4..]) < 0x10000)
                return TransferSyntax.ImplicitVRLittleEndian;
        }
        throw new DicomFormatException(context is null
            ? "not a DICOM file: no 'DICM' at offset 128 and the first bytes are not a DICOM dataset"
            : context + " the dataset's first bytes match no transfer syntax", offset);
    }

    // ---- writing ----

    public void Save(string path, DicomWriteOptions? options = null)
    {
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024);
        Save(fs, options);
    }

    /// <summary>Writes preamble, "DICM", group 0002 (rebuilt, with its group length) and the dataset.</summary>
    public void Save(Stream stream, DicomWriteOptions? options = null)
    {
        options ??= DicomWriteOptions.Default;
        var ts = options.TransferSyntax ?? (TransferSyntax.IsKnown ? TransferSyntax : TransferSyntax.ExplicitVRLittleEndian);
        var meta = BuildMeta(ts, options);
        Span<byte> preamble = stackalloc byte[132];
        preamble.Clear();
        "DICM"u8.CopyTo(preamble[128..]);
        stream.Write(preamble);
        DicomDatasetWriter.Write(stream, meta, TransferSyntax.ExplicitVRLittleEndian);
        var body = Dataset.Clone();
        body.RemoveAll(e => e.Tag.Group == 0x0002);
        DicomDatasetWriter.Write(stream, body, ts);
    }

    public byte[] ToBytes(DicomWriteOptions? options = null)
    {
        var ms = new MemoryStream();
        Save(ms, options);
        return ms.ToArray();
    }

    private DicomDataset BuildMeta(TransferSyntax ts, DicomWriteOptions options)
    {
        var sopClass = Dataset.GetString(DicomTag.SOPClassUID) ?? FileMetaInformation.GetString(DicomTag.MediaStorageSOPClassUID);
        var sopInstance = Dataset.GetString(DicomTag.SOPInstanceUID) ?? FileMetaInformation.GetString(DicomTag.MediaStorageSOPInstanceUID);
        if (string.IsNullOrEmpty(sopClass)) throw new DicomDataException("a Part 10 file needs (0008,0016) SOPClassUID", DicomTag.SOPClassUID);
        if (string.IsNullOrEmpty(sopInstance)) throw new DicomDataException("a Part 10 file needs (0008,0018) SOPInstanceUID", DicomTag.SOPInstanceUID);
        var meta = new DicomDataset();
        meta.SetBytes(DicomTag.FileMetaInformationVersion, DicomVR.OB, new byte[] { 0, 1 });
        meta.SetString(DicomTag.MediaStorageSOPClassUID, sopClass);
        meta.SetString(DicomTag.MediaStorageSOPInstanceUID, sopInstance);
        meta.SetString(DicomTag.TransferSyntaxUID, ts.Uid);
        meta.SetString(DicomTag.ImplementationClassUID, options.ImplementationClassUid);
        meta.SetString(DicomTag.ImplementationVersionName, options.ImplementationVersionName);
        var ae = options.SourceApplicationEntityTitle ?? FileMetaInformation.GetString(DicomTag.SourceApplicationEntityTitle);
        if (!string.IsNullOrEmpty(ae)) meta.SetString(DicomTag.SourceApplicationEntityTitle, ae);
        var length = DicomDatasetWriter.ToBytes(meta, TransferSyntax.ExplicitVRLittleEndian).Length;
        meta.SetInt(DicomTag.FileMetaInformationGroupLength, length);
        return meta;
    }

    public override string ToString() => $"DICOM file, {TransferSyntax}, {Dataset.Count} elements";
}
