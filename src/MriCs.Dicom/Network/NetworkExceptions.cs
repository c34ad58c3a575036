namespace MriCs.Dicom.Network;

/// <summary>Base of every error raised by the DICOM network layer.</summary>
public class DicomNetworkException : Exception
{
    public DicomNetworkException(string message) : base(message) { }
    public DicomNetworkException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A PDU that breaks PS3.8 (bad length, unknown type, truncated item). The association is aborted with <see cref="Reason"/>.</summary>
public sealed class DicomPduException(string message, AbortReason reason = AbortReason.InvalidPduParameterValue)
    : DicomNetworkException(message)
{
    public AbortReason Reason { get; } = reason;
}

/// <summary>The peer rejected the association request.</summary>
public sealed class DicomAssociationRejectedException(AAssociateRj reject)
    : DicomNetworkException($"association rejected: result {reject.Result}, source {reject.Source}, reason {reject.Describe()}")
{
    public AAssociateRj Reject { get; } = reject;
}

/// <summary>The peer (or this side on a protocol error) aborted the association.</summary>
public sealed class DicomAssociationAbortedException(AbortSource source, AbortReason reason)
    : DicomNetworkException($"association aborted by {source} (reason {reason})")
{
    public AbortSource AbortSource { get; } = source;
    public AbortReason Reason { get; } = reason;
}

/// <summary>A timer ran out (ARTIM, idle, stalled PDU, DIMSE response).</summary>
public sealed class DicomNetworkTimeoutException(string what, TimeSpan after)
    : DicomNetworkException($"{what}: no progress for {after.TotalSeconds:0.###} s")
{
}

/// <summary>The peer closed the TCP connection (between PDUs, or in the middle of one when <see cref="Truncated"/>).</summary>
public sealed class DicomConnectionClosedException(string message, bool truncated) : DicomNetworkException(message)
{
    public bool Truncated { get; } = truncated;
}
