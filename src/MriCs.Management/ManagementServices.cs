using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MriCs.Management.Routes;

namespace MriCs.Management;

/// <summary>Adds the management endpoint to a node: <c>MriCsNode.Build(settings, s => s.AddMriCsRuntime().AddMriCsManagement())</c>.</summary>
public static class ManagementServices
{
    /// <summary>The endpoint (options "MriCs:Management", validated at start) with health, cluster, sharding and study routes.</summary>
    public static IServiceCollection AddMriCsManagement(this IServiceCollection services)
    {
        services.AddOptions<ManagementOptions>().BindConfiguration(ManagementOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ManagementOptions>, Validator>();
        services.AddSingleton<ManagementHost>();
        services.AddHostedService(sp => sp.GetRequiredService<ManagementHost>());
        services.AddSingleton<IManagementRoutes, HealthRoutes>();
        services.AddSingleton<IManagementRoutes, ClusterRoutes>();
        services.AddSingleton<IManagementRoutes, ShardingRoutes>();
        services.AddSingleton<IManagementRoutes, StudyRoutes>();
        return services;
    }

    private sealed class Validator : IValidateOptions<ManagementOptions>
    {
        public ValidateOptionsResult Validate(string? name, ManagementOptions options)
        {
            var problems = options.Validate().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
