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
/// </summary>
public sealed class DicomScpService(IOptions<MriCsOptions> options, IServiceProvider services, ILogger<DicomScpService> log)
    : IHostedService, IAsyncDisposable
{
    private DicomServer? _server;

    public IPEndPoint? EndPoint => _server?.LocalEndPoint;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.Dicom.Port is not { } port || !o.Has(ClusterRoles.Ingest)) return Task.CompletedTask;
        var staging = o.StagingDir;
        var registry = services.GetRequiredService<ActorRegistry>();
        var sink = new PipelineInstanceSink(services.GetRequiredService<IInstanceReader>(),
            services.GetService<IngestPressure>() ?? new IngestPressure(o.Ingest.MaxWaitingTasks), () => registry.Get<ActorKeys.Assembler>());
        var store = new FileStorageProvider(new FileStorageOptions { Directory = staging }, sink);
        _server = new DicomServer(new DicomScpOptions { AeTitle = o.Dicom.AeTitle }, store, logger: log);
        _server.Start(new IPEndPoint(IPAddress.Parse(o.Dicom.Bind), port));
        IngestLog.ScpListening(log, o.Dicom.AeTitle, _server.LocalEndPoint, staging);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null) await _server.StopAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync().ConfigureAwait(false);
    }
}
