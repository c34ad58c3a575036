using System.Buffers;
using System.Net;
using Microsoft.Extensions.Logging;

namespace MriCs.Dicom.Network;

/// <summary>
/// The SCP side of one association: the PS3.8 state machine from the A-ASSOCIATE-RQ to the
/// release or abort, with DIMSE dispatch to the C-ECHO and C-STORE providers.
/// </summary>
internal sealed class ServerAssociation
{
    private enum State { AwaitingAssociateRq, Established, Closed }

    private readonly PduChannel _channel;
    private readonly DicomScpOptions _options;
    private readonly ICEchoProvider _echo;
    private readonly ICStoreProvider? _store;
    private readonly ILogger _logger;
    private readonly long _id;
    private readonly IPEndPoint? _remote;
    private readonly bool _overLimit;
    private readonly Dictionary<byte, PresentationContextResponse> _accepted = [];
    private readonly List<Pdv> _pdvs = [];
    private readonly ArrayBufferWriter<byte> _commandBuffer = new(1024);
    private State _state = State.AwaitingAssociateRq;
    private AssociationInfo? _info;
    private int _maxFragment;
    private int _operations;
    private long _storeStarted;

    // The message being received.
    private DimseCommand? _pending;
    private byte _pendingContext;
    private IIncomingInstance? _receiver;
    private DimseResult? _failure;

    public ServerAssociation(PduChannel channel, DicomScpOptions options, ICEchoProvider echo, ICStoreProvider? store,
        ILogger logger, long id, IPEndPoint? remote, bool overLimit)
    {
        _channel = channel;
        _options = options;
        _echo = echo;
        _store = store;
        _logger = logger;
        _id = id;
        _remote = remote;
        _overLimit = overLimit;
    }

    /// <param name="shutdown">Cancelled when the server stops: honoured between messages only.</param>
    /// <param name="kill">Cancelled when the shutdown grace period is over: aborts anything.</param>
    public async Task RunAsync(CancellationToken shutdown, CancellationToken kill)
    {
        try
        {
            if (!await AssociateAsync(kill).ConfigureAwait(false)) return;
            await MessageLoopAsync(shutdown, kill).ConfigureAwait(false);
        }
        catch (DicomPduException ex)
        {
            NetworkLog.Aborted(_logger, _id, ex.Message);
            await TrySendAbortAsync(ex.Reason).ConfigureAwait(false);
        }
        catch (DicomNetworkTimeoutException ex)
        {
            NetworkLog.Aborted(_logger, _id, ex.Message);
            await TrySendAbortAsync(AbortReason.NotSpecified).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested || kill.IsCancellationRequested)
        {
            NetworkLog.Aborted(_logger, _id, "server shutting down");
            await TrySendAbortAsync(AbortReason.NotSpecified).ConfigureAwait(false);
        }
        catch (DicomAssociationAbortedException ex)
        {
            NetworkLog.Aborted(_logger, _id, ex.Message);
        }
        catch (DicomConnectionClosedException ex)
        {
            if (_state != State.Closed) NetworkLog.Aborted(_logger, _id, ex.Message);
        }
        catch (DicomNetworkException ex)
        {
            NetworkLog.Aborted(_logger, _id, ex.Message);
            await TrySendAbortAsync(AbortReason.NotSpecified).ConfigureAwait(false);
        }
        finally
        {
            if (_info is not null) DicomNetworkMetrics.AssociationsActive.Add(-1);
            _state = State.Closed;
            if (_receiver is not null)
            {
                try { await _receiver.DisposeAsync().ConfigureAwait(false); }
                catch (Exception) { /* a partial instance is discarded by its receiver */ }
            }
            await _channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<bool> AssociateAsync(CancellationToken kill)
    {
        var pdu = await _channel.ReadAsync(0, _options.ArtimTimeout, kill).ConfigureAwait(false);
        if (pdu.Type != PduType.AssociateRq)
            throw new DicomPduException($"expected A-ASSOCIATE-RQ, received {PduCodec.Name(pdu.Type)}", AbortReason.UnexpectedPdu);
        var rq = (AAssociateRq)PduCodec.Decode(pdu.Type, pdu.Body.Span);
        var decision = AssociationNegotiator.Negotiate(rq, _remote?.Address, _options, _overLimit,
            uid => _options.SupportsAbstractSyntax(uid) && (uid == NetworkUids.Verification || _store is not null));
        if (decision.Reject is { } rj)
        {
            NetworkLog.Rejected(_logger, _id, rq.CallingAe, _remote, rj.Describe());
            await _channel.WriteAsync(rj, kill).ConfigureAwait(false);
            await AwaitCloseAsync(kill).ConfigureAwait(false);
            return false;
        }
        var ac = decision.Accept!;
        foreach (var pc in ac.PresentationContexts)
            if (pc.Result == PresentationContextResult.Acceptance)
                _accepted[pc.Id] = pc;
        _info = new AssociationInfo(_id, rq.CallingAe, rq.CalledAe, _remote);
        _maxFragment = DimseWriter.MaxFragment(rq.UserInformation.MaxPduLength, _options.MaxSendPduLength);
        await _channel.WriteAsync(ac, kill).ConfigureAwait(false);
        _state = State.Established;
        DicomNetworkMetrics.AssociationsOpened.Add(1);
        DicomNetworkMetrics.AssociationsActive.Add(1);
        NetworkLog.Accepted(_logger, _id, rq.CallingAe, _remote, _accepted.Count, rq.PresentationContexts.Count);
        return true;
    }

    private async Task MessageLoopAsync(CancellationToken shutdown, CancellationToken kill)
    {
        while (true)
        {
            var midMessage = _pending is not null || _commandBuffer.WrittenCount > 0;
            var pdu = midMessage
                ? await _channel.ReadAsync(_options.MaxPduLength, _options.StallTimeout, kill).ConfigureAwait(false)
                : await _channel.ReadAsync(_options.MaxPduLength, _options.IdleTimeout, shutdown).ConfigureAwait(false);
            switch (pdu.Type)
            {
                case PduType.PDataTf:
                    DicomNetworkMetrics.BytesReceived.Add(pdu.Body.Length);
                    PduCodec.ParsePdvs(pdu.Body, _pdvs);
                    foreach (var pdv in _pdvs)
                        await OnPdvAsync(pdv, kill).ConfigureAwait(false);
                    break;
                case PduType.ReleaseRq:
                    if (_pending is not null)
                        throw new DicomPduException("A-RELEASE-RQ received in the middle of a DIMSE message", AbortReason.UnexpectedPdu);
                    await _channel.WriteAsync(AReleaseRp.Instance, kill).ConfigureAwait(false);
                    _state = State.Closed;
                    NetworkLog.Released(_logger, _id, _operations);
                    await AwaitCloseAsync(kill).ConfigureAwait(false);
                    return;
                case PduType.Abort:
                    var abort = (AAbort)PduCodec.Decode(pdu.Type, pdu.Body.Span);
                    _state = State.Closed;
                    throw new DicomAssociationAbortedException(abort.Source, abort.Reason);
                default:
                    throw new DicomPduException($"unexpected {PduCodec.Name(pdu.Type)} on an established association", AbortReason.UnexpectedPdu);
            }
        }
    }

    private async ValueTask OnPdvAsync(Pdv pdv, CancellationToken ct)
    {
        if (!_accepted.TryGetValue(pdv.PresentationContextId, out var context))
            throw new DicomPduException($"PDV names presentation context {pdv.PresentationContextId}, which was not accepted", AbortReason.UnexpectedPduParameter);
        if (pdv.IsCommand)
        {
            if (_pending is not null)
                throw new DicomPduException("command fragment received while a data set was expected", AbortReason.UnexpectedPduParameter);
            if (_commandBuffer.WrittenCount + pdv.Data.Length > _options.MaxCommandLength)
                throw new DicomPduException($"DIMSE command longer than {_options.MaxCommandLength} bytes");
            _commandBuffer.Write(pdv.Data.Span);
            if (!pdv.IsLast) return;
            DimseCommand command;
            try { command = DimseCommand.Decode(_commandBuffer.WrittenSpan); }
            catch (DicomNetworkException ex) { throw new DicomPduException(ex.Message); }
            finally { _commandBuffer.Clear(); }
            _operations++;
            if (command.HasDataSet)
            {
                _pending = command;
                _pendingContext = pdv.PresentationContextId;
                await BeginDataSetAsync(command, context, ct).ConfigureAwait(false);
            }
            else
            {
                await HandleCommandAsync(command, pdv.PresentationContextId, context, ct).ConfigureAwait(false);
            }
            return;
        }

        if (_pending is null)
            throw new DicomPduException("data set fragment received without a command", AbortReason.UnexpectedPduParameter);
        if (pdv.PresentationContextId != _pendingContext)
            throw new DicomPduException($"data set fragment on presentation context {pdv.PresentationContextId}, command was on {_pendingContext}", AbortReason.UnexpectedPduParameter);
        if (_receiver is not null && _failure is null)
        {
            try { await _receiver.WriteAsync(pdv.Data, ct).ConfigureAwait(false); }
            catch (Exception ex) when (ex is not OperationCanceledException) { _failure = FailureOf(ex); }
        }
        if (pdv.IsLast)
            await FinishDataSetAsync(ct).ConfigureAwait(false);
    }

    private async ValueTask BeginDataSetAsync(DimseCommand command, PresentationContextResponse context, CancellationToken ct)
    {
        _failure = null;
        _receiver = null;
        _storeStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        if (command.CommandField != CommandField.CStoreRq)
        {
            _failure = new DimseResult(DimseStatus.UnrecognizedOperation, "operation not supported");
            return;
        }
        var sopClass = command.AffectedSopClassUid;
        var sopInstance = command.AffectedSopInstanceUid;
        if (_store is null || sopClass is null || !NetworkUids.IsStorageSopClass(sopClass) || !_options.SupportsAbstractSyntax(sopClass))
        {
            _failure = new DimseResult(DimseStatus.SopClassNotSupported, "SOP class not supported");
            return;
        }
        if (!NetworkUids.IsValidUid(sopInstance))
        {
            _failure = new DimseResult(DimseStatus.CannotUnderstand, "invalid Affected SOP Instance UID");
            return;
        }
        var request = new CStoreRequest(_info!, command.MessageId ?? 0, sopClass, sopInstance!, context.TransferSyntax, command.Priority);
        try
        {
            var admission = await _store.BeginStoreAsync(request, ct).ConfigureAwait(false);
            if (admission.Receiver is null) _failure = admission.Refusal;
            else _receiver = admission.Receiver;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _failure = FailureOf(ex);
        }
    }

    private async ValueTask FinishDataSetAsync(CancellationToken ct)
    {
        var command = _pending!;
        var pcId = _pendingContext;
        DimseResult result;
        if (_failure is { } f)
        {
            result = f;
        }
        else
        {
            try { result = await _receiver!.CompleteAsync(ct).ConfigureAwait(false); }
            catch (Exception ex) when (ex is not OperationCanceledException) { result = FailureOf(ex); }
        }
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync().ConfigureAwait(false);
            _receiver = null;
        }
        _pending = null;
        _failure = null;
        if (command.CommandField == CommandField.CStoreRq) DicomNetworkMetrics.StoreAnswered(result.Status, _storeStarted);
        if (result.Status == DimseStatus.Success) NetworkLog.StoreAnswered(_logger, _id, command.MessageId ?? 0, result.Status);
        else NetworkLog.StoreFailed(_logger, _id, command.MessageId ?? 0, result.Status, result.Comment);
        await DimseWriter.SendCommandAsync(_channel, pcId, DimseCommand.ResponseTo(command, result.Status, result.Comment), _maxFragment, ct).ConfigureAwait(false);
    }

    private async ValueTask HandleCommandAsync(DimseCommand command, byte pcId, PresentationContextResponse context, CancellationToken ct)
    {
        DimseResult result;
        switch (command.CommandField)
        {
            case CommandField.CEchoRq:
                result = await _echo.OnCEchoAsync(_info!, ct).ConfigureAwait(false);
                break;
            case CommandField.CStoreRq:
                result = new DimseResult(DimseStatus.CannotUnderstand, "C-STORE-RQ without a data set");
                break;
            case CommandField.CCancelRq:
                return; // nothing outstanding to cancel: C-STORE and C-ECHO are answered synchronously
            default:
                if (CommandField.IsResponse(command.CommandField))
                    throw new DicomPduException($"unexpected DIMSE response 0x{command.CommandField:X4}", AbortReason.UnexpectedPduParameter);
                result = new DimseResult(DimseStatus.UnrecognizedOperation, "operation not supported");
                break;
        }
        await DimseWriter.SendCommandAsync(_channel, pcId, DimseCommand.ResponseTo(command, result.Status, result.Comment), _maxFragment, ct).ConfigureAwait(false);
    }

    private static DimseResult FailureOf(Exception ex) => ex switch
    {
        DimseStatusException s => new DimseResult(s.Status, s.Message),
        IOException => new DimseResult(DimseStatus.OutOfResources, "storage failed"),
        _ => new DimseResult(DimseStatus.ProcessingFailure, "processing failure"),
    };

    /// <summary>After a release or reject: wait (ARTIM) for the peer to close, then close anyway.</summary>
    private async Task AwaitCloseAsync(CancellationToken ct)
    {
        try
        {
            while (true)
                await _channel.ReadAsync(0, _options.ArtimTimeout, ct).ConfigureAwait(false);
        }
        catch (DicomNetworkException) { }
        catch (OperationCanceledException) { }
    }

    private async Task TrySendAbortAsync(AbortReason reason)
    {
        if (_state == State.Closed) return;
        _state = State.Closed;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _channel.WriteAsync(new AAbort(AbortSource.ServiceProvider, reason), cts.Token).ConfigureAwait(false);
        }
        catch (Exception) { /* the peer may already be gone */ }
    }
}
