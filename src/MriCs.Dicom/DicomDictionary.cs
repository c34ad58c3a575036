using System.Collections.Frozen;
using System.Globalization;

namespace MriCs.Dicom;

/// <summary>One entry of the PS3.6 data dictionary.</summary>
/// <param name="Tag">The tag (for repeating groups such as 60xx, the first group).</param>
/// <param name="VR">The VR; for "OB or OW"-style entries the first one.</param>
/// <param name="AlternativeVRs">Every VR the dictionary allows (one element for most entries).</param>
/// <param name="VM">Value multiplicity as written in PS3.6 ("1", "1-n", "2-2n").</param>
/// <param name="Keyword">The keyword ("PatientName").</param>
/// <param name="IsRetired">Retired in the current edition.</param>
public sealed record DicomDictionaryEntry(DicomTag Tag, DicomVR VR, IReadOnlyList<DicomVR> AlternativeVRs, string VM, string Keyword, bool IsRetired);

/// <summary>
/// The PS3.6 data dictionary (keyword &lt;-&gt; tag, VR, VM), loaded once from an embedded table
/// (Dictionary/dictionary.tsv). Repeating groups (50xx, 60xx, ...) are matched by mask.
/// </summary>
public static class DicomDictionary
{
    private sealed record Tables(
        FrozenDictionary<uint, DicomDictionaryEntry> ByTag,
        FrozenDictionary<string, DicomDictionaryEntry> ByKeyword,
        (uint Mask, uint Value, DicomDictionaryEntry Entry)[] Repeaters);

    private static readonly Lazy<Tables> Data = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Number of entries (exact tags plus repeating-group masks).</summary>
    public static int Count => Data.Value.ByTag.Count + Data.Value.Repeaters.Length;

    /// <summary>The entry of a standard tag, or null for private and unknown tags.</summary>
    public static DicomDictionaryEntry? Find(DicomTag tag)
    {
        var t = Data.Value;
        if (t.ByTag.TryGetValue(tag.Value, out var e)) return e;
        if (tag.IsPrivate) return null;
        foreach (var (mask, value, entry) in t.Repeaters)
            if ((tag.Value & mask) == value) return entry;
        return null;
    }

    public static DicomDictionaryEntry? FindByKeyword(string keyword) =>
        Data.Value.ByKeyword.TryGetValue(keyword, out var e) ? e : null;

    /// <summary>
    /// The VR an implicit VR encoding implies for a tag: the dictionary's, UL for group lengths,
    /// LO for private creators, UN for anything else unknown.
    /// </summary>
    public static DicomVR ImplicitVR(DicomTag tag)
    {
        if (tag.IsGroupLength) return DicomVR.UL;
        if (tag.IsPrivateCreator) return DicomVR.LO;
        return Find(tag)?.VR ?? DicomVR.UN;
    }

    internal static string KeywordSuffix(DicomTag tag) => Find(tag) is { } e ? " " + e.Keyword : "";

    private static Tables Load()
    {
        using var stream = typeof(DicomDictionary).Assembly.GetManifestResourceStream("MriCs.Dicom.dictionary.tsv")
            ?? throw new InvalidOperationException("embedded DICOM dictionary missing");
        using var reader = new StreamReader(stream);
        var byTag = new Dictionary<uint, DicomDictionaryEntry>(5000);
        var byKeyword = new Dictionary<string, DicomDictionaryEntry>(5000, StringComparer.Ordinal);
        var repeaters = new List<(uint, uint, DicomDictionaryEntry)>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var f = line.Split('\t');
            var vrs = f[1] == "NONE" ? [DicomVR.UN] : f[1].Split(" or ").Select(DicomVR.Parse).ToArray();
            var tagText = f[0];
            var isMask = tagText.Contains('x', StringComparison.Ordinal);
            var first = uint.Parse(tagText.Replace('x', '0'), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            var entry = new DicomDictionaryEntry(new DicomTag(first), vrs[0], vrs, f[2], f[3], f.Length > 4 && f[4] == "R");
            if (isMask)
            {
                uint mask = 0;
                for (var i = 0; i < 8; i++)
                    if (tagText[i] != 'x') mask |= 0xFu << (4 * (7 - i));
                repeaters.Add((mask, first, entry));
            }
            else
            {
                byTag[first] = entry;
            }
            byKeyword.TryAdd(entry.Keyword, entry);
        }
        return new Tables(byTag.ToFrozenDictionary(), byKeyword.ToFrozenDictionary(StringComparer.Ordinal), repeaters.ToArray());
    }
}
