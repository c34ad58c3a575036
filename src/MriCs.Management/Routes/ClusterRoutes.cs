using System.Text.Json;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MriCs.Management.Routes;

public sealed record MemberView(string Address, string Status, IReadOnlyList<string> Roles, bool Reachable);

public sealed record ClusterView(string Self, string SelfStatus, string? Leader, IReadOnlyList<MemberView> Members,
    IReadOnlyList<string> Unreachable, IReadOnlyDictionary<string, string?> RoleLeaders);

public sealed record AddressRequest(string? Address);

public sealed record MembershipAccepted(string Command, IReadOnlyList<string> Addresses);

/// <summary>A member event as `cluster tail` streams it (server-sent events, one JSON object per event).</summary>
public sealed record ClusterEventView(string Type, string? Address, string? Status, IReadOnlyList<string>? Roles, DateTimeOffset Time);

/// <summary>
/// Cluster membership: GET /api/cluster (members, unreachable, leader), POST /api/cluster/leave|down {"address"},
/// POST /api/cluster/down-unreachable (mutating: bearer token), GET /api/cluster/events (live member events, SSE).
/// </summary>
public sealed class ClusterRoutes(ActorSystem system, ILogger<ClusterRoutes> log) : IManagementRoutes
{
    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/cluster", () => Results.Json(View(Cluster.Get(system)), ManagementErrors.Json));
        endpoints.MapPost("/api/cluster/leave", (AddressRequest request) => Membership("leave", request, (c, a) => c.Leave(a))).RequireManagementToken();
        endpoints.MapPost("/api/cluster/down", (AddressRequest request) => Membership("down", request, (c, a) => c.Down(a))).RequireManagementToken();
        endpoints.MapPost("/api/cluster/down-unreachable", DownUnreachable).RequireManagementToken();
        endpoints.MapGet("/api/cluster/events", Tail);
    }

    public static ClusterView View(Cluster cluster)
    {
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var members = state.Members.Concat(state.Unreachable.Where(m => !state.Members.Contains(m)))
            .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(m => new MemberView(m.Address.ToString(), Status(m.Status), m.Roles.Order(StringComparer.Ordinal).ToList(), !unreachable.Contains(m.Address)))
            .ToList();
        return new ClusterView(cluster.SelfAddress.ToString(), Status(cluster.SelfMember.Status), state.Leader?.ToString(), members,
            unreachable.Select(a => a.ToString()).Order(StringComparer.Ordinal).ToList(),
            state.AllRoles.Order(StringComparer.Ordinal).ToDictionary(r => r, r => state.RoleLeader(r)?.ToString()));
    }

    private static string Status(MemberStatus s) => s.ToString().ToLowerInvariant();

    private IResult Membership(string command, AddressRequest request, Action<Cluster, Address> act)
    {
        var cluster = Cluster.Get(system);
        var address = Resolve(cluster, request.Address);
        ManagementLog.MembershipCommand(log, command, address.ToString());
        act(cluster, address);
        return Results.Json(new MembershipAccepted(command, [address.ToString()]), ManagementErrors.Json, statusCode: StatusCodes.Status202Accepted);
    }

    private IResult DownUnreachable()
    {
        var cluster = Cluster.Get(system);
        var targets = cluster.State.Unreachable.Select(m => m.Address).ToList();
        foreach (var a in targets)
        {
            ManagementLog.MembershipCommand(log, "down (unreachable)", a.ToString());
            cluster.Down(a);
        }
        return Results.Json(new MembershipAccepted("down-unreachable", targets.Select(a => a.ToString()).ToList()), ManagementErrors.Json,
            statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>A member by its full address (akka.tcp://mrics@host:port) or by "host:port"; 404 naming the members when none matches.</summary>
    public static Address Resolve(Cluster cluster, string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw ManagementException.BadRequest("expected {\"address\": \"akka.tcp://system@host:port\"} (or \"host:port\")");
        var state = cluster.State;
        var known = state.Members.Select(m => m.Address).Concat(state.Unreachable.Select(m => m.Address)).Distinct().ToList();
        var t = text.Trim();
        var match = known.Where(a => a.ToString() == t || $"{a.Host}:{a.Port}" == t).ToList();
        return match.Count switch
        {
            1 => match[0],
            0 => throw ManagementException.NotFound($"'{t}' is not a member of the cluster (members: {string.Join(", ", known.Select(a => a.ToString()))})"),
            _ => throw ManagementException.BadRequest($"'{t}' matches several members: {string.Join(", ", match)}; give the full address"),
        };
    }

    /// <summary>Server-sent events: the current members first (as member-up/joined... events), then every change until the client goes away.</summary>
    private async Task Tail(HttpContext context, IHostApplicationLifetime lifetime)
    {
        var channel = Channel.CreateBounded<ClusterEventView>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
        var subscriber = system.ActorOf(Props.Create(() => new ClusterEventForwarder(channel.Writer)));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        try
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            await context.Response.WriteAsync(": mrics cluster events\n\n", stop.Token).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(stop.Token).ConfigureAwait(false);
            await foreach (var e in channel.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                await context.Response.WriteAsync($"event: {e.Type}\ndata: {JsonSerializer.Serialize(e, ManagementErrors.Json)}\n\n", stop.Token).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // the client went away or the node stops
        }
        finally
        {
            subscriber.Tell(PoisonPill.Instance);
        }
    }

    /// <summary>Subscribes to member and reachability events and writes them to a bounded channel (oldest dropped when a client reads too slowly).</summary>
    private sealed class ClusterEventForwarder : ReceiveActor
    {
        public ClusterEventForwarder(ChannelWriter<ClusterEventView> writer)
        {
            Receive<ClusterEvent.IMemberEvent>(e => writer.TryWrite(Member(Kind(e), e.Member)));
            Receive<ClusterEvent.UnreachableMember>(e => writer.TryWrite(Member("unreachable", e.Member)));
            Receive<ClusterEvent.ReachableMember>(e => writer.TryWrite(Member("reachable", e.Member)));
            Receive<ClusterEvent.LeaderChanged>(e => writer.TryWrite(new ClusterEventView("leader-changed", e.Leader?.ToString(), null, null, DateTimeOffset.UtcNow)));
        }

        private static string Kind(ClusterEvent.IMemberEvent e) => e switch
        {
            ClusterEvent.MemberJoined => "member-joined",
            ClusterEvent.MemberUp => "member-up",
            ClusterEvent.MemberWeaklyUp => "member-weakly-up",
            ClusterEvent.MemberLeft => "member-left",
            ClusterEvent.MemberExited => "member-exited",
            ClusterEvent.MemberDowned => "member-downed",
            ClusterEvent.MemberRemoved => "member-removed",
            _ => "member-" + e.GetType().Name.ToLowerInvariant(),
        };

        private static ClusterEventView Member(string type, Member m) =>
            new(type, m.Address.ToString(), m.Status.ToString().ToLowerInvariant(), m.Roles.Order(StringComparer.Ordinal).ToList(), DateTimeOffset.UtcNow);

        protected override void PreStart() => Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.LeaderChanged));

        protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);
    }
}
