using System.Text;

namespace MriCs.Dicom.Tests;

public class DataModelTests
{
    [Fact]
    public void Tags_parse_format_order_and_know_private_groups()
    {
        Assert.Equal(new DicomTag(0x0010, 0x0010), DicomTag.Parse("(0010,0010)"));
        Assert.Equal(DicomTag.PatientName, DicomTag.Parse("00100010"));
        Assert.Equal(DicomTag.SeriesDescription, DicomTag.Parse("SeriesDescription"));
        Assert.Equal("(7FE0,0010)", DicomTag.PixelData.ToString());
        Assert.Equal("PixelData", DicomTag.PixelData.Keyword);
        Assert.True(new DicomTag(0x0029, 0x1010).IsPrivate);
        Assert.True(new DicomTag(0x0029, 0x0010).IsPrivateCreator);
        Assert.False(new DicomTag(0x0028, 0x0010).IsPrivate);
        Assert.True(DicomTag.Rows < DicomTag.Columns && DicomTag.Columns < DicomTag.PixelData);
        Assert.False(DicomTag.TryParse("NoSuchKeyword", out _));
    }

    [Fact]
    public void Every_ps35_vr_is_known_with_its_length_form()
    {
        Assert.Equal(34, DicomVR.All.Count);
        foreach (var code in new[] { "OV", "SV", "UV", "UC", "UR", "UT", "UN", "OB", "OW", "OD", "OF", "OL", "SQ" })
            Assert.True(DicomVR.Parse(code).HasLongExplicitLength, code);
        foreach (var code in new[] { "AE", "US", "SS", "UL", "SL", "FL", "FD", "DS", "IS", "PN", "LO", "AT" })
            Assert.False(DicomVR.Parse(code).HasLongExplicitLength, code);
        Assert.False(DicomVR.TryParse("XX", out _));
        Assert.Equal(8, DicomVR.SV.ByteSwapUnit);
        Assert.Equal(8, DicomVR.OV.ByteSwapUnit);
    }

    [Fact]
    public void Dictionary_maps_keywords_tags_and_vrs_including_repeating_groups()
    {
        Assert.True(DicomDictionary.Count > 4000);
        var e = DicomDictionary.FindByKeyword("ImagePositionPatient")!;
        Assert.Equal(new DicomTag(0x0020, 0x0032), e.Tag);
        Assert.Equal(DicomVR.DS, e.VR);
        Assert.Equal("3", e.VM);
        Assert.Equal([DicomVR.OB, DicomVR.OW], DicomDictionary.Find(DicomTag.PixelData)!.AlternativeVRs);
        Assert.Equal("OverlayData", DicomDictionary.Find(new DicomTag(0x6002, 0x3000))!.Keyword);
        Assert.Null(DicomDictionary.Find(new DicomTag(0x0029, 0x1010)));
        Assert.Equal(DicomVR.LO, DicomDictionary.ImplicitVR(new DicomTag(0x0029, 0x0010)));
        Assert.Equal(DicomVR.UN, DicomDictionary.ImplicitVR(new DicomTag(0x0029, 0x1010)));
        Assert.Equal(DicomVR.UL, DicomDictionary.ImplicitVR(new DicomTag(0x0029, 0x0000)));
    }

    [Fact]
    public void Dataset_keeps_tag_order_and_typed_values()
    {
        var ds = new DicomDataset()
            .SetString(DicomTag.SeriesDescription, "T2 AX")
            .SetInt(DicomTag.Rows, 512)
            .SetString(DicomTag.Modality, "MR")
            .SetDoubles(DicomTag.ImageOrientationPatient, 1, 0, 0, 0, 1, 0)
            .SetDouble(DicomTag.SliceThickness, 3.0000000000000004)
            .SetInts(DicomTag.EchoNumbers, 1, 2);
        Assert.Equal(ds.Select(e => e.Tag).OrderBy(t => t), ds.Select(e => e.Tag));
        Assert.Equal("T2 AX", ds.GetString(DicomTag.SeriesDescription));
        Assert.Equal(512, ds.GetInt(DicomTag.Rows));
        Assert.Equal(DicomVR.US, ds.Get(DicomTag.Rows)!.VR);
        Assert.Equal([1.0, 0, 0, 0, 1, 0], ds.GetDoubles(DicomTag.ImageOrientationPatient));
        Assert.Equal(@"1\0\0\0\1\0", ds.GetString(DicomTag.ImageOrientationPatient));
        Assert.True(ds.TryGetDoubles(DicomTag.ImageOrientationPatient, out var iop) && iop.Length == 6);
        Assert.Equal(3.0000000000000004, ds.GetDouble(DicomTag.SliceThickness), 12);
        Assert.True(ds.GetBytes(DicomTag.SliceThickness).Length <= 16);
        Assert.Equal([1, 2], ds.GetInts(DicomTag.EchoNumbers));
        Assert.Null(ds.GetString(DicomTag.PatientName));
        Assert.Equal("none", ds.GetString(DicomTag.PatientName, "none"));
        Assert.Equal(7, ds.GetInt(DicomTag.Columns, 7));
        Assert.Contains("(0028,0011) Columns", Assert.Throws<DicomDataException>(() => ds.GetInt(DicomTag.Columns)).Message, StringComparison.Ordinal);
        Assert.Throws<DicomDataException>(() => ds.SetInt(DicomTag.Rows, 70000));
        Assert.Throws<DicomDataException>(() => ds.SetString(new DicomTag(0x0029, 0x1010), "private needs a VR"));
        Assert.Throws<DicomDataException>(() => ds.SetStrings(DicomTag.ImageType, "A\\B"));
        Assert.Throws<ArgumentException>(() => ds.Add(new DicomValueElement(DicomTag.Rows, DicomVR.US, new byte[2])));
        Assert.True(ds.Remove(DicomTag.Rows));
        Assert.False(ds.Contains(DicomTag.Rows));
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(-1234567.891234567)]
    [InlineData(1e-20)]
    [InlineData(123456789012345678.0)]
    [InlineData(1.0 / 3.0)]
    public void Decimal_strings_fit_16_characters_and_round_trip_closely(double v)
    {
        var ds = new DicomDataset().SetDouble(DicomTag.SliceLocation, v);
        var text = ds.GetString(DicomTag.SliceLocation)!;
        Assert.True(text.Length <= 16, text);
        Assert.Equal(v, ds.GetDouble(DicomTag.SliceLocation), Math.Abs(v) * 1e-9);
    }

    [Fact]
    public void Character_sets_latin1_and_utf8_decode_and_sequences_inherit_them()
    {
        var latin1 = TestData.Concat(
            TestData.Explicit(0x0008, 0x0005, "CS", TestData.Ascii("ISO_IR 100")),
            TestData.Explicit(0x0010, 0x0010, "PN", Encoding.Latin1.GetBytes("Müller^Zoë")));
        var ds = DicomDatasetReader.Read(latin1.AsMemory(), TransferSyntax.ExplicitVRLittleEndian);
        Assert.Equal("Müller^Zoë", ds.GetString(DicomTag.PatientName));

        var utf8 = TestData.Concat(
            TestData.Explicit(0x0008, 0x0005, "CS", TestData.Ascii("ISO_IR 192")),
            TestData.Explicit(0x0008, 0x1115, "SQ", [], 0xFFFFFFFF),
            [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF],
            TestData.Explicit(0x0010, 0x0010, "PN", Encoding.UTF8.GetBytes("山田^太郎 ")),
            [0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        var u = DicomDatasetReader.Read(utf8.AsMemory(), TransferSyntax.ExplicitVRLittleEndian);
        var item = u.GetSequence(DicomTag.ReferencedSeriesSequence)[0];
        Assert.Same(u, item.Parent);
        Assert.Equal("山田^太郎", item.GetString(DicomTag.PatientName));

        // Latin-1 set in force: text it cannot hold is refused instead of silently becoming '?'.
        var l = new DicomDataset().SetString(DicomTag.SpecificCharacterSet, "ISO_IR 100");
        l.SetString(DicomTag.PatientName, "Ærø");
        Assert.Equal(Encoding.Latin1.GetBytes("Ærø "), l.GetBytes(DicomTag.PatientName).ToArray());
        Assert.Throws<DicomDataException>(() => l.SetString(DicomTag.PatientName, "山田"));
        Assert.Throws<DicomDataException>(() => l.SetString(DicomTag.Modality, "Ü"));
    }

    [Fact]
    public void Uids_are_valid_unique_and_under_the_configured_root()
    {
        var a = DicomUid.Generate();
        var b = DicomUid.Generate();
        Assert.NotEqual(a, b);
        Assert.StartsWith("2.25.", a, StringComparison.Ordinal);
        Assert.True(DicomUid.IsValid(a) && a.Length <= 64);
        var root = "1.2.826.0.1.3680043.10.999";
        var c = DicomUid.Generate(root);
        Assert.StartsWith(root + ".", c, StringComparison.Ordinal);
        Assert.True(DicomUid.IsValid(c) && c.Length <= 64);
        Assert.True(DicomUid.IsValid(DicomUid.ImplementationClassUid));
        Assert.False(DicomUid.IsValid("1.02.3"));
        Assert.False(DicomUid.IsValid("1..3"));
        Assert.Throws<ArgumentException>(() => DicomUid.Generate("1.2.x"));
        Assert.Throws<ArgumentException>(() => DicomUid.Generate(new string('1', 50)));
        var many = Enumerable.Range(0, 10_000).Select(_ => DicomUid.Generate(root)).ToHashSet();
        Assert.Equal(10_000, many.Count);
    }

    [Fact]
    public void Transfer_syntax_registry()
    {
        var ts = TransferSyntax.Lookup("1.2.840.10008.1.2.2\0");
        Assert.Same(TransferSyntax.ExplicitVRBigEndian, ts);
        Assert.True(ts.IsBigEndian && ts.IsExplicitVR && !ts.IsEncapsulated);
        Assert.True(TransferSyntax.Lookup("1.2.840.10008.1.2.4.70").IsEncapsulated);
        Assert.False(TransferSyntax.ImplicitVRLittleEndian.IsExplicitVR);
        Assert.True(TransferSyntax.DeflatedExplicitVRLittleEndian.IsDeflated);
        var unknown = TransferSyntax.Lookup("1.2.3.4.5");
        Assert.False(unknown.IsKnown);
        Assert.True(unknown.IsExplicitVR && unknown.IsEncapsulated);
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2")]
    [InlineData("1.2.840.10008.1.2.1")]
    [InlineData("1.2.840.10008.1.2.2")]
    [InlineData("1.2.840.10008.1.2.1.99")]
    public void Raw_datasets_round_trip_through_bytes_and_streams_in_every_native_syntax(string uid)
    {
        // What the network layer does: a command set (group 0000) and a dataset without Part 10 header.
        var ts = TransferSyntax.Lookup(uid);
        var command = new DicomDataset()
            .SetString(new DicomTag(0x0000, 0x0002), "1.2.840.10008.1.1")
            .SetInt(new DicomTag(0x0000, 0x0100), 0x0030)
            .SetInt(new DicomTag(0x0000, 0x0110), 7)
            .SetInt(new DicomTag(0x0000, 0x0800), 0x0101);
        var data = TestData.SmallImage();
        data.SetSequence(DicomTag.ReferencedImageSequence, new DicomDataset().SetString(DicomTag.ReferencedSOPInstanceUID, "1.2.3"));
        foreach (var ds in new[] { command, data })
        {
            var bytes = DicomDatasetWriter.ToBytes(ds, ts);
            Part10WriterTests.AssertSameElements(ds, DicomDatasetReader.Read(bytes.AsMemory(), ts), ts, implicitTarget: !ts.IsExplicitVR);
            using var stream = new BadInputTests.NonSeekableStream(bytes);
            Part10WriterTests.AssertSameElements(ds, DicomDatasetReader.Read(stream, ts), ts, implicitTarget: !ts.IsExplicitVR);
            var ms = new MemoryStream();
            DicomDatasetWriter.Write(ms, ds, ts);
            Assert.True(ms.CanWrite, "the writer must leave the caller's stream open");
            Assert.Equal(bytes, ms.ToArray());
        }
        Assert.Equal(0x0030, DicomDatasetReader.Read(DicomDatasetWriter.ToBytes(command, ts).AsMemory(), ts).GetInt(new DicomTag(0x0000, 0x0100)));
    }
}
