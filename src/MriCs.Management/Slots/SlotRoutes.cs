using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MriCs.Actors;
using MriCs.Actors.Hosting;
using MriCs.Actors.Protocol;

namespace MriCs.Management.Slots;

/// <summary>One slot's model set as `models list` shows it.</summary>
public sealed record SlotModelsView(string SlotId, string Node, string State, string ModelSet, string ModelSetVersion, IReadOnlyList<ModelRef> Models, string? LastReloadError);

/// <summary>GET /api/models: every slot's model set; Consistent when all run the same version.</summary>
public sealed record ModelsView(bool Consistent, IReadOnlyList<string> Versions, IReadOnlyList<SlotModelsView> Slots);

public sealed record SlotsView(IReadOnlyList<SlotDetails> Slots);

/// <summary>POST /api/models/reload's answer (also the body of its 409 when a slot refused the new set).</summary>
public sealed record ReloadView(bool Ok, string? Error, IReadOnlyList<SlotReloaded> Slots, IReadOnlyList<string> NotAttempted);

/// <summary>
/// GPU-worker slots and their model sets: GET /api/gpu/slots (`gpu slots`), GET /api/models (`models list --cluster`),
/// POST /api/models/reload (`models reload`, bearer token): a rolling reload, one slot at a time, each verifying the new
/// set before it swaps; the first refusal stops the roll (409 with the report; the refusing and untried slots keep the old set).
/// Answered through the gpu-worker region or its proxy, so any ingest or gpu-worker node can be asked.
/// </summary>
public sealed class SlotRoutes(IActorRegistry registry, IOptions<MriCsOptions> options) : IManagementRoutes
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan ReloadTimeoutPerSlot = TimeSpan.FromMinutes(5);

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/gpu/slots", async () => Results.Json(new SlotsView(await Details().ConfigureAwait(false)), ManagementErrors.Json));
        endpoints.MapGet("/api/models", async () => Results.Json(Models(await Details().ConfigureAwait(false)), ManagementErrors.Json));
        endpoints.MapPost("/api/models/reload", Reload).RequireManagementToken();
    }

    private IActorRef Workers() =>
        registry.TryGet<ActorKeys.GpuWorkerRegion>(out var region) ? region
            : throw ManagementException.Conflict("this node has no gpu-worker region or proxy (a Lighthouse?): ask an ingest or gpu-worker node");

    private Task<IReadOnlyList<SlotDetails>> Details() => SlotOperations.DetailsAsync(Workers(), SlotOperations.SlotIds(options.Value), AskTimeout);

    public static ModelsView Models(IReadOnlyList<SlotDetails> slots)
    {
        var versions = slots.Select(s => s.ModelSetVersion).Distinct(StringComparer.Ordinal).ToList();
        return new ModelsView(versions.Count == 1, versions,
            slots.Select(s => new SlotModelsView(s.SlotId, s.Node, s.State, s.ModelSet, s.ModelSetVersion, s.Models, s.LastReloadError)).ToList());
    }

    private async Task<IResult> Reload()
    {
        var report = await SlotOperations.RollingReloadAsync(Workers(), SlotOperations.SlotIds(options.Value), ReloadTimeoutPerSlot).ConfigureAwait(false);
        if (report.Ok) return Results.Json(new ReloadView(true, null, report.Slots, []), ManagementErrors.Json);
        var refused = report.Slots[^1];
        var error = $"{refused.SlotId} refused the new model set and keeps {refused.OldVersion}: {refused.Error}"
            + (report.NotAttempted.Count > 0 ? $"; not tried (they keep their set): {string.Join(", ", report.NotAttempted)}" : "");
        return Results.Json(new ReloadView(false, error, report.Slots, report.NotAttempted), ManagementErrors.Json, statusCode: StatusCodes.Status409Conflict);
    }
}

public static class SlotManagementServices
{
    /// <summary>`gpu slots` and `models list | reload` on the management endpoint.</summary>
    public static IServiceCollection AddGpuSlotManagement(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IManagementRoutes, SlotRoutes>());
        return services;
    }
}
