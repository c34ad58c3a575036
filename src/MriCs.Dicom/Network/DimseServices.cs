using System.Net;

namespace MriCs.Dicom.Network;

/// <summary>Who is on the other end of an association (no patient data).</summary>
public sealed record AssociationInfo(long Id, string CallingAe, string CalledAe, IPEndPoint? Remote);

/// <summary>An incoming C-STORE-RQ, before its data set arrives.</summary>
public sealed record CStoreRequest(
    AssociationInfo Association,
    ushort MessageId,
    string SopClassUid,
    string SopInstanceUid,
    string TransferSyntaxUid,
    ushort Priority);

/// <summary>Status returned for one DIMSE operation, with an optional Error Comment (no patient data).</summary>
public readonly record struct DimseResult(ushort Status, string? Comment = null)
{
    public static DimseResult Success { get; } = new(DimseStatus.Success);
}

/// <summary>Thrown by providers to answer a specific DIMSE status.</summary>
public sealed class DimseStatusException(ushort status, string message) : DicomNetworkException(message)
{
    public ushort Status { get; } = status;
}

/// <summary>C-ECHO SCP role.</summary>
public interface ICEchoProvider
{
    ValueTask<DimseResult> OnCEchoAsync(AssociationInfo association, CancellationToken ct);
}

/// <summary>C-STORE SCP role: opens a receiver for each incoming instance, or refuses it up front.</summary>
public interface ICStoreProvider
{
    /// <summary>
    /// Called when a C-STORE-RQ command has arrived. Returns a receiver for the data set bytes, or
    /// a refusal (e.g. 0xA700 when there is no room); a refused data set is read and discarded.
    /// </summary>
    ValueTask<StoreAdmission> BeginStoreAsync(CStoreRequest request, CancellationToken ct);
}

/// <summary>Either a receiver or a refusal status.</summary>
public readonly record struct StoreAdmission(IIncomingInstance? Receiver, DimseResult Refusal)
{
    public static StoreAdmission Accept(IIncomingInstance receiver) => new(receiver, DimseResult.Success);
    public static StoreAdmission Refuse(ushort status, string comment) => new(null, new DimseResult(status, comment));
}

/// <summary>Receives one instance's data set, fragment by fragment, in the negotiated transfer syntax.</summary>
public interface IIncomingInstance : IAsyncDisposable
{
    ValueTask WriteAsync(ReadOnlyMemory<byte> fragment, CancellationToken ct);

    /// <summary>All bytes have arrived: make the instance durable and return the C-STORE status.</summary>
    ValueTask<DimseResult> CompleteAsync(CancellationToken ct);
}

/// <summary>The default C-ECHO SCP: always success.</summary>
public sealed class EchoProvider : ICEchoProvider
{
    public static EchoProvider Instance { get; } = new();
    public ValueTask<DimseResult> OnCEchoAsync(AssociationInfo association, CancellationToken ct) => ValueTask.FromResult(DimseResult.Success);
}
