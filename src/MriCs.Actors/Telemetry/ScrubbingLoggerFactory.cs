using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace MriCs.Actors.Telemetry;

/// <summary>
/// The logger factory Akka's own log events go through. Akka formats its messages itself, with actor paths (a study
/// aggregator's path ends in the study UID), dead-letter message contents (records carrying patient IDs) and
/// exception texts: every UID-like token becomes its <see cref="LogSafe.Uid"/> hash, message contents are cut
/// after their type, and "PatientId = ..." values are masked before the line reaches the node's providers.
/// </summary>
public sealed partial class ScrubbingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Scrubbing(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() { } // the host owns the inner factory

    /// <summary>A DICOM UID candidate: 3 or more numeric components starting with 0, 1 or 2 ("2.25.&lt;uuid&gt;" has 3); shorter than
    /// 10 characters it is a version or an address and stays.</summary>
    [GeneratedRegex(@"(?<![\d.])[0-2](?:\.\d+){2,}(?![\d.])")]
    private static partial Regex UidPattern();

    [GeneratedRegex(@"(Patient\w*\s*=\s*)[^,}\]]*")]
    private static partial Regex PatientField();

    public static string Scrub(string text)
    {
        var content = text.IndexOf("Message content:", StringComparison.Ordinal);
        if (content >= 0) text = text[..content] + "Message content: (not logged: may carry patient data)";
        text = PatientField().Replace(text, "$1***");
        return UidPattern().Replace(text, m => m.Length < 10 ? m.Value : LogSafe.Uid(m.Value));
    }

    private sealed class Scrubbing(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel)) return;
            var text = Scrub(formatter(state, exception) + (exception is null ? "" : Environment.NewLine + exception));
            inner.Log(logLevel, eventId, text, null, static (s, _) => s);
        }
    }
}
