using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using MriCs.Actors.Actors;
using MriCs.Actors.Agreement;

namespace MriCs.Actors.Hosting;

/// <summary>Registry key of the live-agreement singleton (or its proxy on nodes without the ingest role).</summary>
public sealed class LiveAgreementKey;

public static class LiveAgreementHosting
{
    public const string SingletonName = "live-agreement";

    /// <summary>
    /// The live-agreement singleton on the oldest ingest node (a proxy everywhere else). Its snapshots go to the
    /// <see cref="AgreementMetrics.AgreementGauge"/> in the services when there is one (the "MriCs.Agreement" meter).
    /// </summary>
    public static AkkaConfigurationBuilder WithLiveAgreement(this AkkaConfigurationBuilder builder, MriCsOptions options, IServiceProvider services)
    {
        // Akka.NET 1.5.73's proxy logs "failed to find the singleton after N seconds" within a second of a node's
        // start whatever the period (seen with 30 s and 120 s); a missing singleton shows as GET /api/agreement timing out.
        var singleton = new ClusterSingletonOptions { Role = ClusterRoles.Ingest, LogSingletonIdentificationFailure = false };
        if (!options.Has(ClusterRoles.Ingest))
            return builder.WithSingletonProxy<LiveAgreementKey>(SingletonName, singleton);
        var gauge = services.GetService<AgreementMetrics.AgreementGauge>();
        return builder.WithSingleton<LiveAgreementKey>(SingletonName,
            (_, registry, _) => AgreementActor.Props(registry.Get<ActorKeys.StudyAggregatorRegion>(), gauge), singleton);
    }
}
