namespace MriCs.Deploy.Tests;

/// <summary>The Dockerfiles of the three executables (src/MriCs.*/Dockerfile) and .dockerignore: static checks,
/// since building needs a Docker daemon and the base images (not available in CI).</summary>
public sealed class DockerfileTests
{
    public static TheoryData<string, bool> Executables => new() { { "MriCs.Lighthouse", false }, { "MriCs.Ingest", false }, { "MriCs.GpuWorker", true } };

    private static string Read(string project) => File.ReadAllText(Path.Combine(Repo.Root, "src", project, "Dockerfile"));

    [Theory]
    [MemberData(nameof(Executables))]
    public void Each_executable_has_a_multi_stage_non_root_Dockerfile(string project, bool needsModels)
    {
        var problems = DeployRules.CheckDockerfile(Repo.Root, project, Read(project), needsModels);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [InlineData("USER 1654", "", "sets no USER")]
    [InlineData("USER 1654", "USER root", "runs as root")]
    [InlineData("USER 1654", "USER 0", "runs as 0")]
    [InlineData("ENTRYPOINT", "USER root\nENTRYPOINT", "runs as root")]
    [InlineData("COPY models/ /app/models/", "", "must contain the models")]
    [InlineData("COPY global.json", "COPY global-missing.json", "COPY source global-missing.json does not exist")]
    [InlineData("/app/MriCs.GpuWorker.dll", "/app/MriCs.Worker.dll", "ENTRYPOINT does not run /app/MriCs.GpuWorker.dll")]
    public void A_broken_Dockerfile_is_reported(string find, string replace, string expected)
    {
        var text = Read("MriCs.GpuWorker");
        Assert.Contains(find, text);
        var problems = DeployRules.CheckDockerfile(Repo.Root, "MriCs.GpuWorker", text.Replace(find, replace, StringComparison.Ordinal), needsModels: true);
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_single_stage_Dockerfile_is_reported()
    {
        var text = "FROM mcr.microsoft.com/dotnet/aspnet:10.0\nCOPY src/ /app/\nUSER 1654\nENTRYPOINT [\"dotnet\", \"/app/MriCs.Ingest.dll\"]\n";
        Assert.Contains(DeployRules.CheckDockerfile(Repo.Root, "MriCs.Ingest", text, false), p => p.Contains("not a multi-stage build", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_image_in_the_manifests_has_a_Dockerfile()
    {
        var images = ManifestSet.Validate(ManifestSet.ManifestFiles(Repo.K8sDir)).Objects
            .SelectMany(o => o.Json.Path("spec", "template", "spec", "containers").Items())
            .Select(c => c.Str("image")!).Where(i => i.Contains("/mrics/", StringComparison.Ordinal))
            .Select(i => i[(i.LastIndexOf('/') + 1)..i.LastIndexOf(':')]).Distinct().ToList();
        Assert.Equal(["gpu-worker", "ingest", "lighthouse"], images.Order(StringComparer.Ordinal));
        var project = new Dictionary<string, string> { ["lighthouse"] = "MriCs.Lighthouse", ["ingest"] = "MriCs.Ingest", ["gpu-worker"] = "MriCs.GpuWorker" };
        foreach (var image in images)
            Assert.Contains($"mrics/{image}:", Read(project[image]));
    }

    [Fact]
    public void The_build_context_leaves_out_build_outputs_and_data()
    {
        var ignore = File.ReadAllLines(Path.Combine(Repo.Root, ".dockerignore")).Select(l => l.Trim()).ToHashSet();
        foreach (var entry in new[] { "**/bin/", "**/obj/", ".git/", "data/", "**/node_modules/", "models/training/", "models/*.pt", "**/*.db" })
            Assert.Contains(entry, ignore);
    }
}
