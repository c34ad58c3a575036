using System.Net;
using Microsoft.Extensions.Logging;

namespace MriCs.Dicom.Network;

/// <summary>Log messages of the network layer (event ids 1000-1099; see LogEvents ranges in docs/operations.md). No patient data, no data set content.</summary>
internal static partial class NetworkLog
{
    [LoggerMessage(1000, LogLevel.Information, "DICOM SCP {AeTitle} listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, string aeTitle, EndPoint endPoint);

    [LoggerMessage(1001, LogLevel.Information, "association {Id} from {CallingAe}@{Remote} accepted ({Accepted}/{Proposed} presentation contexts)")]
    public static partial void Accepted(ILogger logger, long id, string callingAe, EndPoint? remote, int accepted, int proposed);

    [LoggerMessage(1002, LogLevel.Warning, "association {Id} from {CallingAe}@{Remote} rejected: {Reason}")]
    public static partial void Rejected(ILogger logger, long id, string callingAe, EndPoint? remote, string reason);

    [LoggerMessage(1003, LogLevel.Information, "association {Id} released ({Operations} operations)")]
    public static partial void Released(ILogger logger, long id, int operations);

    [LoggerMessage(1004, LogLevel.Warning, "association {Id} aborted: {Reason}")]
    public static partial void Aborted(ILogger logger, long id, string reason);

    [LoggerMessage(1005, LogLevel.Debug, "association {Id}: C-STORE message {MessageId} answered 0x{Status:X4}")]
    public static partial void StoreAnswered(ILogger logger, long id, ushort messageId, ushort status);

    [LoggerMessage(1006, LogLevel.Warning, "association {Id}: C-STORE message {MessageId} failed with 0x{Status:X4}: {Comment}")]
    public static partial void StoreFailed(ILogger logger, long id, ushort messageId, ushort status, string? comment);

    [LoggerMessage(1007, LogLevel.Information, "DICOM SCP {AeTitle} stopped")]
    public static partial void Stopped(ILogger logger, string aeTitle);

    [LoggerMessage(1008, LogLevel.Warning, "connection from {Remote} closed: too many connections ({Count})")]
    public static partial void TooManyConnections(ILogger logger, EndPoint? remote, int count);
}
