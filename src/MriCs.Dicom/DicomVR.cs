namespace MriCs.Dicom;

/// <summary>A value representation of PS3.5 6.2: the closed set of 34 two-letter codes.</summary>
public readonly struct DicomVR : IEquatable<DicomVR>
{
    private readonly ushort _code;

    private DicomVR(char a, char b) => _code = (ushort)((a << 8) | b);

    public static readonly DicomVR AE = new('A', 'E');
    public static readonly DicomVR AS = new('A', 'S');
    public static readonly DicomVR AT = new('A', 'T');
    public static readonly DicomVR CS = new('C', 'S');
    public static readonly DicomVR DA = new('D', 'A');
    public static readonly DicomVR DS = new('D', 'S');
    public static readonly DicomVR DT = new('D', 'T');
    public static readonly DicomVR FD = new('F', 'D');
    public static readonly DicomVR FL = new('F', 'L');
    public static readonly DicomVR IS = new('I', 'S');
    public static readonly DicomVR LO = new('L', 'O');
    public static readonly DicomVR LT = new('L', 'T');
    public static readonly DicomVR OB = new('O', 'B');
    public static readonly DicomVR OD = new('O', 'D');
    public static readonly DicomVR OF = new('O', 'F');
    public static readonly DicomVR OL = new('O', 'L');
    public static readonly DicomVR OV = new('O', 'V');
    public static readonly DicomVR OW = new('O', 'W');
    public static readonly DicomVR PN = new('P', 'N');
    public static readonly DicomVR SH = new('S', 'H');
    public static readonly DicomVR SL = new('S', 'L');
    public static readonly DicomVR SQ = new('S', 'Q');
    public static readonly DicomVR SS = new('S', 'S');
    public static readonly DicomVR ST = new('S', 'T');
    public static readonly DicomVR SV = new('S', 'V');
    public static readonly DicomVR TM = new('T', 'M');
    public static readonly DicomVR UC = new('U', 'C');
    public static readonly DicomVR UI = new('U', 'I');
    public static readonly DicomVR UL = new('U', 'L');
    public static readonly DicomVR UN = new('U', 'N');
    public static readonly DicomVR UR = new('U', 'R');
    public static readonly DicomVR US = new('U', 'S');
    public static readonly DicomVR UT = new('U', 'T');
    public static readonly DicomVR UV = new('U', 'V');

    /// <summary>Every VR of PS3.5.</summary>
    public static IReadOnlyList<DicomVR> All { get; } =
        [AE, AS, AT, CS, DA, DS, DT, FD, FL, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH, SL, SQ, SS, ST, SV, TM, UC, UI, UL, UN, UR, US, UT, UV];

    /// <summary>The two-letter code ("US").</summary>
    public string Code => _code == 0 ? "??" : new string([(char)(_code >> 8), (char)(_code & 0xFF)]);

    public override string ToString() => Code;

    public bool Equals(DicomVR other) => _code == other._code;
    public override bool Equals(object? obj) => obj is DicomVR v && v._code == _code;
    public override int GetHashCode() => _code;
    public static bool operator ==(DicomVR a, DicomVR b) => a._code == b._code;
    public static bool operator !=(DicomVR a, DicomVR b) => a._code != b._code;

    /// <summary>Recognises the two bytes of an explicit VR; false for anything not in PS3.5.</summary>
    public static bool TryParse(byte a, byte b, out DicomVR vr)
    {
        vr = new DicomVR((char)a, (char)b);
        if (a is < (byte)'A' or > (byte)'Z' || b is < (byte)'A' or > (byte)'Z') return false;
        foreach (var v in All)
            if (v._code == vr._code) return true;
        return false;
    }

    public static bool TryParse(string? code, out DicomVR vr)
    {
        vr = default;
        return code is { Length: 2 } && TryParse((byte)code[0], (byte)code[1], out vr);
    }

    public static DicomVR Parse(string code) =>
        TryParse(code, out var vr) ? vr : throw new FormatException($"'{code}' is not a DICOM VR");

    /// <summary>Explicit VR encodings give these a 2-byte reserved field and a 4-byte length (PS3.5 7.1.2).</summary>
    public bool HasLongExplicitLength =>
        this == OB || this == OD || this == OF || this == OL || this == OV || this == OW || this == SQ
        || this == UC || this == UN || this == UR || this == UT || this == SV || this == UV;

    /// <summary>Size in bytes of one binary unit, for byte swapping in big endian (1 for strings, OB, UN, SQ).</summary>
    public int ByteSwapUnit =>
        this == US || this == SS || this == OW || this == AT ? 2
        : this == UL || this == SL || this == FL || this == OF || this == OL ? 4
        : this == FD || this == OD || this == SV || this == UV || this == OV ? 8
        : 1;

    /// <summary>Character string VRs (values are text separated by backslashes, padded with a space or NUL).</summary>
    public bool IsString =>
        this == AE || this == AS || this == CS || this == DA || this == DS || this == DT || this == IS || this == LO
        || this == LT || this == PN || this == SH || this == ST || this == TM || this == UC || this == UI || this == UR || this == UT;

    /// <summary>String VRs whose bytes follow the Specific Character Set (others are plain ASCII).</summary>
    public bool IsCharacterSetSensitive =>
        this == SH || this == LO || this == ST || this == LT || this == PN || this == UC || this == UT;

    /// <summary>String VRs that hold one value even with backslashes inside (PS3.5 6.4).</summary>
    public bool IsSingleValuedText => this == LT || this == ST || this == UT || this == UR;

    /// <summary>Byte used to pad odd-length values to an even length.</summary>
    public byte PaddingByte => this == UI || !IsString ? (byte)0 : (byte)' ';

    /// <summary>Largest value length (bytes) of one value for string VRs with a limit; int.MaxValue otherwise.</summary>
    public int MaxLength =>
        this == AE ? 16 : this == AS ? 4 : this == CS ? 16 : this == DA ? 8 : this == DS ? 16 : this == DT ? 26
        : this == IS ? 12 : this == LO ? 64 : this == LT ? 10240 : this == SH ? 16 : this == ST ? 1024 : this == TM ? 14
        : this == UI ? 64 : int.MaxValue;
}
