using System.Text;

namespace MriCs.Dicom;

/// <summary>
/// Specific Character Set (0008,0005) -> text encoding (PS3.3 C.12.1.1.2). Supported: the default
/// repertoire (ISO_IR 6, read as Latin-1 so that no byte is lost), ISO_IR 100 (Latin-1) and ISO_IR 192
/// (UTF-8), plus the other single-byte ISO 8859 parts, GB18030 and GBK where .NET has the code page.
/// ISO 2022 code extensions are not switched: their G0 (ASCII) text reads correctly, other bytes as Latin-1.
/// </summary>
public static class DicomCharacterSet
{
    /// <summary>The encoding for the given (possibly multi-valued) Specific Character Set value.</summary>
    public static Encoding GetEncoding(string? specificCharacterSet)
    {
        if (string.IsNullOrWhiteSpace(specificCharacterSet)) return Encoding.Latin1;
        var terms = specificCharacterSet.Split('\\');
        // The first value names the default; with code extensions a later value names the extra repertoire.
        var term = terms[0].Trim();
        if (term.Length == 0 && terms.Length > 1) term = terms[1].Trim();
        return term switch
        {
            "ISO_IR 192" => Utf8,
            "ISO_IR 100" or "ISO 2022 IR 100" or "ISO_IR 6" or "ISO 2022 IR 6" or "" => Encoding.Latin1,
            "ISO_IR 101" or "ISO 2022 IR 101" => CodePage(28592),
            "ISO_IR 109" or "ISO 2022 IR 109" => CodePage(28593),
            "ISO_IR 110" or "ISO 2022 IR 110" => CodePage(28594),
            "ISO_IR 144" or "ISO 2022 IR 144" => CodePage(28595),
            "ISO_IR 127" or "ISO 2022 IR 127" => CodePage(28596),
            "ISO_IR 126" or "ISO 2022 IR 126" => CodePage(28597),
            "ISO_IR 138" or "ISO 2022 IR 138" => CodePage(28598),
            "ISO_IR 148" or "ISO 2022 IR 148" => CodePage(28599),
            "ISO_IR 203" or "ISO 2022 IR 203" => CodePage(28605),
            "ISO_IR 166" or "ISO 2022 IR 166" => CodePage(874),
            "ISO_IR 13" or "ISO 2022 IR 13" => CodePage(932),
            "GB18030" => CodePage(54936),
            "GBK" => CodePage(936),
            _ => Encoding.Latin1,
        };
    }

    /// <summary>True when the character set names UTF-8 (ISO_IR 192).</summary>
    public static bool IsUtf8(string? specificCharacterSet) =>
        specificCharacterSet is not null && specificCharacterSet.Split('\\')[0].Trim() == "ISO_IR 192";

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private static Encoding CodePage(int codePage) =>
        CodePagesEncodingProvider.Instance.GetEncoding(codePage) ?? Encoding.Latin1;
}
