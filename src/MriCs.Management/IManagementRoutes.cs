using Microsoft.AspNetCore.Routing;

namespace MriCs.Management;

/// <summary>
/// A group of HTTP routes on a node's management endpoint. Every implementation registered in the
/// node's services (<c>services.AddSingleton&lt;IManagementRoutes, X&gt;()</c>) is mapped when the endpoint
/// starts, so areas (cluster commands, metrics, live agreement) add routes without touching each other.
/// </summary>
public interface IManagementRoutes
{
    /// <summary>Maps this group's routes. Mutating routes call <c>RequireAuthorization(ManagementAuth.Mutating)</c>.</summary>
    void Map(IEndpointRouteBuilder endpoints);
}
