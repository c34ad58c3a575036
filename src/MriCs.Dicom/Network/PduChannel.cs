using System.Buffers.Binary;
using System.Net.Sockets;

namespace MriCs.Dicom.Network;

/// <summary>A PDU as read from the wire; <see cref="Body"/> is valid until the next read on the same channel.</summary>
public readonly record struct ReceivedPdu(PduType Type, ReadOnlyMemory<byte> Body);

/// <summary>
/// Reads and writes PDUs on a byte stream (TCP or TLS) with timeouts: a wait timeout for the
/// next PDU to start (ARTIM or idle) and a stall timeout for any read or write that makes no
/// progress. Buffers are bounded by the limits passed in; nothing is sized by untrusted input
/// beyond those limits.
/// </summary>
public sealed class PduChannel : IAsyncDisposable
{
    /// <summary>Upper bound for association-phase PDUs (128 contexts with many syntaxes fit easily).</summary>
    public const uint MaxAssociatePduLength = 1 << 20;

    private readonly Stream _stream;
    private readonly byte[] _header = new byte[PduCodec.HeaderLength];
    private byte[] _receive = new byte[16 * 1024];
    private byte[] _send = new byte[16 * 1024];
    private long _bytesRead;
    // One timer source per caller token, re-armed for every read or write (CancelAfter) instead of
    // a new linked source per call; once one fires the association is over anyway.
    private readonly Dictionary<CancellationToken, CancellationTokenSource> _timers = [];

    private readonly Socket? _pollSocket;
    private readonly Func<bool>? _pollWhen;
    private readonly int _pollMicroseconds;

    public PduChannel(Stream stream, TimeSpan stallTimeout)
    {
        _stream = stream;
        StallTimeout = stallTimeout;
    }

    /// <summary>
    /// A channel that, while <paramref name="pollWhen"/> holds, waits up to <paramref name="poll"/> in poll() on
    /// <paramref name="socket"/> before a read goes asynchronous (see <see cref="DicomScpOptions.LoneAssociationPoll"/>).
    /// </summary>
    public PduChannel(Stream stream, TimeSpan stallTimeout, Socket socket, TimeSpan poll, Func<bool> pollWhen) : this(stream, stallTimeout)
    {
        if (poll <= TimeSpan.Zero) return;
        _pollSocket = socket;
        _pollWhen = pollWhen;
        _pollMicroseconds = (int)Math.Min(int.MaxValue, poll.Ticks / 10);
    }

    /// <summary>Reads that found data after polling (tests and diagnostics).</summary>
    internal long PolledReads { get; private set; }

    /// <summary>A short blocking wait for data, so that the read after it completes at once on this thread.</summary>
    private void PollBeforeRead()
    {
        if (_pollSocket is not { } socket || !_pollWhen!()) return;
        try
        {
            if (socket.Available == 0 && socket.Poll(_pollMicroseconds, SelectMode.SelectRead)) PolledReads++;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The read that follows reports what is wrong with the connection.
        }
    }

    public TimeSpan StallTimeout { get; }

    /// <summary>Bytes read so far (offsets in error messages).</summary>
    public long BytesRead => _bytesRead;

    /// <summary>Reads the next PDU: its header must start within <paramref name="waitTimeout"/>.</summary>
    /// <param name="maxPDataLength">Largest P-DATA-TF body accepted (the maximum PDU length this side announced).</param>
    public async ValueTask<ReceivedPdu> ReadAsync(uint maxPDataLength, TimeSpan waitTimeout, CancellationToken ct)
    {
        var start = _bytesRead;
        var got = await ReadSomeAsync(_header, 0, waitTimeout, "waiting for a PDU", ct, allowCleanEof: true).ConfigureAwait(false);
        if (got == 0)
            throw new DicomConnectionClosedException("peer closed the connection", truncated: false);
        await ReadExactAsync(_header.AsMemory(got), $"reading a PDU header at stream byte {start}", ct).ConfigureAwait(false);
        var (type, length) = PduCodec.ParseHeader(_header, maxPDataLength);
        if (_receive.Length < length)
            _receive = new byte[Math.Max(length, Math.Min(_receive.Length * 2, type == PduType.PDataTf ? (int)maxPDataLength : (int)MaxAssociatePduLength))];
        var body = _receive.AsMemory(0, length);
        await ReadExactAsync(body, $"reading {PduCodec.Name(type)} body of {length} bytes at stream byte {start}", ct).ConfigureAwait(false);
        return new ReceivedPdu(type, body);
    }

    public async ValueTask WriteAsync(Pdu pdu, CancellationToken ct)
    {
        var bytes = PduCodec.Encode(pdu);
        await WriteRawAsync(bytes, ct).ConfigureAwait(false);
    }

    /// <summary>Writes raw bytes (tests use it to send malformed PDUs).</summary>
    public async ValueTask WriteRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        var cts = Timer(ct);
        cts.CancelAfter(StallTimeout);
        try
        {
            await _stream.WriteAsync(bytes, cts.Token).ConfigureAwait(false);
            await _stream.FlushAsync(cts.Token).ConfigureAwait(false);
            cts.CancelAfter(Timeout.Infinite);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new DicomNetworkTimeoutException("writing to the peer", StallTimeout);
        }
        catch (IOException ex)
        {
            throw new DicomConnectionClosedException($"writing to the peer failed: {ex.Message}", truncated: true);
        }
    }

    /// <summary>Payload space of the next single-PDV P-DATA-TF; fill it, then call <see cref="SendPDataAsync"/>.</summary>
    public Memory<byte> PDataPayload(int capacity)
    {
        if (_send.Length < capacity + 12) _send = new byte[capacity + 12];
        return _send.AsMemory(12, capacity);
    }

    /// <summary>Sends a P-DATA-TF holding one PDV whose data is the first <paramref name="length"/> bytes of <see cref="PDataPayload"/>.</summary>
    public ValueTask SendPDataAsync(byte presentationContextId, bool isCommand, bool isLast, int length, CancellationToken ct)
    {
        var s = _send.AsSpan();
        s[0] = (byte)PduType.PDataTf;
        s[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(s[2..], (uint)(length + 6));
        BinaryPrimitives.WriteUInt32BigEndian(s[6..], (uint)(length + 2));
        s[10] = presentationContextId;
        s[11] = (byte)((isCommand ? 1 : 0) | (isLast ? 2 : 0));
        return WriteRawAsync(_send.AsMemory(0, length + 12), ct);
    }

    private async ValueTask ReadExactAsync(Memory<byte> buffer, string what, CancellationToken ct)
    {
        var got = 0;
        while (got < buffer.Length)
        {
            var n = await ReadSomeAsync(buffer, got, StallTimeout, what, ct, allowCleanEof: false).ConfigureAwait(false);
            got += n;
        }
    }

    private async ValueTask<int> ReadSomeAsync(Memory<byte> buffer, int offset, TimeSpan timeout, string what, CancellationToken ct, bool allowCleanEof)
    {
        PollBeforeRead();
        var cts = Timer(ct);
        cts.CancelAfter(timeout);
        int n;
        try
        {
            n = await _stream.ReadAsync(buffer[offset..], cts.Token).ConfigureAwait(false);
            cts.CancelAfter(Timeout.Infinite);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new DicomNetworkTimeoutException(what, timeout);
        }
        catch (IOException ex)
        {
            throw new DicomConnectionClosedException($"{what}: connection failed ({ex.Message})", truncated: true);
        }
        if (n == 0 && !allowCleanEof)
            throw new DicomConnectionClosedException($"{what}: peer closed the connection after {offset} of {buffer.Length} bytes", truncated: true);
        _bytesRead += n;
        return n;
    }

    private CancellationTokenSource Timer(CancellationToken ct)
    {
        lock (_timers)
        {
            if (!_timers.TryGetValue(ct, out var cts))
                _timers[ct] = cts = ct.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(ct) : new CancellationTokenSource();
            return cts;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        lock (_timers)
        {
            foreach (var cts in _timers.Values) cts.Dispose();
            _timers.Clear();
        }
    }
}
