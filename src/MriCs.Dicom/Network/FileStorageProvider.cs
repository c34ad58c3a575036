namespace MriCs.Dicom.Network;

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

    /// <summary>The instance is on disk; throwing answers 0xA700 (the file stays and a resend is idempotent).</summary>
    ValueTask OnStoredAsync(StoredInstance instance, CancellationToken ct);
}

/// <summary>
/// The C-STORE SCP that writes Part 10 files: a File Meta header, then the data set bytes exactly as
/// received (streamed to a temporary file, never held in memory), fsync, rename into
/// Directory/Study/Series/SOP.dcm, fsync the directory, then success. The same SOP Instance UID
/// twice replaces the file atomically and succeeds (idempotent).
/// </summary>
public sealed class FileStorageProvider : ICStoreProvider
{
    private const string IncomingFolder = ".incoming";
    private readonly FileStorageOptions _options;
    private readonly IStoredInstanceSink? _sink;
    private readonly string _root;
    private readonly string _incoming;
    private long _freeBytes;
    private long _freeCheckedAt = -1_000_000; // TickCount64 is positive: the first call probes

    public FileStorageProvider(FileStorageOptions options, IStoredInstanceSink? sink = null)
    {
        _options = options;
        _sink = sink;
        _root = Path.GetFullPath(options.Directory);
        _incoming = Path.Combine(_root, IncomingFolder);
        System.IO.Directory.CreateDirectory(_incoming);
        // Leftovers of a crash were never acknowledged: remove them.
        foreach (var stale in System.IO.Directory.EnumerateFiles(_incoming, "*.part"))
            File.Delete(stale);
    }

    public ValueTask<StoreAdmission> BeginStoreAsync(CStoreRequest request, CancellationToken ct)
    {
        if (_sink is not null && !_sink.CanAccept(request))
            return ValueTask.FromResult(StoreAdmission.Refuse(DimseStatus.OutOfResources, "ingest is not accepting instances now"));
        if (FreeBytes() < _options.MinFreeBytes)
            return ValueTask.FromResult(StoreAdmission.Refuse(DimseStatus.OutOfResources, "storage space below the configured minimum"));
        var temp = Path.Combine(_incoming, Guid.NewGuid().ToString("N") + ".part");
        // Synchronous writes: local disk writes of one PDU are short, and async file I/O on Unix is a thread-pool hop.
        var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        var header = Part10Header.Encode(request.SopClassUid, request.SopInstanceUid, request.TransferSyntaxUid, request.Association.CallingAe);
        return ValueTask.FromResult(StoreAdmission.Accept(new Incoming(this, request, temp, stream, header)));
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
        private bool _headerWritten;
        private long _dataSetBytes;
        private bool _done;

        public ValueTask WriteAsync(ReadOnlyMemory<byte> fragment, CancellationToken ct)
        {
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
            if (uids.SopInstanceUid is { } inst && inst != request.SopInstanceUid)
                return new DimseResult(DimseStatus.DataSetDoesNotMatchSopClass, "SOP Instance UID differs from the command");
            if (uids.SopClassUid is { } cls && cls != request.SopClassUid)
                return new DimseResult(DimseStatus.DataSetDoesNotMatchSopClass, "SOP Class UID differs from the command");
            if (!NetworkUids.IsValidUid(uids.StudyInstanceUid) || !NetworkUids.IsValidUid(uids.SeriesInstanceUid))
                return new DimseResult(DimseStatus.DataSetDoesNotMatchSopClass, "missing or invalid Study/Series Instance UID");

            var durability = owner._options.Durability;
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

        private static string Trim(string s) => s.Length > 64 ? s[..64] : s;

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
