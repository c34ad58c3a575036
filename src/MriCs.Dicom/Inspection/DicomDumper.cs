using System.Globalization;
using System.Text;

namespace MriCs.Dicom.Inspection;

/// <summary>A readable dump of a file, one element per line, in the spirit of dcmdump:
/// <c>(0028,0010) US [512]  # 2, Rows</c>; sequences and items indented.</summary>
public static class DicomDumper
{
    /// <summary>Longest value text shown before it is cut with "...".</summary>
    public const int MaxValueChars = 80;

    public static void Dump(DicomFile file, TextWriter w)
    {
        w.WriteLine("# File Meta Information" + (file.HasPreamble ? "" : " (none: raw dataset)"));
        DumpDataset(file.FileMetaInformation, w, 0);
        w.WriteLine($"# Dataset: {file.TransferSyntax.Name} ({file.TransferSyntax.Uid})");
        DumpDataset(file.Dataset, w, 0);
        if (file.StoppedBeforePixelData) w.WriteLine("# (stopped before Pixel Data)");
    }

    public static string Dump(DicomFile file)
    {
        var sw = new StringWriter(CultureInfo.InvariantCulture);
        Dump(file, sw);
        return sw.ToString();
    }

    private static void DumpDataset(DicomDataset ds, TextWriter w, int depth)
    {
        var indent = new string(' ', depth * 2);
        foreach (var e in ds)
        {
            var keyword = e.Tag.IsPrivateCreator ? "PrivateCreator" : DicomDictionary.Find(e.Tag)?.Keyword ?? (e.Tag.IsPrivate ? "Private" : "Unknown");
            switch (e)
            {
                case DicomSequence s:
                    w.WriteLine($"{indent}{e.Tag} SQ ({s.Items.Count} item{(s.Items.Count == 1 ? "" : "s")})  # {keyword}");
                    for (var i = 0; i < s.Items.Count; i++)
                    {
                        w.WriteLine($"{indent}  > item {i + 1}");
                        DumpDataset(s.Items[i], w, depth + 2);
                    }
                    break;
                case DicomFragmentSequence f:
                    w.WriteLine($"{indent}{e.Tag} {e.VR} (encapsulated: offset table {f.BasicOffsetTable.Length} bytes, {f.Fragments.Count} fragment{(f.Fragments.Count == 1 ? "" : "s")}, {f.Fragments.Sum(x => (long)x.Length)} bytes)  # {keyword}");
                    break;
                case DicomValueElement v:
                    w.WriteLine($"{indent}{e.Tag} {e.VR} {ValueText(ds, v)}  # {v.ValueLength}, {keyword}");
                    break;
            }
        }
    }

    private static string ValueText(DicomDataset ds, DicomValueElement v)
    {
        if (v.IsValueSkipped) return $"<{v.ValueLength} bytes not read, at offset {v.ValueOffset}>";
        if (v.Value.Length == 0) return "(no value)";
        var vr = DicomDataset.EffectiveVR(v);
        if (vr == DicomVR.OB || vr == DicomVR.OW || vr == DicomVR.UN || vr == DicomVR.OD || vr == DicomVR.OF || vr == DicomVR.OL || vr == DicomVR.OV)
            return v.Tag == DicomTag.PixelData ? $"<{v.Value.Length} bytes>" : Hex(v.Value.Span);
        try
        {
            return "[" + Cut(string.Join('\\', ds.GetStrings(v.Tag))) + "]";
        }
        catch (DicomDataException)
        {
            return Hex(v.Value.Span) + " (does not fit its VR)";
        }
    }

    private static string Hex(ReadOnlySpan<byte> b)
    {
        var sb = new StringBuilder();
        var n = Math.Min(b.Length, 24);
        for (var i = 0; i < n; i++)
        {
            if (i > 0) sb.Append('\\');
            sb.Append(b[i].ToString("x2", CultureInfo.InvariantCulture));
        }
        if (b.Length > n) sb.Append("...");
        return sb.ToString();
    }

    private static string Cut(string s)
    {
        var sb = new StringBuilder(Math.Min(s.Length, MaxValueChars + 3));
        foreach (var c in s.Length > MaxValueChars ? s[..MaxValueChars] : s)
            sb.Append(char.IsControl(c) ? '.' : c);
        if (s.Length > MaxValueChars) sb.Append("...");
        return sb.ToString();
    }
}
