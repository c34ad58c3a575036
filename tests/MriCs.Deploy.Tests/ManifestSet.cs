using System.Diagnostics;
using System.Text.Json;

namespace MriCs.Deploy.Tests;

/// <summary>One Kubernetes object read from a manifest file.</summary>
public sealed record K8sObject(string File, int Index, JsonElement Json)
{
    public string Kind => Json.Str("kind") ?? "?";
    public string Name => Json.Get("metadata")?.Str("name") ?? "?";
    public override string ToString() => $"{Path.GetFileName(File)} {Kind}/{Name}";
}

/// <summary>The result of tests/k8s/validate.mjs over a set of files: schema problems and the parsed objects.</summary>
public sealed record ManifestSet(int ExitCode, IReadOnlyList<string> Problems, IReadOnlyList<K8sObject> Objects, string Output)
{
    /// <summary>Runs the Node validator (kubernetes-models schemas + unknown-field check) with --json.</summary>
    public static ManifestSet Validate(IEnumerable<string> files)
    {
        var script = Path.Combine(Repo.Root, "tests", "k8s", "validate.mjs");
        var psi = new ProcessStartInfo(Repo.Node) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add("--json");
        foreach (var f in files) psi.ArgumentList.Add(f);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start node");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("validate.mjs did not finish within 120 s");
        }
        var output = stdout.Result;
        if (p.ExitCode is not (0 or 1))
            throw new InvalidOperationException($"validate.mjs failed to run (exit {p.ExitCode}): {stderr.Result}{output}");
        using var doc = JsonDocument.Parse(output);
        var problems = doc.RootElement.GetProperty("problems").EnumerateArray().Select(e => e.GetString()!).ToList();
        var objects = doc.RootElement.GetProperty("documents").EnumerateArray()
            .Select(d => new K8sObject(d.GetProperty("file").GetString()!, d.GetProperty("index").GetInt32(), d.GetProperty("object").Clone()))
            .ToList();
        return new ManifestSet(p.ExitCode, problems, objects, output + stderr.Result);
    }

    public static IReadOnlyList<string> ManifestFiles(string dir) =>
        [.. Directory.GetFiles(dir, "*.yaml").Order(StringComparer.Ordinal)];
}

/// <summary>Where the repository and the tools are.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string K8sDir => Path.Combine(Root, "k8s");

    /// <summary>node from PATH; the tests fail (never skip) without it.</summary>
    public static string Node { get; } = FindOnPath("node")
        ?? throw new InvalidOperationException("node is not installed: scripts/test installs nodejs and npm (apt-get install nodejs npm), then runs npm ci in tests/k8s");

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "MriCs.sln"))) return d.FullName;
        throw new InvalidOperationException("MriCs.sln not found above " + AppContext.BaseDirectory);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>A copy of k8s/ in a fresh temp folder, to break on purpose.</summary>
    public static string CopyOfK8s()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mrics-k8s-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(K8sDir)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        return dir;
    }
}

/// <summary>Null-tolerant navigation of JSON objects.</summary>
public static class Json
{
    public static JsonElement? Get(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public static JsonElement? Get(this JsonElement? e, string name) => e?.Get(name);

    public static JsonElement? Path(this JsonElement e, params string[] names)
    {
        JsonElement? cur = e;
        foreach (var n in names) cur = cur.Get(n);
        return cur;
    }

    public static string? Str(this JsonElement e, string name) => e.Get(name) is { } v ? Scalar(v) : null;

    public static string? Str(this JsonElement? e, string name) => e?.Str(name);

    public static string? Scalar(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
        _ => null,
    };

    public static IEnumerable<JsonElement> Items(this JsonElement? e) =>
        e is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray() : [];

    public static IEnumerable<JsonProperty> Props(this JsonElement? e) =>
        e is { ValueKind: JsonValueKind.Object } o ? o.EnumerateObject() : [];
}
