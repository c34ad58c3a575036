using System.Buffers.Binary;

namespace MriCs.Dicom.Network.Tests;

public class PduCodecTests
{
    private static AAssociateRq SampleRq(int contexts = 3) => new(
        "MRICS", "SCU",
        Enumerable.Range(0, contexts).Select(i => new PresentationContextProposal((byte)(2 * i + 1),
            i == 0 ? NetworkUids.Verification : $"1.2.840.10008.5.1.4.1.1.{i}",
            [NetworkUids.ExplicitVrLittleEndian, NetworkUids.ImplicitVrLittleEndian])).ToList(),
        new UserInformation(16384, "1.2.3.4", "TEST_1", 1, 1) { RoleSelections = [new RoleSelection("1.2.840.10008.5.1.4.1.1.4", true, false)] });

    [Fact]
    public void Associate_rq_round_trips()
    {
        var rq = SampleRq(128);
        var bytes = PduCodec.Encode(rq);
        Assert.Equal((byte)PduType.AssociateRq, bytes[0]);
        Assert.Equal((uint)(bytes.Length - 6), BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(2)));
        var back = (AAssociateRq)PduCodec.Decode(PduType.AssociateRq, bytes.AsSpan(6));
        Assert.Equal("MRICS", back.CalledAe);
        Assert.Equal("SCU", back.CallingAe);
        Assert.Equal(128, back.PresentationContexts.Count);
        Assert.Equal(rq.PresentationContexts[5].AbstractSyntax, back.PresentationContexts[5].AbstractSyntax);
        Assert.Equal(rq.PresentationContexts[127].TransferSyntaxes, back.PresentationContexts[127].TransferSyntaxes);
        Assert.Equal(16384u, back.UserInformation.MaxPduLength);
        Assert.Equal("1.2.3.4", back.UserInformation.ImplementationClassUid);
        Assert.Equal("TEST_1", back.UserInformation.ImplementationVersionName);
        Assert.Equal((ushort)1, back.UserInformation.MaxOperationsInvoked);
        Assert.Single(back.UserInformation.RoleSelections);
        Assert.True(back.UserInformation.RoleSelections[0].ScuRole);
    }

    [Fact]
    public void Associate_ac_round_trips()
    {
        var ac = new AAssociateAc("MRICS", "SCU",
            [new PresentationContextResponse(1, PresentationContextResult.Acceptance, NetworkUids.ExplicitVrLittleEndian),
             new PresentationContextResponse(3, PresentationContextResult.AbstractSyntaxNotSupported, NetworkUids.ImplicitVrLittleEndian)],
            new UserInformation(65536, NetworkUids.ImplementationClassUid, NetworkUids.ImplementationVersionName));
        var back = (AAssociateAc)PduCodec.Decode(PduType.AssociateAc, PduCodec.Encode(ac).AsSpan(6));
        Assert.Equal(ac.PresentationContexts, back.PresentationContexts);
        Assert.Equal(65536u, back.UserInformation.MaxPduLength);
    }

    [Fact]
    public void Reject_release_abort_round_trip()
    {
        var rj = new AAssociateRj(RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReasons.LocalLimitExceeded);
        Assert.Equal(rj, PduCodec.Decode(PduType.AssociateRj, PduCodec.Encode(rj).AsSpan(6)));
        Assert.Equal("local limit exceeded", rj.Describe());
        Assert.Equal(new byte[] { 5, 0, 0, 0, 0, 4, 0, 0, 0, 0 }, PduCodec.Encode(AReleaseRq.Instance));
        var ab = new AAbort(AbortSource.ServiceProvider, AbortReason.UnexpectedPdu);
        Assert.Equal(new byte[] { 7, 0, 0, 0, 0, 4, 0, 0, 2, 2 }, PduCodec.Encode(ab));
        Assert.Equal(ab, PduCodec.Decode(PduType.Abort, PduCodec.Encode(ab).AsSpan(6)));
    }

    [Fact]
    public void Unknown_pdu_type_is_unrecognized()
    {
        var ex = Assert.Throws<DicomPduException>(() => PduCodec.ParseHeader(new byte[] { 9, 0, 0, 0, 0, 4 }, 1000));
        Assert.Equal(AbortReason.UnrecognizedPdu, ex.Reason);
        Assert.Contains("0x09", ex.Message);
    }

    [Fact]
    public void Absurd_lengths_are_refused_before_reading()
    {
        var ex = Assert.Throws<DicomPduException>(() => PduCodec.ParseHeader(new byte[] { 4, 0, 0xFF, 0xFF, 0xFF, 0xFF }, 16384));
        Assert.Contains("4294967295", ex.Message);
        Assert.Throws<DicomPduException>(() => PduCodec.ParseHeader(new byte[] { 1, 0, 0x7F, 0, 0, 0 }, 16384));
        Assert.Throws<DicomPduException>(() => PduCodec.ParseHeader(new byte[] { 5, 0, 0, 0, 0, 5 }, 16384));
        Assert.Equal((PduType.PDataTf, 16384), PduCodec.ParseHeader(new byte[] { 4, 0, 0, 0, 0x40, 0 }, 16384));
    }

    [Fact]
    public void Every_truncation_of_an_rq_fails_with_a_typed_error()
    {
        var body = PduCodec.Encode(SampleRq()).AsSpan(6).ToArray();
        for (var cut = 0; cut < body.Length; cut++)
        {
            var truncated = body.AsSpan(0, cut).ToArray();
            // A cut exactly at an item boundary yields a shorter but well-formed PDU only when the
            // user information item is what is cut off; every cut here loses it, so all must fail.
            Assert.Throws<DicomPduException>(() => PduCodec.Decode(PduType.AssociateRq, truncated));
        }
    }

    [Fact]
    public void Item_length_beyond_the_pdu_names_the_offset()
    {
        var bytes = PduCodec.Encode(SampleRq());
        // First item (application context) starts at byte 74: bump its length past the end.
        Assert.Equal(0x10, bytes[74]);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(76), 0xFFF0);
        var ex = Assert.Throws<DicomPduException>(() => PduCodec.Decode(PduType.AssociateRq, bytes.AsSpan(6)));
        Assert.Contains("byte 74", ex.Message);
    }

    [Fact]
    public void Unknown_user_information_sub_items_are_tolerated()
    {
        var bytes = PduCodec.Encode(SampleRq()).ToList();
        // Append a user identity sub-item (0x58) inside the user information item, which is last.
        var ui = bytes.LastIndexOf(0x50);
        while (bytes[ui + 1] != 0) ui = bytes.LastIndexOf(0x50, ui - 1);
        byte[] identity = [0x58, 0, 0, 6, 1, 0, 0, 2, (byte)'a', (byte)'b'];
        bytes.AddRange(identity);
        var uiLen = BinaryPrimitives.ReadUInt16BigEndian(bytes.Skip(ui + 2).Take(2).ToArray());
        var arr = bytes.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(arr.AsSpan(ui + 2), (ushort)(uiLen + identity.Length));
        var rq = (AAssociateRq)PduCodec.Decode(PduType.AssociateRq, arr.AsSpan(6));
        Assert.Equal(1, rq.UserInformation.IgnoredSubItems);
    }

    [Fact]
    public void Pdvs_are_split_and_checked()
    {
        byte[] body = [0, 0, 0, 4, 1, 3, 0xAA, 0xBB, 0, 0, 0, 3, 3, 0, 0xCC];
        var list = new List<Pdv>();
        PduCodec.ParsePdvs(body, list);
        Assert.Equal(2, list.Count);
        Assert.True(list[0].IsCommand && list[0].IsLast);
        Assert.Equal(new byte[] { 0xAA, 0xBB }, list[0].Data.ToArray());
        Assert.False(list[1].IsCommand || list[1].IsLast);
        Assert.Equal(3, list[1].PresentationContextId);

        byte[] overrun = [0, 0, 0, 9, 1, 3, 0xAA];
        Assert.Contains("declares length 9", Assert.Throws<DicomPduException>(() => PduCodec.ParsePdvs(overrun, list)).Message);
        Assert.Throws<DicomPduException>(() => PduCodec.ParsePdvs(new byte[] { 0, 0, 0, 1, 1 }, list));
        Assert.Throws<DicomPduException>(() => PduCodec.ParsePdvs(Array.Empty<byte>(), list));
    }
}
