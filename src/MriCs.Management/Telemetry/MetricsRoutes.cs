using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using OpenTelemetry.Metrics;

namespace MriCs.Management.Telemetry;

/// <summary>GET /metrics: every "MriCs.*" meter in the Prometheus text format (read-only, no token: Prometheus scrapes it).</summary>
public sealed class MetricsRoutes(MeterProvider meterProvider) : IManagementRoutes
{
    public const string Path = "/metrics";

    public void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPrometheusScrapingEndpoint(Path, meterProvider, configureBranchedPipeline: null, optionsName: null);
}
