using System.Net;
using Microsoft.Extensions.Logging;

namespace MriCs.Dicom.Network;

/// <summary>Log messages of the network layer (event ids 3000-3099). No patient data, no data set content.</summary>
internal static partial class NetworkLog
{
    [LoggerMessage(3000, LogLevel.Information, "DICOM SCP {AeTitle} listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, string aeTitle, EndPoint endPoint);

    [LoggerMessage(3001, LogLevel.Information, "association {Id} from {CallingAe}@{Remote} accepted ({Accepted}/{Proposed} presentation contexts)")]
    public static partial void Accepted(ILogger logger, long id, string callingAe, EndPoint? remote, int accepted, int proposed);

    [LoggerMessage(3002, LogLevel.Warning, "association {Id} from {CallingAe}@{Remote} rejected: {Reason}")]
    public static partial void Rejected(ILogger logger, long id, string callingAe, EndPoint? remote, string reason);

    [LoggerMessage(3003, LogLevel.Information, "association {Id} released ({Operations} operations)")]
    public static partial void Released(ILogger logger, long id, int operations);

    [LoggerMessage(3004, LogLevel.Warning, "association {Id} aborted: {Reason}")]
    public static partial void Aborted(ILogger logger, long id, string reason);

    [LoggerMessage(3005, LogLevel.Debug, "association {Id}: C-STORE message {MessageId} answered 0x{Status:X4}")]
    public static partial void StoreAnswered(ILogger logger, long id, ushort messageId, ushort status);

    [LoggerMessage(3006, LogLevel.Warning, "association {Id}: C-STORE message {MessageId} failed with 0x{Status:X4}: {Comment}")]
    public static partial void StoreFailed(ILogger logger, long id, ushort messageId, ushort status, string? comment);

    [LoggerMessage(3007, LogLevel.Information, "DICOM SCP {AeTitle} stopped")]
    public static partial void Stopped(ILogger logger, string aeTitle);

    [LoggerMessage(3008, LogLevel.Warning, "connection from {Remote} closed: too many connections ({Count})")]
    public static partial void TooManyConnections(ILogger logger, EndPoint? remote, int count);
}
