using System.Numerics;
using System.Security.Cryptography;

namespace MriCs.Dicom;

/// <summary>UID generation and validation (PS3.5 9): digits and dots, at most 64 characters, no leading zeros.</summary>
public static class DicomUid
{
    /// <summary>The root of UUID-derived UIDs (PS3.5 B.2), usable without registering an organisation root.</summary>
    public const string UuidRoot = "2.25";

    /// <summary>Identifies MriCs as the implementation that wrote a file ((0002,0012)); a fixed UUID-derived UID.</summary>
    public const string ImplementationClassUid = "2.25.204870128331196392862407367404536370581";

    /// <summary>(0002,0013): at most 16 characters.</summary>
    public const string ImplementationVersionName = "MRICS_1_0";

    /// <summary>
    /// A new unique UID under <paramref name="root"/>: "2.25.&lt;128-bit random UUID as a decimal&gt;" by default,
    /// otherwise root + "." + as many random decimal digits as fit in 64 characters (at least 20 are required).
    /// </summary>
    public static string Generate(string? root = null)
    {
        root = string.IsNullOrEmpty(root) ? UuidRoot : root.TrimEnd('.');
        if (!IsValid(root)) throw new ArgumentException($"UID root '{root}' is not a valid UID prefix", nameof(root));
        var digits = Math.Min(39, 64 - root.Length - 1);
        if (digits < 20) throw new ArgumentException($"UID root '{root}' is too long: fewer than 20 digits left for uniqueness", nameof(root));
        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        if (root == UuidRoot)
        {
            random[6] = (byte)((random[6] & 0x0F) | 0x40); // UUID version 4
            random[8] = (byte)((random[8] & 0x3F) | 0x80); // RFC 4122 variant
        }
        var value = new BigInteger(random, isUnsigned: true, isBigEndian: true);
        var text = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (text.Length > digits) text = text[..digits].TrimStart('0');
        if (text.Length == 0) text = "1";
        return root + "." + text;
    }

    /// <summary>True for a syntactically valid UID: components of digits without leading zeros, at most 64 characters.</summary>
    public static bool IsValid(string? uid)
    {
        if (string.IsNullOrEmpty(uid) || uid.Length > 64) return false;
        var start = 0;
        for (var i = 0; i <= uid.Length; i++)
        {
            if (i == uid.Length || uid[i] == '.')
            {
                var len = i - start;
                if (len == 0) return false;
                if (len > 1 && uid[start] == '0') return false;
                start = i + 1;
            }
            else if (uid[i] is < '0' or > '9')
            {
                return false;
            }
        }
        return true;
    }
}
