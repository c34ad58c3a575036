using System.Net;

namespace MriCs.Dicom.Network.Tests;

public class NegotiationTests
{
    private static AAssociateRq Rq(string called = "MRICS", string calling = "SCU", params PresentationContextProposal[] pcs) =>
        new(called, calling, pcs.Length == 0 ? [new PresentationContextProposal(1, NetworkUids.Verification, [NetworkUids.ImplicitVrLittleEndian])] : pcs,
            new UserInformation(16384, "1.2.3"));

    [Fact]
    public void Wrong_called_ae_is_rejected_permanently()
    {
        var d = AssociationNegotiator.Negotiate(Rq(called: "OTHER"), IPAddress.Loopback, new DicomScpOptions(), false);
        Assert.Equal(new AAssociateRj(RejectResult.Permanent, RejectSource.ServiceUser, RejectReasons.CalledAeNotRecognized), d.Reject);
    }

    [Fact]
    public void Calling_ae_allow_list_checks_title_and_host()
    {
        var options = new DicomScpOptions { AllowedCallers = [AeAllowEntry.Parse("SCU@127.0.0.1"), AeAllowEntry.Parse("ANY")] };
        Assert.NotNull(AssociationNegotiator.Negotiate(Rq(), IPAddress.Loopback, options, false).Accept);
        Assert.Equal(RejectReasons.CallingAeNotRecognized, AssociationNegotiator.Negotiate(Rq(), IPAddress.Parse("10.1.2.3"), options, false).Reject!.Reason);
        Assert.NotNull(AssociationNegotiator.Negotiate(Rq(calling: "ANY"), IPAddress.Parse("10.1.2.3"), options, false).Accept);
        Assert.Equal(RejectReasons.CallingAeNotRecognized, AssociationNegotiator.Negotiate(Rq(calling: "EVIL"), IPAddress.Loopback, options, false).Reject!.Reason);
        Assert.Throws<ArgumentException>(() => AeAllowEntry.Parse("SCU@not a host"));
    }

    [Fact]
    public void Over_the_limit_is_a_transient_local_limit_reject()
    {
        var d = AssociationNegotiator.Negotiate(Rq(), IPAddress.Loopback, new DicomScpOptions(), true);
        Assert.Equal(new AAssociateRj(RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReasons.LocalLimitExceeded), d.Reject);
    }

    [Fact]
    public void Transfer_syntax_follows_the_scp_preference_and_refuses_undecodable_ones()
    {
        const string mr = "1.2.840.10008.5.1.4.1.1.4";
        const string jpeg2000 = "1.2.840.10008.1.2.4.90";
        var d = AssociationNegotiator.Negotiate(Rq("MRICS", "SCU",
            new PresentationContextProposal(1, mr, [NetworkUids.ImplicitVrLittleEndian, NetworkUids.ExplicitVrLittleEndian]),
            new PresentationContextProposal(3, mr, [jpeg2000]),
            new PresentationContextProposal(5, "1.2.840.10008.5.1.4.1.2.2.1", [NetworkUids.ImplicitVrLittleEndian]),
            new PresentationContextProposal(7, mr, [NetworkUids.RleLossless])), IPAddress.Loopback, new DicomScpOptions(), false);
        var pcs = d.Accept!.PresentationContexts;
        Assert.Equal(new PresentationContextResponse(1, PresentationContextResult.Acceptance, NetworkUids.ExplicitVrLittleEndian), pcs[0]);
        Assert.Equal(PresentationContextResult.TransferSyntaxesNotSupported, pcs[1].Result);
        Assert.Equal(PresentationContextResult.AbstractSyntaxNotSupported, pcs[2].Result);
        Assert.Equal(new PresentationContextResponse(7, PresentationContextResult.Acceptance, NetworkUids.RleLossless), pcs[3]);

        var implicitOnly = new DicomScpOptions { AcceptedTransferSyntaxes = [NetworkUids.ImplicitVrLittleEndian] };
        var d2 = AssociationNegotiator.Negotiate(Rq("MRICS", "SCU",
            new PresentationContextProposal(1, mr, [NetworkUids.ExplicitVrLittleEndian, NetworkUids.ImplicitVrLittleEndian])), IPAddress.Loopback, implicitOnly, false);
        Assert.Equal(NetworkUids.ImplicitVrLittleEndian, d2.Accept!.PresentationContexts[0].TransferSyntax);
    }

    [Fact]
    public void Async_window_is_answered_one_one_and_max_pdu_announced()
    {
        var rq = Rq() with { UserInformation = new UserInformation(0, "1.2.3", null, 8, 8) };
        var ac = AssociationNegotiator.Negotiate(rq, IPAddress.Loopback, new DicomScpOptions { MaxPduLength = 65536 }, false).Accept!;
        Assert.Equal((ushort)1, ac.UserInformation.MaxOperationsInvoked);
        Assert.Equal((ushort)1, ac.UserInformation.MaxOperationsPerformed);
        Assert.Equal(65536u, ac.UserInformation.MaxPduLength);
    }
}
