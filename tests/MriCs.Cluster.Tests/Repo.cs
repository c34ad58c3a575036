using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace MriCs.Cluster.Tests;

/// <summary>Where the checkout and the built executables are (the same configuration as this test assembly).</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } =
        typeof(Repo).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    public static string Models => Path.Combine(Root, "models");

    /// <summary>src/NAME/bin/CONFIG/net10.0/ASSEMBLY.dll, built by the project references of this test project.</summary>
    public static string Dll(string project, string? assembly = null)
    {
        var dll = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", (assembly ?? project) + ".dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} is not built (build tests/MriCs.Cluster.Tests in {Configuration}, which builds it)");
        return dll;
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static string FindRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "MriCs.sln")))
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("MriCs.sln not found above " + AppContext.BaseDirectory);
        return dir;
    }
}
