using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using LinqToDB;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MriCs.Actors.Actors;
using MriCs.Actors.Aggregation;
using MriCs.Actors.Grading;
using MriCs.Actors.Protocol;
using MriCs.Actors.Serialization;

namespace MriCs.Actors.Hosting;

/// <summary>Akka.Hosting extensions that compose an MriCs node from its roles.</summary>
public static class MriCsHosting
{
    public const string StudyAggregatorRegionName = "study-aggregator";
    public const string GpuWorkerRegionName = "gpu-worker";

    /// <summary>Binds and validates <see cref="MriCsOptions"/> (section "MriCs"), failing at start with every problem listed.</summary>
    public static IServiceCollection AddMriCsOptions(this IServiceCollection services)
    {
        services.AddOptions<MriCsOptions>().BindConfiguration(MriCsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MriCsOptions>, MriCsOptionsValidator>();
        return services;
    }

    private sealed class MriCsOptionsValidator : IValidateOptions<MriCsOptions>
    {
        public ValidateOptionsResult Validate(string? name, MriCsOptions options)
        {
            var problems = options.Validate().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }

    /// <summary>Every part the node's roles need: serialization, cluster, persistence, the regions and ingest.</summary>
    public static AkkaConfigurationBuilder WithMriCsNode(this AkkaConfigurationBuilder builder, MriCsOptions options, IServiceProvider services) =>
        !options.Has(ClusterRoles.Ingest) && !options.Has(ClusterRoles.GpuWorker)
            ? builder.WithMriCsSerialization().WithMriCsCluster(options) // a Lighthouse: seed only
            : builder
            .WithMriCsSerialization()
            .WithMriCsCluster(options)
            .WithMriCsPersistence(options)
            .WithStudyAggregators(options)
            .WithGpuWorkers(options, options.Has(ClusterRoles.GpuWorker) ? services.GetRequiredService<ISliceGraderFactory>() : null)
            .WithMriCsIngest(options, options.Has(ClusterRoles.Ingest) ? services.GetRequiredService<IInstanceReader>() : null, services.GetService<IngestPressure>())
            .WithLiveAgreement(options, services);

    /// <summary>Binds every <see cref="IMriCsMessage"/> to <see cref="MriCsSerializer"/> (never the default JSON).</summary>
    public static AkkaConfigurationBuilder WithMriCsSerialization(this AkkaConfigurationBuilder builder) =>
        builder.WithCustomSerializer("mrics", [typeof(IMriCsMessage)], system => new MriCsSerializer(system));

    /// <summary>Remoting and clustering with the node's roles; without seed nodes the node joins itself (all in one process).</summary>
    public static AkkaConfigurationBuilder WithMriCsCluster(this AkkaConfigurationBuilder builder, MriCsOptions options)
    {
        var c = options.Cluster;
        builder
            .WithRemoting(new RemoteOptions { HostName = c.Hostname, Port = c.Port, PublicHostName = c.PublicHostname })
            .WithClustering(new ClusterOptions
            {
                Roles = [.. options.EffectiveRoles],
                SeedNodes = c.SeedNodes.Count > 0 ? [.. c.SeedNodes] : null,
            })
            .WithDistributedPubSub(ClusterRoles.Ingest);
        if (c.SeedNodes.Count == 0)
            builder.AddStartup((system, _) =>
            {
                var cluster = Akka.Cluster.Cluster.Get(system);
                cluster.Join(cluster.SelfAddress);
            });
        return builder;
    }

    /// <summary>Akka.Persistence.Sql on SQLite (a file under the data directory unless a connection string is given).</summary>
    public static AkkaConfigurationBuilder WithMriCsPersistence(this AkkaConfigurationBuilder builder, MriCsOptions options)
    {
        if (!options.Has(ClusterRoles.Ingest)) return builder;
        var connection = options.Persistence.ConnectionString;
        if (string.IsNullOrWhiteSpace(connection))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(options.DatabasePath)!);
            connection = $"Data Source={options.DatabasePath}";
        }
        return builder.WithSqlPersistence(connection, ProviderName.SQLiteMS);
    }

    public static AkkaConfigurationBuilder WithStudyAggregators(this AkkaConfigurationBuilder builder, MriCsOptions options)
    {
        var extractor = new StudyMessageExtractor(options.Cluster.ShardCount);
        if (!options.Has(ClusterRoles.Ingest))
            return builder.WithShardRegionProxy<ActorKeys.StudyAggregatorRegion>(StudyAggregatorRegionName, ClusterRoles.Ingest, extractor);
        var fusion = Fusion.Parse(options.Aggregation.Fusion);
        return builder.WithShardRegion<ActorKeys.StudyAggregatorRegion>(StudyAggregatorRegionName,
            uid => StudyAggregatorActor.Props(uid, fusion), extractor,
            new ShardOptions { Role = ClusterRoles.Ingest, PassivateIdleEntityAfter = options.Aggregation.PassivateAfter, StateStoreMode = StateStoreMode.DData });
    }

    public static AkkaConfigurationBuilder WithGpuWorkers(this AkkaConfigurationBuilder builder, MriCsOptions options, ISliceGraderFactory? graders)
    {
        var extractor = new SlotMessageExtractor(options.Cluster.ShardCount);
        if (!options.Has(ClusterRoles.GpuWorker) || graders is null)
            return builder.WithShardRegionProxy<ActorKeys.GpuWorkerRegion>(GpuWorkerRegionName, ClusterRoles.GpuWorker, extractor);
        var max = options.Inference.MaxInFlightPerSlot;
        return builder.WithShardRegion<ActorKeys.GpuWorkerRegion>(GpuWorkerRegionName,
            (_, registry, _) => slot => GpuWorkerActor.Props(slot, graders, registry.Get<ActorKeys.StudyAggregatorRegion>(), max),
            extractor,
            new ShardOptions { Role = ClusterRoles.GpuWorker, ShouldPassivateIdleEntities = false, StateStoreMode = StateStoreMode.DData });
    }

    public static AkkaConfigurationBuilder WithMriCsIngest(this AkkaConfigurationBuilder builder, MriCsOptions options, IInstanceReader? reader, IngestPressure? pressure = null)
    {
        if (!options.Has(ClusterRoles.Ingest) || reader is null) return builder;
        var ingest = options.Ingest;
        return builder.WithActors((system, registry, _) =>
        {
            var settings = new DispatcherSettings(DispatcherSettings.SlotIds(options.Inference.Slots), ingest.QueueCapacity,
                options.Inference.MaxInFlightPerSlot, ingest.TaskTimeout);
            var dispatcher = system.ActorOf(SliceDispatcher.Props(settings, registry.Get<ActorKeys.GpuWorkerRegion>()), "dispatcher");
            registry.Register<ActorKeys.Dispatcher>(dispatcher);
            var assembler = system.ActorOf(StudyAssemblerActor.Props(ingest.Assembly, ingest.StudyInactivity,
                registry.Get<ActorKeys.StudyAggregatorRegion>(), dispatcher, pressure), "assembler");
            registry.Register<ActorKeys.Assembler>(assembler);
            var watch = string.IsNullOrWhiteSpace(ingest.WatchDir) ? null : Path.GetFullPath(ingest.WatchDir);
            var staging = options.Dicom.Port is null ? null : options.StagingDir;
            registry.Register<ActorKeys.Ingest>(system.ActorOf(IngestActor.Props(reader, assembler, watch, ingest.PollInterval, resumeDirectory: staging), "ingest"));
        });
    }
}
