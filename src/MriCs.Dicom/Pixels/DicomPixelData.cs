using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MriCs.Dicom.Pixels;

/// <summary>
/// The pixel data of an image dataset: its Image Pixel module attributes (validated) and its frames, decoded to
/// native little endian bytes (<see cref="GetFrameBytes"/>) or to stored values (<see cref="GetStoredValues"/>):
/// each value masked to BitsStored (taken from HighBit), sign-extended when PixelRepresentation is 1, in
/// (row, column, sample) order whatever the planar configuration.
/// </summary>
public sealed partial class DicomPixelData
{
    private readonly ReadOnlyMemory<byte> _native;
    private readonly DicomFragmentSequence? _fragments;
    private IReadOnlyList<ReadOnlyMemory<byte>>? _frames;

    private DicomPixelData(DicomDataset ds, TransferSyntax ts)
    {
        TransferSyntax = ts;
        Rows = Required(ds, DicomTag.Rows);
        Columns = Required(ds, DicomTag.Columns);
        BitsAllocated = Required(ds, DicomTag.BitsAllocated);
        BitsStored = ds.GetInt(DicomTag.BitsStored, BitsAllocated);
        HighBit = ds.GetInt(DicomTag.HighBit, BitsStored - 1);
        PixelRepresentation = ds.GetInt(DicomTag.PixelRepresentation, 0);
        SamplesPerPixel = ds.GetInt(DicomTag.SamplesPerPixel, 1);
        PlanarConfiguration = SamplesPerPixel > 1 ? ds.GetInt(DicomTag.PlanarConfiguration, 0) : 0;
        NumberOfFrames = ds.GetInt(DicomTag.NumberOfFrames, 1);
        PhotometricInterpretation = ds.GetString(DicomTag.PhotometricInterpretation) ?? (SamplesPerPixel == 1 ? "MONOCHROME2" : "RGB");
        Validate();

        switch (ds.Get(DicomTag.PixelData))
        {
            case null:
                throw new DicomDataException("the dataset has no (7FE0,0010) Pixel Data", DicomTag.PixelData);
            case DicomValueElement { IsValueSkipped: true }:
                throw new DicomDataException("(7FE0,0010) Pixel Data was not loaded (header-only read); read the file fully", DicomTag.PixelData);
            case DicomValueElement v:
                if (ts.IsEncapsulated)
                    throw new DicomDataException($"Pixel Data is not encapsulated although the transfer syntax is {ts.Name}", DicomTag.PixelData);
                _native = v.Value;
                var needed = NativeFrameOffsetBits(NumberOfFrames);
                if ((long)_native.Length * 8 < needed)
                    throw new DicomDataException($"Pixel Data has {_native.Length} bytes; {NumberOfFrames} frame(s) of {Rows}x{Columns}x{SamplesPerPixel} at {BitsAllocated} bits need {(needed + 7) / 8}", DicomTag.PixelData);
                break;
            case DicomFragmentSequence f:
                if (!ts.IsEncapsulated)
                    throw new DicomDataException($"Pixel Data is encapsulated although the transfer syntax is {ts.Name}", DicomTag.PixelData);
                _fragments = f;
                break;
            default:
                throw new DicomDataException("(7FE0,0010) Pixel Data is a sequence", DicomTag.PixelData);
        }
        _extendedOffsets = ReadExtendedOffsets(ds);
    }

    private readonly ulong[] _extendedOffsets = [];

    /// <summary>The pixel data of a file (its transfer syntax decides how frames are decoded).</summary>
    public static DicomPixelData Create(DicomFile file) => new(file.Dataset, file.TransferSyntax);

    public static DicomPixelData Create(DicomDataset dataset, TransferSyntax transferSyntax) => new(dataset, transferSyntax);

    public TransferSyntax TransferSyntax { get; }
    public int Rows { get; }
    public int Columns { get; }
    public int BitsAllocated { get; }
    public int BitsStored { get; }
    public int HighBit { get; }
    public int PixelRepresentation { get; }
    public int SamplesPerPixel { get; }
    public int PlanarConfiguration { get; }
    public int NumberOfFrames { get; }
    public string PhotometricInterpretation { get; }

    public bool IsSigned => PixelRepresentation == 1;

    /// <summary>Values per frame: Rows x Columns x SamplesPerPixel.</summary>
    public int ValuesPerFrame => Rows * Columns * SamplesPerPixel;

    /// <summary>Bytes of one decoded frame (BitsAllocated 1 frames: one byte per value).</summary>
    public long FrameLength => BitsAllocated == 1 ? ValuesPerFrame : (long)ValuesPerFrame * (BitsAllocated / 8);

    /// <summary>Native YBR_FULL_422 stores two luminance values per chrominance pair (PS3.3 C.7.6.3.1.2).</summary>
    private bool NativeSubsampled => _fragments is null && SamplesPerPixel == 3 && PhotometricInterpretation == "YBR_FULL_422";

    /// <summary>Bytes of one frame as stored natively.</summary>
    private long NativeFrameLength => NativeSubsampled ? (long)Rows * Columns * 2 * (BitsAllocated / 8) : FrameLength;

    private void Validate()
    {
        string? problem = null;
        if (Rows is < 1 or > 65535) problem = $"Rows {Rows} is not in 1..65535";
        else if (Columns is < 1 or > 65535) problem = $"Columns {Columns} is not in 1..65535";
        else if (BitsAllocated is not (1 or 8 or 16 or 32)) problem = $"BitsAllocated {BitsAllocated} is not 1, 8, 16 or 32";
        else if (BitsStored < 1 || BitsStored > BitsAllocated) problem = $"BitsStored {BitsStored} is not in 1..{BitsAllocated}";
        else if (HighBit < BitsStored - 1 || HighBit >= BitsAllocated) problem = $"HighBit {HighBit} is not in {BitsStored - 1}..{BitsAllocated - 1}";
        else if (PixelRepresentation is not (0 or 1)) problem = $"PixelRepresentation {PixelRepresentation} is not 0 or 1";
        else if (SamplesPerPixel is < 1 or > 4) problem = $"SamplesPerPixel {SamplesPerPixel} is not in 1..4";
        else if (PlanarConfiguration is not (0 or 1)) problem = $"PlanarConfiguration {PlanarConfiguration} is not 0 or 1";
        else if (NumberOfFrames < 1) problem = $"NumberOfFrames {NumberOfFrames} is not positive";
        else if ((long)Rows * Columns * SamplesPerPixel > Array.MaxLength / 4) problem = "a frame is too large";
        if (problem is not null) throw new DicomDataException("invalid Image Pixel module: " + problem);
    }

    private static int Required(DicomDataset ds, DicomTag tag) => ds.GetInt(tag);

    private long NativeFrameOffsetBits(int frame) =>
        BitsAllocated == 1 ? (long)frame * ValuesPerFrame : (long)frame * NativeFrameLength * 8;

    private static ulong[] ReadExtendedOffsets(DicomDataset ds)
    {
        if (ds.Get(DicomTag.ExtendedOffsetTable) is not DicomValueElement { IsValueSkipped: false } e || e.Value.Length % 8 != 0) return [];
        var r = new ulong[e.Value.Length / 8];
        for (var i = 0; i < r.Length; i++) r[i] = BinaryPrimitives.ReadUInt64LittleEndian(e.Value.Span[(8 * i)..]);
        return r;
    }

    /// <summary>The encoded frames of encapsulated pixel data (the fragments grouped per frame).</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> GetEncodedFrames()
    {
        if (_fragments is null) throw new DicomDataException("Pixel Data is native, not encapsulated", DicomTag.PixelData);
        return _frames ??= _fragments.GetFrames(NumberOfFrames, _extendedOffsets);
    }

    /// <summary>
    /// One frame as native little endian bytes. For native syntaxes: the bytes as stored (planar configuration as the
    /// dataset says; BitsAllocated 1 frames unpacked to one byte per value). For encapsulated syntaxes: the decoded
    /// frame, interleaved (planar configuration 0).
    /// </summary>
    public ReadOnlyMemory<byte> GetFrameBytes(int frame)
    {
        CheckFrame(frame);
        if (_fragments is null)
        {
            if (BitsAllocated == 1) return UnpackBits(frame);
            var stored = _native.Slice((int)(frame * NativeFrameLength), (int)NativeFrameLength);
            return NativeSubsampled ? Upsample422(stored.Span, BitsAllocated / 8) : stored;
        }
        return DecodeFrame(GetEncodedFrames()[frame]);
    }

    /// <summary>Planar configuration of the bytes <see cref="GetFrameBytes"/> returns.</summary>
    public int FrameBytesPlanarConfiguration => _fragments is null ? PlanarConfiguration : 0;

    private void CheckFrame(int frame)
    {
        if ((uint)frame >= (uint)NumberOfFrames)
            throw new ArgumentOutOfRangeException(nameof(frame), $"frame {frame} is not in 0..{NumberOfFrames - 1}");
    }

    /// <summary>Y1 Y2 Cb Cr -> Y1 Cb Cr Y2 Cb Cr (each sample of <paramref name="size"/> bytes).</summary>
    private static byte[] Upsample422(ReadOnlySpan<byte> stored, int size)
    {
        var r = new byte[stored.Length / 4 * 6];
        for (int i = 0, o = 0; i + 4 * size <= stored.Length; i += 4 * size, o += 6 * size)
        {
            var y1 = stored.Slice(i, size);
            var y2 = stored.Slice(i + size, size);
            var cbcr = stored.Slice(i + 2 * size, 2 * size);
            y1.CopyTo(r.AsSpan(o));
            cbcr.CopyTo(r.AsSpan(o + size));
            y2.CopyTo(r.AsSpan(o + 3 * size));
            cbcr.CopyTo(r.AsSpan(o + 4 * size));
        }
        return r;
    }

    private byte[] UnpackBits(int frame)
    {
        var r = new byte[ValuesPerFrame];
        var bit = NativeFrameOffsetBits(frame);
        var span = _native.Span;
        for (var i = 0; i < r.Length; i++, bit++) r[i] = (byte)((span[(int)(bit >> 3)] >> (int)(bit & 7)) & 1);
        return r;
    }

    private ReadOnlyMemory<byte> DecodeFrame(ReadOnlyMemory<byte> encoded)
    {
        var expected = FrameLength;
        byte[] decoded;
        switch (TransferSyntax.Uid)
        {
            case "1.2.840.10008.1.2.1.98": // encapsulated uncompressed
                decoded = encoded.ToArray();
                break;
            case "1.2.840.10008.1.2.8.1": // deflated image frame
                decoded = Inflate(encoded, expected);
                break;
            default:
                decoded = DecodeWithCodec(encoded);
                break;
        }
        if (decoded.Length < expected)
            throw new DicomDataException($"decoded frame has {decoded.Length} bytes; {expected} expected ({TransferSyntax.Name})", DicomTag.PixelData);
        return decoded.AsMemory(0, (int)expected);
    }

    private static byte[] Inflate(ReadOnlyMemory<byte> encoded, long expected)
    {
        try
        {
            using var z = new DeflateStream(new MemoryStream(encoded.ToArray(), writable: false), CompressionMode.Decompress);
            var r = new byte[expected];
            var got = 0;
            while (got < r.Length)
            {
                var n = z.Read(r, got, r.Length - got);
                if (n <= 0) break;
                got += n;
            }
            return got == r.Length ? r : r[..got];
        }
        catch (InvalidDataException ex)
        {
            throw new DicomDataException($"deflated frame is not valid deflate data: {ex.Message}", DicomTag.PixelData, ex);
        }
    }

    // ---- stored values ----

    /// <summary>All stored values of a frame as a new array (see <see cref="GetStoredValues(int, Span{int})"/>).</summary>
    public int[] GetStoredValues(int frame)
    {
        var r = new int[ValuesPerFrame];
        GetStoredValues(frame, r);
        return r;
    }

    /// <summary>
    /// Stored values of a frame in (row, column, sample) order: masked to BitsStored below HighBit, sign-extended
    /// when PixelRepresentation is 1 (BitsAllocated 32 unsigned values above int.MaxValue wrap).
    /// </summary>
    public void GetStoredValues(int frame, Span<int> destination)
    {
        if (destination.Length < ValuesPerFrame)
            throw new ArgumentException($"destination holds {destination.Length} values; {ValuesPerFrame} needed", nameof(destination));
        if (_fragments is not null && IsCodecSyntax)
        {
            // Compressed: decode into a pooled buffer (no large-object-heap garbage per frame).
            CheckFrame(frame);
            var length = (int)FrameLength;
            var rented = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                DecodeWithCodec(GetEncodedFrames()[frame], rented.AsSpan(0, length));
                StoredValues.Extract(rented.AsSpan(0, length), BitsAllocated, BitsStored, HighBit, IsSigned, destination[..ValuesPerFrame]);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
            return;
        }
        var bytes = GetFrameBytes(frame).Span;
        var planar = FrameBytesPlanarConfiguration == 1 && SamplesPerPixel > 1;
        if (BitsAllocated == 1)
        {
            for (var i = 0; i < ValuesPerFrame; i++) destination[i] = bytes[i];
            return;
        }
        StoredValues.Extract(bytes, BitsAllocated, BitsStored, HighBit, IsSigned, destination[..ValuesPerFrame]);
        if (planar) Interleave(destination[..ValuesPerFrame], SamplesPerPixel);
    }

    private static void Interleave(Span<int> values, int samples)
    {
        var plane = values.Length / samples;
        var copy = values.ToArray();
        for (var s = 0; s < samples; s++)
            for (var p = 0; p < plane; p++)
                values[p * samples + s] = copy[s * plane + p];
    }
}

/// <summary>Stored-value extraction from native little endian samples.</summary>
internal static class StoredValues
{
    public static void Extract(ReadOnlySpan<byte> bytes, int bitsAllocated, int bitsStored, int highBit, bool signed, Span<int> dest)
    {
        var shift = highBit + 1 - bitsStored;
        var n = dest.Length;
        switch (bitsAllocated)
        {
            case 8:
            {
                var mask = (1 << bitsStored) - 1;
                var ext = 32 - bitsStored;
                if (!signed && shift == 0 && bitsStored == 8)
                    for (var i = 0; i < n; i++) dest[i] = bytes[i];
                else
                    for (var i = 0; i < n; i++)
                    {
                        var v = (bytes[i] >> shift) & mask;
                        dest[i] = signed ? (v << ext) >> ext : v;
                    }
                break;
            }
            case 16:
            {
                var src = MemoryMarshal.Cast<byte, ushort>(bytes[..(2 * n)]);
                if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big endian hosts are not supported");
                if (shift == 0 && Vector256.IsHardwareAccelerated && n >= 16)
                {
                    Extract16Vector(src, bitsStored, signed, dest);
                }
                else if (shift == 0 && bitsStored == 16)
                {
                    if (signed)
                        for (var i = 0; i < n; i++) dest[i] = (short)src[i];
                    else
                        for (var i = 0; i < n; i++) dest[i] = src[i];
                }
                else
                {
                    var mask = (1 << bitsStored) - 1;
                    var ext = 32 - bitsStored;
                    if (signed)
                        for (var i = 0; i < n; i++) dest[i] = (((src[i] >> shift) & mask) << ext) >> ext;
                    else if (shift == 0)
                        for (var i = 0; i < n; i++) dest[i] = src[i] & mask;
                    else
                        for (var i = 0; i < n; i++) dest[i] = (src[i] >> shift) & mask;
                }
                break;
            }
            case 32:
            {
                var mask = bitsStored == 32 ? uint.MaxValue : (1u << bitsStored) - 1;
                var ext = 32 - bitsStored;
                for (var i = 0; i < n; i++)
                {
                    var v = (BinaryPrimitives.ReadUInt32LittleEndian(bytes[(4 * i)..]) >> shift) & mask;
                    dest[i] = signed && ext > 0 ? ((int)(v << ext)) >> ext : (int)v;
                }
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(bitsAllocated));
        }
    }

    /// <summary>16-bit samples with HighBit = BitsStored - 1: widen 16 at a time, mask or sign-extend.</summary>
    private static void Extract16Vector(ReadOnlySpan<ushort> src, int bitsStored, bool signed, Span<int> dest)
    {
        var n = dest.Length;
        var ext = 32 - bitsStored;
        var mask = Vector256.Create((uint)((1L << bitsStored) - 1));
        ref var s0 = ref MemoryMarshal.GetReference(src);
        ref var d0 = ref MemoryMarshal.GetReference(dest);
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var mask512 = Vector512.Create((uint)((1L << bitsStored) - 1));
            for (; i <= n - 32; i += 32)
            {
                var v = Vector512.LoadUnsafe(ref s0, (nuint)i);
                var (lo, hi) = Vector512.Widen(v);
                if (signed)
                {
                    Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(lo.AsInt32(), ext), ext).StoreUnsafe(ref d0, (nuint)i);
                    Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(hi.AsInt32(), ext), ext).StoreUnsafe(ref d0, (nuint)(i + 16));
                }
                else
                {
                    (lo & mask512).AsInt32().StoreUnsafe(ref d0, (nuint)i);
                    (hi & mask512).AsInt32().StoreUnsafe(ref d0, (nuint)(i + 16));
                }
            }
        }
        for (; i <= n - 16; i += 16)
        {
            var v = Vector256.LoadUnsafe(ref s0, (nuint)i);
            var (lo, hi) = Vector256.Widen(v);
            Vector256<int> a, b;
            if (signed)
            {
                a = Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(lo.AsInt32(), ext), ext);
                b = Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(hi.AsInt32(), ext), ext);
            }
            else
            {
                a = (lo & mask).AsInt32();
                b = (hi & mask).AsInt32();
            }
            a.StoreUnsafe(ref d0, (nuint)i);
            b.StoreUnsafe(ref d0, (nuint)(i + 8));
        }
        for (; i < n; i++)
        {
            var v = (int)(src[i] & (uint)((1L << bitsStored) - 1));
            dest[i] = signed ? (v << ext) >> ext : v;
        }
    }
}
