using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MriCs.Dicom.Network.Journal;

namespace MriCs.Dicom.Network;

/// <summary>How the storage SCP makes an instance durable before its C-STORE success.</summary>
public enum StorageMode
{
    /// <summary>Each instance is written to its own file, fsynced and renamed into place (see <see cref="DurabilityMode"/>).</summary>
    Direct,
    /// <summary>
    /// Each instance is appended to a preallocated write-ahead journal with one fdatasync (shared by the
    /// instances of concurrent associations), acknowledged, then materialized as Study/Series/SOP.dcm in the
    /// background; unmaterialized records are replayed at start-up. Always durable (ignores <see cref="DurabilityMode"/>).
    /// </summary>
    Journal,
}

/// <summary>How hard the storage SCP works to make an instance durable before answering success.</summary>
public enum DurabilityMode
{
    /// <summary>Write and rename only (what dcmtk storescp does): fast, may lose acknowledged instances on power loss.</summary>
    None,
    /// <summary>fsync the file before the rename.</summary>
    FsyncFile,
    /// <summary>fsync the file, rename, fsync the directory (and any directory created): nothing acknowledged is lost.</summary>
    FsyncFileAndDirectory,
}

/// <summary>Options of the file-writing C-STORE SCP.</summary>
public sealed class FileStorageOptions
{
    /// <summary>Instances land in Directory/StudyInstanceUID/SeriesInstanceUID/SOPInstanceUID.dcm.</summary>
    public required string Directory { get; init; }

    public DurabilityMode Durability { get; init; } = DurabilityMode.FsyncFileAndDirectory;

    /// <summary>Direct (a file per instance, synced before the success) or Journal (write-ahead journal, files made in the background).</summary>
    public StorageMode Mode { get; init; } = StorageMode.Direct;

    /// <summary>Journal mode: size of one preallocated segment file (under Directory/.journal).</summary>
    public long JournalSegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Journal mode: segments at most (JournalSegmentBytes each); when all hold unmaterialized records, stores wait.</summary>
    public int JournalMaxSegments { get; init; } = 8;

    /// <summary>Journal mode: larger data sets are not buffered for the journal but stored directly (fsync file and directory).</summary>
    public long JournalMaxInstanceBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Journal mode: how long a store may wait for journal space before it is answered 0xA700.</summary>
    public TimeSpan JournalFullTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Journal mode: instances materialized (and synced with one syncfs) per batch at most.</summary>
    public int JournalMaterializeBatch { get; init; } = 256;

    /// <summary>Journal mode: how long the materializer lets instances gather before it makes a batch of files.</summary>
    public TimeSpan JournalMaterializeLinger { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Tests: the journal starts with its materializer held (see FileStorageProvider.SetMaterializerPaused).</summary>
    internal bool JournalStartPaused { get; init; }

    /// <summary>Below this much free space an incoming instance is refused with 0xA700 before it is received.</summary>
    public long MinFreeBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>Largest data set accepted; a larger one is discarded and answered 0xA700.</summary>
    public long MaxInstanceBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Free bytes on the volume of <see cref="Directory"/> (replaceable in tests).</summary>
    public Func<string, long> FreeSpaceProbe { get; init; } = dir => new DriveInfo(dir).AvailableFreeSpace;
}

/// <summary>A stored, durable instance.</summary>
public sealed record StoredInstance(
    string Path,
    string SopClassUid,
    string SopInstanceUid,
    string StudyInstanceUid,
    string SeriesInstanceUid,
    string TransferSyntaxUid,
    long FileLength,
    AssociationInfo Association);

/// <summary>
/// Where the ingest side plugs in: admission (back-pressure) before the data set is received, and
/// notification once an instance is durable, before the C-STORE success goes out.
/// </summary>
public interface IStoredInstanceSink
{
    /// <summary>False refuses the instance with 0xA700 (out of resources) before its data set is read.</summary>
    bool CanAccept(CStoreRequest request);

    /// <summary>
    /// The instance is on disk. Direct mode: called before the success, throwing answers 0xA700 (the file stays and a
    /// resend is idempotent). Journal mode: called once per instance after its file is materialized and synced
    /// (after the success went out); throwing is retried, and a crash between this call and the journal checkpoint
    /// delivers the instance again at the next start.
    /// </summary>
    ValueTask OnStoredAsync(StoredInstance instance, CancellationToken ct);
}

/// <summary>
/// The C-STORE SCP that writes Part 10 files: a File Meta header, then the data set bytes exactly as
/// received. Direct mode: streamed to a temporary file (never held in memory), fsync, rename into
/// Directory/Study/Series/SOP.dcm, fsync the directory, then success. Journal mode: buffered (up to
/// JournalMaxInstanceBytes, larger ones go the direct way), appended to the write-ahead journal with one
/// fdatasync, success, and the same file made in the background (see <see cref="StoreJournal"/>).
/// The same SOP Instance UID twice replaces the file atomically and succeeds (idempotent).
/// </summary>
public sealed class FileStorageProvider : ICStoreProvider, IAsyncDisposable
{
    private const string IncomingFolder = ".incoming";
    private const string JournalFolder = ".journal";
    private readonly FileStorageOptions _options;
    private readonly IStoredInstanceSink? _sink;
    private readonly ILogger _logger;
    private readonly string _root;
    private readonly string _incoming;
    private readonly StoreJournal? _journal;
    private readonly long _journalLimit;
    private long _freeBytes;
    private long _freeCheckedAt = -1_000_000; // TickCount64 is positive: the first call probes
    private long _deliveryFailures;
    private readonly StoreTimer _timer = new();

    public FileStorageProvider(FileStorageOptions options, IStoredInstanceSink? sink = null, ILogger? logger = null)
    {
        _options = options;
        _sink = sink;
        _logger = logger ?? NullLogger.Instance;
        _root = Path.GetFullPath(options.Directory);
        _incoming = Path.Combine(_root, IncomingFolder);
        System.IO.Directory.CreateDirectory(_incoming);
        // Leftovers of a crash were never acknowledged (.part), or are rewritten from the journal (.mat): remove them.
        foreach (var stale in System.IO.Directory.EnumerateFiles(_incoming, "*.part").Concat(System.IO.Directory.EnumerateFiles(_incoming, "*.mat")))
            File.Delete(stale);
        if (options.Mode == StorageMode.Journal)
        {
            if (options.JournalSegmentBytes < 1024 * 1024) throw new ArgumentException("JournalSegmentBytes must be at least 1 MiB", nameof(options));
            if (options.JournalMaxSegments < 2) throw new ArgumentException("JournalMaxSegments must be at least 2", nameof(options));
            _journal = new StoreJournal(Path.Combine(_root, JournalFolder), options.JournalSegmentBytes, options.JournalMaxSegments,
                options.JournalFullTimeout, Math.Max(1, options.JournalMaterializeBatch), options.JournalMaterializeLinger, MaterializeAsync,
                ex => _logger.LogWarning("store journal: materialization failed, retrying: {Error}", ex.GetType().Name + ": " + ex.Message),
                options.JournalStartPaused);
            // Room for the File Meta header and the journal's meta block.
            _journalLimit = Math.Min(options.JournalMaxInstanceBytes, _journal.MaxPayload - 4096);
            if (_journal.Replayed > 0)
                _logger.LogInformation("store journal: {Count} acknowledged instance(s) not yet materialized at start-up; materializing", _journal.Replayed);
        }
    }

    /// <summary>Journal mode: instances found in the journal at start-up that are being materialized again.</summary>
    public int Replayed => _journal?.Replayed ?? 0;

    /// <summary>Journal mode: acknowledged instances whose Study/Series/SOP.dcm file is not made (and delivered) yet.</summary>
    public long MaterializationBacklog => _journal?.Backlog ?? 0;

    /// <summary>Journal mode: group commits, records, sync and materialization times so far; null in direct mode.</summary>
    public JournalStatistics? JournalStatistics => _journal?.Statistics;

    /// <summary>Per stored instance: waiting for its data set, receiving, checking, making it durable (summed; both modes).</summary>
    public StoreTimings Timings => _timer.Snapshot();

    /// <summary>Journal mode: instances the sink kept refusing (after retries); their files are on disk.</summary>
    public long DeliveryFailures => Interlocked.Read(ref _deliveryFailures);

    /// <summary>Completes once every instance acknowledged (or replayed) so far is materialized and delivered; at once in direct mode.</summary>
    public Task WhenMaterializedAsync(CancellationToken ct = default) => _journal?.WhenMaterializedAsync(ct) ?? Task.CompletedTask;

    /// <summary>Tests: hold or release the background materializer (journal mode).</summary>
    /// <summary>Tests: payload bytes the journal holds unmaterialized (0 in direct mode).</summary>
    internal long JournalBacklogBytes => _journal?.BacklogBytes ?? 0;

    internal void SetMaterializerPaused(bool paused) => _journal?.SetPaused(paused);

    /// <summary>Tests: stop as kill -9 would, leaving the journal as it is on disk.</summary>
    internal Task SimulateCrashAsync() => _journal?.SimulateCrashAsync() ?? Task.CompletedTask;

    /// <summary>Journal mode: stops the journal after materializing what it holds (bounded; the rest is replayed at the next start).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_journal is not null) await _journal.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Materializer of the journal: write the files, one syncfs for the batch, then hand each to the sink.</summary>
    private async Task MaterializeAsync(IReadOnlyList<JournalEntry> batch, CancellationToken ct)
    {
        var stored = new List<StoredInstance>(batch.Count);
        var dirs = new HashSet<string>(StringComparer.Ordinal);
        var buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        try
        {
            foreach (var e in batch)
            {
                var m = e.Meta;
                var studyDir = Path.Combine(_root, m.StudyInstanceUid);
                var seriesDir = Path.Combine(studyDir, m.SeriesInstanceUid);
                if (!System.IO.Directory.Exists(seriesDir))
                {
                    if (!System.IO.Directory.Exists(studyDir)) dirs.Add(_root);
                    dirs.Add(studyDir);
                    System.IO.Directory.CreateDirectory(seriesDir);
                }
                dirs.Add(seriesDir);
                var temp = Path.Combine(_incoming, e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".mat");
                using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
                {
                    var at = e.PayloadOffset;
                    var left = e.PayloadLength;
                    while (left > 0)
                    {
                        var n = RandomAccess.Read(e.Segment.Handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, left)), at);
                        if (n <= 0) throw new IOException("store journal record shorter than its header says");
                        fs.Write(buffer, 0, n);
                        at += n;
                        left -= n;
                    }
                    if (!OperatingSystem.IsLinux()) fs.Flush(flushToDisk: true);
                }
                var final = Path.Combine(seriesDir, m.SopInstanceUid + ".dcm");
                File.Move(temp, final, overwrite: true);
                stored.Add(new StoredInstance(final, m.SopClassUid, m.SopInstanceUid, m.StudyInstanceUid, m.SeriesInstanceUid,
                    m.TransferSyntaxUid, e.PayloadLength, m.Association));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (OperatingSystem.IsLinux()) Fsync.FileSystem(_root);
        else foreach (var d in dirs) Fsync.Directory(d);

        if (_sink is null) return;
        foreach (var instance in stored)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await _sink.OnStoredAsync(instance, ct).ConfigureAwait(false);
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    if (attempt >= 3)
                    {
                        Interlocked.Increment(ref _deliveryFailures);
                        DicomNetworkMetrics.JournalDeliveryFailures.Add(1);
                        _logger.LogWarning("store journal: the ingest sink refused a stored instance {Attempts} times ({Error}); its file stays on disk",
                            attempt, ex.GetType().Name);
                        break;
                    }
                    await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), ct).ConfigureAwait(false);
                }
            }
        }
    }

    public ValueTask<StoreAdmission> BeginStoreAsync(CStoreRequest request, CancellationToken ct)
    {
        if (_sink is not null && !_sink.CanAccept(request))
            return ValueTask.FromResult(StoreAdmission.Refuse(DimseStatus.OutOfResources, "ingest is not accepting instances now"));
        if (FreeBytes() < _options.MinFreeBytes)
            return ValueTask.FromResult(StoreAdmission.Refuse(DimseStatus.OutOfResources, "storage space below the configured minimum"));
        var header = Part10Header.Encode(request.SopClassUid, request.SopInstanceUid, request.TransferSyntaxUid, request.Association.CallingAe);
        if (_journal is not null) return ValueTask.FromResult(StoreAdmission.Accept(new JournalIncoming(this, request, header)));
        return ValueTask.FromResult(StoreAdmission.Accept(OpenDirect(request, header)));
    }

    private Incoming OpenDirect(CStoreRequest request, byte[] header)
    {
        var temp = Path.Combine(_incoming, Guid.NewGuid().ToString("N") + ".part");
        // Synchronous writes: local disk writes of one PDU are short, and async file I/O on Unix is a thread-pool hop.
        var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        return new Incoming(this, request, temp, stream, header);
    }

    /// <summary>The checks both modes make on the UIDs found in the data set; null when they pass.</summary>
    private static DimseResult? Check(DataSetUids uids, CStoreRequest request)
    {
        if (uids.SopInstanceUid is { } inst && inst != request.SopInstanceUid)
            return new DimseResult(DimseStatus.DataSetDoesNotMatchSopClass, "SOP Instance UID differs from the command");
        if (uids.SopClassUid is { } cls && cls != request.SopClassUid)
            return new DimseResult(DimseStatus.DataSetDoesNotMatchSopClass, "SOP Class UID differs from the command");
        if (!NetworkUids.IsValidUid(uids.StudyInstanceUid) || !NetworkUids.IsValidUid(uids.SeriesInstanceUid))
            return new DimseResult(DimseStatus.DataSetDoesNotMatchSopClass, "missing or invalid Study/Series Instance UID");
        return null;
    }

    private static string Trim(string s) => s.Length > 64 ? s[..64] : s;

    /// <summary>Journal mode: the data set is buffered (pooled chunks), checked, appended to the journal; a large one spills to a direct file.</summary>
    private sealed class JournalIncoming(FileStorageProvider owner, CStoreRequest request, byte[] header) : IIncomingInstance
    {
        private readonly ChunkBuffer _data = new();
        private Incoming? _spill;
        private Task? _append;
        // CRC-32C of the header and the data set so far: computed while the peer sends, not after the last fragment.
        private uint _crc = Crc32C.Append(0, header);
        private StoreTimer.Marks _marks = new() { Accepted = StoreTimer.Now };

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> fragment, CancellationToken ct)
        {
            if (_spill is not null)
            {
                await _spill.WriteAsync(fragment, ct).ConfigureAwait(false);
                return;
            }
            if (_marks.FirstFragment == 0) _marks.FirstFragment = StoreTimer.Now;
            if (_data.Length + fragment.Length > owner._journalLimit)
            {
                // Too large to buffer: continue as a direct store (the buffered bytes first).
                owner.Debit(-_data.Length);
                _spill = owner.OpenDirect(request, header);
                foreach (var block in _data.Blocks()) await _spill.WriteAsync(block, ct).ConfigureAwait(false);
                _data.Dispose();
                await _spill.WriteAsync(fragment, ct).ConfigureAwait(false);
                return;
            }
            if (_data.Length + fragment.Length > owner._options.MaxInstanceBytes)
                throw new DimseStatusException(DimseStatus.OutOfResources, "instance larger than the configured maximum");
            _data.Append(fragment.Span);
            _crc = Crc32C.Append(_crc, fragment.Span);
            owner.Debit(fragment.Length);
            _marks.LastFragment = StoreTimer.Now;
        }

        public async ValueTask<DimseResult> CompleteAsync(CancellationToken ct)
        {
            if (_spill is not null)
            {
                // Journal records acknowledged earlier (perhaps an older version of this very SOP instance) are
                // materialized first, so the later direct store is not overwritten by them (bounded wait).
                try { await owner._journal!.WhenMaterializedAsync(ct).WaitAsync(owner._options.JournalFullTimeout, ct).ConfigureAwait(false); }
                catch (TimeoutException) { /* materializer stuck: store anyway */ }
                return await _spill.CompleteAsync(ct).ConfigureAwait(false);
            }
            DataSetUids uids;
            try
            {
                using var read = _data.OpenRead();
                uids = DataSetUidScanner.Scan(read, request.TransferSyntaxUid);
            }
            catch (DataSetFormatException ex)
            {
                return new DimseResult(DimseStatus.CannotUnderstand, Trim(ex.Message));
            }
            if (Check(uids, request) is { } refused) return refused;
            var meta = new JournalMeta(request.SopClassUid, request.SopInstanceUid, request.TransferSyntaxUid,
                uids.StudyInstanceUid!, uids.SeriesInstanceUid!, request.Association);
            _marks.CommitStarted = StoreTimer.Now;
            var append = owner._journal!.AppendAsync(meta, header, _data, _crc);
            _append = append;
            await append.ConfigureAwait(false);
            owner._timer.Record(_marks, StoreTimer.Now);
            return DimseResult.Success;
        }

        public async ValueTask DisposeAsync()
        {
            if (_spill is not null) await _spill.DisposeAsync().ConfigureAwait(false);
            // The journal writer reads the buffer until the append completes.
            if (_append is { IsCompleted: false } pending)
            {
                try { await pending.ConfigureAwait(false); }
                catch (Exception) { /* reported by CompleteAsync */ }
            }
            _data.Dispose();
        }
    }

    /// <summary>Free bytes, probed at most every 200 ms (statvfs via DriveInfo is not free) and debited by what was written since.</summary>
    private long FreeBytes()
    {
        var now = Environment.TickCount64;
        if (now - Volatile.Read(ref _freeCheckedAt) > 200)
        {
            long free;
            try { free = _options.FreeSpaceProbe(_root); }
            catch (IOException) { free = 0; }
            Volatile.Write(ref _freeBytes, free);
            Volatile.Write(ref _freeCheckedAt, now);
        }
        return Volatile.Read(ref _freeBytes);
    }

    private void Debit(long bytes) => Interlocked.Add(ref _freeBytes, -bytes);

    private sealed class Incoming(FileStorageProvider owner, CStoreRequest request, string temp, FileStream stream, byte[] header) : IIncomingInstance
    {
        private StoreTimer.Marks _marks = new() { Accepted = StoreTimer.Now };
        private bool _headerWritten;
        private long _dataSetBytes;
        private bool _done;

        public ValueTask WriteAsync(ReadOnlyMemory<byte> fragment, CancellationToken ct)
        {
            if (_marks.FirstFragment == 0) _marks.FirstFragment = StoreTimer.Now;
            if (!_headerWritten)
            {
                stream.Write(header);
                _headerWritten = true;
            }
            _dataSetBytes += fragment.Length;
            if (_dataSetBytes > owner._options.MaxInstanceBytes)
                throw new DimseStatusException(DimseStatus.OutOfResources, "instance larger than the configured maximum");
            stream.Write(fragment.Span);
            owner.Debit(fragment.Length);
            _marks.LastFragment = StoreTimer.Now;
            return ValueTask.CompletedTask;
        }

        public async ValueTask<DimseResult> CompleteAsync(CancellationToken ct)
        {
            if (!_headerWritten) stream.Write(header);
            DataSetUids uids;
            try
            {
                stream.Seek(header.Length, SeekOrigin.Begin);
                // Buffered: the scanner reads element headers a few bytes at a time. (Not disposed: it would close the file.)
                uids = DataSetUidScanner.Scan(new BufferedStream(stream, 16 * 1024), request.TransferSyntaxUid);
            }
            catch (DataSetFormatException ex)
            {
                return new DimseResult(DimseStatus.CannotUnderstand, Trim(ex.Message));
            }
            if (Check(uids, request) is { } refused) return refused;

            var durability = owner._options.Durability;
            _marks.CommitStarted = StoreTimer.Now;
            if (durability != DurabilityMode.None) stream.Flush(flushToDisk: true);
            var length = stream.Length;
            await stream.DisposeAsync().ConfigureAwait(false);

            var studyDir = Path.Combine(owner._root, uids.StudyInstanceUid!);
            var seriesDir = Path.Combine(studyDir, uids.SeriesInstanceUid!);
            var createdStudy = !System.IO.Directory.Exists(studyDir);
            var createdSeries = createdStudy || !System.IO.Directory.Exists(seriesDir);
            System.IO.Directory.CreateDirectory(seriesDir);
            var final = Path.Combine(seriesDir, request.SopInstanceUid + ".dcm");
            File.Move(temp, final, overwrite: true);
            _done = true;
            if (durability == DurabilityMode.FsyncFileAndDirectory)
            {
                Fsync.Directory(seriesDir);
                if (createdSeries) Fsync.Directory(studyDir);
                if (createdStudy) Fsync.Directory(owner._root);
            }
            owner._timer.Record(_marks, StoreTimer.Now);
            if (owner._sink is { } sink)
            {
                try
                {
                    await sink.OnStoredAsync(new StoredInstance(final, request.SopClassUid, request.SopInstanceUid, uids.StudyInstanceUid!,
                        uids.SeriesInstanceUid!, request.TransferSyntaxUid, length, request.Association), ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    return new DimseResult(DimseStatus.OutOfResources, "ingest could not take the instance");
                }
            }
            return DimseResult.Success;
        }

        public async ValueTask DisposeAsync()
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            if (!_done)
            {
                try { File.Delete(temp); }
                catch (IOException) { /* removed at the next start */ }
            }
        }
    }
}
