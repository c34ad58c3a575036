using MriCs.Actors.Aggregation;
using MriCs.Actors.Studies;

namespace MriCs.Actors.Hosting;

/// <summary>
/// Every setting of an MriCs node (configuration section "MriCs": appsettings.json, environment
/// variables MriCs__DataDir..., or command-line MriCs:DataDir=...). Validated at start.
/// </summary>
public sealed class MriCsOptions
{
    public const string Section = "MriCs";

    /// <summary>Journal, staging and exports live here (./data by default).</summary>
    public string DataDir { get; set; } = "data";
    /// <summary>Roles of this node (see <see cref="ClusterRoles"/>); empty = all in one (ingest + gpu-worker).
    /// No default items: configuration binding appends to a list, it does not replace it.</summary>
    public List<string> Roles { get; set; } = [];

    public IReadOnlyList<string> EffectiveRoles => Roles.Count > 0 ? Roles : ClusterRoles.AllInOne;
    public ClusterSettings Cluster { get; set; } = new();
    public PersistenceSettings Persistence { get; set; } = new();
    public InferenceSettings Inference { get; set; } = new();
    public IngestSettings Ingest { get; set; } = new();
    public AggregationSettings Aggregation { get; set; } = new();
    public DicomSettings Dicom { get; set; } = new();

    public bool Has(string role) => EffectiveRoles.Contains(role, StringComparer.Ordinal);

    public string DatabasePath => Path.GetFullPath(Path.Combine(DataDir, "mrics.db"));

    /// <summary>Where the C-STORE SCP keeps received instances (Study/Series/SOP.dcm).</summary>
    public string StagingDir => Path.GetFullPath(Path.Combine(DataDir, "staging"));

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDir)) yield return "MriCs:DataDir must be set";
        foreach (var r in Roles.Where(r => !ClusterRoles.All.Contains(r))) yield return $"MriCs:Roles: unknown role '{r}' (known: {string.Join(", ", ClusterRoles.All)})";
        if (Cluster.Port is < 0 or > 65535) yield return $"MriCs:Cluster:Port {Cluster.Port} is not a port";
        if (Cluster.ShardCount < 1) yield return "MriCs:Cluster:ShardCount must be >= 1";
        if (Inference.Slots < 0) yield return "MriCs:Inference:Slots must be >= 0 (0 = one per GPU in NVIDIA_VISIBLE_DEVICES, else 1)";
        if (Cluster.SlotRebalanceInterval <= TimeSpan.Zero) yield return "MriCs:Cluster:SlotRebalanceInterval must be positive";
        foreach (var p in Cluster.SplitBrain.Validate()) yield return "MriCs:Cluster:SplitBrain:" + p;
        foreach (var p in MriCsPersistence.Validate(Persistence)) yield return p;
        if (Inference.MaxInFlightPerSlot < 1) yield return "MriCs:Inference:MaxInFlightPerSlot must be >= 1";
        if (Inference.DetectorInstances is < 1 or > 64) yield return $"MriCs:Inference:DetectorInstances {Inference.DetectorInstances} must be in 1..64";
        if (Ingest.QueueCapacity < 1) yield return "MriCs:Ingest:QueueCapacity must be >= 1";
        if (Ingest.MaxWaitingTasks < 1) yield return "MriCs:Ingest:MaxWaitingTasks must be >= 1";
        if (Ingest.StudyInactivity <= TimeSpan.Zero) yield return "MriCs:Ingest:StudyInactivity must be positive";
        if (Ingest.TaskTimeout <= TimeSpan.Zero) yield return "MriCs:Ingest:TaskTimeout must be positive";
        foreach (var p in Ingest.Assembly.Validate()) yield return "MriCs:Ingest:" + p;
        if (Dicom.Port is < 0 or > 65535) yield return $"MriCs:Dicom:Port {Dicom.Port} is not a port";
        if (string.IsNullOrWhiteSpace(Dicom.AeTitle) || Dicom.AeTitle.Length > 16) yield return "MriCs:Dicom:AeTitle must be 1..16 characters";
        if (!System.Net.IPAddress.TryParse(Dicom.Bind, out _)) yield return $"MriCs:Dicom:Bind '{Dicom.Bind}' is not an IP address";
        if (Dicom.ParsedStorageMode is null) yield return $"MriCs:Dicom:StorageMode '{Dicom.StorageMode}' must be direct or journal";
        if (Dicom.JournalLinger < TimeSpan.Zero) yield return "MriCs:Dicom:JournalLinger must not be negative";
        string? fusionProblem = null;
        try { Fusion.Parse(Aggregation.Fusion); } catch (ArgumentException ex) { fusionProblem = ex.Message; }
        if (fusionProblem is not null) yield return "MriCs:Aggregation:Fusion: " + fusionProblem;
    }
}

public sealed class ClusterSettings
{
    public string SystemName { get; set; } = "mrics";
    public string Hostname { get; set; } = "127.0.0.1";
    /// <summary>0 = any free port (the all-in-one node joins itself).</summary>
    public int Port { get; set; }
    public string? PublicHostname { get; set; }
    /// <summary>Static seeds (the Lighthouse), e.g. akka.tcp://mrics@lighthouse-0:4053. Empty: join self.</summary>
    public List<string> SeedNodes { get; set; } = [];
    public int ShardCount { get; set; } = 50;
    /// <summary>How often the gpu-worker shard coordinator checks slot placement (moves slots off leaving nodes, fills free ones).</summary>
    public TimeSpan SlotRebalanceInterval { get; set; } = TimeSpan.FromSeconds(2);
    public SplitBrainSettings SplitBrain { get; set; } = new();
}

/// <summary>Akka.NET's split-brain resolver (MriCs:Cluster:SplitBrain): which side of a partition survives, decided once the membership has been stable for StableAfter.</summary>
public sealed class SplitBrainSettings
{
    public const string KeepMajority = "keep-majority";
    public const string KeepOldest = "keep-oldest";
    public const string Off = "off";

    /// <summary>keep-majority (default: the side with more members stays, on a tie the side with the lowest address), keep-oldest, or off (no automatic downing).</summary>
    public string Strategy { get; set; } = KeepMajority;
    /// <summary>Unreachability must last this long, with no membership change, before the resolver downs the other side.</summary>
    public TimeSpan StableAfter { get; set; } = TimeSpan.FromSeconds(20);
    /// <summary>Decide only by members with this role (empty: all members).</summary>
    public string? Role { get; set; }

    public IEnumerable<string> Validate()
    {
        if (Strategy is not (KeepMajority or KeepOldest or Off)) yield return $"Strategy '{Strategy}' is not one of {KeepMajority}, {KeepOldest}, {Off}";
        if (StableAfter <= TimeSpan.Zero) yield return "StableAfter must be positive";
    }
}

public sealed class PersistenceSettings
{
    /// <summary>sqlite (default) or postgresql.</summary>
    public string Provider { get; set; } = "sqlite";
    /// <summary>sqlite: empty = a file mrics.db under the data directory. postgresql: required (Host=...;Port=...;Username=...;Password=...;Database=...).</summary>
    public string? ConnectionString { get; set; }
    /// <summary>Create the journal and snapshot tables at start when missing (else run `mrics db init` first).</summary>
    public bool AutoInitialize { get; set; } = true;
}

public sealed class InferenceSettings
{
    public string ModelsDir { get; set; } = "models";
    public string ModelSet { get; set; } = "ensemble";
    /// <summary>auto (CUDA when it loads, else CPU), cuda or cpu.</summary>
    public string Provider { get; set; } = "auto";
    /// <summary>Worker slots this node offers (one session set each; one per GPU). 0 = auto: one per GPU named in
    /// NVIDIA_VISIBLE_DEVICES ("all": every /dev/nvidiaN), else 1 CPU slot.</summary>
    public int Slots { get; set; }
    /// <summary>The slots this node offers (<see cref="Slots"/> resolved against the environment).</summary>
    public int EffectiveSlots => Slots > 0 ? Slots : MriCs.Actors.Slots.GpuSlots.Effective(Slots);
    public int MaxInFlightPerSlot { get; set; } = 16;
    public int IntraOpThreads { get; set; }
    /// <summary>Detector batches a slot runs at once (Triton's instance count; 1..64). On a CPU slot, 2 with
    /// IntraOpThreads = cores / 2 measured faster than 1 with all cores (docs/inference.md).</summary>
    public int DetectorInstances { get; set; } = 1;
}

public sealed class IngestSettings
{
    /// <summary>A folder polled for new files (serve); none by default.</summary>
    public string? WatchDir { get; set; }
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
    public TimeSpan StudyInactivity { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Slice tasks the dispatcher holds before refusing more.</summary>
    public int QueueCapacity { get; set; } = 64;
    /// <summary>Slice tasks waiting in front of a full dispatcher at which the C-STORE SCP starts answering 0xA700.</summary>
    public int MaxWaitingTasks { get; set; } = 1024;
    /// <summary>A dispatched task without a persisted result after this is sent again.</summary>
    public TimeSpan TaskTimeout { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>The tag holding the disc level label ("gggg,eeee"); (0020,4000) Image Comments by default.</summary>
    public string LevelTag { get; set; } = "0020,4000";
    public AssemblyRules Assembly { get; set; } = new();
}

public sealed class AggregationSettings
{
    /// <summary>mean (default), majority or most-severe.</summary>
    public string Fusion { get; set; } = "mean";
    /// <summary>Idle aggregators stop after this (their state is in the journal).</summary>
    public TimeSpan PassivateAfter { get; set; } = TimeSpan.FromMinutes(2);
}

public sealed class DicomSettings
{
    /// <summary>The C-STORE SCP's port on ingest nodes; unset = no SCP.</summary>
    public int? Port { get; set; }
    public string AeTitle { get; set; } = "MRICS";
    public string Bind { get; set; } = "0.0.0.0";

    /// <summary>
    /// "direct" (default: each instance written and fsynced as its own file before the success) or "journal"
    /// (write-ahead journal under staging/.journal, files made in the background; see docs/conformance.md).
    /// </summary>
    public string StorageMode { get; set; } = "direct";

    /// <summary>Journal mode: how long the receive path must be quiet before files are made (see docs/conformance.md).</summary>
    public TimeSpan JournalLinger { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The parsed <see cref="StorageMode"/>; null when it is neither direct nor journal.</summary>
    public MriCs.Dicom.Network.StorageMode? ParsedStorageMode => StorageMode?.Trim().ToLowerInvariant() switch
    {
        "direct" => MriCs.Dicom.Network.StorageMode.Direct,
        "journal" => MriCs.Dicom.Network.StorageMode.Journal,
        _ => null,
    };
}
