using System.Globalization;
using System.Text.Json;

namespace MriCs.Dicom.Tests;

/// <summary>Every element of real files, read by MriCs and by pydicom (an independent parser), must agree.</summary>
public class PydicomDifferentialTests
{
    public static TheoryData<string> Files()
    {
        var d = new TheoryData<string>();
        foreach (var f in new[]
        {
            "MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm", "MR_small_RLE.dcm",
            "MR_small_jpeg_ls_lossless.dcm", "MR_small_jp2klossless.dcm", "MR_small_padded.dcm", "CT_small.dcm",
            "ExplVR_BigEnd.dcm", "ExplVR_BigEndNoMeta.dcm", "ExplVR_LitEndNoMeta.dcm", "image_dfl.dcm", "test-SR.dcm",
            "reportsi.dcm", "rtplan.dcm", "rtdose.dcm", "rtstruct.dcm", "UN_sequence.dcm", "priv_SQ.dcm", "liver_1frame.dcm",
            "liver_expb_1frame.dcm", "waveform_ecg.dcm", "empty_charset_LEI.dcm", "SC_rgb_rle_2frame.dcm",
        })
            d.Add(Path.Combine(PeerTools.PydicomFiles, f));
        d.Add(PeerTools.Dicom3ToolsMr);
        foreach (var f in Directory.GetFiles(Path.Combine(PeerTools.PydicomFiles, "dicomdirtests", "98892003"), "*", SearchOption.AllDirectories).Order().Take(6))
            d.Add(f);
        return d;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_element_agrees_with_pydicom(string path)
    {
        Assert.True(File.Exists(path), $"{path} missing: scripts/test installs python3-pydicom and dicom3tools");
        var file = DicomFile.Open(path);
        var theirs = JsonDocument.Parse(PeerTools.RunOk(PeerTools.Python, PeerTools.ScriptPath("pydicom_dump.py"), path)).RootElement;
        var mine = new Dictionary<string, DicomElement>();
        var owner = new Dictionary<string, DicomDataset>();
        Walk(file.Dataset, "", mine, owner);

        var seen = new HashSet<string>();
        foreach (var e in theirs.GetProperty("elements").EnumerateArray())
        {
            var p = e.GetProperty("path").GetString()!;
            seen.Add(p);
            Assert.True(mine.TryGetValue(p, out var el), $"{Path.GetFileName(path)}: pydicom has {p}, MriCs does not");
            var vr = e.GetProperty("vr").GetString()!;
            var values = e.GetProperty("values");
            var tag = el.Tag;
            var vrComparable = !vr.Contains(" or ") && el.VR.Code != "UN" && vr != "UN";
            if (vrComparable && !tag.IsPrivate)
                Assert.True(vr == el.VR.Code, $"{path} {p}: VR {el.VR} vs pydicom {vr}");
            if (tag.IsPrivate && vr != el.VR.Code) continue; // pydicom's private dictionary may type what we keep as bytes
            var ds = owner[p];
            if (values.ValueKind == JsonValueKind.Object)
            {
                if (values.TryGetProperty("items", out var items))
                    Assert.Equal(items.GetInt32(), ((DicomSequence)el).Items.Count);
                else if (values.TryGetProperty("length", out var len) && len.GetInt32() >= 0 && el is DicomValueElement ve)
                    Assert.True(Math.Abs(len.GetInt32() - ve.Value.Length) <= 1, $"{path} {p}: length {ve.Value.Length} vs {len}");
                continue;
            }
            var expected = values.EnumerateArray().ToList();
            if (expected.Count > 0 && expected[0].ValueKind == JsonValueKind.Number)
            {
                var got = ds.GetDoubles(tag);
                Assert.True(expected.Count == got.Length, $"{path} {p}: {got.Length} numbers vs pydicom {expected.Count}");
                for (var i = 0; i < got.Length; i++)
                    Assert.True(Math.Abs(expected[i].GetDouble() - got[i]) <= 1e-6 * Math.Max(1, Math.Abs(got[i])), $"{path} {p}[{i}]: {got[i]} vs {expected[i]}");
            }
            else
            {
                var got = ds.GetStrings(tag);
                var exp = expected.Select(x => x.GetString()!).ToArray();
                Assert.True(exp.SequenceEqual(got), $"{path} {p}: [{string.Join('|', got)}] vs pydicom [{string.Join('|', exp)}]");
            }
        }
        foreach (var p in mine.Keys)
            Assert.True(seen.Contains(p), $"{Path.GetFileName(path)}: MriCs has {p}, pydicom does not");
    }

    private static void Walk(DicomDataset ds, string prefix, Dictionary<string, DicomElement> into, Dictionary<string, DicomDataset> owner)
    {
        foreach (var e in ds)
        {
            var p = prefix + e.Tag.Value.ToString("X8", CultureInfo.InvariantCulture);
            into[p] = e;
            owner[p] = ds;
            if (e is DicomSequence s)
                for (var i = 0; i < s.Items.Count; i++) Walk(s.Items[i], $"{p}/{i}/", into, owner);
        }
    }
}
