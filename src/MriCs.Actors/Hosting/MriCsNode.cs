using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MriCs.Actors.Telemetry;

namespace MriCs.Actors.Hosting;

/// <summary>Builds an MriCs node host: configuration (appsettings, environment, command line, then the given settings), validated options, the actor system with the node's roles.</summary>
public static class MriCsNode
{
    /// <summary>The host's shutdown budget when DOTNET_shutdownTimeoutSeconds is not set.</summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(45);

    public static IHost Build(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection> configureServices,
        string[]? args = null, Action<AkkaConfigurationBuilder>? configureAkka = null, LogLevel logLevel = LogLevel.Warning)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args ?? [], ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(logLevel);
        builder.Services.AddMriCsOptions();
        // SIGTERM/Ctrl+C stop the host, whose Akka service runs CoordinatedShutdown: shards hand off, the node leaves
        // the cluster (Leaving -> Exiting -> Removed) and only then does the process end; give that time: 45 s unless
        // the operator sets DOTNET_shutdownTimeoutSeconds (k8s/config.yaml), kept below the pods' grace periods.
        if (builder.Configuration["shutdownTimeoutSeconds"] is null)
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = DefaultShutdownTimeout);
        configureServices(builder.Services);
        var systemName = builder.Configuration[$"{MriCsOptions.Section}:Cluster:SystemName"] ?? "mrics";
        builder.Services.AddAkka(systemName, (akka, services) =>
        {
            var options = services.GetRequiredService<IOptions<MriCsOptions>>().Value;
            akka.ConfigureLoggers(l =>
            {
                l.LogLevel = logLevel switch
                {
                    <= LogLevel.Debug => Akka.Event.LogLevel.DebugLevel,
                    LogLevel.Information => Akka.Event.LogLevel.InfoLevel,
                    LogLevel.Warning => Akka.Event.LogLevel.WarningLevel,
                    _ => Akka.Event.LogLevel.ErrorLevel,
                };
                // Akka's own log events go through the node's ILoggerFactory too (one log stream), with UIDs and message contents scrubbed.
                l.ClearLoggers();
                l.AddLoggerFactory(new ScrubbingLoggerFactory(services.GetRequiredService<ILoggerFactory>()));
            });
            akka.WithMriCsNode(options, services);
            configureAkka?.Invoke(akka);
        });
        builder.Services.AddHostedService<DicomScpService>(); // after the actor system: instances go to the assembler
        return builder.Build();
    }
}
