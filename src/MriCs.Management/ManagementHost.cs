using System.Net;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MriCs.Actors.Hosting;

namespace MriCs.Management;

/// <summary>
/// The node's management endpoint: a Kestrel minimal-API app started once the node's hosted services
/// (the actor system first) are up, stopped before they stop. Maps every <see cref="IManagementRoutes"/>
/// registered in the node's services; route handlers may take the node's ActorSystem, IActorRegistry,
/// IOptions&lt;MriCsOptions&gt;, ManagementOptions and <see cref="NodeServices"/> as parameters.
/// </summary>
public sealed class ManagementHost(IServiceProvider node, IOptions<ManagementOptions> options, ILogger<ManagementHost> log) : IHostedLifecycleService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The listening address (http://host:port) once started; null when the endpoint is off.</summary>
    public Uri? Address { get; private set; }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.Port is not { } port) return;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "MriCs.Management" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Parse(o.Bind), port);
        });
        var s = builder.Services;
        // ASP.NET's request logs carry paths (study UIDs, patient keys): only its warnings reach the node's log.
        s.AddLogging(l => l.AddProvider(new ForwardingLoggerProvider(node.GetRequiredService<ILoggerFactory>()))
            .AddFilter("Microsoft.AspNetCore", LogLevel.Warning).AddFilter("Microsoft.Hosting", LogLevel.Warning));
        s.AddRoutingCore();
        s.AddSingleton(o);
        s.AddSingleton(new NodeServices(node));
        Forward<ActorSystem>(s);
        Forward<ActorRegistry>(s);
        Forward<IActorRegistry>(s);
        Forward<IOptions<MriCsOptions>>(s);
        s.AddAuthenticationCore(a => a.DefaultScheme = ManagementAuth.Scheme); // no data protection: nothing is signed or stored
        s.AddWebEncoders();
        s.AddSingleton(TimeProvider.System);
        new AuthenticationBuilder(s).AddScheme<AuthenticationSchemeOptions, ManagementTokenHandler>(ManagementAuth.Scheme, null);
        s.AddAuthorizationBuilder().AddPolicy(ManagementAuth.Mutating, p => p.AddAuthenticationSchemes(ManagementAuth.Scheme).RequireAuthenticatedUser());

        var app = builder.Build();
        var requestLog = node.GetRequiredService<ILoggerFactory>().CreateLogger("MriCs.Management.Requests");
        app.Use((context, next) => ManagementErrors.Middleware(context, next, requestLog));
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        foreach (var routes in node.GetServices<IManagementRoutes>()) routes.Map(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Address = bound is null ? null : new Uri(bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal));
        ManagementLog.Listening(log, bound ?? $"{o.Bind}:{port}", string.IsNullOrEmpty(o.Token) ? "disabled: no token" : "need the bearer token");
    }

    private void Forward<T>(IServiceCollection services) where T : class
    {
        if (node.GetService<T>() is not null) services.AddSingleton(_ => node.GetRequiredService<T>());
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (_app is null) return;
        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _app = null;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Hands the endpoint's log events to the node's loggers (after the endpoint's own filters).</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory node) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => node.CreateLogger(categoryName);
    public void Dispose() { }
}

/// <summary>The node's own service provider, for route handlers that need a node service the endpoint does not forward.</summary>
public sealed record NodeServices(IServiceProvider Services);
