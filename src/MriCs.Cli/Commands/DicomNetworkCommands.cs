using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MriCs.Dicom.Network;

namespace MriCs.Cli.Commands;

/// <summary>`dicom echo`, `dicom send`, `dicom scp`: thin wrappers over MriCs.Dicom.Network.</summary>
public static class DicomNetworkCommands
{
    private const string TlsClientUsage = " [--tls [--tls-ca PEM] [--tls-cert PEM --tls-key PEM]]";

    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("dicom echo", "dicom echo --host H --port P --called-ae AE [--calling-ae AE]" + TlsClientUsage, Echo, "tls"),
        new("dicom send", "dicom send --host H --port P --called-ae AE [--calling-ae AE]" + TlsClientUsage + " PATH...", Send, "tls"),
        new("dicom scp", "dicom scp --port P --ae-title AE --out DIR [--allow AE[@HOST] ...] [--bind IP] [--max-associations N] "
            + "[--storage direct|journal] [--journal-linger-ms MS] [--durability none|file|full] [--min-free-mb N] [--max-pdu BYTES] [--lone-poll-ms MS] [--tls-cert PEM --tls-key PEM [--tls-ca PEM --require-client-cert]] [--verbose]",
            Scp, "require-client-cert", "verbose"),
    ];

    private static DicomClientOptions ClientOptions(CliArgs args) => new()
    {
        CalledAeTitle = AeTitle(args.Required("called-ae"), "called-ae"),
        CallingAeTitle = AeTitle(args.Option("calling-ae") ?? "MRICS", "calling-ae"),
        Tls = args.Flag("tls") ? new DicomTlsClientOptions
        {
            TrustedServerRoots = LoadRoots(args.Option("tls-ca")),
            ClientCertificate = args.Option("tls-cert") is { } cert ? LoadCertificate(cert, args.Required("tls-key")) : null,
        } : null,
    };

    private static int Echo(CliArgs args, CliContext ctx)
    {
        var host = args.Required("host");
        var port = Port(args);
        var options = ClientOptions(args);
        var sw = Stopwatch.StartNew();
        try
        {
            Run(async () =>
            {
                await using var a = await DicomClientAssociation.OpenAsync(host, port, options,
                    [new PresentationContextProposal(1, NetworkUids.Verification, [NetworkUids.ImplicitVrLittleEndian])]);
                var result = await a.EchoAsync();
                await a.ReleaseAsync();
                ctx.Out.WriteLine($"C-ECHO {options.CalledAeTitle}@{host}:{port}: {DimseStatus.Describe(result.Status)} ({sw.ElapsedMilliseconds} ms, peer {a.Accept.UserInformation.ImplementationVersionName ?? a.Accept.UserInformation.ImplementationClassUid})");
                if (result.Status != DimseStatus.Success) throw new DicomNetworkException($"status 0x{result.Status:X4}");
            });
            return 0;
        }
        catch (DicomNetworkException ex)
        {
            ctx.Error.WriteLine($"mrics dicom echo: {ex.Message}");
            return 1;
        }
    }

    private static int Send(CliArgs args, CliContext ctx)
    {
        var host = args.Required("host");
        var port = Port(args);
        var options = ClientOptions(args);
        if (args.Positionals.Count == 0) throw new CliUsageException("no files or folders to send");
        IReadOnlyList<string> files;
        try { files = DicomFileSender.ExpandPaths(args.Positionals); }
        catch (FileNotFoundException ex) { throw new CliUsageException(ex.Message); }
        var sw = Stopwatch.StartNew();
        var results = Run(() => DicomFileSender.SendAsync(host, port, options, files,
            r => ctx.Out.WriteLine($"{(r.Stored ? "stored" : "FAILED"),-7} {r.Path}: {r.Message}"), transcoder: DicomCoreTranscoder.Instance));
        var stored = results.Count(r => r.Stored);
        var bytes = results.Where(r => r.Stored).Sum(r => new FileInfo(r.Path).Length);
        ctx.Out.WriteLine($"{stored}/{results.Count} stored to {options.CalledAeTitle}@{host}:{port} in {sw.Elapsed.TotalSeconds:0.00} s ({bytes / 1048576.0:0.0} MB)");
        return stored == results.Count ? 0 : 1;
    }

    private static int Scp(CliArgs args, CliContext ctx)
    {
        var port = Port(args);
        var options = new DicomScpOptions
        {
            AeTitle = AeTitle(args.Required("ae-title"), "ae-title"),
            AllowedCallers = args.Options("allow").Select(a => Parse(() => AeAllowEntry.Parse(a))).ToList(),
            MaxAssociations = args.Int("max-associations", 16),
            MaxPduLength = (uint)args.Int("max-pdu", 256 * 1024),
            LoneAssociationPoll = TimeSpan.FromMilliseconds(args.Int("lone-poll-ms", 2) is var ms && ms >= 0 ? ms
                : throw new CliUsageException($"--lone-poll-ms must be 0 (off) or more, got {ms}")),
        };
        if (args.Option("tls-cert") is { } certPath)
        {
            options.Tls = new DicomTlsServerOptions
            {
                Certificate = LoadCertificate(certPath, args.Required("tls-key")),
                RequireClientCertificate = args.Flag("require-client-cert"),
                TrustedClientRoots = LoadRoots(args.Option("tls-ca")),
            };
        }
        var durability = args.Option("durability") switch
        {
            null or "full" => DurabilityMode.FsyncFileAndDirectory,
            "file" => DurabilityMode.FsyncFile,
            "none" => DurabilityMode.None,
            var d => throw new CliUsageException($"--durability must be none, file or full, got '{d}'"),
        };
        var bind = args.Option("bind") is { } b ? Parse(() => IPAddress.Parse(b)) : IPAddress.Any;
        var mode = args.Option("storage") switch
        {
            null or "direct" => StorageMode.Direct,
            "journal" => StorageMode.Journal,
            var m => throw new CliUsageException($"--storage must be direct or journal, got '{m}'"),
        };
        var logger = new ConsoleLineLogger(ctx.Error, args.Flag("verbose") ? LogLevel.Debug : LogLevel.Information);
        var storage = new FileStorageProvider(new FileStorageOptions
        {
            Directory = args.Required("out"),
            Durability = durability,
            Mode = mode,
            MinFreeBytes = args.Int("min-free-mb", 512) * 1024L * 1024,
            JournalMaterializeLinger = TimeSpan.FromMilliseconds(args.Int("journal-linger-ms", 200)),
        }, logger: logger);
        var server = new DicomServer(options, storage, logger: logger);
        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        try
        {
            server.Start(new IPEndPoint(bind, port));
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            ctx.Error.WriteLine($"mrics dicom scp: cannot listen on {bind}:{port}: {ex.Message}");
            storage.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return 1;
        }
        ctx.Out.WriteLine($"storage SCP {options.AeTitle} on {server.LocalEndPoint} -> {Path.GetFullPath(args.Required("out"))} (storage {mode}{(mode == StorageMode.Direct ? $", durability {durability}" : "")}, TLS {(options.Tls is null ? "off" : "on")}); Ctrl-C or SIGTERM stops");
        ctx.Out.Flush();
        try { Task.Delay(Timeout.Infinite, stop.Token).GetAwaiter().GetResult(); }
        catch (OperationCanceledException) { }
        ctx.Out.WriteLine("stopping: finishing in-flight stores...");
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        storage.DisposeAsync().AsTask().GetAwaiter().GetResult(); // journal: materialize what it holds (the rest replays at the next start)
        ctx.Out.WriteLine("stopped");
        return 0;
    }

    private static T Run<T>(Func<Task<T>> f) => f().GetAwaiter().GetResult();
    private static void Run(Func<Task> f) => f().GetAwaiter().GetResult();

    private static int Port(CliArgs args)
    {
        var port = args.Int("port", -1);
        if (port is < 0 or > 65535) throw new CliUsageException("--port must be 0..65535");
        return port;
    }

    private static string AeTitle(string ae, string option) =>
        PduCodec.IsValidAeTitle(ae) ? ae : throw new CliUsageException($"--{option}: '{ae}' is not a valid AE title (1-16 characters, no backslash)");

    private static T Parse<T>(Func<T> parse)
    {
        try { return parse(); }
        catch (Exception ex) when (ex is ArgumentException or FormatException) { throw new CliUsageException(ex.Message); }
    }

    private static X509Certificate2 LoadCertificate(string certPem, string keyPem)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certPem, keyPem);
            // Re-import so the private key is usable by SslStream on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException)
        {
            throw new CliUsageException($"cannot load certificate {certPem} with key {keyPem}: {ex.Message}");
        }
    }

    private static X509Certificate2Collection LoadRoots(string? pemPath)
    {
        var roots = new X509Certificate2Collection();
        if (pemPath is null) return roots;
        try { roots.ImportFromPemFile(pemPath); }
        catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException)
        {
            throw new CliUsageException($"cannot load CA certificates from {pemPath}: {ex.Message}");
        }
        return roots;
    }
}

/// <summary>Minimal logger for the foreground SCP: one line per event on stderr.</summary>
internal sealed class ConsoleLineLogger(TextWriter writer, LogLevel minimum) : ILogger
{
    private readonly Lock _lock = new();
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        var line = $"{DateTime.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {logLevel.ToString()[..4].ToLowerInvariant()} {formatter(state, exception)}";
        lock (_lock) writer.WriteLine(line);
    }
}
