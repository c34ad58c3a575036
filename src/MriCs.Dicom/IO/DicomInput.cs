using System.Buffers;
using System.Runtime.InteropServices;

namespace MriCs.Dicom.IO;

/// <summary>
/// Sequential source of the parser: a memory block (values are zero-copy slices) or a stream read through a
/// pooled buffer (values are copied; skipped values are seeked over when the stream can seek).
/// Lengths are checked against what remains before anything is allocated.
/// </summary>
internal abstract class DicomInput : IDisposable
{
    /// <summary>Offset of the next byte in the source.</summary>
    public abstract long Position { get; }

    /// <summary>Bytes known to remain; -1 when the source cannot tell (deflate, pipes).</summary>
    public abstract long Remaining { get; }

    /// <summary>True when the offsets count bytes of an inflated (deflated) stream.</summary>
    public bool IsInflated { get; init; }

    /// <summary>Makes up to <paramref name="count"/> (at most 256) bytes available; returns how many are.</summary>
    public abstract int Fill(int count);

    /// <summary>The next <paramref name="count"/> bytes without advancing (after <see cref="Fill"/>).</summary>
    public abstract ReadOnlySpan<byte> Peek(int count);

    /// <summary>The next <paramref name="count"/> bytes, which <see cref="Fill"/> made available; advances.</summary>
    public abstract ReadOnlySpan<byte> Take(int count);

    /// <summary>Reads a value of <paramref name="length"/> bytes, or throws when the source ends first.</summary>
    public abstract ReadOnlyMemory<byte> ReadValue(long length, DicomTag? tag);

    /// <summary>Skips <paramref name="length"/> bytes, or throws when the source ends first.</summary>
    public abstract void Skip(long length, DicomTag? tag);

    /// <summary>The rest of the source as a stream (for inflating a deflated dataset).</summary>
    public abstract Stream RemainderAsStream();

    public virtual void Dispose() { }

    protected DicomFormatException PastEnd(long length, long available, DicomTag? tag) =>
        new($"value length {length} runs past the end of the data ({(available >= 0 ? available + " bytes left" : "source ended")})" + (IsInflated ? " (offset in the inflated dataset)" : ""), Position, tag);
}

internal sealed class MemoryInput(ReadOnlyMemory<byte> data, long baseOffset = 0) : DicomInput
{
    private int _pos;

    public override long Position => baseOffset + _pos;

    public override long Remaining => data.Length - _pos;

    public override int Fill(int count) => Math.Min(count, data.Length - _pos);

    public override ReadOnlySpan<byte> Peek(int count) => data.Span.Slice(_pos, count);

    public override ReadOnlySpan<byte> Take(int count)
    {
        var s = data.Span.Slice(_pos, count);
        _pos += count;
        return s;
    }

    public override ReadOnlyMemory<byte> ReadValue(long length, DicomTag? tag)
    {
        if (length > data.Length - _pos) throw PastEnd(length, data.Length - _pos, tag);
        var v = data.Slice(_pos, (int)length);
        _pos += (int)length;
        return v;
    }

    public override void Skip(long length, DicomTag? tag)
    {
        if (length > data.Length - _pos) throw PastEnd(length, data.Length - _pos, tag);
        _pos += (int)length;
    }

    public override Stream RemainderAsStream()
    {
        var rest = data[_pos..];
        return MemoryMarshal.TryGetArray(rest, out var seg)
            ? new MemoryStream(seg.Array!, seg.Offset, seg.Count, writable: false)
            : new MemoryStream(rest.ToArray(), writable: false);
    }
}

internal sealed class StreamInput : DicomInput
{
    private const int BufferSize = 64 * 1024;
    private const int GrowChunk = 1 << 20;
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly long _baseOffset;
    private byte[] _buf;
    private int _bufPos;
    private int _bufLen;
    private long _consumedBeforeBuffer; // source bytes before _buf[0]

    private readonly long _streamLength; // -1 when the stream cannot tell
    private long _streamPos;             // bytes read from the stream so far (plus its start position)

    public StreamInput(Stream stream, bool ownsStream, long baseOffset = 0)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        _baseOffset = baseOffset;
        // Length and position are asked once: each query can be a system call on a file.
        _streamLength = stream.CanSeek ? stream.Length : -1;
        _streamPos = stream.CanSeek ? stream.Position : 0;
        _buf = ArrayPool<byte>.Shared.Rent(BufferSize);
    }

    private int StreamRead(byte[] buffer, int offset, int count)
    {
        var n = _stream.Read(buffer, offset, count);
        if (n > 0) _streamPos += n;
        return n;
    }

    public override long Position => _baseOffset + _consumedBeforeBuffer + _bufPos;

    public override long Remaining
    {
        get
        {
            if (_streamLength < 0) return -1;
            return (_bufLen - _bufPos) + Math.Max(0, _streamLength - _streamPos);
        }
    }

    public override int Fill(int count)
    {
        if (_bufLen - _bufPos >= count) return count;
        if (_bufPos > 0)
        {
            Buffer.BlockCopy(_buf, _bufPos, _buf, 0, _bufLen - _bufPos);
            _consumedBeforeBuffer += _bufPos;
            _bufLen -= _bufPos;
            _bufPos = 0;
        }
        while (_bufLen < count)
        {
            var n = StreamRead(_buf, _bufLen, _buf.Length - _bufLen);
            if (n <= 0) break;
            _bufLen += n;
        }
        return Math.Min(count, _bufLen);
    }

    public override ReadOnlySpan<byte> Peek(int count) => new(_buf, _bufPos, count);

    public override ReadOnlySpan<byte> Take(int count)
    {
        var s = new ReadOnlySpan<byte>(_buf, _bufPos, count);
        _bufPos += count;
        return s;
    }

    public override ReadOnlyMemory<byte> ReadValue(long length, DicomTag? tag)
    {
        var remaining = Remaining;
        if (remaining >= 0 && length > remaining) throw PastEnd(length, remaining, tag);
        if (length > Array.MaxLength) throw PastEnd(length, remaining, tag);
        var buffered = _bufLen - _bufPos;
        if (length <= buffered)
        {
            var small = new byte[length];
            Buffer.BlockCopy(_buf, _bufPos, small, 0, (int)length);
            _bufPos += (int)length;
            return small;
        }
        // Exact allocation when the source's size vouches for the length; otherwise grow with the data that arrives.
        var target = remaining >= 0 ? (int)length : (int)Math.Min(length, GrowChunk);
        var value = GC.AllocateUninitializedArray<byte>(target);
        Buffer.BlockCopy(_buf, _bufPos, value, 0, buffered);
        _consumedBeforeBuffer += _bufLen;
        _bufPos = _bufLen = 0;
        var got = buffered;
        while (got < length)
        {
            if (got == value.Length)
            {
                var bigger = GC.AllocateUninitializedArray<byte>((int)Math.Min(length, (long)value.Length * 2));
                Buffer.BlockCopy(value, 0, bigger, 0, got);
                value = bigger;
            }
            var n = StreamRead(value, got, value.Length - got);
            if (n <= 0)
            {
                _consumedBeforeBuffer += got - buffered;
                throw PastEnd(length, got, tag);
            }
            got += n;
        }
        _consumedBeforeBuffer += got - buffered;
        return value;
    }

    public override void Skip(long length, DicomTag? tag)
    {
        var remaining = Remaining;
        if (remaining >= 0 && length > remaining) throw PastEnd(length, remaining, tag);
        var buffered = _bufLen - _bufPos;
        if (length <= buffered)
        {
            _bufPos += (int)length;
            return;
        }
        var rest = length - buffered;
        _consumedBeforeBuffer += _bufLen;
        _bufPos = _bufLen = 0;
        if (_streamLength >= 0)
        {
            _stream.Seek(rest, SeekOrigin.Current);
            _streamPos += rest;
            _consumedBeforeBuffer += rest;
            return;
        }
        while (rest > 0)
        {
            var n = StreamRead(_buf, 0, (int)Math.Min(_buf.Length, rest));
            if (n <= 0) throw PastEnd(length, length - rest, tag);
            rest -= n;
            _consumedBeforeBuffer += n;
        }
    }

    public override Stream RemainderAsStream()
    {
        var leftover = new byte[_bufLen - _bufPos];
        Buffer.BlockCopy(_buf, _bufPos, leftover, 0, leftover.Length);
        _consumedBeforeBuffer += _bufLen;
        _bufPos = _bufLen = 0;
        return new ConcatenatedStream(new MemoryStream(leftover, writable: false), _stream);
    }

    public override void Dispose()
    {
        if (_buf.Length > 0) ArrayPool<byte>.Shared.Return(_buf);
        _buf = [];
        if (_ownsStream) _stream.Dispose();
    }
}

/// <summary>Reads one stream, then another (read-only, forward-only).</summary>
internal sealed class ConcatenatedStream(Stream first, Stream second) : Stream
{
    private bool _firstDone;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!_firstDone)
        {
            var n = first.Read(buffer);
            if (n > 0) return n;
            _firstDone = true;
        }
        return second.Read(buffer);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
