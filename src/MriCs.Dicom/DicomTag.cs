using System.Globalization;

namespace MriCs.Dicom;

/// <summary>A data element tag (group, element), ordered as the standard orders elements in a dataset.</summary>
public readonly partial struct DicomTag : IEquatable<DicomTag>, IComparable<DicomTag>
{
    public DicomTag(ushort group, ushort element) => Value = ((uint)group << 16) | element;

    public DicomTag(uint value) => Value = value;

    /// <summary>(group &lt;&lt; 16) | element.</summary>
    public uint Value { get; }

    public ushort Group => (ushort)(Value >> 16);

    public ushort Element => (ushort)Value;

    /// <summary>Odd groups other than 0001, 0003, 0005, 0007 and FFFF hold private elements.</summary>
    public bool IsPrivate => (Group & 1) == 1 && Group > 0x0007 && Group != 0xFFFF;

    /// <summary>A private creator element (gggg,0010-00FF) of an odd group.</summary>
    public bool IsPrivateCreator => IsPrivate && Element is >= 0x0010 and <= 0x00FF;

    /// <summary>(gggg,0000): a group length.</summary>
    public bool IsGroupLength => Element == 0;

    public bool Equals(DicomTag other) => Value == other.Value;

    public override bool Equals(object? obj) => obj is DicomTag t && t.Value == Value;

    public override int GetHashCode() => (int)Value;

    public int CompareTo(DicomTag other) => Value.CompareTo(other.Value);

    public static bool operator ==(DicomTag a, DicomTag b) => a.Value == b.Value;
    public static bool operator !=(DicomTag a, DicomTag b) => a.Value != b.Value;
    public static bool operator <(DicomTag a, DicomTag b) => a.Value < b.Value;
    public static bool operator >(DicomTag a, DicomTag b) => a.Value > b.Value;
    public static bool operator <=(DicomTag a, DicomTag b) => a.Value <= b.Value;
    public static bool operator >=(DicomTag a, DicomTag b) => a.Value >= b.Value;

    /// <summary>"(0010,0010)".</summary>
    public override string ToString() => $"({Group:X4},{Element:X4})";

    /// <summary>The dictionary keyword ("PatientName"), or null for private and unknown tags.</summary>
    public string? Keyword => DicomDictionary.Find(this)?.Keyword;

    /// <summary>Parses "(0010,0010)", "0010,0010", "00100010" or a dictionary keyword.</summary>
    public static DicomTag Parse(string text)
    {
        if (TryParse(text, out var tag)) return tag;
        throw new FormatException($"'{text}' is neither a tag like (0010,0010) nor a dictionary keyword");
    }

    public static bool TryParse(string? text, out DicomTag tag)
    {
        tag = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        if (s.StartsWith('(') && s.EndsWith(')')) s = s[1..^1];
        s = s.Replace(",", "", StringComparison.Ordinal);
        if (s.Length == 8 && uint.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v))
        {
            tag = new DicomTag(v);
            return true;
        }
        if (DicomDictionary.FindByKeyword(text.Trim()) is { } e)
        {
            tag = e.Tag;
            return true;
        }
        return false;
    }

    // Item and delimitation tags (PS3.5 7.5).
    public static readonly DicomTag Item = new(0xFFFE, 0xE000);
    public static readonly DicomTag ItemDelimitationItem = new(0xFFFE, 0xE00D);
    public static readonly DicomTag SequenceDelimitationItem = new(0xFFFE, 0xE0DD);
}
