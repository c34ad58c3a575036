using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace MriCs.Dicom.Network;

/// <summary>
/// Encoding and decoding of upper-layer PDUs (PS3.8 9.3). Decoding is strict: every declared
/// length is checked against what remains, and errors name the PDU, the item and the byte offset.
/// </summary>
public static class PduCodec
{
    public const int HeaderLength = 6;
    public const int MaxPresentationContexts = 128;
    private const int FixedAssociateFields = 68;

    // ---------------------------------------------------------------- encoding

    /// <summary>Encodes any PDU other than P-DATA-TF (those are built in place by <see cref="PduChannel"/>).</summary>
    public static byte[] Encode(Pdu pdu)
    {
        var w = new ArrayBufferWriter<byte>(256);
        PutU8(w, (byte)pdu.Type);
        PutU8(w, 0);
        PutU32(w, 0); // patched below
        switch (pdu)
        {
            case AAssociateRq rq:
                PutAssociateFixed(w, rq.ProtocolVersion, rq.CalledAe, rq.CallingAe);
                PutUidItem(w, 0x10, rq.ApplicationContext);
                foreach (var pc in rq.PresentationContexts)
                {
                    var start = BeginItem(w, 0x20);
                    PutU8(w, pc.Id); PutU8(w, 0); PutU8(w, 0); PutU8(w, 0);
                    PutUidItem(w, 0x30, pc.AbstractSyntax);
                    foreach (var ts in pc.TransferSyntaxes) PutUidItem(w, 0x40, ts);
                    EndItem(w, start);
                }
                PutUserInformation(w, rq.UserInformation);
                break;
            case AAssociateAc ac:
                PutAssociateFixed(w, ac.ProtocolVersion, ac.CalledAe, ac.CallingAe);
                PutUidItem(w, 0x10, ac.ApplicationContext);
                foreach (var pc in ac.PresentationContexts)
                {
                    var start = BeginItem(w, 0x21);
                    PutU8(w, pc.Id); PutU8(w, 0); PutU8(w, (byte)pc.Result); PutU8(w, 0);
                    PutUidItem(w, 0x40, pc.TransferSyntax);
                    EndItem(w, start);
                }
                PutUserInformation(w, ac.UserInformation);
                break;
            case AAssociateRj rj:
                PutU8(w, 0); PutU8(w, (byte)rj.Result); PutU8(w, (byte)rj.Source); PutU8(w, rj.Reason);
                break;
            case AReleaseRq or AReleaseRp:
                PutU32(w, 0);
                break;
            case AAbort ab:
                PutU8(w, 0); PutU8(w, 0); PutU8(w, (byte)ab.Source); PutU8(w, (byte)ab.Reason);
                break;
            default:
                throw new ArgumentException($"cannot encode {pdu.GetType().Name} with PduCodec.Encode", nameof(pdu));
        }
        var bytes = w.WrittenSpan.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(2), (uint)(bytes.Length - HeaderLength));
        return bytes;
    }

    private static void PutAssociateFixed(ArrayBufferWriter<byte> w, ushort version, string called, string calling)
    {
        PutU16(w, version);
        PutU16(w, 0);
        PutAe(w, called);
        PutAe(w, calling);
        w.GetSpan(32)[..32].Clear();
        w.Advance(32);
    }

    private static void PutUserInformation(ArrayBufferWriter<byte> w, UserInformation ui)
    {
        var start = BeginItem(w, 0x50);
        PutU8(w, 0x51); PutU8(w, 0); PutU16(w, 4); PutU32(w, ui.MaxPduLength);
        PutUidItem(w, 0x52, ui.ImplementationClassUid);
        if (ui.MaxOperationsInvoked is { } inv)
        {
            PutU8(w, 0x53); PutU8(w, 0); PutU16(w, 4); PutU16(w, inv); PutU16(w, ui.MaxOperationsPerformed ?? 1);
        }
        foreach (var role in ui.RoleSelections)
        {
            var uid = Encoding.ASCII.GetBytes(role.SopClassUid);
            PutU8(w, 0x54); PutU8(w, 0); PutU16(w, (ushort)(2 + uid.Length + 2));
            PutU16(w, (ushort)uid.Length); w.Write(uid);
            PutU8(w, role.ScuRole ? (byte)1 : (byte)0); PutU8(w, role.ScpRole ? (byte)1 : (byte)0);
        }
        if (!string.IsNullOrEmpty(ui.ImplementationVersionName))
        {
            var name = Encoding.ASCII.GetBytes(ui.ImplementationVersionName);
            if (name.Length > 16) throw new ArgumentException("implementation version name exceeds 16 characters");
            PutU8(w, 0x55); PutU8(w, 0); PutU16(w, (ushort)name.Length); w.Write(name);
        }
        EndItem(w, start);
    }

    private static int BeginItem(ArrayBufferWriter<byte> w, byte type)
    {
        PutU8(w, type); PutU8(w, 0); PutU16(w, 0);
        return w.WrittenCount;
    }

    private static void EndItem(ArrayBufferWriter<byte> w, int start)
    {
        var len = w.WrittenCount - start;
        if (len > ushort.MaxValue) throw new ArgumentException("PDU item longer than 65535 bytes");
        // ArrayBufferWriter exposes its written memory; patch the 16-bit length in place.
        var span = System.Runtime.InteropServices.MemoryMarshal.AsMemory(w.WrittenMemory).Span;
        BinaryPrimitives.WriteUInt16BigEndian(span[(start - 2)..], (ushort)len);
    }

    private static void PutUidItem(ArrayBufferWriter<byte> w, byte type, string uid)
    {
        var bytes = Encoding.ASCII.GetBytes(uid);
        if (bytes.Length > 64) throw new ArgumentException($"UID '{uid}' exceeds 64 characters");
        PutU8(w, type); PutU8(w, 0); PutU16(w, (ushort)bytes.Length); w.Write(bytes);
    }

    private static void PutAe(ArrayBufferWriter<byte> w, string ae)
    {
        if (!IsValidAeTitle(ae)) throw new ArgumentException($"invalid AE title '{ae}' (1-16 printable ASCII characters, no backslash)");
        var span = w.GetSpan(16)[..16];
        span.Fill((byte)' ');
        Encoding.ASCII.GetBytes(ae, span);
        w.Advance(16);
    }

    public static bool IsValidAeTitle(string ae) =>
        ae.Length is >= 1 and <= 16 && ae.Trim().Length > 0 && ae.All(c => c is >= ' ' and <= '~' and not '\\');

    private static void PutU8(ArrayBufferWriter<byte> w, byte v) { w.GetSpan(1)[0] = v; w.Advance(1); }
    private static void PutU16(ArrayBufferWriter<byte> w, ushort v) { BinaryPrimitives.WriteUInt16BigEndian(w.GetSpan(2), v); w.Advance(2); }
    private static void PutU32(ArrayBufferWriter<byte> w, uint v) { BinaryPrimitives.WriteUInt32BigEndian(w.GetSpan(4), v); w.Advance(4); }

    // ---------------------------------------------------------------- decoding

    /// <summary>Checks the 6-byte header: a known type and a length within <paramref name="maxLength"/>.</summary>
    public static (PduType Type, int Length) ParseHeader(ReadOnlySpan<byte> header, uint maxPDataLength, uint maxOtherLength = PduChannel.MaxAssociatePduLength)
    {
        var type = header[0];
        if (type is < 1 or > 7)
            throw new DicomPduException($"unknown PDU type 0x{type:X2} at byte 0", AbortReason.UnrecognizedPdu);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[2..]);
        var pduType = (PduType)type;
        if (pduType is PduType.ReleaseRq or PduType.ReleaseRp or PduType.Abort or PduType.AssociateRj && length != 4)
            throw new DicomPduException($"{Name(pduType)} PDU declares length {length}, expected 4 (byte 2)");
        var maxLength = pduType == PduType.PDataTf ? maxPDataLength : maxOtherLength;
        if (length > maxLength)
            throw new DicomPduException($"{Name(pduType)} PDU declares length {length}, above the limit {maxLength} (byte 2)");
        return (pduType, (int)length);
    }

    /// <summary>Decodes the body of a non-P-DATA PDU.</summary>
    public static Pdu Decode(PduType type, ReadOnlySpan<byte> body)
    {
        switch (type)
        {
            case PduType.AssociateRq:
            case PduType.AssociateAc:
                return DecodeAssociate(type, body);
            case PduType.AssociateRj:
                RequireLength(type, body, 4);
                if (body[1] is not (1 or 2))
                    throw new DicomPduException($"A-ASSOCIATE-RJ result {body[1]} is not 1 or 2 (byte 7)");
                if (body[2] is < 1 or > 3)
                    throw new DicomPduException($"A-ASSOCIATE-RJ source {body[2]} is not 1..3 (byte 8)");
                return new AAssociateRj((RejectResult)body[1], (RejectSource)body[2], body[3]);
            case PduType.ReleaseRq:
                RequireLength(type, body, 4);
                return AReleaseRq.Instance;
            case PduType.ReleaseRp:
                RequireLength(type, body, 4);
                return AReleaseRp.Instance;
            case PduType.Abort:
                RequireLength(type, body, 4);
                return new AAbort(body[2] is 0 or 1 or 2 ? (AbortSource)body[2] : AbortSource.Reserved, (AbortReason)body[3]);
            default:
                throw new ArgumentException("P-DATA-TF bodies are read with ParsePdvs", nameof(type));
        }
    }

    private static void RequireLength(PduType type, ReadOnlySpan<byte> body, int length)
    {
        if (body.Length != length)
            throw new DicomPduException($"{Name(type)} PDU has length {body.Length}, expected {length}");
    }

    private static Pdu DecodeAssociate(PduType type, ReadOnlySpan<byte> body)
    {
        var name = Name(type);
        if (body.Length < FixedAssociateFields)
            throw new DicomPduException($"{name} PDU is {body.Length} bytes long, shorter than its {FixedAssociateFields} fixed bytes (truncated at byte {HeaderLength + body.Length})");
        var version = BinaryPrimitives.ReadUInt16BigEndian(body);
        var called = DecodeAe(body.Slice(4, 16));
        var calling = DecodeAe(body.Slice(20, 16));
        string? appContext = null;
        var proposals = new List<PresentationContextProposal>();
        var responses = new List<PresentationContextResponse>();
        UserInformation? user = null;
        var seenIds = new HashSet<byte>();
        var pos = FixedAssociateFields;
        while (pos < body.Length)
        {
            var itemType = ReadItem(name, body, ref pos, out var item, out var at);
            switch (itemType)
            {
                case 0x10:
                    if (appContext is not null) throw new DicomPduException($"{name}: second application context item at byte {at}", AbortReason.UnexpectedPduParameter);
                    appContext = DecodeUid(name, item, at);
                    break;
                case 0x20 when type == PduType.AssociateRq:
                    {
                        var pc = DecodeProposal(name, item, at);
                        if (!seenIds.Add(pc.Id)) throw new DicomPduException($"{name}: duplicate presentation context id {pc.Id} at byte {at}");
                        proposals.Add(pc);
                        if (proposals.Count > MaxPresentationContexts)
                            throw new DicomPduException($"{name}: more than {MaxPresentationContexts} presentation contexts (byte {at})");
                        break;
                    }
                case 0x21 when type == PduType.AssociateAc:
                    {
                        var pc = DecodeResponse(name, item, at);
                        if (!seenIds.Add(pc.Id)) throw new DicomPduException($"{name}: duplicate presentation context id {pc.Id} at byte {at}");
                        responses.Add(pc);
                        if (responses.Count > MaxPresentationContexts)
                            throw new DicomPduException($"{name}: more than {MaxPresentationContexts} presentation contexts (byte {at})");
                        break;
                    }
                case 0x50:
                    if (user is not null) throw new DicomPduException($"{name}: second user information item at byte {at}", AbortReason.UnexpectedPduParameter);
                    user = DecodeUserInformation(name, item, at);
                    break;
                default:
                    throw new DicomPduException($"{name}: unexpected item type 0x{itemType:X2} at byte {at}", AbortReason.UnrecognizedPduParameter);
            }
        }
        if (appContext is null) throw new DicomPduException($"{name}: no application context item", AbortReason.InvalidPduParameterValue);
        if (user is null) throw new DicomPduException($"{name}: no user information item", AbortReason.InvalidPduParameterValue);
        return type == PduType.AssociateRq
            ? new AAssociateRq(called, calling, proposals, user, appContext, version)
            : new AAssociateAc(called, calling, responses, user, appContext, version);
    }

    private static PresentationContextProposal DecodeProposal(string name, ReadOnlySpan<byte> item, int at)
    {
        if (item.Length < 4) throw new DicomPduException($"{name}: presentation context item at byte {at} is {item.Length} bytes, shorter than 4");
        var id = item[0];
        if (id % 2 == 0) throw new DicomPduException($"{name}: presentation context id {id} at byte {at} is even");
        string? abstractSyntax = null;
        var syntaxes = new List<string>();
        var pos = 4;
        while (pos < item.Length)
        {
            var t = ReadItem(name, item, ref pos, out var sub, out var subAt, at);
            switch (t)
            {
                case 0x30:
                    if (abstractSyntax is not null) throw new DicomPduException($"{name}: presentation context {id} has a second abstract syntax (byte {subAt})", AbortReason.UnexpectedPduParameter);
                    abstractSyntax = DecodeUid(name, sub, subAt);
                    break;
                case 0x40:
                    syntaxes.Add(DecodeUid(name, sub, subAt));
                    break;
                default:
                    throw new DicomPduException($"{name}: unexpected sub-item 0x{t:X2} in presentation context {id} (byte {subAt})", AbortReason.UnrecognizedPduParameter);
            }
        }
        if (abstractSyntax is null) throw new DicomPduException($"{name}: presentation context {id} (byte {at}) has no abstract syntax");
        if (syntaxes.Count == 0) throw new DicomPduException($"{name}: presentation context {id} (byte {at}) has no transfer syntax");
        return new PresentationContextProposal(id, abstractSyntax, syntaxes);
    }

    private static PresentationContextResponse DecodeResponse(string name, ReadOnlySpan<byte> item, int at)
    {
        if (item.Length < 4) throw new DicomPduException($"{name}: presentation context item at byte {at} is {item.Length} bytes, shorter than 4");
        var id = item[0];
        var result = item[2];
        if (result > 4) throw new DicomPduException($"{name}: presentation context {id} result {result} is not 0..4 (byte {at + 2})");
        string ts = "";
        var pos = 4;
        while (pos < item.Length)
        {
            var t = ReadItem(name, item, ref pos, out var sub, out var subAt, at);
            if (t != 0x40) throw new DicomPduException($"{name}: unexpected sub-item 0x{t:X2} in presentation context {id} (byte {subAt})", AbortReason.UnrecognizedPduParameter);
            ts = DecodeUid(name, sub, subAt);
        }
        if (result == 0 && ts.Length == 0) throw new DicomPduException($"{name}: accepted presentation context {id} (byte {at}) names no transfer syntax");
        return new PresentationContextResponse(id, (PresentationContextResult)result, ts);
    }

    private static UserInformation DecodeUserInformation(string name, ReadOnlySpan<byte> item, int at)
    {
        uint? maxLength = null;
        string implClass = "";
        string? implVersion = null;
        ushort? invoked = null, performed = null;
        var roles = new List<RoleSelection>();
        var ignored = 0;
        var pos = 0;
        while (pos < item.Length)
        {
            var t = ReadItem(name, item, ref pos, out var sub, out var subAt, at);
            switch (t)
            {
                case 0x51:
                    if (sub.Length != 4) throw new DicomPduException($"{name}: maximum length sub-item at byte {subAt} has length {sub.Length}, expected 4");
                    maxLength = BinaryPrimitives.ReadUInt32BigEndian(sub);
                    break;
                case 0x52:
                    implClass = DecodeUid(name, sub, subAt);
                    break;
                case 0x53:
                    if (sub.Length != 4) throw new DicomPduException($"{name}: asynchronous operations window sub-item at byte {subAt} has length {sub.Length}, expected 4");
                    invoked = BinaryPrimitives.ReadUInt16BigEndian(sub);
                    performed = BinaryPrimitives.ReadUInt16BigEndian(sub[2..]);
                    break;
                case 0x54:
                    {
                        if (sub.Length < 4) throw new DicomPduException($"{name}: role selection sub-item at byte {subAt} is too short");
                        var uidLen = BinaryPrimitives.ReadUInt16BigEndian(sub);
                        if (uidLen + 4 != sub.Length) throw new DicomPduException($"{name}: role selection sub-item at byte {subAt} declares a UID of {uidLen} bytes in {sub.Length} bytes");
                        roles.Add(new RoleSelection(DecodeUid(name, sub.Slice(2, uidLen), subAt + 6), sub[2 + uidLen] == 1, sub[3 + uidLen] == 1));
                        break;
                    }
                case 0x55:
                    if (sub.Length is 0 or > 16) throw new DicomPduException($"{name}: implementation version name at byte {subAt} has length {sub.Length}, expected 1..16");
                    implVersion = Encoding.ASCII.GetString(sub).Trim(' ', '\0');
                    break;
                default:
                    ignored++; // 0x56 SOP class extended, 0x57 common extended, 0x58/0x59 user identity, unknown
                    break;
            }
        }
        if (maxLength is null) throw new DicomPduException($"{name}: user information (byte {at}) has no maximum length sub-item");
        return new UserInformation(maxLength.Value, implClass, implVersion, invoked, performed) { RoleSelections = roles, IgnoredSubItems = ignored };
    }

    /// <summary>Reads one item header (type, reserved, 16-bit length) at <paramref name="pos"/> and returns its value.</summary>
    private static byte ReadItem(string name, ReadOnlySpan<byte> span, ref int pos, out ReadOnlySpan<byte> value, out int at, int baseOffset = -1)
    {
        // Offsets in messages count from the start of the PDU.
        at = (baseOffset < 0 ? HeaderLength : baseOffset + 4) + pos;
        if (span.Length - pos < 4)
            throw new DicomPduException($"{name}: item header at byte {at} truncated ({span.Length - pos} of 4 bytes)");
        var type = span[pos];
        var len = BinaryPrimitives.ReadUInt16BigEndian(span[(pos + 2)..]);
        if (len > span.Length - pos - 4)
            throw new DicomPduException($"{name}: item 0x{type:X2} at byte {at} declares length {len} but only {span.Length - pos - 4} bytes remain");
        value = span.Slice(pos + 4, len);
        pos += 4 + len;
        return type;
    }

    private static string DecodeUid(string name, ReadOnlySpan<byte> value, int at)
    {
        if (value.Length > 65) throw new DicomPduException($"{name}: UID at byte {at} is {value.Length} bytes long (max 64)");
        foreach (var b in value)
            if (b is not ((>= (byte)'0' and <= (byte)'9') or (byte)'.' or 0 or (byte)' '))
                throw new DicomPduException($"{name}: UID at byte {at} contains byte 0x{b:X2}");
        return Encoding.ASCII.GetString(value).TrimEnd('\0', ' ');
    }

    private static string DecodeAe(ReadOnlySpan<byte> value) => Encoding.Latin1.GetString(value).Trim(' ', '\0');

    /// <summary>Splits a P-DATA-TF body into PDVs (slices of <paramref name="body"/>, no copies).</summary>
    public static void ParsePdvs(ReadOnlyMemory<byte> body, List<Pdv> output)
    {
        output.Clear();
        var span = body.Span;
        var pos = 0;
        while (pos < span.Length)
        {
            var at = HeaderLength + pos;
            if (span.Length - pos < 6)
                throw new DicomPduException($"P-DATA-TF: PDV item header at byte {at} truncated ({span.Length - pos} of 6 bytes)");
            var len = BinaryPrimitives.ReadUInt32BigEndian(span[pos..]);
            if (len < 2)
                throw new DicomPduException($"P-DATA-TF: PDV item at byte {at} declares length {len}, below 2");
            if (len > (uint)(span.Length - pos - 4))
                throw new DicomPduException($"P-DATA-TF: PDV item at byte {at} declares length {len} but only {span.Length - pos - 4} bytes remain");
            var id = span[pos + 4];
            if (id % 2 == 0)
                throw new DicomPduException($"P-DATA-TF: PDV at byte {at} names even presentation context id {id}");
            var control = span[pos + 5];
            output.Add(new Pdv(id, (control & 1) != 0, (control & 2) != 0, body.Slice(pos + 6, (int)len - 2)));
            pos += 4 + (int)len;
        }
        if (output.Count == 0)
            throw new DicomPduException("P-DATA-TF: PDU holds no PDV item");
    }

    public static string Name(PduType type) => type switch
    {
        PduType.AssociateRq => "A-ASSOCIATE-RQ",
        PduType.AssociateAc => "A-ASSOCIATE-AC",
        PduType.AssociateRj => "A-ASSOCIATE-RJ",
        PduType.PDataTf => "P-DATA-TF",
        PduType.ReleaseRq => "A-RELEASE-RQ",
        PduType.ReleaseRp => "A-RELEASE-RP",
        PduType.Abort => "A-ABORT",
        _ => $"PDU 0x{(byte)type:X2}",
    };
}
