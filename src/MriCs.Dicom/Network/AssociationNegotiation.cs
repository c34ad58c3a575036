using System.Net;

namespace MriCs.Dicom.Network;

/// <summary>An allowed calling peer: an AE title, optionally bound to a host (IP address or "localhost").</summary>
public sealed record AeAllowEntry(string AeTitle, string? Host = null)
{
    /// <summary>Parses "AE" or "AE@HOST".</summary>
    public static AeAllowEntry Parse(string text)
    {
        var at = text.LastIndexOf('@');
        var ae = at < 0 ? text : text[..at];
        var host = at < 0 ? null : text[(at + 1)..];
        if (!PduCodec.IsValidAeTitle(ae)) throw new ArgumentException($"invalid AE title in allow entry '{text}'");
        if (host is { Length: 0 }) throw new ArgumentException($"empty host in allow entry '{text}'");
        if (host is not null && host != "localhost" && !IPAddress.TryParse(host, out _))
            throw new ArgumentException($"host in allow entry '{text}' must be an IP address or 'localhost'");
        return new AeAllowEntry(ae.Trim(), host);
    }

    public bool Matches(string callingAe, IPAddress? remote)
    {
        if (!string.Equals(AeTitle, callingAe, StringComparison.Ordinal)) return false;
        if (Host is null) return true;
        if (remote is null) return false;
        if (remote.IsIPv4MappedToIPv6) remote = remote.MapToIPv4();
        if (Host == "localhost") return IPAddress.IsLoopback(remote);
        return IPAddress.TryParse(Host, out var h) && h.Equals(remote);
    }
}

/// <summary>What the SCP answers to an A-ASSOCIATE-RQ: exactly one of <see cref="Accept"/> and <see cref="Reject"/>.</summary>
public sealed record AssociationDecision(AAssociateAc? Accept, AAssociateRj? Reject);

/// <summary>Association policy of an SCP: pure functions of the request and the options.</summary>
public static class AssociationNegotiator
{
    public static AssociationDecision Negotiate(AAssociateRq rq, IPAddress? remote, DicomScpOptions options, bool overAssociationLimit,
        Func<string, bool>? supportsAbstractSyntax = null)
    {
        var supports = supportsAbstractSyntax ?? options.SupportsAbstractSyntax;
        if ((rq.ProtocolVersion & 1) == 0)
            return Reject(RejectResult.Permanent, RejectSource.ServiceProviderAcse, RejectReasons.ProtocolVersionNotSupported);
        if (rq.ApplicationContext != NetworkUids.ApplicationContext)
            return Reject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReasons.ApplicationContextNotSupported);
        if (options.CheckCalledAeTitle && !string.Equals(rq.CalledAe, options.AeTitle, StringComparison.Ordinal))
            return Reject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReasons.CalledAeNotRecognized);
        if (options.AllowedCallers.Count > 0 && !options.AllowedCallers.Any(e => e.Matches(rq.CallingAe, remote)))
            return Reject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReasons.CallingAeNotRecognized);
        if (overAssociationLimit)
            return Reject(RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReasons.LocalLimitExceeded);

        var responses = new List<PresentationContextResponse>(rq.PresentationContexts.Count);
        foreach (var pc in rq.PresentationContexts)
            responses.Add(NegotiateContext(pc, options.AcceptedTransferSyntaxes, supports));
        var user = new UserInformation(
            options.MaxPduLength,
            NetworkUids.ImplementationClassUid,
            NetworkUids.ImplementationVersionName,
            rq.UserInformation.MaxOperationsInvoked is null ? null : (ushort)1,
            rq.UserInformation.MaxOperationsInvoked is null ? null : (ushort)1);
        return new AssociationDecision(new AAssociateAc(rq.CalledAe, rq.CallingAe, responses, user), null);
    }

    /// <summary>Accepts a context when its abstract syntax is supported and one of its syntaxes is accepted (in the SCP's order of preference).</summary>
    public static PresentationContextResponse NegotiateContext(PresentationContextProposal pc, IReadOnlyList<string> acceptedSyntaxes, Func<string, bool> supports)
    {
        var fallback = pc.TransferSyntaxes.Count > 0 ? pc.TransferSyntaxes[0] : NetworkUids.ImplicitVrLittleEndian;
        if (!supports(pc.AbstractSyntax))
            return new PresentationContextResponse(pc.Id, PresentationContextResult.AbstractSyntaxNotSupported, fallback);
        foreach (var ts in acceptedSyntaxes)
            if (pc.TransferSyntaxes.Contains(ts, StringComparer.Ordinal))
                return new PresentationContextResponse(pc.Id, PresentationContextResult.Acceptance, ts);
        return new PresentationContextResponse(pc.Id, PresentationContextResult.TransferSyntaxesNotSupported, fallback);
    }

    private static AssociationDecision Reject(RejectResult result, RejectSource source, byte reason) =>
        new(null, new AAssociateRj(result, source, reason));
}
