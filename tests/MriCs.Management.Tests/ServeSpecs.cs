using System.Diagnostics;
using System.Text.RegularExpressions;

namespace MriCs.Management.Tests;

/// <summary>`mrics serve --management-port` as a real process: the endpoint opens, the palette answers, SIGTERM stops it.</summary>
public sealed partial class ServeSpecs
{
    [Fact]
    public async Task Serve_with_a_management_port_answers_the_palette_and_stops_on_SIGTERM()
    {
        using var dirs = new TempDir();
        var mrics = Path.Combine(AppContext.BaseDirectory, "mrics.dll");
        Assert.True(File.Exists(mrics), $"{mrics} missing: the test project references MriCs.Cli");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // The repository's model set: a gpu-worker node is ready only once its models load.
        var models = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../models"));
        Assert.True(File.Exists(Path.Combine(models, "manifest.json")), $"no model set at {models}");
        foreach (var a in new[] { mrics, "serve", "--data-dir", dirs.Sub("data"), "--models", models, "--management-port", "0" }) start.ArgumentList.Add(a);
        start.Environment["MriCs__Management__Token"] = Node.Token;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            string? endpoint = null;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            while (endpoint is null && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
                if (ManagementLine().Match(line) is { Success: true } m) endpoint = m.Groups[1].Value;
            Assert.True(endpoint is not null, "serve printed no management endpoint; stderr: " + (process.HasExited ? await stderr : ""));
            var stdout = process.StandardOutput.ReadToEndAsync();

            // The endpoint opens as the actor system starts; the node joins itself a moment later: ready means an Up member.
            var health = await Eventually.UntilAsync(() => Cli.RunAsync("health", "--json", "--host", endpoint), r => r.Code == 0, TimeSpan.FromSeconds(60), "serve ready");
            Assert.Equal("ok", health.Json.GetProperty("status").GetString());
            var show = await Cli.RunAsync("cluster", "show", "--json", "--host", endpoint);
            Assert.True(show.Code == 0, show.Error);
            var member = Assert.Single(show.Json.GetProperty("members").EnumerateArray());
            Assert.Equal(["gpu-worker", "ingest"], member.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).Where(r => !r!.StartsWith("slots-", StringComparison.Ordinal)));
            var refused = await Cli.RunAsync("cluster", "down-unreachable", "--host", endpoint, "--token", "wrong-token-wrong-token");
            Assert.Equal(1, refused.Code);

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token);
            Assert.Equal(0, process.ExitCode);
            await stdout;
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [GeneratedRegex(@"^\s*management: http://([0-9.]+:\d+)/")]
    private static partial Regex ManagementLine();
}
