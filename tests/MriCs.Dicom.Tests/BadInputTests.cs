namespace MriCs.Dicom.Tests;

/// <summary>Bad input gives a typed error naming what and where; never a hang, a crash or a huge allocation.</summary>
public class BadInputTests
{
    private static readonly byte[] Header = TestData.Concat(
        TestData.Explicit(0x0008, 0x0016, "UI", TestData.Ascii("1.2.3\0")),
        TestData.Explicit(0x0010, 0x0010, "PN", TestData.Ascii("Doe^J ")));

    [Fact]
    public void Pydicom_truncated_file_fails_with_offset()
    {
        var ex = Assert.Throws<DicomFormatException>(() => DicomFile.Open(PeerTools.PydicomFile("MR_truncated.dcm")));
        Assert.True(ex.Offset > 132);
        Assert.Equal(DicomTag.PixelData, ex.Tag);
        Assert.Contains("runs past the end", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncation_inside_any_element_fails_typed()
    {
        var full = File.ReadAllBytes(PeerTools.PydicomFile("MR_small.dcm"));
        var boundaries = ElementBoundaries(full);
        var failures = 0;
        for (var cut = 1; cut < full.Length; cut += 7)
        {
            var part = full.AsMemory(0, cut);
            try
            {
                DicomFile.Read(part);
                Assert.Contains(cut, boundaries); // only a cut between top-level elements reads as a shorter dataset
            }
            catch (DicomFormatException ex)
            {
                Assert.InRange(ex.Offset, 0, cut);
                failures++;
            }
        }
        Assert.True(failures > full.Length / 7 / 2);
    }

    private static HashSet<int> ElementBoundaries(byte[] file)
    {
        // Offsets where a top-level element ends: read progressively longer prefixes and keep the ones that parse.
        var set = new HashSet<int>();
        var f = DicomFile.Read(file);
        var ds = f.Dataset;
        for (var cut = 0; cut <= file.Length; cut++)
        {
            try
            {
                var part = DicomFile.Read(file.AsMemory(0, cut));
                if (part.Dataset.Count <= ds.Count) set.Add(cut);
            }
            catch (DicomFormatException) { }
        }
        return set;
    }

    [Fact]
    public void Length_past_the_end_names_the_tag_and_offset()
    {
        var bytes = TestData.Concat(Header, TestData.Explicit(0x0010, 0x0020, "LO", TestData.Ascii("ID"), lengthOverride: 400));
        var ex = Assert.Throws<DicomFormatException>(() => DicomDatasetReader.Read(bytes.AsMemory(), TransferSyntax.ExplicitVRLittleEndian));
        Assert.Equal(new DicomTag(0x0010, 0x0020), ex.Tag);
        Assert.Equal(Header.Length, ex.Offset);
        Assert.Contains("(0010,0020) PatientID", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"byte offset {Header.Length}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Length_0xFFFFFFF0_fails_without_allocating_it_from_memory_and_from_a_pipe()
    {
        var bytes = TestData.Part10(TestData.Concat(Header, TestData.Explicit(0x7FE0, 0x0010, "OB", new byte[64], lengthOverride: 0xFFFFFFF0)));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<DicomFormatException>(() => DicomFile.Read(bytes));
        Assert.Contains("0xFFFFFFF0", ex.Message, StringComparison.Ordinal);
        using var pipe = new NonSeekableStream(bytes);
        Assert.Throws<DicomFormatException>(() => DicomFile.Read(pipe));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8 << 20, "allocated by the claimed length");
    }

    [Fact]
    public void Odd_length_is_an_error_unless_allowed()
    {
        var bytes = TestData.Concat(Header, TestData.Explicit(0x0010, 0x0020, "LO", TestData.Ascii("ABC")));
        var ex = Assert.Throws<DicomFormatException>(() => DicomDatasetReader.Read(bytes.AsMemory(), TransferSyntax.ExplicitVRLittleEndian));
        Assert.Contains("odd value length 3", ex.Message, StringComparison.Ordinal);
        var ds = DicomDatasetReader.Read(bytes.AsMemory(), TransferSyntax.ExplicitVRLittleEndian, new DicomReadOptions { AllowOddLengths = true });
        Assert.Equal("ABC", ds.GetString(DicomTag.PatientID));
    }

    [Theory]
    [InlineData("this is a text file, not DICOM at all; it is long enough to have 132 bytes............................................................")]
    [InlineData("\x89PNG\r\n\x1a\n")]
    [InlineData("")]
    public void Non_dicom_bytes_fail_at_offset_zero(string text)
    {
        var ex = Assert.Throws<DicomFormatException>(() => DicomFile.Read(System.Text.Encoding.Latin1.GetBytes(text)));
        Assert.Equal(0, ex.Offset);
        Assert.Contains("not a DICOM file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Vr_disagreeing_with_the_dictionary_is_kept_and_read_when_it_can_be()
    {
        // Rows (US in the dictionary) written as DS text and Columns written as UL: kept as written, numbers still read.
        var bytes = TestData.Concat(
            TestData.Explicit(0x0028, 0x0010, "DS", TestData.Ascii("512 ")),
            TestData.Explicit(0x0028, 0x0011, "UL", BitConverter.GetBytes(256u)),
            TestData.Explicit(0x0028, 0x0100, "OB", new byte[] { 1, 2, 3, 4 }));
        var ds = DicomDatasetReader.Read(bytes.AsMemory(), TransferSyntax.ExplicitVRLittleEndian);
        Assert.Equal(DicomVR.DS, ds.Get(DicomTag.Rows)!.VR);
        Assert.Equal(512, ds.GetInt(DicomTag.Rows));
        Assert.Equal(256, ds.GetInt(DicomTag.Columns));
        var ex = Assert.Throws<DicomDataException>(() => ds.GetInt(DicomTag.BitsAllocated));
        Assert.Contains("(0028,0100) BitsAllocated", ex.Message, StringComparison.Ordinal);
        Assert.False(ds.TryGetInt(DicomTag.BitsAllocated, out _));
        // Round trip keeps the file's VRs byte for byte.
        Assert.Equal(bytes, DicomDatasetWriter.ToBytes(ds, TransferSyntax.ExplicitVRLittleEndian));
    }

    [Fact]
    public void Undefined_length_on_a_value_vr_and_unknown_vr_codes_fail()
    {
        var undefinedUs = TestData.Concat(Header, TestData.Explicit(0x0018, 0x9999, "UT", [], lengthOverride: 0xFFFFFFFF));
        Assert.Contains("undefined length", Assert.Throws<DicomFormatException>(() => DicomDatasetReader.Read(undefinedUs.AsMemory(), TransferSyntax.ExplicitVRLittleEndian)).Message, StringComparison.Ordinal);
        var badVr = TestData.Concat(Header, [0x10, 0x00, 0x20, 0x00, (byte)'Q', (byte)'Q', 2, 0, 65, 66]);
        var ex = Assert.Throws<DicomFormatException>(() => DicomDatasetReader.Read(badVr.AsMemory(), TransferSyntax.ExplicitVRLittleEndian));
        Assert.Contains("unknown VR 'QQ'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Header.Length, ex.Offset);
    }

    [Fact]
    public void Deep_nesting_is_bounded()
    {
        // 10,000 nested undefined-length sequences: a typed error, not a stack overflow.
        var one = TestData.Concat(TestData.Explicit(0x0008, 0x1115, "SQ", [], 0xFFFFFFFF), [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
        var bytes = Enumerable.Repeat(one, 10_000).SelectMany(x => x).ToArray();
        var ex = Assert.Throws<DicomFormatException>(() => DicomDatasetReader.Read(bytes.AsMemory(), TransferSyntax.ExplicitVRLittleEndian));
        Assert.Contains("nested deeper than 32", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stray_delimiters_and_items_fail()
    {
        var stray = TestData.Concat(Header, [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        Assert.Throws<DicomFormatException>(() => DicomDatasetReader.Read(stray.AsMemory(), TransferSyntax.ExplicitVRLittleEndian));
        var notItem = TestData.Concat(TestData.Explicit(0x0008, 0x1115, "SQ", [], 0xFFFFFFFF), TestData.Explicit(0x0010, 0x0010, "PN", TestData.Ascii("AB")));
        Assert.Contains("expected an item tag", Assert.Throws<DicomFormatException>(() => DicomDatasetReader.Read(notItem.AsMemory(), TransferSyntax.ExplicitVRLittleEndian)).Message, StringComparison.Ordinal);
    }

    internal sealed class NonSeekableStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 1000));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
