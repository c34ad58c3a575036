using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;

namespace MriCs.Management.Telemetry;

public static class MetricsServiceCollectionExtensions
{
    /// <summary>Meters every MriCs area publishes under (System.Diagnostics.Metrics); the exporter takes them all by prefix.</summary>
    public const string MeterPrefix = "MriCs.*";

    /// <summary>
    /// OpenTelemetry metrics from every "MriCs.*" meter (MriCs.Dicom, MriCs.Inference, MriCs.Actors, MriCs.Agreement, ...)
    /// exported in the Prometheus text format at GET /metrics on the management endpoint.
    /// </summary>
    public static IServiceCollection AddMriCsMetrics(this IServiceCollection services, Action<MeterProviderBuilder>? configure = null)
    {
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter(MeterPrefix).AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
            configure?.Invoke(metrics);
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IManagementRoutes, MetricsRoutes>());
        return services;
    }
}
