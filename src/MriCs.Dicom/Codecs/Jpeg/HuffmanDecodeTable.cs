namespace MriCs.Dicom.Codecs.Jpeg;

/// <summary>
/// A DHT table prepared for decoding (T.81 Annex C and F.2.2.3): a 9-bit lookup for short codes
/// and per-length maximum codes for the rest. Fixed-size arrays; nothing sized by the stream.
/// </summary>
internal sealed class HuffmanDecodeTable
{
    public const int LookupBits = 9;

    /// <summary>For a 9-bit prefix: (code length &lt;&lt; 8) | symbol, or 0 when the code is longer than 9 bits.</summary>
    public readonly ushort[] Lookup = new ushort[1 << LookupBits];

    /// <summary>Largest code of each length (1..16), -1 when none.</summary>
    public readonly int[] MaxCode = new int[18];

    /// <summary>Index in <see cref="Values"/> of the first code of each length, minus that code.</summary>
    public readonly int[] ValueOffset = new int[18];

    public readonly byte[] Values = new byte[256];

    public const int FastBits = 11;

    /// <summary>
    /// For an 11-bit prefix holding a whole code and its extra bits: (difference &lt;&lt; 8) | total bit count;
    /// 0 when the prefix does not hold both (then decode the symbol and read the extra bits separately).
    /// </summary>
    public readonly int[] FastDiff = new int[1 << FastBits];

    public int ValueCount { get; private set; }

    /// <summary>Largest symbol; lossless scans need every symbol to be a difference category 0..16.</summary>
    public int MaxSymbol { get; private set; }

    /// <summary>Builds the table from the 16 code counts and the symbols; returns an error text or null.</summary>
    public string? Build(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> values)
    {
        Array.Clear(Lookup);
        int total = 0;
        for (int i = 0; i < 16; i++) total += counts[i];
        if (total > 256 || total != values.Length) return $"code counts sum to {total}, not {values.Length} symbols";
        values.CopyTo(Values);
        ValueCount = total;
        int maxSymbol = 0;
        foreach (byte v in values) maxSymbol = Math.Max(maxSymbol, v);
        MaxSymbol = maxSymbol;

        int code = 0, k = 0;
        for (int len = 1; len <= 16; len++)
        {
            int n = counts[len - 1];
            if (n == 0)
            {
                MaxCode[len] = -1;
            }
            else
            {
                ValueOffset[len] = k - code;
                for (int j = 0; j < n; j++, k++, code++)
                {
                    if (code >= 1 << len) return $"code counts overflow {len}-bit codes";
                    if (len <= LookupBits)
                    {
                        int shift = LookupBits - len;
                        int first = code << shift;
                        ushort entry = (ushort)((len << 8) | Values[k]);
                        Lookup.AsSpan(first, 1 << shift).Fill(entry);
                    }
                }
                MaxCode[len] = code - 1;
            }
            code <<= 1;
        }
        MaxCode[17] = int.MaxValue; // sentinel, never reached with a valid table
        BuildFastDiff(counts);
        return null;
    }

    private void BuildFastDiff(ReadOnlySpan<byte> counts)
    {
        Array.Clear(FastDiff);
        int code = 0, k = 0;
        for (int len = 1; len <= 16; len++)
        {
            for (int j = 0; j < counts[len - 1]; j++, k++, code++)
            {
                int s = Values[k];
                if (s == 16)
                {
                    if (len <= FastBits) Fill(code << (FastBits - len), FastBits - len, (32768 << 8) | len);
                    continue;
                }
                if (s > 16 || len + s > FastBits) continue;
                for (int extra = 0; extra < 1 << s; extra++)
                {
                    int diff = s == 0 ? 0 : extra < 1 << (s - 1) ? extra - (1 << s) + 1 : extra;
                    int total = len + s;
                    int prefix = ((code << s) | extra) << (FastBits - total);
                    Fill(prefix, FastBits - total, (diff << 8) | total);
                }
            }
            code <<= 1;
        }
    }

    private void Fill(int prefix, int freeBits, int entry) => FastDiff.AsSpan(prefix, 1 << freeBits).Fill(entry);
}
