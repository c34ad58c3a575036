using Microsoft.Extensions.DependencyInjection;
using MriCs.Actors.Agreement;

namespace MriCs.Management.Agreement;

public static class AgreementServices
{
    /// <summary>
    /// Live agreement on the management endpoint (POST /api/decisions, GET /api/agreement) and the "MriCs.Agreement"
    /// gauges fed by the live-agreement singleton when it runs on this node. Call before the actor system starts
    /// (in the node's service configuration, next to <c>AddMriCsManagement()</c>).
    /// </summary>
    public static IServiceCollection AddLiveAgreement(this IServiceCollection services)
    {
        services.AddSingleton<AgreementMetrics.AgreementGauge>();
        services.AddSingleton<IManagementRoutes, AgreementRoutes>();
        return services;
    }
}
