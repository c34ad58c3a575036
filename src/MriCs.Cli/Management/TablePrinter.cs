using System.Text.Json;

namespace MriCs.Cli.Management;

/// <summary>Human tables for the palette: columns sized to their widest cell, "-" for empty cells.</summary>
public static class TablePrinter
{
    public static void Print(TextWriter w, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string?>> rows)
    {
        var data = rows.Select(r => r.Select(c => string.IsNullOrEmpty(c) ? "-" : c!).ToList()).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, data.Count == 0 ? 0 : data.Max(r => i < r.Count ? r[i].Length : 0))).ToList();
        w.WriteLine(Line(headers, widths));
        foreach (var r in data) w.WriteLine(Line(r, widths));
    }

    private static string Line(IReadOnlyList<string> cells, IReadOnlyList<int> widths) =>
        string.Join("  ", cells.Select((c, i) => i == cells.Count - 1 ? c : c.PadRight(widths[i]))).TrimEnd();

    /// <summary>A JSON property as text ("" when absent or null); arrays joined with commas.</summary>
    public static string Text(this JsonElement e, string property)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(property, out var v)) return "";
        return v.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => "",
            JsonValueKind.String => v.GetString() ?? "",
            JsonValueKind.Array => string.Join(",", v.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : x.GetRawText())),
            JsonValueKind.True => "yes",
            JsonValueKind.False => "no",
            _ => v.GetRawText(),
        };
    }

    public static IEnumerable<JsonElement> Items(this JsonElement e, string property) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];
}
