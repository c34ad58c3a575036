namespace MriCs.Dicom.Codecs.Jpeg;

/// <summary>Growable byte output with MSB-first entropy-coded bits and FF 00 stuffing.</summary>
internal sealed class JpegBitWriter(int capacity) : IDisposable
{
    private byte[] _buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 256));
    private int _pos;
    private ulong _acc;
    private int _bits;

    public int Length => _pos;

    /// <summary>
    /// Appends, for each symbol (category | extra bits &lt;&lt; 5), prefix[category] | extra bits on
    /// length[category] bits, with the bit buffer kept in locals.
    /// </summary>
    public void WriteSymbols(ReadOnlySpan<int> symbols, uint[] prefix, int[] length)
    {
        ulong acc = _acc;
        int bits = _bits, pos = _pos;
        byte[] buffer = _buffer;
        foreach (int symbol in symbols)
        {
            int category = symbol & 31;
            int n = length[category];
            acc = (acc << n) | prefix[category] | (uint)(symbol >> 5);
            bits += n;
            if (bits >= 32)
            {
                if (pos + 16 > buffer.Length)
                {
                    _pos = pos;
                    Grow();
                    buffer = _buffer;
                }
                while (bits >= 8)
                {
                    bits -= 8;
                    byte b = (byte)(acc >> bits);
                    buffer[pos++] = b;
                    if (b == 0xFF) buffer[pos++] = 0x00;
                }
            }
        }
        _acc = acc;
        _bits = bits;
        _pos = pos;
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
