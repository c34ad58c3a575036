using System.Buffers;
using System.Net.Sockets;

namespace MriCs.Dicom.Network;

/// <summary>Options of an SCU association.</summary>
public sealed class DicomClientOptions
{
    public string CallingAeTitle { get; set; } = "MRICS";
    public string CalledAeTitle { get; set; } = "ANY-SCP";

    /// <summary>Largest P-DATA-TF this side receives (announced in the A-ASSOCIATE-RQ).</summary>
    public uint MaxPduLength { get; set; } = 256 * 1024;

    /// <summary>Largest PDU this side sends, whatever the peer announces.</summary>
    public uint MaxSendPduLength { get; set; } = 256 * 1024;

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>ARTIM: time for the A-ASSOCIATE-AC/RJ and the A-RELEASE-RP.</summary>
    public TimeSpan ArtimTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time to wait for a DIMSE response (after the request is sent).</summary>
    public TimeSpan DimseTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Time a read or write of a started PDU may make no progress.</summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public DicomTlsClientOptions? Tls { get; set; }
}

/// <summary>The SCU side of one association: open, C-ECHO, C-STORE, release or abort.</summary>
public sealed class DicomClientAssociation : IAsyncDisposable
{
    private readonly PduChannel _channel;
    private readonly DicomClientOptions _options;
    private readonly List<Pdv> _pdvs = [];
    private readonly ArrayBufferWriter<byte> _commandBuffer = new(256);
    private readonly int _maxFragment;
    private ushort _nextMessageId = 1;
    private bool _open = true;

    private DicomClientAssociation(PduChannel channel, DicomClientOptions options, AAssociateAc ac, IReadOnlyList<PresentationContextProposal> proposed)
    {
        _channel = channel;
        _options = options;
        Accept = ac;
        Proposed = proposed;
        _maxFragment = DimseWriter.MaxFragment(ac.UserInformation.MaxPduLength, options.MaxSendPduLength);
    }

    public AAssociateAc Accept { get; }
    public IReadOnlyList<PresentationContextProposal> Proposed { get; }

    /// <summary>Accepted context for an abstract syntax, preferring <paramref name="transferSyntax"/> (null = any syntax).</summary>
    public PresentationContextResponse? FindContext(string abstractSyntax, string? transferSyntax)
    {
        foreach (var pc in Accept.PresentationContexts)
        {
            if (pc.Result != PresentationContextResult.Acceptance) continue;
            var proposal = Proposed.FirstOrDefault(p => p.Id == pc.Id);
            if (proposal is null || proposal.AbstractSyntax != abstractSyntax) continue;
            if (transferSyntax is null || pc.TransferSyntax == transferSyntax) return pc;
        }
        return null;
    }

    public static async Task<DicomClientAssociation> OpenAsync(string host, int port, DicomClientOptions options,
        IReadOnlyList<PresentationContextProposal> contexts, CancellationToken ct = default)
    {
        if (contexts.Count is 0 or > PduCodec.MaxPresentationContexts)
            throw new ArgumentException($"between 1 and {PduCodec.MaxPresentationContexts} presentation contexts are needed, got {contexts.Count}", nameof(contexts));
        var client = new TcpClient { NoDelay = true };
        Stream stream;
        try
        {
            using (var cts = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                cts.CancelAfter(options.ConnectTimeout);
                try { await client.ConnectAsync(host, port, cts.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new DicomNetworkTimeoutException($"connecting to {host}:{port}", options.ConnectTimeout);
                }
                catch (SocketException ex)
                {
                    throw new DicomNetworkException($"cannot connect to {host}:{port}: {ex.Message}", ex);
                }
            }
            stream = client.GetStream();
            if (options.Tls is { } tls)
                stream = await DicomTls.AuthenticateAsClientAsync(stream, host, tls, options.ArtimTimeout, ct).ConfigureAwait(false);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        var channel = new PduChannel(stream, options.StallTimeout);
        try
        {
            var rq = new AAssociateRq(options.CalledAeTitle, options.CallingAeTitle, contexts,
                new UserInformation(options.MaxPduLength, NetworkUids.ImplementationClassUid, NetworkUids.ImplementationVersionName));
            await channel.WriteAsync(rq, ct).ConfigureAwait(false);
            var pdu = await channel.ReadAsync(0, options.ArtimTimeout, ct).ConfigureAwait(false);
            switch (pdu.Type)
            {
                case PduType.AssociateAc:
                    var ac = (AAssociateAc)PduCodec.Decode(pdu.Type, pdu.Body.Span);
                    foreach (var pc in ac.PresentationContexts)
                        if (pc.Result == PresentationContextResult.Acceptance && !contexts.Any(p => p.Id == pc.Id))
                            throw new DicomPduException($"A-ASSOCIATE-AC accepts presentation context {pc.Id}, which was not proposed", AbortReason.InvalidPduParameterValue);
                    return new DicomClientAssociation(channel, options, ac, contexts);
                case PduType.AssociateRj:
                    throw new DicomAssociationRejectedException((AAssociateRj)PduCodec.Decode(pdu.Type, pdu.Body.Span));
                case PduType.Abort:
                    var ab = (AAbort)PduCodec.Decode(pdu.Type, pdu.Body.Span);
                    throw new DicomAssociationAbortedException(ab.Source, ab.Reason);
                default:
                    throw new DicomPduException($"expected A-ASSOCIATE-AC or -RJ, received {PduCodec.Name(pdu.Type)}", AbortReason.UnexpectedPdu);
            }
        }
        catch (DicomPduException ex)
        {
            await TryAbortAsync(channel, ex.Reason).ConfigureAwait(false);
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        catch
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<DimseResult> EchoAsync(CancellationToken ct = default)
    {
        var pc = FindContext(NetworkUids.Verification, null)
            ?? throw new DicomNetworkException("the peer accepted no Verification presentation context");
        var rq = DimseCommand.CEchoRq(_nextMessageId++);
        return await RunAsync(pc.Id, rq, null, 0, ct).ConfigureAwait(false);
    }

    /// <summary>Sends one C-STORE-RQ whose data set is the next <paramref name="length"/> bytes of <paramref name="dataSet"/>, encoded in the context's syntax.</summary>
    public async Task<DimseResult> StoreAsync(byte presentationContextId, string sopClassUid, string sopInstanceUid,
        Stream dataSet, long length, CancellationToken ct = default)
    {
        var rq = DimseCommand.CStoreRq(_nextMessageId++, sopClassUid, sopInstanceUid);
        return await RunAsync(presentationContextId, rq, dataSet, length, ct).ConfigureAwait(false);
    }

    private async Task<DimseResult> RunAsync(byte pcId, DimseCommand rq, Stream? dataSet, long length, CancellationToken ct)
    {
        if (!_open) throw new InvalidOperationException("association is closed");
        try
        {
            await DimseWriter.SendCommandAsync(_channel, pcId, rq, _maxFragment, ct).ConfigureAwait(false);
            if (dataSet is not null)
                await DimseWriter.SendDataSetAsync(_channel, pcId, dataSet, length, _maxFragment, ct).ConfigureAwait(false);
            var rsp = await ReadResponseAsync(pcId, ct).ConfigureAwait(false);
            if (rsp.MessageIdBeingRespondedTo != rq.MessageId)
                throw new DicomPduException($"response answers message {rsp.MessageIdBeingRespondedTo}, expected {rq.MessageId}", AbortReason.InvalidPduParameterValue);
            if (rsp.CommandField != (rq.CommandField | 0x8000))
                throw new DicomPduException($"response command field 0x{rsp.CommandField:X4} does not answer 0x{rq.CommandField:X4}", AbortReason.InvalidPduParameterValue);
            var status = rsp.Status ?? throw new DicomPduException("DIMSE response without Status (0000,0900)", AbortReason.InvalidPduParameterValue);
            return new DimseResult(status, rsp.ErrorComment);
        }
        catch (DicomPduException ex)
        {
            _open = false;
            await TryAbortAsync(_channel, ex.Reason).ConfigureAwait(false);
            throw;
        }
        catch (DicomNetworkTimeoutException)
        {
            _open = false;
            await TryAbortAsync(_channel, AbortReason.NotSpecified).ConfigureAwait(false);
            throw;
        }
        catch (DicomNetworkException)
        {
            _open = false;
            throw;
        }
    }

    private async Task<DimseCommand> ReadResponseAsync(byte pcId, CancellationToken ct)
    {
        _commandBuffer.Clear();
        var first = true;
        while (true)
        {
            var pdu = await _channel.ReadAsync(_options.MaxPduLength, first ? _options.DimseTimeout : _options.StallTimeout, ct).ConfigureAwait(false);
            first = false;
            switch (pdu.Type)
            {
                case PduType.PDataTf:
                    PduCodec.ParsePdvs(pdu.Body, _pdvs);
                    foreach (var pdv in _pdvs)
                    {
                        if (pdv.PresentationContextId != pcId)
                            throw new DicomPduException($"response on presentation context {pdv.PresentationContextId}, request was on {pcId}", AbortReason.UnexpectedPduParameter);
                        if (!pdv.IsCommand) continue; // no response data set is expected for C-ECHO/C-STORE: discarded
                        if (_commandBuffer.WrittenCount + pdv.Data.Length > 64 * 1024)
                            throw new DicomPduException("DIMSE response command longer than 65536 bytes");
                        _commandBuffer.Write(pdv.Data.Span);
                        if (!pdv.IsLast) continue;
                        DimseCommand cmd;
                        try { cmd = DimseCommand.Decode(_commandBuffer.WrittenSpan); }
                        catch (DicomNetworkException ex) when (ex is not DicomPduException) { throw new DicomPduException(ex.Message); }
                        if (!cmd.HasDataSet) return cmd;
                        return await DiscardDataSetAsync(cmd, pcId, ct).ConfigureAwait(false);
                    }
                    break;
                case PduType.Abort:
                    _open = false;
                    var ab = (AAbort)PduCodec.Decode(pdu.Type, pdu.Body.Span);
                    throw new DicomAssociationAbortedException(ab.Source, ab.Reason);
                default:
                    throw new DicomPduException($"unexpected {PduCodec.Name(pdu.Type)} while waiting for a DIMSE response", AbortReason.UnexpectedPdu);
            }
        }
    }

    private async Task<DimseCommand> DiscardDataSetAsync(DimseCommand cmd, byte pcId, CancellationToken ct)
    {
        while (true)
        {
            var pdu = await _channel.ReadAsync(_options.MaxPduLength, _options.StallTimeout, ct).ConfigureAwait(false);
            if (pdu.Type != PduType.PDataTf)
                throw new DicomPduException($"unexpected {PduCodec.Name(pdu.Type)} inside a response data set", AbortReason.UnexpectedPdu);
            PduCodec.ParsePdvs(pdu.Body, _pdvs);
            foreach (var pdv in _pdvs)
                if (!pdv.IsCommand && pdv.IsLast && pdv.PresentationContextId == pcId) return cmd;
        }
    }

    /// <summary>A-RELEASE-RQ, wait (ARTIM) for the A-RELEASE-RP, close.</summary>
    public async Task ReleaseAsync(CancellationToken ct = default)
    {
        if (!_open) return;
        _open = false;
        try
        {
            await _channel.WriteAsync(AReleaseRq.Instance, ct).ConfigureAwait(false);
            while (true)
            {
                var pdu = await _channel.ReadAsync(_options.MaxPduLength, _options.ArtimTimeout, ct).ConfigureAwait(false);
                if (pdu.Type == PduType.ReleaseRp) return;
                if (pdu.Type == PduType.Abort) return;
                if (pdu.Type == PduType.ReleaseRq)
                {
                    // Release collision (PS3.8 9.2.1): the requestor answers after receiving the RQ.
                    await _channel.WriteAsync(AReleaseRp.Instance, ct).ConfigureAwait(false);
                    continue;
                }
                if (pdu.Type != PduType.PDataTf)
                    throw new DicomPduException($"unexpected {PduCodec.Name(pdu.Type)} while waiting for A-RELEASE-RP", AbortReason.UnexpectedPdu);
            }
        }
        catch (DicomNetworkTimeoutException)
        {
            await TryAbortAsync(_channel, AbortReason.NotSpecified).ConfigureAwait(false);
            throw;
        }
        finally
        {
            await _channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async Task AbortAsync()
    {
        if (!_open) return;
        _open = false;
        await TryAbortAsync(_channel, AbortReason.NotSpecified, AbortSource.ServiceUser).ConfigureAwait(false);
        await _channel.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task TryAbortAsync(PduChannel channel, AbortReason reason, AbortSource source = AbortSource.ServiceProvider)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await channel.WriteAsync(new AAbort(source, source == AbortSource.ServiceUser ? AbortReason.NotSpecified : reason), cts.Token).ConfigureAwait(false);
        }
        catch (Exception) { /* best effort */ }
    }

    public async ValueTask DisposeAsync()
    {
        if (_open) await AbortAsync().ConfigureAwait(false);
        else await _channel.DisposeAsync().ConfigureAwait(false);
    }
}
