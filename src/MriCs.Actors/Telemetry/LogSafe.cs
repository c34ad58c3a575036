using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MriCs.Actors.Telemetry;

/// <summary>
/// What may appear in logs instead of identifiers: a study, series or SOP instance UID becomes a short
/// stable hash ("uid:3fa2b1c0d4"), a file path its hash plus its extension. Never log patient names, IDs
/// or birth dates; log the values these helpers return instead of the raw ones.
/// </summary>
public static class LogSafe
{
    /// <summary>A short stable hash of a UID (10 hex digits of its SHA-256): enough to correlate log lines, not to recover the UID.</summary>
    public static string Uid(string? uid) => uid is null or "" ? "uid:none" : "uid:" + ShortHash(uid);

    /// <summary>A file path as its hash and extension (paths carry study UIDs in the staging folder and often names in user folders).</summary>
    public static string Path(string? path) => path is null or "" ? "file:none" : "file:" + ShortHash(path) + System.IO.Path.GetExtension(path);

    /// <summary>A message with every occurrence of <paramref name="path"/> replaced by its safe form (readers name the file in their errors).</summary>
    public static string Message(string message, string? path) =>
        path is null or "" ? message : message.Replace(path, Path(path), StringComparison.Ordinal);

    private static string ShortHash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..10];
}

/// <summary>Loggers for actors.</summary>
public static class ActorLogging
{
    /// <summary>
    /// The node's Microsoft.Extensions.Logging logger for an actor (structured, with event ids), from the
    /// actor system's services; a null logger where the system has none (plain test kits).
    /// </summary>
    public static ILogger For<T>(ActorSystem system)
    {
        try
        {
            return (ILogger?)DependencyResolver.For(system).Resolver.GetService<ILoggerFactory>()?.CreateLogger<T>() ?? NullLogger.Instance;
        }
        catch (Exception ex) when (ex is InvalidOperationException or Akka.Configuration.ConfigurationException or NullReferenceException)
        {
            return NullLogger.Instance;
        }
    }
}
