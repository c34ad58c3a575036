namespace MriCs.Dicom.Codecs.Jpeg;

/// <summary>
/// Optimal Huffman code for the 17 lossless difference categories from their frequencies,
/// limited to 16-bit codes and without the all-ones code (T.81 Annex K.2, figures K.1 to K.4).
/// </summary>
internal static class HuffmanCodeBuilder
{
    public const int Symbols = 17;

    /// <summary>
    /// Fills <paramref name="bits"/> (16 counts of codes per length), <paramref name="values"/> (symbols in
    /// code order, returns how many) and the code and length of each symbol.
    /// </summary>
    public static int Build(ReadOnlySpan<long> frequencies, Span<byte> bits, Span<byte> values, Span<int> code, Span<int> length)
    {
        const int reserved = Symbols; // one extra symbol so that no real code is all ones
        Span<long> freq = stackalloc long[Symbols + 1];
        Span<int> codeSize = stackalloc int[Symbols + 1];
        Span<int> others = stackalloc int[Symbols + 1];
        for (int i = 0; i < Symbols; i++) freq[i] = frequencies[i];
        freq[reserved] = 1;
        others.Fill(-1);

        while (true)
        {
            int c1 = -1, c2 = -1;
            long v = long.MaxValue;
            for (int i = 0; i <= Symbols; i++)
                if (freq[i] > 0 && freq[i] <= v) { v = freq[i]; c1 = i; }
            v = long.MaxValue;
            for (int i = 0; i <= Symbols; i++)
                if (freq[i] > 0 && freq[i] <= v && i != c1) { v = freq[i]; c2 = i; }
            if (c2 < 0) break;
            freq[c1] += freq[c2];
            freq[c2] = 0;
            codeSize[c1]++;
            while (others[c1] >= 0) { c1 = others[c1]; codeSize[c1]++; }
            others[c1] = c2;
            codeSize[c2]++;
            while (others[c2] >= 0) { c2 = others[c2]; codeSize[c2]++; }
        }

        Span<int> count = stackalloc int[33];
        for (int i = 0; i <= Symbols; i++)
            if (codeSize[i] > 0) count[codeSize[i]]++;
        // Limit lengths to 16 (figure K.3).
        for (int i = 32; i > 16; i--)
        {
            while (count[i] > 0)
            {
                int j = i - 2;
                while (count[j] == 0) j--;
                count[i] -= 2;
                count[i - 1]++;
                count[j + 1] += 2;
                count[j]--;
            }
        }
        // Drop the reserved symbol: it holds one of the longest codes.
        int longest = 16;
        while (count[longest] == 0) longest--;
        count[longest]--;

        // Symbols sorted by code size, then by value (figure K.4).
        int n = 0;
        for (int size = 1; size <= 32; size++)
            for (int s = 0; s < Symbols; s++)
                if (codeSize[s] == size) values[n++] = (byte)s;
        for (int i = 0; i < 16; i++) bits[i] = (byte)count[i + 1];

        // Canonical codes (Annex C) in the order of values.
        length.Clear();
        int next = 0, k = 0;
        for (int len = 1; len <= 16; len++)
        {
            for (int j = 0; j < count[len]; j++, k++)
            {
                code[values[k]] = next++;
                length[values[k]] = len;
            }
            next <<= 1;
        }
        return n;
    }
}
