using System.Net;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MriCs.Actors.Actors;
using MriCs.Actors.Grading;
using MriCs.Actors.Protocol;
using MriCs.Actors.Telemetry;
using MriCs.Dicom.Network;

namespace MriCs.Actors.Hosting;

/// <summary>
/// Where C-STORE meets the pipeline: an instance is admitted only while intake is not saturated
/// (else 0xA700 before its data set is read); once durable in the staging folder its header goes to
/// the study assembler.
/// </summary>
public sealed class PipelineInstanceSink(IInstanceReader reader, IngestPressure pressure, Func<IActorRef> assembler) : IStoredInstanceSink
{
    public bool CanAccept(CStoreRequest request) => !pressure.Saturated;

    public ValueTask OnStoredAsync(StoredInstance instance, CancellationToken ct)
    {
        var header = reader.ReadHeader(instance.Path);
        assembler().Tell(new InstancesArrived([header]));
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// The ingest node's DICOM C-STORE SCP (MriCs:Dicom:Port; unset = off): durable files under DATA_DIR/staging
/// (Study/Series/SOP.dcm, never deleted at start-up), each handed to the study assembler once stored.
/// MriCs:Dicom:StorageMode = direct (default) | journal (write-ahead journal in staging/.journal).
/// </summary>
public sealed class DicomScpService(IOptions<MriCsOptions> options, IServiceProvider services, ILogger<DicomScpService> log)
    : IHostedService, IAsyncDisposable
{
    private DicomServer? _server;
    private FileStorageProvider? _store;

    public IPEndPoint? EndPoint => _server?.LocalEndPoint;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.Dicom.Port is not { } port || !o.Has(ClusterRoles.Ingest)) return Task.CompletedTask;
        var staging = o.StagingDir;
        var registry = services.GetRequiredService<ActorRegistry>();
        var sink = new PipelineInstanceSink(services.GetRequiredService<IInstanceReader>(),
            services.GetService<IngestPressure>() ?? new IngestPressure(o.Ingest.MaxWaitingTasks), () => registry.Get<ActorKeys.Assembler>());
        var mode = o.Dicom.ParsedStorageMode ?? throw new InvalidOperationException($"MriCs:Dicom:StorageMode '{o.Dicom.StorageMode}' must be direct or journal");
        // Journal mode: acknowledged instances not yet made into files at the last stop or crash are replayed here
        // (and handed to the assembler again, which ignores instances it already planned).
        _store = new FileStorageProvider(new FileStorageOptions { Directory = staging, Mode = mode, JournalMaterializeLinger = o.Dicom.JournalLinger }, sink, log);
        _server = new DicomServer(new DicomScpOptions { AeTitle = o.Dicom.AeTitle }, _store, logger: log);
        _server.Start(new IPEndPoint(IPAddress.Parse(o.Dicom.Bind), port));
        IngestLog.ScpListening(log, o.Dicom.AeTitle, _server.LocalEndPoint, staging);
        return Task.CompletedTask;
    }

    /// <summary>Journal mode: acknowledged instances whose file is not made yet (0 in direct mode or when off).</summary>
    public long MaterializationBacklog => _store?.MaterializationBacklog ?? 0;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null) await _server.StopAsync().ConfigureAwait(false);
        await DisposeStoreAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync().ConfigureAwait(false);
        await DisposeStoreAsync().ConfigureAwait(false);
    }

    /// <summary>Journal mode: materializes what the journal holds (bounded; the rest replays at the next start).</summary>
    private async Task DisposeStoreAsync()
    {
        var store = Interlocked.Exchange(ref _store, null);
        if (store is not null) await store.DisposeAsync().ConfigureAwait(false);
    }
}
