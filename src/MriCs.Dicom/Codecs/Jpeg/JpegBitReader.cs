using System.Buffers.Binary;

namespace MriCs.Dicom.Codecs.Jpeg;

/// <summary>
/// Reads entropy-coded bits (MSB first) with byte unstuffing (FF 00 -> FF). At a marker or the end
/// of the data it supplies zero bits and counts them, so decoding is bounded and a read past the real
/// data is detected afterwards by <see cref="Overrun"/>.
/// </summary>
internal ref struct JpegBitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;
    private ulong _acc;
    private int _bits;
    private int _fakeBits;
    private bool _stopped;

    public JpegBitReader(ReadOnlySpan<byte> data, int pos)
    {
        _data = data;
        _pos = pos;
    }

    /// <summary>Offset of the next byte not yet taken into the bit buffer.</summary>
    public readonly int Position => _pos;

    /// <summary>True once bits were consumed that the data does not hold (truncated or corrupt data).</summary>
    public readonly bool Overrun => _bits < _fakeBits;

    /// <summary>Tops the bit buffer up to more than 56 bits (zero bits once a marker or the end is reached).</summary>
    public void Fill()
    {
        if (_bits > 56) return;
        // Fast path: the next 8 bytes hold no FF (so no stuffing and no marker): take whole bytes at once.
        if (!_stopped && _pos + 8 <= _data.Length)
        {
            ulong word = BinaryPrimitives.ReadUInt64BigEndian(_data[_pos..]);
            ulong inverted = ~word;
            if (((inverted - 0x0101010101010101UL) & ~inverted & 0x8080808080808080UL) == 0)
            {
                int n = (64 - _bits) >> 3;
                _acc = n == 8 ? word : (_acc << (8 * n)) | (word >> (64 - 8 * n));
                _bits += 8 * n;
                _pos += n;
                return;
            }
        }
        while (_bits <= 56)
        {
            if (_stopped)
            {
                _acc <<= 8;
                _bits += 8;
                _fakeBits += 8;
                continue;
            }
            if (_pos >= _data.Length)
            {
                _stopped = true;
                continue;
            }
            byte b = _data[_pos];
            if (b == 0xFF)
            {
                if (_pos + 1 < _data.Length && _data[_pos + 1] == 0x00)
                {
                    _pos += 2;
                }
                else
                {
                    _stopped = true; // a marker (or FF at the very end): leave _pos on it
                    continue;
                }
            }
            else
            {
                _pos++;
            }
            _acc = (_acc << 8) | b;
            _bits += 8;
        }
    }

    /// <summary>Decodes one Huffman symbol; -1 for a code not in the table. Needs at least 16 bits buffered.</summary>
    public int DecodeSymbol(HuffmanDecodeTable table)
    {
        if (_bits < 32) Fill();
        int peek = (int)(_acc >> (_bits - HuffmanDecodeTable.LookupBits)) & ((1 << HuffmanDecodeTable.LookupBits) - 1);
        int entry = table.Lookup[peek];
        if (entry != 0)
        {
            _bits -= entry >> 8;
            return entry & 0xFF;
        }
        for (int len = HuffmanDecodeTable.LookupBits + 1; len <= 16; len++)
        {
            int code = (int)(_acc >> (_bits - len)) & ((1 << len) - 1);
            if (code <= table.MaxCode[len])
            {
                _bits -= len;
                return table.Values[table.ValueOffset[len] + code];
            }
        }
        return -1;
    }

    /// <summary>
    /// Decodes one full row of a one-component scan that is neither the first row of the scan or of a restart
    /// interval nor crossed by a restart: sample 0 is predicted from above, the rest by <typeparamref name="TP"/>.
    /// Keeps the bit buffer in locals. Returns false at an invalid Huffman code.
    /// </summary>
    public bool DecodeRow<TP>(HuffmanDecodeTable table, Span<int> current, ReadOnlySpan<int> previous)
        where TP : struct, IPredictor
    {
        ulong acc = _acc;
        int bits = _bits;
        ushort[] lookup = table.Lookup;
        int[] fastDiff = table.FastDiff;
        int width = current.Length;
        if (previous.Length < width) return false;
        int pred = previous[0];
        for (int x = 0; ;)
        {
            if (bits < 32)
            {
                _acc = acc;
                _bits = bits;
                Fill();
                acc = _acc;
                bits = _bits;
            }
            int diff;
            int fast = fastDiff[(int)(acc >> (bits - HuffmanDecodeTable.FastBits)) & ((1 << HuffmanDecodeTable.FastBits) - 1)];
            if (fast != 0)
            {
                bits -= fast & 0xFF;
                diff = fast >> 8;
            }
            else
            {
                int entry = lookup[(int)(acc >> (bits - HuffmanDecodeTable.LookupBits)) & ((1 << HuffmanDecodeTable.LookupBits) - 1)];
                int s;
                if (entry != 0)
                {
                    bits -= entry >> 8;
                    s = entry & 0xFF;
                }
                else
                {
                    s = -1;
                    for (int len = HuffmanDecodeTable.LookupBits + 1; len <= 16; len++)
                    {
                        int code = (int)(acc >> (bits - len)) & ((1 << len) - 1);
                        if (code <= table.MaxCode[len])
                        {
                            bits -= len;
                            s = table.Values[table.ValueOffset[len] + code];
                            break;
                        }
                    }
                    if (s < 0)
                    {
                        _acc = acc;
                        _bits = bits;
                        return false;
                    }
                }
                if (s == 0) diff = 0;
                else if (s == 16) diff = 32768;
                else
                {
                    bits -= s; // at most 16 + 15 bits after a refill to 32 or more
                    int v = (int)(acc >> bits) & ((1 << s) - 1);
                    diff = v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
                }
            }
            current[x] = (pred + diff) & 0xFFFF;
            if (++x == width) break;
            pred = TP.Predict(current[x - 1], previous[x], previous[x - 1]);
        }
        _acc = acc;
        _bits = bits;
        return true;
    }

    /// <summary>Reads <paramref name="n"/> (1..15) bits; call after <see cref="DecodeSymbol"/>, which leaves enough buffered.</summary>
    public int ReadBits(int n)
    {
        if (_bits < n) Fill();
        _bits -= n;
        return (int)(_acc >> _bits) & ((1 << n) - 1);
    }

    /// <summary>
    /// Drops the buffered bits (the padding at the end of an interval) and returns the offset of the next
    /// marker: the FF of FF xx with xx not 00, skipping any stray bytes before it; -1 when there is none.
    /// </summary>
    public int SkipToMarker()
    {
        _acc = 0;
        _bits = 0;
        _fakeBits = 0;
        _stopped = false;
        int p = _pos;
        while (p + 1 < _data.Length)
        {
            if (_data[p] == 0xFF && _data[p + 1] != 0x00 && _data[p + 1] != 0xFF) return p;
            p++;
        }
        return -1;
    }

    /// <summary>Restarts reading at <paramref name="pos"/> with an empty buffer.</summary>
    public void Reset(int pos)
    {
        _pos = pos;
        _acc = 0;
        _bits = 0;
        _fakeBits = 0;
        _stopped = false;
    }
}
