using System.Security.Cryptography.X509Certificates;

namespace MriCs.Dicom.Network;

/// <summary>Options of a DICOM SCP (association policy, limits, timers, TLS).</summary>
public sealed class DicomScpOptions
{
    public string AeTitle { get; set; } = "MRICS";

    /// <summary>Reject associations whose called AE title differs from <see cref="AeTitle"/>.</summary>
    public bool CheckCalledAeTitle { get; set; } = true;

    /// <summary>Calling AE titles (and hosts) allowed in; empty = any caller.</summary>
    public IReadOnlyList<AeAllowEntry> AllowedCallers { get; set; } = [];

    /// <summary>Transfer syntaxes accepted, in order of preference.</summary>
    public IReadOnlyList<string> AcceptedTransferSyntaxes { get; set; } = NetworkUids.DefaultAcceptedTransferSyntaxes;

    /// <summary>Abstract syntaxes accepted; default: Verification and every Storage SOP class.</summary>
    public Func<string, bool> SupportsAbstractSyntax { get; set; } =
        uid => uid == NetworkUids.Verification || NetworkUids.IsStorageSopClass(uid);

    /// <summary>Largest P-DATA-TF PDU this side receives (announced in the A-ASSOCIATE-AC).</summary>
    public uint MaxPduLength { get; set; } = 256 * 1024;

    /// <summary>Largest PDU this side sends, whatever the peer announces (0 = the peer's value).</summary>
    public uint MaxSendPduLength { get; set; } = 256 * 1024;

    /// <summary>Concurrent associations; further requests are rejected (transient, local limit exceeded).</summary>
    public int MaxAssociations { get; set; } = 16;

    /// <summary>ARTIM: time for the A-ASSOCIATE-RQ after connect, and for the close after a release or abort.</summary>
    public TimeSpan ArtimTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time an established association may sit with no PDU before it is aborted.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Time a read or write of a started PDU may make no progress (a stalled peer).</summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>On shutdown, how long in-flight associations may run before they are aborted.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// While only one association is open, a read that finds no data first waits up to this long in poll() on the
    /// socket (the pool thread sleeps in the kernel and wakes the moment data arrives, like a blocking read), then
    /// goes asynchronous. A lone sender waiting for each response is then served without a thread-pool hand-off
    /// per read; with several associations open no thread is ever held. Plain TCP only (a TLS stream may hold
    /// decrypted bytes the socket no longer shows). Zero turns it off.
    /// </summary>
    public TimeSpan LoneAssociationPoll { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Largest DIMSE command set accepted (commands are small; this bounds memory).</summary>
    public int MaxCommandLength { get; set; } = 64 * 1024;

    /// <summary>DICOM TLS (BCP 195); null = plain TCP.</summary>
    public DicomTlsServerOptions? Tls { get; set; }
}

/// <summary>Server side of DICOM TLS.</summary>
public sealed class DicomTlsServerOptions
{
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>Ask for and require a client certificate.</summary>
    public bool RequireClientCertificate { get; init; }

    /// <summary>CAs (or self-signed certs) that client certificates must chain to; empty = system trust.</summary>
    public X509Certificate2Collection TrustedClientRoots { get; init; } = [];
}

/// <summary>Client side of DICOM TLS.</summary>
public sealed class DicomTlsClientOptions
{
    /// <summary>Name expected in the server certificate (defaults to the host connected to).</summary>
    public string? TargetHost { get; init; }

    /// <summary>Certificate presented to servers that ask for one.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>CAs (or self-signed certs) the server certificate must chain to; empty = system trust.</summary>
    public X509Certificate2Collection TrustedServerRoots { get; init; } = [];
}
