namespace MriCs.Dicom.Codecs.Jpeg;

/// <summary>Growable byte output with MSB-first entropy-coded bits and FF 00 stuffing.</summary>
internal sealed class JpegBitWriter(int capacity) : IDisposable
{
    private byte[] _buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 256));
    private int _pos;
    private ulong _acc;
    private int _bits;

    public int Length => _pos;

    /// <summary>Appends the low <paramref name="count"/> (0..32) bits of <paramref name="value"/>, most significant first.</summary>
    public void WriteBits(int value, int count)
    {
        _acc = (_acc << count) | ((uint)value & ((1UL << count) - 1));
        _bits += count;
        if (_bits < 32) return;
        if (_pos + 16 > _buffer.Length) Grow();
        var buffer = _buffer;
        while (_bits >= 8)
        {
            _bits -= 8;
            byte b = (byte)(_acc >> _bits);
            buffer[_pos++] = b;
            if (b == 0xFF) buffer[_pos++] = 0x00;
        }
    }

    /// <summary>Pads the last byte with one bits (T.81 F.1.2.3) so that the next marker starts byte-aligned.</summary>
    public void Flush()
    {
        int pad = (8 - (_bits & 7)) & 7;
        _acc = (_acc << pad) | ((1UL << pad) - 1);
        _bits += pad;
        while (_bits >= 8)
        {
            _bits -= 8;
            byte b = (byte)(_acc >> _bits);
            Put(b);
            if (b == 0xFF) Put(0x00);
        }
        _acc = 0;
    }

    public void Put(byte b)
    {
        if (_pos == _buffer.Length) Grow();
        _buffer[_pos++] = b;
    }

    public void PutUInt16(int v)
    {
        Put((byte)(v >> 8));
        Put((byte)v);
    }

    public byte[] ToArray() => _buffer.AsSpan(0, _pos).ToArray();

    private void Grow()
    {
        var bigger = System.Buffers.ArrayPool<byte>.Shared.Rent(checked(_buffer.Length * 2));
        _buffer.AsSpan(0, _pos).CopyTo(bigger);
        System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void Dispose()
    {
        System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
