using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MriCs.Actors.Hosting;

namespace MriCs.Actors.Tests;

/// <summary>The host's shutdown budget: 45 s by default, DOTNET_shutdownTimeoutSeconds (k8s/config.yaml) when set.</summary>
public class ShutdownBudgetSpecs
{
    private static TimeSpan Budget(Dictionary<string, string?> settings, string[]? args = null)
    {
        using var dir = new TempDir();
        settings["MriCs:DataDir"] = dir.Path;
        using var host = MriCsNode.Build(settings, _ => { }, args);
        return host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;
    }

    [Fact]
    public void Without_a_setting_the_node_gives_coordinated_shutdown_45_seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(45), Budget([]));
    }

    [Fact]
    public void The_operators_shutdownTimeoutSeconds_wins()
    {
        Assert.Equal(TimeSpan.FromSeconds(70), Budget(new() { ["shutdownTimeoutSeconds"] = "70" }));
    }
}
