using Akka.Actor;
using Akka.Event;
using MriCs.Actors.Grading;
using MriCs.Actors.Protocol;
using MriCs.Actors.Studies;
using MriCs.Actors.Telemetry;
using Microsoft.Extensions.Logging;

namespace MriCs.Actors.Actors;

/// <summary>
/// Entry of instances into the pipeline: an explicit folder (<see cref="IngestFolder"/>, a batch whose
/// studies complete when it is read) or a watched folder (new files picked up every poll; studies
/// complete on inactivity). Headers are read off the actor thread; files that are not usable DICOM are
/// reported with the reason and left in place. A "levels.csv" sidecar (sop_instance_uid,level) in the
/// folder labels the levels of a batch import. The C-STORE SCP sends <see cref="InstancesArrived"/> to
/// the assembler the same way.
/// </summary>
public sealed class IngestActor : ReceiveActor, IWithTimers
{
    public const string SidecarFileName = "levels.csv";

    private readonly IInstanceReader _reader;
    private readonly IActorRef _assembler;
    private readonly string? _watchDirectory;
    private readonly TimeSpan _batchTimeout;
    private readonly ILogger _log = ActorLogging.For<IngestActor>(Context.System);
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private bool _scanning;

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record Scanned(string Directory, List<InstanceHeader> Headers, List<RejectedFile> Rejected, IActorRef? ReplyTo);
    private sealed record ScanFailed(string Directory, Exception Error, IActorRef? ReplyTo);
    private sealed record Poll { public static Poll Instance { get; } = new(); }

    public IngestActor(IInstanceReader reader, IActorRef assembler, string? watchDirectory, TimeSpan pollInterval, TimeSpan batchTimeout, string? resumeDirectory = null)
    {
        _reader = reader;
        _assembler = assembler;
        _watchDirectory = watchDirectory;
        _batchTimeout = batchTimeout;

        Receive<IngestFolder>(i => Scan(i.Directory, Sender, onlyNew: false));
        Receive<Poll>(_ =>
        {
            if (_watchDirectory is not null && !_scanning && Directory.Exists(_watchDirectory)) Scan(_watchDirectory, null, onlyNew: true);
        });
        Receive<Scanned>(s =>
        {
            if (s.ReplyTo is null) _scanning = false;
            foreach (var r in s.Rejected) IngestLog.FileRejected(_log, LogSafe.Path(r.Path), LogSafe.Message(r.Reason, r.Path));
            if (s.Headers.Count > 0) _assembler.Tell(new InstancesArrived(s.Headers));
            if (s.ReplyTo is null) return;
            var studies = s.Headers.Select(h => h.StudyInstanceUid).Distinct(StringComparer.Ordinal).ToList();
            var replyTo = s.ReplyTo;
            _assembler.Ask<StudiesCompleted>(new CompleteStudies(studies), _batchTimeout)
                .PipeTo(replyTo, success: _ => new FolderIngested(s.Directory, studies, s.Rejected, s.Headers.Count), failure: ex => new Status.Failure(ex));
        });
        Receive<ScanFailed>(f =>
        {
            if (f.ReplyTo is null) { _scanning = false; IngestLog.ScanFailed(_log, LogSafe.Message(f.Error.Message, f.Directory)); return; }
            f.ReplyTo.Tell(new Status.Failure(f.Error));
        });
        if (watchDirectory is not null) Timers.StartPeriodicTimer("poll", Poll.Instance, TimeSpan.Zero, pollInterval);
        // Staged instances of a previous run (the SCP's folder): read once at start, never deleted; their
        // studies complete on inactivity and finished ones are recognised by their aggregators.
        if (resumeDirectory is not null && Directory.Exists(resumeDirectory)) Scan(resumeDirectory, null, onlyNew: true);
    }

    public static Props Props(IInstanceReader reader, IActorRef assembler, string? watchDirectory = null, TimeSpan? pollInterval = null,
        TimeSpan? batchTimeout = null, string? resumeDirectory = null) =>
        Akka.Actor.Props.Create(() => new IngestActor(reader, assembler, watchDirectory, pollInterval ?? TimeSpan.FromSeconds(2), batchTimeout ?? TimeSpan.FromMinutes(10), resumeDirectory));

    /// <summary>A watched file younger than this may still be being written: it waits for the next poll.</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromMilliseconds(500);

    private void Scan(string directory, IActorRef? replyTo, bool onlyNew)
    {
        IReadOnlyList<string>? files = null;
        if (onlyNew)
        {
            _scanning = true;
            var settled = DateTime.UtcNow - SettleTime;
            files = EnumerateFiles(directory).Where(f => !_seen.Contains(f) && File.GetLastWriteTimeUtc(f) < settled).ToList();
            foreach (var f in files) _seen.Add(f); // the next poll does not read them again
        }
        var reader = _reader;
        Task.Run(() => ReadFolder(directory, reader, files)).PipeTo(Self,
            success: r => new Scanned(directory, r.Headers, r.Rejected, replyTo),
            failure: ex => new ScanFailed(directory, ex, replyTo));
    }

    /// <summary>Reads every file's header (pure apart from the file system).</summary>
    public static (List<InstanceHeader> Headers, List<RejectedFile> Rejected) ReadFolder(string directory, IInstanceReader reader, IReadOnlyList<string>? files = null)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"folder '{directory}' does not exist");
        var sidecarPath = Path.Combine(directory, SidecarFileName);
        var sidecar = File.Exists(sidecarPath) ? StudyAssembly.ReadSidecar(sidecarPath) : null;
        var headers = new List<InstanceHeader>();
        var rejected = new List<RejectedFile>();
        foreach (var file in files ?? EnumerateFiles(directory))
        {
            if (string.Equals(Path.GetFileName(file), SidecarFileName, StringComparison.OrdinalIgnoreCase)) continue;
            try
            {
                var h = reader.ReadHeader(file);
                if (sidecar is not null && sidecar.TryGetValue(h.SopInstanceUid, out var level)) h = h with { LevelLabel = level };
                headers.Add(h);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                rejected.Add(new RejectedFile(file, ex.Message));
            }
        }
        // The same SOP instance twice (a study pushed twice): keep the first.
        headers = headers.GroupBy(h => h.SopInstanceUid, StringComparer.Ordinal).Select(g => g.First()).ToList();
        return (headers, rejected);
    }

    /// <summary>
    /// The files of a folder tree, without anything under a dot-folder or named with a dot first: the C-STORE SCP's
    /// own work files (staging/.incoming *.part/*.mat, the journal's staging/.journal segments and checkpoint) are
    /// never instances to ingest.
    /// </summary>
    internal static IEnumerable<string> EnumerateFiles(string directory)
    {
        var root = directory;
        return Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden })
            .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
            .Order(StringComparer.Ordinal);
    }
}
