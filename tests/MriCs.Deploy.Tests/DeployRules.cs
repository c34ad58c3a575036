using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using MriCs.Actors.Hosting;

namespace MriCs.Deploy.Tests;

/// <summary>
/// MriCs-specific rules over the k8s/ objects that a schema cannot express. Pure: objects in, one line per
/// problem out (empty = all rules hold), so the tests can feed both the real manifests and broken copies.
/// </summary>
public static partial class DeployRules
{
    public const int ManagementPort = 8558;
    public const int AkkaPort = 4053;

    /// <summary>Keys agreed between helpers (payload store; the cluster code's split-brain resolver) that may not be in
    /// MriCsOptions on this branch yet: accepted while the property path does not exist; once it exists, the real
    /// type decides (binding and conversion).</summary>
    public static readonly IReadOnlySet<string> ContractKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "MriCs:Storage:Root", "MriCs:Cluster:SplitBrain:Strategy", "MriCs:Cluster:SplitBrain:StableAfter",
    };

    /// <summary>The options types that configuration sections bind to (the longest matching section wins).</summary>
    public static readonly IReadOnlyList<(string Section, Type Type)> OptionTypes =
    [
        (MriCs.Management.ManagementOptions.Section, typeof(MriCs.Management.ManagementOptions)),
        (MriCsOptions.Section, typeof(MriCsOptions)),
    ];

    private static readonly string[] WorkloadKinds = ["Deployment", "StatefulSet", "DaemonSet"];

    public static List<string> Check(IReadOnlyList<K8sObject> objects, string? deployDoc = null)
    {
        var problems = new List<string>();
        var ns = objects.FirstOrDefault(o => o.Kind == "Namespace")?.Name;
        if (ns is null) problems.Add("no Namespace object");
        var configMaps = objects.Where(o => o.Kind == "ConfigMap").ToDictionary(o => o.Name);
        var workloads = objects.Where(o => WorkloadKinds.Contains(o.Kind)).ToList();
        if (workloads.Count == 0) problems.Add("no workloads (Deployment/StatefulSet)");

        foreach (var o in objects.Where(o => o.Kind is not ("Namespace" or "Kustomization")))
            if (o.Json.Path("metadata", "namespace")?.GetString() is var n && n != ns)
                problems.Add($"{o}: metadata.namespace '{n}' is not the namespace '{ns}'");

        foreach (var w in workloads) CheckWorkload(w, configMaps, objects, deployDoc, problems);
        foreach (var cm in configMaps.Values) CheckConfigKeys(cm, problems);
        CheckSeeds(objects, workloads, configMaps, problems);
        CheckServices(objects, workloads, problems);
        foreach (var pdb in objects.Where(o => o.Kind == "PodDisruptionBudget"))
            if (!workloads.Any(w => Selects(pdb.Json.Path("spec", "selector", "matchLabels"), TemplateLabels(w))))
                problems.Add($"{pdb}: selects no workload's pods");
        foreach (var w in workloads.Where(w => w.Kind != "DaemonSet" && IsMriCs(w)))
            if (!objects.Any(p => p.Kind == "PodDisruptionBudget" && Selects(p.Json.Path("spec", "selector", "matchLabels"), TemplateLabels(w))))
                problems.Add($"{w}: no PodDisruptionBudget");
        return problems;
    }

    /// <summary>The kustomization lists every manifest in the folder, and only existing ones.</summary>
    public static List<string> CheckKustomization(string dir)
    {
        var problems = new List<string>();
        var path = Path.Combine(dir, "kustomization.yaml");
        if (!File.Exists(path)) return ["kustomization.yaml is missing"];
        var listed = ResourceLine().Matches(File.ReadAllText(path)).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var files = Directory.GetFiles(dir, "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml").ToHashSet(StringComparer.Ordinal);
        foreach (var f in files.Except(listed)) problems.Add($"kustomization.yaml does not list {f}");
        foreach (var f in listed.Except(files!)) problems.Add($"kustomization.yaml lists {f}, which does not exist");
        return problems;
    }

    [GeneratedRegex(@"^\s+-\s+([\w.\-]+\.yaml)\s*$", RegexOptions.Multiline)]
    private static partial Regex ResourceLine();

    private static bool IsMriCs(K8sObject w) => Containers(w).Any(c => IsMriCsImage(c.Str("image")));

    private static bool IsMriCsImage(string? image) => image is not null && image.Contains("/mrics/", StringComparison.Ordinal);

    private static IEnumerable<JsonElement> Containers(K8sObject w) => w.Json.Path("spec", "template", "spec", "containers").Items();

    private static JsonElement? TemplateLabels(K8sObject w) => w.Json.Path("spec", "template", "metadata", "labels");

    private static bool Selects(JsonElement? selector, JsonElement? labels)
    {
        var sel = selector.Props().ToList();
        return sel.Count > 0 && sel.All(p => labels.Str(p.Name) == p.Value.GetString());
    }

    private static void CheckWorkload(K8sObject w, Dictionary<string, K8sObject> configMaps, IReadOnlyList<K8sObject> all, string? deployDoc, List<string> problems)
    {
        var pod = w.Json.Path("spec", "template", "spec");
        if (pod is null) { problems.Add($"{w}: no pod template"); return; }
        var podSec = pod.Get("securityContext");
        if (!Selects(w.Json.Path("spec", "selector", "matchLabels"), TemplateLabels(w)))
            problems.Add($"{w}: spec.selector does not match the pod template's labels");
        var mriCs = IsMriCs(w);
        var grace = pod.Get("terminationGracePeriodSeconds")?.GetInt32() ?? 30;

        foreach (var c in Containers(w))
        {
            var name = $"{w} container {c.Str("name")}";
            var image = c.Str("image") ?? "";
            if (!Regex.IsMatch(image, @":[\w.\-]+$") || image.EndsWith(":latest", StringComparison.Ordinal))
                problems.Add($"{name}: image '{image}' needs an explicit tag (not latest)");
            if (c.Get("readinessProbe") is null) problems.Add($"{name}: no readinessProbe");
            if (c.Get("livenessProbe") is null) problems.Add($"{name}: no livenessProbe");
            var res = c.Get("resources");
            foreach (var r in new[] { "cpu", "memory" })
                if (res.Get("requests").Str(r) is null) problems.Add($"{name}: no resources.requests.{r}");
            if (res.Get("limits").Str("memory") is null) problems.Add($"{name}: no resources.limits.memory");
            var sec = c.Get("securityContext");
            var nonRoot = sec.Get("runAsNonRoot")?.ValueKind == JsonValueKind.True || (sec.Get("runAsNonRoot") is null && podSec.Get("runAsNonRoot")?.ValueKind == JsonValueKind.True);
            if (!nonRoot) problems.Add($"{name}: runAsNonRoot is not true");
            if ((sec.Str("runAsUser") ?? podSec.Str("runAsUser")) == "0") problems.Add($"{name}: runAsUser 0");
            if (sec.Get("allowPrivilegeEscalation")?.ValueKind != JsonValueKind.False) problems.Add($"{name}: allowPrivilegeEscalation is not false");
            if (IsMriCsImage(image)) CheckMriCsContainer(w, c, name, pod.Value, grace, configMaps, deployDoc, problems);
        }
        foreach (var v in pod.Get("volumes").Items())
        {
            if (v.Get("configMap").Str("name") is { } cm && !configMaps.ContainsKey(cm)) problems.Add($"{w}: volume {v.Str("name")} names ConfigMap {cm}, which is not defined");
            if (v.Get("persistentVolumeClaim").Str("claimName") is { } pvc && !all.Any(o => o.Kind == "PersistentVolumeClaim" && o.Name == pvc))
                problems.Add($"{w}: volume {v.Str("name")} names PersistentVolumeClaim {pvc}, which is not defined");
        }
        if (mriCs && w.Json.Path("spec", "template", "metadata", "annotations") is var ann)
        {
            if (ann.Str("prometheus.io/scrape") != "true") problems.Add($"{w}: pod annotation prometheus.io/scrape is not \"true\"");
            if (ann.Str("prometheus.io/port") != ManagementPort.ToString(CultureInfo.InvariantCulture)) problems.Add($"{w}: pod annotation prometheus.io/port is not \"{ManagementPort}\"");
            if (ann.Str("prometheus.io/path") != "/metrics") problems.Add($"{w}: pod annotation prometheus.io/path is not /metrics");
        }
    }

    /// <summary>The environment a container sees: envFrom ConfigMaps first, then env (which wins). Secrets read as "(secret name/key)".</summary>
    public static Dictionary<string, string> Environment(JsonElement container, Dictionary<string, K8sObject> configMaps, List<string>? problems = null, string? where = null)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var from in container.Get("envFrom").Items())
        {
            if (from.Get("configMapRef").Str("name") is not { } cmName) continue;
            if (!configMaps.TryGetValue(cmName, out var cm)) { problems?.Add($"{where}: envFrom names ConfigMap {cmName}, which is not defined"); continue; }
            foreach (var p in cm.Json.Get("data").Props()) env[p.Name] = p.Value.GetString() ?? "";
        }
        foreach (var e in container.Get("env").Items())
        {
            var key = e.Str("name")!;
            if (e.Str("value") is { } v) env[key] = v;
            else if (e.Path("valueFrom", "secretKeyRef") is { } s) env[key] = $"(secret {s.Str("name")}/{s.Str("key")})";
            else if (e.Path("valueFrom", "configMapKeyRef") is { } r)
            {
                if (configMaps.TryGetValue(r.Str("name") ?? "", out var cm) && cm.Json.Get("data").Str(r.Str("key") ?? "") is { } cv) env[key] = cv;
                else problems?.Add($"{where}: env {key} names ConfigMap key {r.Str("name")}/{r.Str("key")}, which is not defined");
            }
            else if (e.Path("valueFrom", "fieldRef") is { } f) env[key] = $"(field {f.Str("fieldPath")})";
            else env[key] = "";
        }
        return env;
    }

    private static void CheckMriCsContainer(K8sObject w, JsonElement c, string name, JsonElement pod, int grace,
        Dictionary<string, K8sObject> configMaps, string? deployDoc, List<string> problems)
    {
        var ports = c.Get("ports").Items().ToDictionary(p => p.Str("name") ?? p.Str("containerPort")!, p => p.Str("containerPort"));
        foreach (var (probe, path) in new[] { ("readinessProbe", "/health/ready"), ("livenessProbe", "/health/live") })
        {
            var get = c.Get(probe).Get("httpGet");
            if (get is null) { problems.Add($"{name}: {probe} is not an httpGet on the management port"); continue; }
            if (get.Str("path") != path) problems.Add($"{name}: {probe} path is {get.Str("path")}, not {path}");
            var port = get.Str("port");
            var number = port is not null && ports.TryGetValue(port, out var n) ? n : port;
            if (number != ManagementPort.ToString(CultureInfo.InvariantCulture)) problems.Add($"{name}: {probe} port {port} is not the management port {ManagementPort}");
        }
        var env = Environment(c, configMaps, problems, name);
        foreach (var (key, value) in env.Where(kv => kv.Key.StartsWith("MriCs__", StringComparison.Ordinal)))
            if (ConfigKeyProblem(key.Replace("__", ":", StringComparison.Ordinal), value) is { } p) problems.Add($"{name}: env {key}: {p}");
        Expect(env, "MriCs__Management__Port", ManagementPort.ToString(CultureInfo.InvariantCulture), name, problems);
        Expect(env, "MriCs__Management__Bind", "0.0.0.0", name, problems);
        Expect(env, "MriCs__Cluster__Port", AkkaPort.ToString(CultureInfo.InvariantCulture), name, problems);
        if (!env.TryGetValue("MriCs__Management__Token", out var token) || !token.StartsWith("(secret ", StringComparison.Ordinal))
            problems.Add($"{name}: MriCs__Management__Token must come from a Secret (secretKeyRef)");
        if (env.TryGetValue("MriCs__Persistence__ConnectionString", out var cs) && !cs.StartsWith("(secret ", StringComparison.Ordinal))
            problems.Add($"{name}: MriCs__Persistence__ConnectionString must come from a Secret (secretKeyRef)");
        if (!int.TryParse(env.GetValueOrDefault("DOTNET_shutdownTimeoutSeconds"), out var shutdown))
            problems.Add($"{name}: DOTNET_shutdownTimeoutSeconds is not set (the host's budget for CoordinatedShutdown)");
        else if (grace < shutdown + 15)
            problems.Add($"{name}: terminationGracePeriodSeconds {grace} leaves less than 15 s over DOTNET_shutdownTimeoutSeconds {shutdown}");
        foreach (var (key, value) in env)
            if (Regex.Matches(value, @"\$\((\w+)\)").Select(m => m.Groups[1].Value).FirstOrDefault(v => !env.ContainsKey(v)) is { } missing)
                problems.Add($"{name}: env {key} uses $({missing}), which is not defined");
        foreach (var (key, value) in env.Where(kv => kv.Value.StartsWith("(secret ", StringComparison.Ordinal)))
        {
            var m = Regex.Match(value, @"^\(secret ([^/]+)/(.+)\)$");
            if (deployDoc is not null && (!deployDoc.Contains(m.Groups[1].Value, StringComparison.Ordinal) || !deployDoc.Contains(m.Groups[2].Value, StringComparison.Ordinal)))
                problems.Add($"{name}: env {key} reads Secret {m.Groups[1].Value}/{m.Groups[2].Value}, which docs/deploy.md does not say how to create");
        }

        var gpu = c.Path("resources", "limits").Str("nvidia.com/gpu");
        var role = w.Json.Path("spec", "template", "metadata", "labels").Str("mrics.io/role");
        if (role is null) problems.Add($"{w}: pod template has no mrics.io/role label");
        if (role == ClusterRoles.GpuWorker)
        {
            if (gpu is null || !int.TryParse(gpu, out var g) || g < 1) problems.Add($"{name}: a GPU worker must request nvidia.com/gpu >= 1 in resources.limits");
            if (env.GetValueOrDefault("MriCs__Inference__Slots") != "0")
                problems.Add($"{name}: MriCs__Inference__Slots must be 0 (one slot per GPU the device plugin assigns)");
        }
        else if (gpu is not null) problems.Add($"{name}: only GPU workers request nvidia.com/gpu");
        if (role == ClusterRoles.Ingest && !c.Get("ports").Items().Any(p => p.Str("containerPort") == "11112"))
            problems.Add($"{name}: an ingest node exposes the DICOM port 11112");
        if (pod.Get("securityContext").Str("runAsUser") is { } uid && uid != "1654")
            problems.Add($"{name}: runAsUser {uid} is not the images' app user 1654");
    }

    private static void Expect(Dictionary<string, string> env, string key, string value, string where, List<string> problems)
    {
        if (env.GetValueOrDefault(key) != value) problems.Add($"{where}: {key} is '{env.GetValueOrDefault(key)}', expected '{value}'");
    }

    /// <summary>Every MriCs key in ConfigMaps (env-style keys and appsettings JSON files) binds to MriCsOptions.</summary>
    private static void CheckConfigKeys(K8sObject cm, List<string> problems)
    {
        foreach (var p in cm.Json.Get("data").Props())
        {
            var value = p.Value.GetString() ?? "";
            if (p.Name.StartsWith("MriCs__", StringComparison.Ordinal))
            {
                if (ConfigKeyProblem(p.Name.Replace("__", ":", StringComparison.Ordinal), value) is { } problem) problems.Add($"{cm}: {p.Name}: {problem}");
            }
            else if (p.Name.EndsWith(".json", StringComparison.Ordinal))
            {
                Dictionary<string, string?> flat;
                try { flat = FlattenJson(value); }
                catch (JsonException ex) { problems.Add($"{cm}: {p.Name} is not JSON: {ex.Message}"); continue; }
                foreach (var (key, v) in flat.Where(kv => kv.Key.StartsWith("MriCs:", StringComparison.OrdinalIgnoreCase)))
                    if (ConfigKeyProblem(key, v ?? "") is { } problem) problems.Add($"{cm}: {p.Name} {key}: {problem}");
            }
        }
    }

    private static Dictionary<string, string?> FlattenJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var flat = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        void Walk(JsonElement e, string prefix)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject()) Walk(p.Value, prefix.Length == 0 ? p.Name : prefix + ":" + p.Name);
                    break;
                case JsonValueKind.Array:
                    var i = 0;
                    foreach (var item in e.EnumerateArray()) Walk(item, prefix + ":" + i++);
                    break;
                default:
                    flat[prefix] = Json.Scalar(e);
                    break;
            }
        }
        Walk(doc.RootElement, "");
        return flat;
    }

    /// <summary>Binds one "MriCs:A:B" key to a fresh options object of its section (MriCsOptions, ManagementOptions) with
    /// the real configuration binder (unknown keys and unconvertible values are errors); null when it binds. Runtime
    /// placeholders ($(POD_IP), secrets) bind as strings.</summary>
    public static string? ConfigKeyProblem(string key, string value)
    {
        var (section, type) = OptionTypes.FirstOrDefault(t => key.StartsWith(t.Section + ":", StringComparison.OrdinalIgnoreCase));
        if (type is null) return "not in the MriCs section";
        var parts = key.Split(':');
        if (ContractKeys.Contains(key) && type == typeof(MriCsOptions) && !PropertyPathExists(type, parts[1..]))
            return null;
        var config = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();
        try
        {
            config.GetSection(section).Bind(Activator.CreateInstance(type), o => o.ErrorOnUnknownConfiguration = true);
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return $"does not bind to {type.Name}: " + ex.Message;
        }
    }

    /// <summary>Problems that the options validators report for a value fixed by a contract between helpers before the
    /// code behind it is merged (Slots 0 = auto: cluster-core; provider postgresql: cluster-procs). Once the validator
    /// accepts the value the problem no longer appears and this list has no effect.</summary>
    public static readonly IReadOnlyList<(string Problem, string Key, string Value)> PendingContractProblems =
    [
        ("MriCs:Inference:Slots must be >= 1", "MriCs:Inference:Slots", "0"),
        ("MriCs:Persistence:Provider 'postgresql' is not supported here", "MriCs:Persistence:Provider", "postgresql"),
    ];

    /// <summary>The configuration each MriCs container would start with (its mounted appsettings.Production.json, then its
    /// environment; downward-API fields and secrets as placeholders), run through the real options validators.</summary>
    public static List<string> EffectiveConfigProblems(IReadOnlyList<K8sObject> objects)
    {
        var problems = new List<string>();
        var configMaps = objects.Where(o => o.Kind == "ConfigMap").ToDictionary(o => o.Name);
        foreach (var w in objects.Where(o => WorkloadKinds.Contains(o.Kind) && IsMriCs(o)))
        {
            var pod = w.Json.Path("spec", "template", "spec")!.Value;
            var role = TemplateLabels(w).Str("mrics.io/role");
            foreach (var c in Containers(w))
            {
                var where = $"{w} container {c.Str("name")}";
                var builder = new ConfigurationBuilder();
                foreach (var mount in c.Get("volumeMounts").Items().Where(m => m.Str("mountPath") == "/app/appsettings.Production.json"))
                {
                    var volume = pod.Get("volumes").Items().FirstOrDefault(v => v.Str("name") == mount.Str("name"));
                    var json = configMaps.GetValueOrDefault(volume.Get("configMap").Str("name") ?? "")?.Json.Get("data").Str(mount.Str("subPath") ?? "");
                    if (json is null) { problems.Add($"{where}: appsettings.Production.json mount has no ConfigMap data"); continue; }
                    builder.AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)));
                }
                var env = Environment(c, configMaps);
                string Resolve(string v) => Regex.Replace(v, @"\$\((\w+)\)", m => env.TryGetValue(m.Groups[1].Value, out var r) ? Placeholder(r) : m.Value);
                var settings = env.Where(kv => kv.Key.StartsWith("MriCs__", StringComparison.Ordinal))
                    .Select(kv => new KeyValuePair<string, string?>(kv.Key.Replace("__", ":", StringComparison.Ordinal), Resolve(Placeholder(kv.Value))))
                    .ToList();
                if (role is not null) settings.Add(new("MriCs:Roles:0", role));
                builder.AddInMemoryCollection(settings);
                var config = builder.Build();
                var options = new MriCsOptions();
                var management = new MriCs.Management.ManagementOptions();
                try
                {
                    config.GetSection(MriCsOptions.Section).Bind(options);
                    config.GetSection(MriCs.Management.ManagementOptions.Section).Bind(management);
                }
                catch (InvalidOperationException ex) { problems.Add($"{where}: {ex.Message}"); continue; }
                foreach (var p in options.Validate().Concat(management.Validate()))
                    if (!PendingContractProblems.Any(x => p.StartsWith(x.Problem, StringComparison.Ordinal) && config[x.Key] == x.Value)) problems.Add($"{where}: {p}");
                if (management.Port is null) problems.Add($"{where}: the management endpoint is off (no MriCs:Management:Port)");
            }
        }
        return problems;
    }

    private static string Placeholder(string value) => value switch
    {
        "(field status.podIP)" => "10.1.2.3",
        "(field metadata.name)" => "pod-0",
        _ => value,
    };

    private static bool PropertyPathExists(Type type, string[] path)
    {
        foreach (var name in path)
        {
            var p = type.GetProperty(name, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
            if (p is null) return false;
            type = p.PropertyType;
        }
        return true;
    }

    private static void CheckSeeds(IReadOnlyList<K8sObject> objects, List<K8sObject> workloads, Dictionary<string, K8sObject> configMaps, List<string> problems)
    {
        var lighthouse = workloads.FirstOrDefault(w => TemplateLabels(w).Str("mrics.io/role") == ClusterRoles.Lighthouse);
        if (lighthouse is null) { problems.Add("no Lighthouse workload (pod label mrics.io/role: lighthouse)"); return; }
        if (lighthouse.Kind != "StatefulSet") { problems.Add($"{lighthouse}: the Lighthouse must be a StatefulSet (stable seed DNS names)"); return; }
        var ns = lighthouse.Json.Path("metadata", "namespace")?.GetString();
        var serviceName = lighthouse.Json.Path("spec", "serviceName")?.GetString();
        var replicas = lighthouse.Json.Path("spec", "replicas")?.GetInt32() ?? 1;
        var service = objects.FirstOrDefault(o => o.Kind == "Service" && o.Name == serviceName);
        if (service is null) problems.Add($"{lighthouse}: serviceName '{serviceName}' names no Service");
        else
        {
            if (service.Json.Path("spec", "clusterIP")?.GetString() != "None") problems.Add($"{service}: the Lighthouse Service must be headless (clusterIP: None)");
            if (service.Json.Path("spec", "publishNotReadyAddresses")?.ValueKind != JsonValueKind.True)
                problems.Add($"{service}: publishNotReadyAddresses must be true (seeds resolve each other before they are ready)");
            if (!Selects(service.Json.Path("spec", "selector"), TemplateLabels(lighthouse))) problems.Add($"{service}: does not select the Lighthouse pods");
            if (!service.Json.Path("spec", "ports").Items().Any(p => p.Str("port") == AkkaPort.ToString(CultureInfo.InvariantCulture)))
                problems.Add($"{service}: no port {AkkaPort}");
        }

        var container = Containers(lighthouse).First();
        var env = Environment(container, configMaps);
        var system = env.GetValueOrDefault("MriCs__Cluster__SystemName") ?? new ClusterSettings().SystemName;
        var port = env.GetValueOrDefault("MriCs__Cluster__Port");
        var expected = Enumerable.Range(0, replicas)
            .Select(i => $"akka.tcp://{system}@{lighthouse.Name}-{i}.{serviceName}.{ns}.svc.cluster.local:{port}").ToList();
        // Seeds are read by every MriCs node: check what each container sees.
        foreach (var w in workloads.Where(IsMriCs))
            foreach (var c in Containers(w))
            {
                var e = Environment(c, configMaps);
                var seeds = e.Where(kv => kv.Key.StartsWith("MriCs__Cluster__SeedNodes__", StringComparison.Ordinal))
                    .OrderBy(kv => int.TryParse(kv.Key["MriCs__Cluster__SeedNodes__".Length..], out var i) ? i : int.MaxValue)
                    .Select(kv => kv.Value).ToList();
                if (!seeds.SequenceEqual(expected))
                    problems.Add($"{w}: seed nodes [{string.Join(", ", seeds)}] are not the Lighthouse pods [{string.Join(", ", expected)}]");
            }
        if (env.GetValueOrDefault("MriCs__Cluster__PublicHostname") != $"$(POD_NAME).{serviceName}.{ns}.svc.cluster.local"
            || !container.Get("env").Items().Any(e => e.Str("name") == "POD_NAME" && e.Path("valueFrom", "fieldRef").Str("fieldPath") == "metadata.name"))
            problems.Add($"{lighthouse}: MriCs__Cluster__PublicHostname must be $(POD_NAME).{serviceName}.{ns}.svc.cluster.local with POD_NAME from metadata.name (the seed address)");
    }

    private static void CheckServices(IReadOnlyList<K8sObject> objects, List<K8sObject> workloads, List<string> problems)
    {
        foreach (var s in objects.Where(o => o.Kind == "Service"))
        {
            var targets = workloads.Where(w => Selects(s.Json.Path("spec", "selector"), TemplateLabels(w))).ToList();
            if (targets.Count == 0) { problems.Add($"{s}: selects no workload's pods"); continue; }
            foreach (var p in s.Json.Path("spec", "ports").Items())
            {
                var target = p.Str("targetPort") ?? p.Str("port");
                var ok = targets.Any(w => Containers(w).Any(c => c.Get("ports").Items().Any(cp => cp.Str("name") == target || cp.Str("containerPort") == target)));
                if (!ok) problems.Add($"{s}: port {p.Str("name")} targets {target}, which no selected container exposes");
            }
        }
    }

    /// <summary>The three executables' Dockerfiles: multi-stage, a non-root USER in the final stage, an entry point that
    /// is the project's assembly, COPY sources that exist, models in the GPU-worker image, and the pods' uid.</summary>
    public static List<string> CheckDockerfile(string repoRoot, string project, string text, bool needsModels)
    {
        var problems = new List<string>();
        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var froms = lines.Select((l, i) => (l, i)).Where(x => x.l.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase)).Select(x => x.i).ToList();
        if (froms.Count < 2) { problems.Add($"{project}: not a multi-stage build (build stage + runtime stage)"); return problems; }
        var final = lines.Skip(froms[^1]).ToList();
        var user = final.LastOrDefault(l => l.StartsWith("USER ", StringComparison.OrdinalIgnoreCase))?[5..].Trim();
        if (user is null) problems.Add($"{project}: the final stage sets no USER (it would run as root)");
        else if (user is "root" or "0" || user.StartsWith("0:", StringComparison.Ordinal)) problems.Add($"{project}: the final stage runs as {user}");
        else if (user != "1654" && user != "app") problems.Add($"{project}: USER {user} is not the app user 1654 that the pods' runAsUser expects");
        var entry = final.LastOrDefault(l => l.StartsWith("ENTRYPOINT ", StringComparison.OrdinalIgnoreCase));
        if (entry is null || !entry.Contains($"/app/{project}.dll", StringComparison.Ordinal)) problems.Add($"{project}: ENTRYPOINT does not run /app/{project}.dll");
        if (!text.Contains($"src/{project}/{project}.csproj", StringComparison.Ordinal)) problems.Add($"{project}: does not publish src/{project}/{project}.csproj");
        var runtimeFrom = lines[froms[^1]];
        if (!Regex.IsMatch(text, @"(aspnet|runtime):10\.0") ) problems.Add($"{project}: no .NET 10 runtime image");
        if (runtimeFrom.Contains("/sdk", StringComparison.Ordinal)) problems.Add($"{project}: the final stage is the SDK image");
        foreach (var copy in lines.Where(l => l.StartsWith("COPY ", StringComparison.OrdinalIgnoreCase) && !l.Contains("--from", StringComparison.OrdinalIgnoreCase)))
        {
            var parts = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToList();
            foreach (var src in parts.Take(parts.Count - 1).Where(s => !s.Contains('*')))
                if (!File.Exists(Path.Combine(repoRoot, src)) && !Directory.Exists(Path.Combine(repoRoot, src)))
                    problems.Add($"{project}: COPY source {src} does not exist in the repository");
        }
        if (needsModels && !final.Any(l => l.StartsWith("COPY models", StringComparison.Ordinal)))
            problems.Add($"{project}: the GPU-worker image must contain the models (COPY models/ ...)");
        return problems;
    }
}
