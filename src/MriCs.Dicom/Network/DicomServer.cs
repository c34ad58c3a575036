using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MriCs.Dicom.Network;

/// <summary>
/// A DICOM SCP: accepts TCP (or TLS) connections and runs one <see cref="ServerAssociation"/> per
/// connection, up to <see cref="DicomScpOptions.MaxAssociations"/> at once. <see cref="StopAsync"/>
/// stops accepting, lets in-flight operations finish (up to the grace period) and aborts idle associations.
/// </summary>
public sealed class DicomServer : IAsyncDisposable
{
    private readonly DicomScpOptions _options;
    private readonly ICEchoProvider _echo;
    private readonly ICStoreProvider? _store;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly CancellationTokenSource _kill = new();
    private readonly Dictionary<long, Task> _running = [];
    private readonly Lock _lock = new();
    private TcpListener? _listener;
    private Task? _acceptLoop;
    private long _nextId;
    private int _active;
    private bool _stopped;

    public DicomServer(DicomScpOptions options, ICStoreProvider? store = null, ICEchoProvider? echo = null, ILogger? logger = null)
    {
        if (!PduCodec.IsValidAeTitle(options.AeTitle)) throw new ArgumentException($"invalid AE title '{options.AeTitle}'", nameof(options));
        if (options.MaxAssociations < 1) throw new ArgumentException("MaxAssociations must be at least 1", nameof(options));
        if (options.MaxPduLength is < 4096 or > 16 * 1024 * 1024) throw new ArgumentException("MaxPduLength must be within 4 KiB..16 MiB", nameof(options));
        _options = options;
        _store = store;
        _echo = echo ?? EchoProvider.Instance;
        _logger = logger ?? NullLogger.Instance;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)(_listener?.LocalEndpoint ?? throw new InvalidOperationException("server not started"));

    /// <summary>Associations running now (including ones being rejected).</summary>
    public int ActiveAssociations => Volatile.Read(ref _active);

    private long _polledReads;

    /// <summary>Reads of ended connections that found their data after the lone-association poll (tests, diagnostics).</summary>
    internal long PolledReads => Interlocked.Read(ref _polledReads);

    /// <summary>Binds (port 0 = any free port) and starts accepting.</summary>
    public void Start(IPEndPoint endPoint)
    {
        if (_listener is not null) throw new InvalidOperationException("server already started");
        _listener = new TcpListener(endPoint);
        _listener.Start(backlog: 64);
        NetworkLog.Listening(_logger, _options.AeTitle, _listener.LocalEndpoint);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_shutdown.IsCancellationRequested)
        {
            Socket socket;
            try { socket = await _listener!.AcceptSocketAsync(_shutdown.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { break; }
            catch (ObjectDisposedException) { break; }
            catch (SocketException) when (_shutdown.IsCancellationRequested) { break; }
            catch (SocketException) { continue; }

            var count = Interlocked.Increment(ref _active);
            // Beyond the limit a request is still read so it can be rejected with a reason; far beyond, the socket is closed.
            if (count > _options.MaxAssociations * 2 + 8)
            {
                NetworkLog.TooManyConnections(_logger, socket.RemoteEndPoint, count);
                Interlocked.Decrement(ref _active);
                socket.Dispose();
                continue;
            }
            var id = Interlocked.Increment(ref _nextId);
            var task = Task.Run(() => RunConnectionAsync(socket, id, count > _options.MaxAssociations));
            lock (_lock) _running[id] = task;
            _ = task.ContinueWith(_ => { lock (_lock) _running.Remove(id); }, TaskScheduler.Default);
        }
    }

    private async Task RunConnectionAsync(Socket socket, long id, bool overLimit)
    {
        PduChannel? channel = null;
        try
        {
            socket.NoDelay = true;
            var remote = socket.RemoteEndPoint as IPEndPoint;
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (_options.Tls is { } tls)
            {
                try { stream = await DicomTls.AuthenticateAsServerAsync(stream, tls, _options.ArtimTimeout, _kill.Token).ConfigureAwait(false); }
                catch (Exception ex) when (ex is DicomNetworkException or OperationCanceledException)
                {
                    NetworkLog.Aborted(_logger, id, ex.Message);
                    return;
                }
            }
            // Plain TCP only: TLS may hold decrypted bytes while the socket has none, and a poll would then only delay them.
            channel = _options.Tls is null
                ? new PduChannel(stream, _options.StallTimeout, socket, _options.LoneAssociationPoll, () => Volatile.Read(ref _active) == 1)
                : new PduChannel(stream, _options.StallTimeout);
            var association = new ServerAssociation(channel, _options, _echo, _store, _logger, id, remote, overLimit);
            await association.RunAsync(_shutdown.Token, _kill.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Never let one connection take the server down.
            NetworkLog.Aborted(_logger, id, ex.GetType().Name + ": " + ex.Message);
        }
        finally
        {
            socket.Dispose();
            if (channel is not null) Interlocked.Add(ref _polledReads, channel.PolledReads);
            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>Stops accepting, finishes in-flight operations within the grace period, then aborts the rest.</summary>
    public async Task StopAsync()
    {
        lock (_lock)
        {
            if (_stopped) return;
            _stopped = true;
        }
        _shutdown.Cancel();
        _listener?.Stop();
        if (_acceptLoop is not null) await _acceptLoop.ConfigureAwait(false);
        Task[] running;
        lock (_lock) running = [.. _running.Values];
        var all = Task.WhenAll(running);
        if (await Task.WhenAny(all, Task.Delay(_options.ShutdownGrace)).ConfigureAwait(false) != all)
            _kill.Cancel();
        await all.ConfigureAwait(false);
        NetworkLog.Stopped(_logger, _options.AeTitle);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _shutdown.Dispose();
        _kill.Dispose();
    }
}
