using Microsoft.Extensions.Logging;

namespace MriCs.Management;

/// <summary>Management endpoint log events (event ids 8000-8099). Never patient data; study UIDs shortened (<see cref="Short"/>).</summary>
internal static partial class ManagementLog
{
    [LoggerMessage(EventId = 8000, Level = LogLevel.Information, Message = "management endpoint listening on {Address} (mutating routes {Auth})")]
    public static partial void Listening(ILogger log, string address, string auth);

    [LoggerMessage(EventId = 8001, Level = LogLevel.Error, Message = "management request {Method} {Path} failed with {Status}")]
    public static partial void RequestFailed(ILogger log, string method, string path, int status, Exception error);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Warning, Message = "management: {Command} {Address} requested")]
    public static partial void MembershipCommand(ILogger log, string command, string address);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Warning, Message = "management: refused {Method} {Path}: {Reason}")]
    public static partial void Refused(ILogger log, string method, string path, string reason);

    /// <summary>A study UID as logs may show it: the first 8 and last 4 characters.</summary>
    public static string Short(string uid) => uid.Length <= 14 ? uid : $"{uid[..8]}…{uid[^4..]}";
}
