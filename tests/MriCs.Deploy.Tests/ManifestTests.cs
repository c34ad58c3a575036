using Xunit.Abstractions;

namespace MriCs.Deploy.Tests;

/// <summary>k8s/: the Kubernetes schema (offline, tests/k8s/validate.mjs) and the MriCs rules (DeployRules), on the
/// real manifests and on copies broken on purpose, so that every check is seen to fail.</summary>
public sealed class ManifestTests(ITestOutputHelper output)
{
    private static string DeployDoc => File.ReadAllText(Path.Combine(Repo.Root, "docs", "deploy.md"));

    [Fact]
    public void Every_manifest_passes_the_Kubernetes_schema()
    {
        var set = ManifestSet.Validate(ManifestSet.ManifestFiles(Repo.K8sDir));
        output.WriteLine(string.Join("\n", set.Problems));
        Assert.Empty(set.Problems);
        Assert.Equal(0, set.ExitCode);
        var kinds = set.Objects.Select(o => o.Kind).ToHashSet();
        foreach (var k in new[] { "Namespace", "ConfigMap", "Service", "StatefulSet", "Deployment", "PodDisruptionBudget", "PersistentVolumeClaim" })
            Assert.Contains(k, kinds);
    }

    [Fact]
    public void The_manifests_follow_the_MriCs_rules()
    {
        var set = ManifestSet.Validate(ManifestSet.ManifestFiles(Repo.K8sDir));
        var problems = DeployRules.Check(set.Objects, DeployDoc).Concat(DeployRules.CheckKustomization(Repo.K8sDir)).ToList();
        output.WriteLine(string.Join("\n", problems));
        Assert.Empty(problems);
        // The rules looked at what matters (not an empty set that trivially passes).
        Assert.Contains(set.Objects, o => o.Kind == "StatefulSet" && o.Name == "lighthouse");
        Assert.Contains(set.Objects, o => o.Kind == "Deployment" && o.Name == "gpu-worker");
        Assert.Contains(set.Objects, o => o.Kind == "StatefulSet" && o.Name == "ingest");
    }

    [Theory]
    [InlineData("gpu-worker.yaml", "replicas: 2", "replicas: two", "replicas must be integer")]
    [InlineData("lighthouse.yaml", "          readinessProbe:", "          readinesProbe:", "unknown field /spec/template/spec/containers/0/readinesProbe")]
    [InlineData("ingest.yaml", "containerPort: 11112", "containerPort: dicom", "containerPort must be integer")]
    [InlineData("postgres.yaml", "kind: StatefulSet", "kind: StatefulSett", "unknown apiVersion/kind")]
    [InlineData("namespace.yaml", "  name: mrics", "  name: [mrics", "YAML")]
    [InlineData("gpu-worker.yaml", "  selector:\n    matchLabels:\n      app.kubernetes.io/name: gpu-worker\n  strategy:", "  strategy:", "must have required property selector")]
    [InlineData("ingest.yaml", "  sessionAffinity: ClientIP", "  sessionAffinity: Sticky", "must be equal to one of the allowed values")]
    public void A_broken_manifest_fails_the_schema_check(string file, string find, string replace, string expected)
    {
        var (set, _) = Broken(file, find, replace);
        output.WriteLine(string.Join("\n", set.Problems));
        Assert.Equal(1, set.ExitCode);
        Assert.Contains(set.Problems, p => p.Contains(file, StringComparison.Ordinal) && p.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("lighthouse.yaml", "          readinessProbe:\n            httpGet:\n              path: /health/ready\n              port: management\n            periodSeconds: 5\n            failureThreshold: 3\n", "", "container lighthouse: no readinessProbe")]
    [InlineData("config.yaml", "@lighthouse-1.lighthouse", "@lighthouse-2.lighthouse", "are not the Lighthouse pods")]
    [InlineData("lighthouse.yaml", "  replicas: 2", "  replicas: 3", "are not the Lighthouse pods")]
    [InlineData("lighthouse.yaml", "  publishNotReadyAddresses: true\n", "", "publishNotReadyAddresses must be true")]
    [InlineData("lighthouse.yaml", "value: \"$(POD_NAME).lighthouse.mrics.svc.cluster.local\"", "value: \"$(POD_NAME).lighthouses.mrics.svc.cluster.local\"", "MriCs__Cluster__PublicHostname must be")]
    [InlineData("gpu-worker.yaml", "              nvidia.com/gpu: 1\n", "", "must request nvidia.com/gpu")]
    [InlineData("gpu-worker.yaml", "MriCs__Inference__Slots", "MriCs__Inference__Slot", "MriCs__Inference__Slot: does not bind to MriCsOptions")]
    [InlineData("gpu-worker.yaml", "              value: \"0\"", "              value: \"2\"", "MriCs__Inference__Slots must be 0")]
    [InlineData("config.yaml", "\"QueueCapacity\": 64", "\"QueueCapacty\": 64", "MriCs:Ingest:QueueCapacty: does not bind to MriCsOptions")]
    [InlineData("config.yaml", "\"QueueCapacity\": 64", "\"QueueCapacity\": \"lots\"", "MriCs:Ingest:QueueCapacity: does not bind to MriCsOptions")]
    [InlineData("config.yaml", "MriCs__Cluster__ShardCount", "MriCs__Cluster__Shards", "MriCs__Cluster__Shards: does not bind to MriCsOptions")]
    [InlineData("config.yaml", "MriCs__Management__Bind", "MriCs__Management__Bnd", "MriCs__Management__Bnd: does not bind to ManagementOptions")]
    [InlineData("ingest.yaml", "runAsNonRoot: true", "runAsNonRoot: false", "container ingest: runAsNonRoot is not true")]
    [InlineData("gpu-worker.yaml", "terminationGracePeriodSeconds: 75", "terminationGracePeriodSeconds: 30", "leaves less than 15 s")]
    [InlineData("gpu-worker.yaml", "  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: gpu-worker\n", "  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: gpu-workers\n", "Deployment/gpu-worker: no PodDisruptionBudget")]
    [InlineData("lighthouse.yaml", "  minAvailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: lighthouse", "  minAvailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: lighthouse-x", "PodDisruptionBudget/lighthouse: selects no workload's pods")]
    [InlineData("ingest.yaml", "targetPort: dicom", "targetPort: dicomm", "targets dicomm, which no selected container exposes")]
    [InlineData("gpu-worker.yaml", "              memory: 8Gi\n", "", "no resources.limits.memory")]
    [InlineData("ingest.yaml", "prometheus.io/port: \"8558\"", "prometheus.io/port: \"9090\"", "prometheus.io/port is not")]
    [InlineData("gpu-worker.yaml", "path: /health/live\n              port: management\n            periodSeconds: 10", "path: /healthz\n              port: management\n            periodSeconds: 10", "livenessProbe path is /healthz")]
    [InlineData("storage.yaml", "namespace: mrics", "namespace: default", "is not the namespace 'mrics'")]
    [InlineData("ingest.yaml", "claimName: mrics-shared", "claimName: mrics-sharde", "names PersistentVolumeClaim mrics-sharde, which is not defined")]
    [InlineData("ingest.yaml", "  key: connection-string", "  key: connstr", "reads Secret mrics-db/connstr, which docs/deploy.md does not say how to create")]
    [InlineData("lighthouse.yaml", "image: registry.example.org/mrics/lighthouse:0.1.0", "image: registry.example.org/mrics/lighthouse", "needs an explicit tag")]
    public void A_manifest_that_breaks_an_MriCs_rule_is_reported(string file, string find, string replace, string expected)
    {
        var (set, _) = Broken(file, find, replace);
        Assert.Empty(set.Problems); // still valid Kubernetes: only the MriCs rule catches it
        var problems = DeployRules.Check(set.Objects, DeployDoc);
        output.WriteLine(string.Join("\n", problems));
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Each_node_starts_with_a_configuration_its_options_validators_accept()
    {
        var set = ManifestSet.Validate(ManifestSet.ManifestFiles(Repo.K8sDir));
        var problems = DeployRules.EffectiveConfigProblems(set.Objects);
        output.WriteLine(string.Join("\n", problems));
        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("config.yaml", "\"Fusion\": \"mean\"", "\"Fusion\": \"average\"", "ingest: MriCs:Aggregation:Fusion")]
    [InlineData("config.yaml", "\"AeTitle\": \"MRICS\"", "\"AeTitle\": \"MRICS-AE-TITLE-TOO-LONG\"", "MriCs:Dicom:AeTitle must be 1..16 characters")]
    [InlineData("config.yaml", "MriCs__Management__Bind: \"0.0.0.0\"", "MriCs__Management__Bind: \"all\"", "MriCs:Management:Bind 'all' is not an IP address")]
    [InlineData("gpu-worker.yaml", "value: \"0\"", "value: \"-1\"", "gpu-worker: MriCs:Inference:Slots")]
    [InlineData("ingest.yaml", "value: \"postgresql\"", "value: \"oracle\"", "MriCs:Persistence:Provider 'oracle'")]
    public void A_configuration_the_validators_refuse_is_reported(string file, string find, string replace, string expected)
    {
        var (set, _) = Broken(file, find, replace);
        Assert.Empty(set.Problems);
        var problems = DeployRules.EffectiveConfigProblems(set.Objects);
        output.WriteLine(string.Join("\n", problems));
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_kustomization_must_list_every_manifest()
    {
        var dir = Repo.CopyOfK8s();
        try
        {
            var k = Path.Combine(dir, "kustomization.yaml");
            var text = File.ReadAllText(k);
            Assert.Contains("  - storage.yaml\n", text);
            File.WriteAllText(k, text.Replace("  - storage.yaml\n", "", StringComparison.Ordinal) + "  - missing.yaml\n");
            var problems = DeployRules.CheckKustomization(dir);
            Assert.Contains("kustomization.yaml does not list storage.yaml", problems);
            Assert.Contains("kustomization.yaml lists missing.yaml, which does not exist", problems);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("MriCs:Cluster:SeedNodes:0", "akka.tcp://mrics@lighthouse-0:4053", true)]
    [InlineData("MriCs:Ingest:TaskTimeout", "00:02:00", true)]
    [InlineData("MriCs:Ingest:Assembly:MaxAxialTiltDegrees", "30", true)]
    [InlineData("MriCs:Ingest:Assembly:MaxAngleDegrees", "30", false)]
    [InlineData("MriCs:Management:Token", "(secret)", true)]
    [InlineData("MriCs:Management:Port", "8558", true)]
    [InlineData("MriCs:Management:Port", "eighty", false)]
    [InlineData("MriCs:Management:Listen", "0.0.0.0", false)]
    [InlineData("MriCs:Storage:Root", "/var/lib/mrics/shared/payloads", true)]
    [InlineData("MriCs:Cluster:Seeds:0", "x", false)]
    [InlineData("MriCs:Cluster:SplitBrain:Strategy", "keep-majority", true)]
    [InlineData("MriCs:Cluster:SplitBrain:Stratgy", "keep-majority", false)]
    [InlineData("MriCs:Inference:Slots", "all", false)]
    [InlineData("MriCs:Ingest:TaskTimeout", "two minutes", false)]
    [InlineData("Other:Key", "1", false)]
    public void Configuration_keys_are_checked_against_MriCsOptions(string key, string value, bool binds)
    {
        var problem = DeployRules.ConfigKeyProblem(key, value);
        output.WriteLine(problem ?? "binds");
        Assert.Equal(binds, problem is null);
    }

    private static (ManifestSet Set, string Dir) Broken(string file, string find, string replace)
    {
        var dir = Repo.CopyOfK8s();
        try
        {
            var path = Path.Combine(dir, file);
            var text = File.ReadAllText(path);
            Assert.True(text.Contains(find, StringComparison.Ordinal), $"{file} no longer contains the text this test breaks: {find}");
            File.WriteAllText(path, text.Replace(find, replace, StringComparison.Ordinal));
            return (ManifestSet.Validate(ManifestSet.ManifestFiles(dir)), dir);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
