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
using MriCs.Actors.Slots;
using Akka.Configuration;

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
                Roles = [.. ClusterRolesOf(options)],
                SeedNodes = c.SeedNodes.Count > 0 ? [.. c.SeedNodes] : null,
                SplitBrainResolver = SplitBrainOption(c.SplitBrain),
            })
            .WithDistributedPubSub(ClusterRoles.Ingest);
        builder.AddHocon(ConfigurationFactory.ParseString(c.SplitBrain.Strategy == SplitBrainSettings.Off
            ? "akka.cluster.downing-provider-class = \"\"" // Akka 1.5 defaults to the resolver: off means no automatic downing at all
            : $"akka.cluster.split-brain-resolver.stable-after = {(long)c.SplitBrain.StableAfter.TotalMilliseconds}ms"), HoconAddMode.Prepend);
        if (c.SeedNodes.Count == 0)
            builder.AddStartup((system, _) =>
            {
                var cluster = Akka.Cluster.Cluster.Get(system);
                cluster.Join(cluster.SelfAddress);
            });
        return builder;
    }

    /// <summary>The node's cluster roles: its MriCs roles plus, on gpu-worker nodes, "slots-N" (its capacity, read by the slot placement and the dispatcher).</summary>
    public static IReadOnlyList<string> ClusterRolesOf(MriCsOptions options) =>
        options.Has(ClusterRoles.GpuWorker) ? [.. options.EffectiveRoles, GpuSlots.Role(options.Inference.EffectiveSlots)] : options.EffectiveRoles;

    /// <summary>Akka.NET's built-in split-brain resolver (Akka.Cluster.SBR.SplitBrainResolverProvider) with the configured strategy; null = off.</summary>
    public static Akka.Cluster.Hosting.SBR.SplitBrainResolverOption? SplitBrainOption(SplitBrainSettings sbr) => sbr.Strategy switch
    {
        SplitBrainSettings.KeepMajority => new Akka.Cluster.Hosting.SBR.KeepMajorityOption { Role = string.IsNullOrWhiteSpace(sbr.Role) ? null : sbr.Role },
        SplitBrainSettings.KeepOldest => new Akka.Cluster.Hosting.SBR.KeepOldestOption { Role = string.IsNullOrWhiteSpace(sbr.Role) ? null : sbr.Role, DownIfAlone = true },
        _ => null,
    };

    /// <summary>Akka.Persistence.Sql journal and snapshot store on SQLite (a file under the data directory unless a
    /// connection string is given) or PostgreSQL (MriCs:Persistence:Provider; see <see cref="MriCsPersistence"/>).</summary>
    public static AkkaConfigurationBuilder WithMriCsPersistence(this AkkaConfigurationBuilder builder, MriCsOptions options)
    {
        if (!options.Has(ClusterRoles.Ingest)) return builder;
        var (connection, provider) = MriCsPersistence.Resolve(options);
        return builder.WithSqlPersistence(connection, provider, autoInitialize: options.Persistence.AutoInitialize);
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

    /// <summary>
    /// The gpu-worker region: on gpu-worker nodes a shard region whose slot shards are placed by
    /// <see cref="SlotAllocationStrategy"/> (only on nodes with free slots, one local slot lease per entity);
    /// elsewhere a proxy.
    /// </summary>
    public static AkkaConfigurationBuilder WithGpuWorkers(this AkkaConfigurationBuilder builder, MriCsOptions options, ISliceGraderFactory? graders)
    {
        var extractor = new SlotMessageExtractor();
        if (!options.Has(ClusterRoles.GpuWorker) || graders is null)
            return builder.WithShardRegionProxy<ActorKeys.GpuWorkerRegion>(GpuWorkerRegionName, ClusterRoles.GpuWorker, extractor);
        var max = options.Inference.MaxInFlightPerSlot;
        var leases = new SlotLeases(options.Inference.EffectiveSlots);
        var rebalance = options.Cluster.SlotRebalanceInterval;
        return builder.WithActors((system, registry, _) =>
        {
            var aggregators = registry.Get<ActorKeys.StudyAggregatorRegion>();
            var region = ClusterSharding.Get(system).StartAsync(GpuWorkerRegionName,
                slot => GpuWorkerActor.Props(slot, graders, aggregators, max, leases),
                GpuWorkerShardingSettings(system, rebalance), extractor, new SlotAllocationStrategy(), PoisonPill.Instance).GetAwaiter().GetResult();
            registry.Register<ActorKeys.GpuWorkerRegion>(region);
        });
    }

    /// <summary>Sharding settings of the gpu-worker region: its role, ddata coordinator state, no passivation, a short rebalance interval.</summary>
    public static ClusterShardingSettings GpuWorkerShardingSettings(ActorSystem system, TimeSpan rebalanceInterval)
    {
        var own = ConfigurationFactory.ParseString(
            $"rebalance-interval = {(long)rebalanceInterval.TotalMilliseconds}ms\n" +
            $"role = \"{ClusterRoles.GpuWorker}\"\nstate-store-mode = ddata\nremember-entities = off\npassivate-idle-entity-after = off");
        var config = own.WithFallback(system.Settings.Config.GetConfig("akka.cluster.sharding"));
        return ClusterShardingSettings.Create(config, system.Settings.Config.GetConfig(config.GetString("coordinator-singleton")));
    }

    public static AkkaConfigurationBuilder WithMriCsIngest(this AkkaConfigurationBuilder builder, MriCsOptions options, IInstanceReader? reader, IngestPressure? pressure = null)
    {
        if (!options.Has(ClusterRoles.Ingest) || reader is null) return builder;
        var ingest = options.Ingest;
        return builder.WithActors((system, registry, _) =>
        {
            var settings = new DispatcherSettings([], ingest.QueueCapacity, options.Inference.MaxInFlightPerSlot, ingest.TaskTimeout, FollowCluster: true);
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
