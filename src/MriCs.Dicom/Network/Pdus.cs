namespace MriCs.Dicom.Network;

/// <summary>PDU types of the DICOM upper layer (PS3.8 9.3).</summary>
public enum PduType : byte
{
    AssociateRq = 0x01,
    AssociateAc = 0x02,
    AssociateRj = 0x03,
    PDataTf = 0x04,
    ReleaseRq = 0x05,
    ReleaseRp = 0x06,
    Abort = 0x07,
}

/// <summary>A-ABORT source (PS3.8 Table 9-26).</summary>
public enum AbortSource : byte { ServiceUser = 0, Reserved = 1, ServiceProvider = 2 }

/// <summary>A-ABORT reason/diag when the source is the service provider (PS3.8 Table 9-26).</summary>
public enum AbortReason : byte
{
    NotSpecified = 0,
    UnrecognizedPdu = 1,
    UnexpectedPdu = 2,
    UnrecognizedPduParameter = 4,
    UnexpectedPduParameter = 5,
    InvalidPduParameterValue = 6,
}

/// <summary>A-ASSOCIATE-RJ result (PS3.8 Table 9-21).</summary>
public enum RejectResult : byte { Permanent = 1, Transient = 2 }

/// <summary>A-ASSOCIATE-RJ source (PS3.8 Table 9-21).</summary>
public enum RejectSource : byte { ServiceUser = 1, ServiceProviderAcse = 2, ServiceProviderPresentation = 3 }

/// <summary>A-ASSOCIATE-RJ reasons, by source (PS3.8 Table 9-21).</summary>
public static class RejectReasons
{
    public const byte NoReasonGiven = 1;
    public const byte ApplicationContextNotSupported = 2;
    public const byte CallingAeNotRecognized = 3;
    public const byte CalledAeNotRecognized = 7;
    public const byte ProtocolVersionNotSupported = 2; // source: service provider (ACSE)
    public const byte TemporaryCongestion = 1;         // source: service provider (presentation)
    public const byte LocalLimitExceeded = 2;          // source: service provider (presentation)
}

/// <summary>Result of one presentation context in an A-ASSOCIATE-AC (PS3.8 Table 9-18).</summary>
public enum PresentationContextResult : byte
{
    Acceptance = 0,
    UserRejection = 1,
    NoReason = 2,
    AbstractSyntaxNotSupported = 3,
    TransferSyntaxesNotSupported = 4,
}

/// <summary>A presentation context as proposed in an A-ASSOCIATE-RQ.</summary>
public sealed record PresentationContextProposal(byte Id, string AbstractSyntax, IReadOnlyList<string> TransferSyntaxes);

/// <summary>A presentation context as answered in an A-ASSOCIATE-AC; the syntax is empty unless accepted.</summary>
public sealed record PresentationContextResponse(byte Id, PresentationContextResult Result, string TransferSyntax);

/// <summary>SCP/SCU role selection sub-item (PS3.7 D.3.3.4); parsed and not answered (default roles).</summary>
public sealed record RoleSelection(string SopClassUid, bool ScuRole, bool ScpRole);

/// <summary>User information item (PS3.8 9.3.2.3, PS3.7 Annex D).</summary>
public sealed record UserInformation(
    uint MaxPduLength,
    string ImplementationClassUid,
    string? ImplementationVersionName = null,
    ushort? MaxOperationsInvoked = null,
    ushort? MaxOperationsPerformed = null)
{
    public IReadOnlyList<RoleSelection> RoleSelections { get; init; } = [];

    /// <summary>Extended negotiation, user identity and unknown sub-items: counted, otherwise ignored.</summary>
    public int IgnoredSubItems { get; init; }
}

/// <summary>Any PDU.</summary>
public abstract record Pdu
{
    public abstract PduType Type { get; }
}

public sealed record AAssociateRq(
    string CalledAe,
    string CallingAe,
    IReadOnlyList<PresentationContextProposal> PresentationContexts,
    UserInformation UserInformation,
    string ApplicationContext = NetworkUids.ApplicationContext,
    ushort ProtocolVersion = 1) : Pdu
{
    public override PduType Type => PduType.AssociateRq;
}

public sealed record AAssociateAc(
    string CalledAe,
    string CallingAe,
    IReadOnlyList<PresentationContextResponse> PresentationContexts,
    UserInformation UserInformation,
    string ApplicationContext = NetworkUids.ApplicationContext,
    ushort ProtocolVersion = 1) : Pdu
{
    public override PduType Type => PduType.AssociateAc;
}

public sealed record AAssociateRj(RejectResult Result, RejectSource Source, byte Reason) : Pdu
{
    public override PduType Type => PduType.AssociateRj;

    public string Describe() => (Source, Reason) switch
    {
        (RejectSource.ServiceUser, RejectReasons.NoReasonGiven) => "no reason given",
        (RejectSource.ServiceUser, RejectReasons.ApplicationContextNotSupported) => "application context name not supported",
        (RejectSource.ServiceUser, RejectReasons.CallingAeNotRecognized) => "calling AE title not recognized",
        (RejectSource.ServiceUser, RejectReasons.CalledAeNotRecognized) => "called AE title not recognized",
        (RejectSource.ServiceProviderAcse, RejectReasons.ProtocolVersionNotSupported) => "protocol version not supported",
        (RejectSource.ServiceProviderPresentation, RejectReasons.TemporaryCongestion) => "temporary congestion",
        (RejectSource.ServiceProviderPresentation, RejectReasons.LocalLimitExceeded) => "local limit exceeded",
        _ => $"reason {Reason}",
    };
}

public sealed record AReleaseRq : Pdu
{
    public static AReleaseRq Instance { get; } = new();
    public override PduType Type => PduType.ReleaseRq;
}

public sealed record AReleaseRp : Pdu
{
    public static AReleaseRp Instance { get; } = new();
    public override PduType Type => PduType.ReleaseRp;
}

public sealed record AAbort(AbortSource Source, AbortReason Reason) : Pdu
{
    public override PduType Type => PduType.Abort;
}

/// <summary>One presentation data value: a fragment of a DIMSE command or data set (PS3.8 E.2).</summary>
public readonly record struct Pdv(byte PresentationContextId, bool IsCommand, bool IsLast, ReadOnlyMemory<byte> Data);
