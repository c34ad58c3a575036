using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace MriCs.Dicom;

// Typed access to values. Getters: Get* returns null/empty when absent; Get*(tag, fallback) returns the
// fallback when absent or empty; TryGet* returns false when absent, empty or malformed; Get*(tag) without a
// fallback throws DicomDataException naming the tag when absent or malformed. A UN element of a tag the
// dictionary knows is interpreted with the dictionary's VR (files written by peers that lost the VR).
public sealed partial class DicomDataset
{
    // ---- strings ----

    /// <summary>The whole value as text (values joined by '\'), without padding; null when absent.</summary>
    public string? GetString(DicomTag tag)
    {
        var values = GetStringsOrNull(tag);
        return values is null ? null : string.Join('\\', values);
    }

    public string GetString(DicomTag tag, string fallback)
    {
        var s = GetString(tag);
        return string.IsNullOrEmpty(s) ? fallback : s;
    }

    public bool TryGetString(DicomTag tag, out string value)
    {
        value = GetString(tag) ?? "";
        return value.Length > 0;
    }

    /// <summary>A string that must be present and non-empty.</summary>
    public string GetRequiredString(DicomTag tag) =>
        TryGetString(tag, out var s) ? s : throw Missing(tag);

    /// <summary>The values as text (binary VRs formatted invariantly); empty when absent.</summary>
    public string[] GetStrings(DicomTag tag) => GetStringsOrNull(tag) ?? [];

    private string[]? GetStringsOrNull(DicomTag tag)
    {
        var e = Get(tag);
        switch (e)
        {
            case null: return null;
            case DicomSequence: throw new DicomDataException($"{Describe(tag)} is a sequence, not a string", tag);
            case DicomFragmentSequence: throw new DicomDataException($"{Describe(tag)} is encapsulated pixel data, not a string", tag);
        }
        var v = (DicomValueElement)e;
        if (v.IsValueSkipped) throw new DicomDataException($"{Describe(tag)} was skipped by a header-only read", tag);
        var vr = EffectiveVR(v);
        var span = v.Value.Span;
        if (vr.IsString) return SplitText(DecodeText(span, vr), vr);
        return FormatBinary(span, vr, tag);
    }

    internal string DecodeText(ReadOnlySpan<byte> bytes, DicomVR vr) =>
        (vr.IsCharacterSetSensitive ? TextEncoding : Encoding.Latin1).GetString(bytes);

    private static string[] SplitText(string text, DicomVR vr)
    {
        if (text.Length == 0) return [];
        if (vr.IsSingleValuedText) return [text.TrimEnd(' ', '\0')];
        var parts = text.Split('\\');
        for (var i = 0; i < parts.Length; i++) parts[i] = parts[i].Trim(' ', '\0');
        if (parts.Length == 1 && parts[0].Length == 0) return [];
        return parts;
    }

    private static string[] FormatBinary(ReadOnlySpan<byte> span, DicomVR vr, DicomTag tag)
    {
        var inv = CultureInfo.InvariantCulture;
        if (vr == DicomVR.AT)
        {
            CheckMultiple(span, 4, vr, tag);
            var r = new string[span.Length / 4];
            for (var i = 0; i < r.Length; i++)
                r[i] = new DicomTag(BinaryPrimitives.ReadUInt16LittleEndian(span[(4 * i)..]), BinaryPrimitives.ReadUInt16LittleEndian(span[(4 * i + 2)..])).ToString();
            return r;
        }
        if (vr == DicomVR.FL || vr == DicomVR.OF) return ReadDoubles(span, vr, tag).Select(d => ((float)d).ToString("R", inv)).ToArray();
        if (vr == DicomVR.FD || vr == DicomVR.OD) return ReadDoubles(span, vr, tag).Select(d => d.ToString("R", inv)).ToArray();
        if (vr == DicomVR.US || vr == DicomVR.SS || vr == DicomVR.UL || vr == DicomVR.SL || vr == DicomVR.SV || vr == DicomVR.UV)
            return ReadIntegers(span, vr, tag).Select(x => x.ToString(inv)).ToArray();
        throw new DicomDataException($"{Describe(tag)} has VR {vr}, which holds bytes, not text", tag);
    }

    // ---- numbers ----

    public bool TryGetInt(DicomTag tag, out int value)
    {
        value = 0;
        if (!TryGetInts(tag, out var all) || all.Length == 0) return false;
        value = all[0];
        return true;
    }

    public int GetInt(DicomTag tag) => TryGetNumbers(tag, out var v, out var why) && v.Length > 0 ? ToInt(v[0], tag) : throw Problem(tag, why);

    public int GetInt(DicomTag tag, int fallback)
    {
        if (!Contains(tag) || IsEmpty(tag)) return fallback;
        return GetInt(tag);
    }

    public bool TryGetInts(DicomTag tag, out int[] values)
    {
        values = [];
        if (!TryGetNumbers(tag, out var v, out _) || v.Length == 0) return false;
        var r = new int[v.Length];
        for (var i = 0; i < v.Length; i++)
        {
            if (v[i] is < int.MinValue or > int.MaxValue || Math.Floor(v[i]) != v[i]) return false;
            r[i] = (int)v[i];
        }
        values = r;
        return true;
    }

    public int[] GetInts(DicomTag tag)
    {
        if (!Contains(tag) || IsEmpty(tag)) return [];
        return TryGetInts(tag, out var v) ? v : throw Problem(tag, "not a list of integers");
    }

    public bool TryGetDouble(DicomTag tag, out double value)
    {
        value = 0;
        if (!TryGetNumbers(tag, out var v, out _) || v.Length == 0) return false;
        value = v[0];
        return true;
    }

    public double GetDouble(DicomTag tag) => TryGetNumbers(tag, out var v, out var why) && v.Length > 0 ? v[0] : throw Problem(tag, why);

    public double GetDouble(DicomTag tag, double fallback)
    {
        if (!Contains(tag) || IsEmpty(tag)) return fallback;
        return GetDouble(tag);
    }

    public bool TryGetDoubles(DicomTag tag, out double[] values)
    {
        if (TryGetNumbers(tag, out values, out _) && values.Length > 0) return true;
        values = [];
        return false;
    }

    public double[] GetDoubles(DicomTag tag)
    {
        if (!Contains(tag) || IsEmpty(tag)) return [];
        return TryGetNumbers(tag, out var v, out var why) ? v : throw Problem(tag, why);
    }

    /// <summary>Integers of US, SS, UL, SL, SV, UV, IS (and integral DS) values, including 64-bit ones.</summary>
    public bool TryGetLongs(DicomTag tag, out long[] values)
    {
        values = [];
        if (Get(tag) is not DicomValueElement { IsValueSkipped: false } v) return false;
        var vr = EffectiveVR(v);
        try
        {
            if (vr == DicomVR.US || vr == DicomVR.SS || vr == DicomVR.UL || vr == DicomVR.SL || vr == DicomVR.SV || vr == DicomVR.UV)
            {
                var ints = ReadIntegers(v.Value.Span, vr, tag);
                values = ints.Select(x => (long)x).ToArray();
                return values.Length > 0;
            }
        }
        catch (DicomDataException) { return false; }
        catch (OverflowException) { return false; }
        if (!TryGetDoubles(tag, out var d)) return false;
        if (d.Any(x => Math.Floor(x) != x || x < long.MinValue || x > long.MaxValue)) return false;
        values = d.Select(x => (long)x).ToArray();
        return true;
    }

    private bool IsEmpty(DicomTag tag) =>
        Get(tag) is DicomValueElement { IsValueSkipped: false } v
        && (EffectiveVR(v).IsString ? v.Value.Span.Trim((byte)' ').TrimEnd((byte)0).Length == 0 : v.Value.Length == 0);

    private bool TryGetNumbers(DicomTag tag, out double[] values, out string why)
    {
        values = [];
        why = "";
        var e = Get(tag);
        if (e is null) { why = "is missing"; return false; }
        if (e is not DicomValueElement v) { why = "is not a numeric value"; return false; }
        if (v.IsValueSkipped) { why = "was skipped by a header-only read"; return false; }
        var vr = EffectiveVR(v);
        var span = v.Value.Span;
        if (vr == DicomVR.DS || vr == DicomVR.IS)
        {
            var parts = SplitText(Encoding.Latin1.GetString(span), vr);
            var r = new double[parts.Length];
            for (var i = 0; i < parts.Length; i++)
            {
                if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out r[i]) || !double.IsFinite(r[i]))
                {
                    why = $"value {i + 1} '{parts[i]}' is not a {vr} number";
                    return false;
                }
            }
            values = r;
            return true;
        }
        try
        {
            if (vr == DicomVR.FL || vr == DicomVR.FD || vr == DicomVR.OF || vr == DicomVR.OD)
            {
                values = ReadDoubles(span, vr, tag);
                return true;
            }
            if (vr == DicomVR.US || vr == DicomVR.SS || vr == DicomVR.UL || vr == DicomVR.SL || vr == DicomVR.SV || vr == DicomVR.UV)
            {
                values = ReadIntegers(span, vr, tag).Select(x => (double)x).ToArray();
                return true;
            }
        }
        catch (DicomDataException ex)
        {
            why = ex.Message;
            return false;
        }
        why = $"has VR {vr}, which is not numeric";
        return false;
    }

    private static double[] ReadDoubles(ReadOnlySpan<byte> span, DicomVR vr, DicomTag tag)
    {
        var size = vr == DicomVR.FL || vr == DicomVR.OF ? 4 : 8;
        CheckMultiple(span, size, vr, tag);
        var r = new double[span.Length / size];
        for (var i = 0; i < r.Length; i++)
            r[i] = size == 4 ? BinaryPrimitives.ReadSingleLittleEndian(span[(4 * i)..]) : BinaryPrimitives.ReadDoubleLittleEndian(span[(8 * i)..]);
        return r;
    }

    private static Int128[] ReadIntegers(ReadOnlySpan<byte> span, DicomVR vr, DicomTag tag)
    {
        var size = vr.ByteSwapUnit;
        CheckMultiple(span, size, vr, tag);
        var r = new Int128[span.Length / size];
        for (var i = 0; i < r.Length; i++)
        {
            var s = span[(size * i)..];
            r[i] = vr == DicomVR.US ? BinaryPrimitives.ReadUInt16LittleEndian(s)
                : vr == DicomVR.SS ? BinaryPrimitives.ReadInt16LittleEndian(s)
                : vr == DicomVR.UL ? BinaryPrimitives.ReadUInt32LittleEndian(s)
                : vr == DicomVR.SL ? BinaryPrimitives.ReadInt32LittleEndian(s)
                : vr == DicomVR.SV ? BinaryPrimitives.ReadInt64LittleEndian(s)
                : (Int128)BinaryPrimitives.ReadUInt64LittleEndian(s);
        }
        return r;
    }

    private static void CheckMultiple(ReadOnlySpan<byte> span, int size, DicomVR vr, DicomTag tag)
    {
        if (span.Length % size != 0)
            throw new DicomDataException($"{Describe(tag)} has VR {vr} but a length of {span.Length}, not a multiple of {size}", tag);
    }

    private static int ToInt(double v, DicomTag tag) =>
        v is >= int.MinValue and <= int.MaxValue && Math.Floor(v) == v ? (int)v : throw new DicomDataException($"{Describe(tag)} value {v} is not a 32-bit integer", tag);

    // ---- sequences and bytes ----

    /// <summary>The items of a sequence; empty when absent.</summary>
    public IReadOnlyList<DicomDataset> GetSequence(DicomTag tag) => Get(tag) switch
    {
        null => [],
        DicomSequence s => s.Items,
        DicomValueElement { Value.Length: 0 } => [],
        _ => throw new DicomDataException($"{Describe(tag)} is not a sequence", tag),
    };

    public bool TryGetSequence(DicomTag tag, out IReadOnlyList<DicomDataset> items)
    {
        items = Get(tag) is DicomSequence s ? s.Items : [];
        return items.Count > 0;
    }

    /// <summary>The raw value bytes (little endian); empty when absent.</summary>
    public ReadOnlyMemory<byte> GetBytes(DicomTag tag) => Get(tag) switch
    {
        null => ReadOnlyMemory<byte>.Empty,
        DicomValueElement { IsValueSkipped: true } => throw new DicomDataException($"{Describe(tag)} was skipped by a header-only read", tag),
        DicomValueElement v => v.Value,
        _ => throw new DicomDataException($"{Describe(tag)} has no plain value", tag),
    };

    // ---- setters (the VR comes from the dictionary unless given) ----

    public DicomDataset SetString(DicomTag tag, string? value) => SetStrings(tag, DictionaryVR(tag), value is null ? [] : [value]);

    public DicomDataset SetString(DicomTag tag, DicomVR vr, string? value) => SetStrings(tag, vr, value is null ? [] : [value]);

    public DicomDataset SetStrings(DicomTag tag, params IEnumerable<string> values) => SetStrings(tag, DictionaryVR(tag), values);

    public DicomDataset SetStrings(DicomTag tag, DicomVR vr, IEnumerable<string> values)
    {
        var list = values as IReadOnlyList<string> ?? values.ToList();
        if (!vr.IsString)
        {
            // Numbers given as text for a binary VR ("512" for Rows).
            var nums = new double[list.Count];
            for (var i = 0; i < list.Count; i++)
                if (!double.TryParse(list[i], NumberStyles.Float, CultureInfo.InvariantCulture, out nums[i]))
                    throw new DicomDataException($"'{list[i]}' is not a number for {Describe(tag)} ({vr})", tag);
            return SetDoubles(tag, vr, nums);
        }
        foreach (var s in list)
            if (s.Contains('\\') && !vr.IsSingleValuedText)
                throw new DicomDataException($"a value of {Describe(tag)} contains a backslash, the value separator", tag);
        var text = string.Join('\\', list);
        byte[] bytes;
        if (vr.IsCharacterSetSensitive)
        {
            if (!Ascii(text)) EnsureCharacterSet();
            bytes = TextEncoding.GetBytes(text);
            if (TextEncoding.GetString(bytes) != text)
                throw new DicomDataException($"the Specific Character Set in force cannot encode the text of {Describe(tag)}", tag);
        }
        else
        {
            if (!Ascii(text)) throw new DicomDataException($"{Describe(tag)} ({vr}) allows ASCII characters only", tag);
            bytes = Encoding.ASCII.GetBytes(text);
        }
        return Set(new DicomValueElement(tag, vr, Pad(bytes, vr)));
    }

    public DicomDataset SetInt(DicomTag tag, int value) => SetDoubles(tag, DictionaryVR(tag), [value]);

    public DicomDataset SetInt(DicomTag tag, DicomVR vr, int value) => SetDoubles(tag, vr, [value]);

    public DicomDataset SetInts(DicomTag tag, params int[] values) => SetDoubles(tag, DictionaryVR(tag), values.Select(v => (double)v).ToArray());

    public DicomDataset SetInts(DicomTag tag, DicomVR vr, params int[] values) => SetDoubles(tag, vr, values.Select(v => (double)v).ToArray());

    public DicomDataset SetDouble(DicomTag tag, double value) => SetDoubles(tag, DictionaryVR(tag), [value]);

    public DicomDataset SetDoubles(DicomTag tag, params double[] values) => SetDoubles(tag, DictionaryVR(tag), values);

    public DicomDataset SetDoubles(DicomTag tag, DicomVR vr, params double[] values)
    {
        foreach (var v in values)
            if (!double.IsFinite(v)) throw new DicomDataException($"{v} cannot be stored in {Describe(tag)}", tag);
        if (vr == DicomVR.DS || vr == DicomVR.IS)
        {
            var texts = values.Select(v => vr == DicomVR.IS ? FormatIS(v, tag) : FormatDS(v)).ToArray();
            return Set(new DicomValueElement(tag, vr, Pad(Encoding.ASCII.GetBytes(string.Join('\\', texts)), vr)));
        }
        var size = vr.ByteSwapUnit;
        if (size == 1 || vr == DicomVR.AT || vr == DicomVR.OW || vr == DicomVR.OL || vr == DicomVR.OV)
            throw new DicomDataException($"{Describe(tag)} has VR {vr}, which does not hold numbers set this way", tag);
        var bytes = new byte[size * values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var s = bytes.AsSpan(size * i);
            var v = values[i];
            try
            {
                if (vr == DicomVR.FL || vr == DicomVR.OF) BinaryPrimitives.WriteSingleLittleEndian(s, (float)v);
                else if (vr == DicomVR.FD || vr == DicomVR.OD) BinaryPrimitives.WriteDoubleLittleEndian(s, v);
                else
                {
                    if (Math.Floor(v) != v) throw new OverflowException();
                    if (vr == DicomVR.US) BinaryPrimitives.WriteUInt16LittleEndian(s, checked((ushort)v));
                    else if (vr == DicomVR.SS) BinaryPrimitives.WriteInt16LittleEndian(s, checked((short)v));
                    else if (vr == DicomVR.UL) BinaryPrimitives.WriteUInt32LittleEndian(s, checked((uint)v));
                    else if (vr == DicomVR.SL) BinaryPrimitives.WriteInt32LittleEndian(s, checked((int)v));
                    else if (vr == DicomVR.SV) BinaryPrimitives.WriteInt64LittleEndian(s, checked((long)v));
                    else BinaryPrimitives.WriteUInt64LittleEndian(s, checked((ulong)v));
                }
            }
            catch (OverflowException)
            {
                throw new DicomDataException($"{v} does not fit {Describe(tag)} ({vr})", tag);
            }
        }
        return Set(new DicomValueElement(tag, vr, bytes));
    }

    public DicomDataset SetBytes(DicomTag tag, DicomVR vr, ReadOnlyMemory<byte> value) =>
        Set(new DicomValueElement(tag, vr, value.Length % 2 == 0 ? value : Pad(value.ToArray(), vr)));

    /// <summary>An empty (zero-length) value, as type 2 attributes allow.</summary>
    public DicomDataset SetEmpty(DicomTag tag) =>
        DictionaryVR(tag) == DicomVR.SQ ? Set(new DicomSequence(tag)) : Set(new DicomValueElement(tag, DictionaryVR(tag), ReadOnlyMemory<byte>.Empty));

    public DicomDataset SetSequence(DicomTag tag, params IEnumerable<DicomDataset> items) => Set(new DicomSequence(tag, items));

    // ---- helpers ----

    internal static string FormatDS(double v)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = v.ToString("R", inv);
        for (var digits = 15; s.Length > 16 && digits > 0; digits--)
            s = v.ToString("G" + digits.ToString(inv), inv).Replace("E+", "E", StringComparison.Ordinal);
        return s;
    }

    private static string FormatIS(double v, DicomTag tag) =>
        Math.Floor(v) == v && v is >= int.MinValue and <= int.MaxValue
            ? ((int)v).ToString(CultureInfo.InvariantCulture)
            : throw new DicomDataException($"{v} is not an integer string value for {Describe(tag)}", tag);

    private static bool Ascii(string s)
    {
        foreach (var c in s)
            if (c > 0x7F) return false;
        return true;
    }

    private void EnsureCharacterSet()
    {
        var root = this;
        while (root.Parent is not null) root = root.Parent;
        for (var d = this; d is not null; d = d.Parent)
            if (d.Contains(DicomTag.SpecificCharacterSet)) return;
        // No character set in force: non-ASCII text makes the root dataset UTF-8.
        root.Set(new DicomValueElement(DicomTag.SpecificCharacterSet, DicomVR.CS, Pad(Encoding.ASCII.GetBytes("ISO_IR 192"), DicomVR.CS)));
    }

    private static byte[] Pad(byte[] bytes, DicomVR vr)
    {
        if (bytes.Length % 2 == 0) return bytes;
        var r = new byte[bytes.Length + 1];
        bytes.CopyTo(r, 0);
        r[^1] = vr.PaddingByte;
        return r;
    }

    internal static DicomVR EffectiveVR(DicomValueElement e)
    {
        if (e.VR != DicomVR.UN) return e.VR;
        var d = DicomDictionary.Find(e.Tag);
        return d is null || d.VR == DicomVR.SQ ? DicomVR.UN : d.VR;
    }

    private static DicomVR DictionaryVR(DicomTag tag) =>
        DicomDictionary.Find(tag)?.VR ?? throw new DicomDataException($"{tag} is not in the dictionary: give its VR", tag);

    internal static string Describe(DicomTag tag) => $"{tag}{DicomDictionary.KeywordSuffix(tag)}";

    private static DicomDataException Missing(DicomTag tag) => new($"{Describe(tag)} is missing or empty", tag);

    private static DicomDataException Problem(DicomTag tag, string why) => new($"{Describe(tag)} {why}", tag);
}
