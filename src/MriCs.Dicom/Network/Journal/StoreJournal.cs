using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace MriCs.Dicom.Network.Journal;

/// <summary>What the journal did: group commits (one fdatasync each) and the records they carried, and materializer batches.</summary>
public sealed record JournalStatistics(long Commits, long Records, TimeSpan WriteTime, TimeSpan SyncTime, long MaterializeBatches, TimeSpan MaterializeTime)
{
    public double RecordsPerSync => Commits == 0 ? 0 : Records / (double)Commits;
    public double MeanSyncMs => Commits == 0 ? 0 : SyncTime.TotalMilliseconds / Commits;
    public double MeanWriteMs => Commits == 0 ? 0 : WriteTime.TotalMilliseconds / Commits;
}

/// <summary>One record of the journal, durable once its append completed.</summary>
internal sealed class JournalEntry(long seq, JournalSegment segment, long payloadOffset, long payloadLength, JournalMeta meta)
{
    public long Seq { get; } = seq;
    public JournalSegment Segment { get; } = segment;
    public long PayloadOffset { get; } = payloadOffset;
    public long PayloadLength { get; } = payloadLength;
    public JournalMeta Meta { get; } = meta;
}

/// <summary>A preallocated (zero-filled, fsynced) segment file; records are appended from offset 0, recycled once all are materialized.</summary>
internal sealed class JournalSegment(int index, string path, SafeFileHandle handle, long size)
{
    public int Index { get; } = index;
    public string Path { get; } = path;
    public SafeFileHandle Handle { get; } = handle;
    public long Size { get; } = size;
    public long WriteOffset { get; set; }
    public int Outstanding { get; set; }
    public bool Active { get; set; }
    public bool Free { get; set; }
}

/// <summary>
/// The write-ahead journal of the storage SCP. A received instance is appended (header, meta, Part 10
/// bytes) to the active preallocated segment; one fdatasync covers every instance queued meanwhile
/// (group commit across associations), and then the C-STORE success may go out. A background
/// materializer writes Study/Series/SOP.dcm files from the journal, makes them durable in batches
/// (syncfs), hands them to the sink, and only then advances the checkpoint that lets segments be
/// reused. At start-up every valid record past the checkpoint is materialized again (idempotent:
/// same path, same bytes); a torn record (bad CRC) ends a segment's scan, and was never acknowledged.
/// </summary>
internal sealed class StoreJournal : IAsyncDisposable
{
    public delegate Task MaterializeBatch(IReadOnlyList<JournalEntry> batch, CancellationToken ct);

    private const string CheckpointFile = "checkpoint";
    private const uint CheckpointMagic = 0x4B43_434D; // "MCCK"
    private const int CheckpointSlot = 4096;

    private readonly string _dir;
    private readonly long _segmentBytes;
    private readonly int _maxSegments;
    private readonly TimeSpan _roomTimeout;
    private readonly MaterializeBatch _materialize;
    private readonly int _materializeBatchMax;
    private readonly TimeSpan _linger;
    private readonly Action<Exception>? _onMaterializeError;

    // Segments (under _segLock).
    private readonly object _segLock = new(); // Monitor.Wait/Pulse: a plain object, not System.Threading.Lock
    private readonly List<JournalSegment> _segments = [];
    private readonly Queue<JournalSegment> _free = new();
    private int _reservedSegments;
    private bool _creatingSpare;
    private JournalSegment? _active;

    // Commit queue (under _commitLock).
    private readonly object _commitLock = new();
    private readonly List<Pending> _queue = [];
    private bool _leading;
    private bool _stopCommit;
    private readonly List<Pending> _batch = [];
    private readonly List<(Pending P, JournalEntry E)> _written = [];
    private readonly List<JournalSegment> _touched = new(2);
    private readonly List<ReadOnlyMemory<byte>> _blocks = [];
    private long _nextSeq;

    // Materializer queue (under _matLock).
    private readonly Lock _matLock = new();
    private readonly Queue<JournalEntry> _toMaterialize = new();
    private readonly Task _materializer;
    private readonly CancellationTokenSource _stopMaterialize = new();
    private TaskCompletionSource _matSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _hurry = new(TaskCreationOptions.RunContinuationsAsynchronously); // cuts the linger short while someone waits
    private int _waiters;
    private long _enqueued;
    private long _backlogBytes;      // payload bytes appended and not yet materialized
    private long _backlogSince;      // Stopwatch ticks when the backlog last went from empty to non-empty
    private long _lastAppend;        // Stopwatch ticks of the last commit (read by the materializer without a lock)
    private long _materialized;
    private bool _paused;

    private readonly SafeFileHandle _checkpoint;
    private long _checkpointCounter;
    private long _checkpointSeq;
    private bool _disposed;

    private sealed class Pending(JournalMeta meta, byte[] metaBytes, ReadOnlyMemory<byte> header, ChunkBuffer data, uint bodyCrc)
    {
        public JournalMeta Meta { get; } = meta;
        public byte[] MetaBytes { get; } = metaBytes;
        public ReadOnlyMemory<byte> PartHeader { get; } = header;
        public ChunkBuffer Data { get; } = data;
        public uint BodyCrc { get; } = bodyCrc;
        public long PayloadLength => PartHeader.Length + Data.Length;
        public long RecordLength => JournalRecord.HeaderSize + MetaBytes.Length + PayloadLength;
        public TaskCompletionSource<JournalEntry> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    // Leader-only statistics (read racily for reports).
    private long _statCommits, _statRecords, _statWriteTicks, _statSyncTicks, _statMatBatches, _statMatTicks;

    /// <summary>Commits (fdatasyncs), records, time writing and syncing; materializer batches and time.</summary>
    public JournalStatistics Statistics => new(Volatile.Read(ref _statCommits), Volatile.Read(ref _statRecords),
        TimeSpan.FromSeconds(Volatile.Read(ref _statWriteTicks) / (double)System.Diagnostics.Stopwatch.Frequency),
        TimeSpan.FromSeconds(Volatile.Read(ref _statSyncTicks) / (double)System.Diagnostics.Stopwatch.Frequency),
        Volatile.Read(ref _statMatBatches),
        TimeSpan.FromSeconds(Volatile.Read(ref _statMatTicks) / (double)System.Diagnostics.Stopwatch.Frequency));

    /// <summary>Records found at start-up past the checkpoint (they are being materialized again).</summary>
    public int Replayed { get; }

    public StoreJournal(string dir, long segmentBytes, int maxSegments, TimeSpan roomTimeout, int materializeBatchMax, TimeSpan linger,
        MaterializeBatch materialize, Action<Exception>? onMaterializeError = null, bool startPaused = false)
    {
        _linger = linger;
        _dir = dir;
        _segmentBytes = segmentBytes;
        _maxSegments = maxSegments;
        _roomTimeout = roomTimeout;
        _materialize = materialize;
        _materializeBatchMax = materializeBatchMax;
        _onMaterializeError = onMaterializeError;
        _paused = startPaused;
        Directory.CreateDirectory(dir);

        var checkpointPath = Path.Combine(dir, CheckpointFile);
        var newCheckpoint = !File.Exists(checkpointPath);
        _checkpoint = File.OpenHandle(checkpointPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        if (newCheckpoint || RandomAccess.GetLength(_checkpoint) < 2 * CheckpointSlot)
        {
            RandomAccess.Write(_checkpoint, new byte[2 * CheckpointSlot], 0);
            Fsync.Data(_checkpoint, checkpointPath);
            Fsync.Directory(dir);
        }
        (_checkpointCounter, _checkpointSeq) = ReadCheckpoint();

        // Recovery: scan every segment; records past the checkpoint are materialized again, in order.
        var replay = new List<JournalEntry>();
        var maxSeq = _checkpointSeq;
        foreach (var (index, path) in Directory.EnumerateFiles(dir, "seg-*.log")
                     .Select(p => (Index: ParseIndex(p), Path: p)).Where(s => s.Index >= 0).OrderBy(s => s.Index))
        {
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            var segment = new JournalSegment(index, path, handle, RandomAccess.GetLength(handle));
            _segments.Add(segment);
            foreach (var entry in Scan(segment, _checkpointSeq))
            {
                maxSeq = Math.Max(maxSeq, entry.Seq);
                if (entry.Seq > _checkpointSeq)
                {
                    replay.Add(entry);
                    segment.Outstanding++;
                }
            }
        }
        _reservedSegments = _segments.Count;
        _nextIndex = _segments.Count == 0 ? 0 : _segments.Max(s => s.Index) + 1;
        foreach (var s in _segments.Where(s => s.Outstanding == 0))
        {
            s.Free = true;
            _free.Enqueue(s);
        }
        _nextSeq = maxSeq + 1;
        replay.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        Replayed = replay.Count;
        foreach (var e in replay)
        {
            _toMaterialize.Enqueue(e);
            _backlogBytes += e.PayloadLength; // counted like appended records, so the backlog returns to exactly 0
        }
        _backlogSince = System.Diagnostics.Stopwatch.GetTimestamp();
        _enqueued = replay.Count;
        DicomNetworkMetrics.JournalBacklog.Add(replay.Count);

        // At least one ready segment, so the first store does not wait for a zero-fill.
        if (_free.Count == 0 && _reservedSegments < _maxSegments)
        {
            _reservedSegments++;
            var s = CreateSegment(NextIndex());
            s.Free = true;
            _segments.Add(s);
            _free.Enqueue(s);
        }

        _materializer = Task.Factory.StartNew(MaterializeLoopAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    private static int ParseIndex(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        return name.Length > 4 && int.TryParse(name.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1;
    }

    private int _nextIndex;

    private int NextIndex()
    {
        lock (_segLock) return _nextIndex++;
    }

    private JournalSegment CreateSegment(int index)
    {
        var path = Path.Combine(_dir, $"seg-{index:D4}.log");
        var temp = path + ".new";
        WriteZeroFilled(temp, _segmentBytes, FileMode.Create);
        File.Move(temp, path, overwrite: true);
        Fsync.Directory(_dir);
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        return new JournalSegment(index, path, handle, _segmentBytes);
    }

    /// <summary>
    /// A file of <paramref name="bytes"/> zeros, synced. Zero-filled, not fallocated: writes into unwritten extents would
    /// need a file system journal commit at each fdatasync; into written blocks, fdatasync is one device flush.
    /// </summary>
    internal static void WriteZeroFilled(string path, long bytes, FileMode mode)
    {
        using var fs = new FileStream(path, mode, FileAccess.Write, FileShare.None, 0);
        var zeros = new byte[1024 * 1024];
        for (long at = 0; at < bytes; at += zeros.Length)
            fs.Write(zeros, 0, (int)Math.Min(zeros.Length, bytes - at));
        fs.Flush(flushToDisk: true);
    }

    /// <summary>Valid records of a segment from offset 0: stops at the first bad header/CRC or break in the sequence.</summary>
    private static List<JournalEntry> Scan(JournalSegment segment, long checkpointSeq)
    {
        var found = new List<JournalEntry>();
        Span<byte> header = stackalloc byte[JournalRecord.HeaderSize];
        var buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        try
        {
            long offset = 0;
            long previous = -1;
            while (offset + JournalRecord.HeaderSize <= segment.Size)
            {
                if (RandomAccess.Read(segment.Handle, header, offset) < JournalRecord.HeaderSize) break;
                if (JournalRecord.ReadHeader(header) is not { } h) break;
                if (previous >= 0 && h.Seq != previous + 1) break;
                if (offset + h.RecordLength > segment.Size) break;
                var metaBytes = new byte[h.MetaLength];
                if (RandomAccess.Read(segment.Handle, metaBytes, offset + JournalRecord.HeaderSize) < metaBytes.Length) break;
                if (h.Seq > checkpointSeq)
                {
                    // Only records that will be replayed need their body checked; older ones just chain the scan.
                    var crc = Crc32C.Append(0, metaBytes);
                    var at = offset + JournalRecord.HeaderSize + h.MetaLength;
                    var left = h.PayloadLength;
                    while (left > 0)
                    {
                        var n = RandomAccess.Read(segment.Handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, left)), at);
                        if (n <= 0) break;
                        crc = Crc32C.Append(crc, buffer.AsSpan(0, n));
                        at += n;
                        left -= n;
                    }
                    if (left != 0 || crc != h.BodyCrc) break;
                }
                if (JournalMeta.Decode(metaBytes) is not { } meta) break;
                found.Add(new JournalEntry(h.Seq, segment, offset + JournalRecord.HeaderSize + h.MetaLength, h.PayloadLength, meta));
                previous = h.Seq;
                offset += h.RecordLength;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return found;
    }

    private (long Counter, long Seq) ReadCheckpoint()
    {
        Span<byte> slot = stackalloc byte[24];
        (long, long) best = (0, 0);
        for (var i = 0; i < 2; i++)
        {
            if (RandomAccess.Read(_checkpoint, slot, i * CheckpointSlot) < slot.Length) continue;
            if (BinaryPrimitives.ReadUInt32LittleEndian(slot) != CheckpointMagic) continue;
            if (BinaryPrimitives.ReadUInt32LittleEndian(slot[4..]) != Crc32C.Append(0, slot[8..])) continue;
            var counter = BinaryPrimitives.ReadInt64LittleEndian(slot[8..]);
            if (counter > best.Item1) best = (counter, BinaryPrimitives.ReadInt64LittleEndian(slot[16..]));
        }
        return best;
    }

    /// <summary>Records up to <paramref name="seq"/> are materialized and delivered: durable in the slot not last written.</summary>
    private void WriteCheckpoint(long seq)
    {
        var counter = _checkpointCounter + 1;
        var slot = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(slot, CheckpointMagic);
        BinaryPrimitives.WriteInt64LittleEndian(slot.AsSpan(8), counter);
        BinaryPrimitives.WriteInt64LittleEndian(slot.AsSpan(16), seq);
        BinaryPrimitives.WriteUInt32LittleEndian(slot.AsSpan(4), Crc32C.Append(0, slot.AsSpan(8)));
        RandomAccess.Write(_checkpoint, slot, (counter % 2) * CheckpointSlot);
        Fsync.Data(_checkpoint, "store journal checkpoint");
        _checkpointCounter = counter;
        _checkpointSeq = seq;
    }

    /// <summary>Largest payload a record can hold.</summary>
    public long MaxPayload => _segmentBytes - JournalRecord.HeaderSize - JournalRecord.MaxMetaLength;

    /// <summary>
    /// Appends an instance (Part 10 header + data set); completes once it is on stable storage. The
    /// caller keeps <paramref name="data"/> alive until then. <paramref name="payloadCrc"/>: the CRC-32C of the header
    /// followed by the data set, computed by the caller while the data set arrived (the record's CRC puts the meta
    /// block, known only now, in front of it: <see cref="Crc32C.Combine"/>).
    /// </summary>
    public Task<JournalEntry> AppendAsync(JournalMeta meta, ReadOnlyMemory<byte> partHeader, ChunkBuffer data, uint payloadCrc)
    {
        var metaBytes = meta.Encode();
        if (metaBytes.Length > JournalRecord.MaxMetaLength) throw new DimseStatusException(DimseStatus.ProcessingFailure, "journal meta too long");
        var crc = Crc32C.Combine(Crc32C.Append(0, metaBytes), payloadCrc, partHeader.Length + data.Length);
        var pending = new Pending(meta, metaBytes, partHeader, data, crc);
        if (pending.RecordLength > _segmentBytes) throw new DimseStatusException(DimseStatus.OutOfResources, "instance larger than a journal segment");
        lock (_commitLock)
        {
            if (_stopCommit) throw new DimseStatusException(DimseStatus.OutOfResources, "storage is shutting down");
            _queue.Add(pending);
            if (_leading) return pending.Done.Task; // the current leader (or the one it hands over to) writes it
            _leading = true;
        }
        // Leader/follower group commit: the caller writes and syncs everything queued (its own record included)
        // on its own thread, so a lone association pays no thread hand-off; records queued meanwhile by other
        // associations share the next fdatasync.
        CommitOnce();
        HandOver();
        return pending.Done.Task;
    }

    /// <summary>After a commit: stop leading if nothing is queued, else let a pool thread lead (the caller answers its peer now).</summary>
    private void HandOver()
    {
        lock (_commitLock)
        {
            if (_queue.Count == 0)
            {
                _leading = false;
                Monitor.PulseAll(_commitLock);
                return;
            }
        }
        ThreadPool.UnsafeQueueUserWorkItem(static self =>
        {
            while (true)
            {
                self.CommitOnce();
                lock (self._commitLock)
                {
                    if (self._queue.Count == 0)
                    {
                        self._leading = false;
                        Monitor.PulseAll(self._commitLock);
                        return;
                    }
                }
            }
        }, this, preferLocal: false);
    }

    /// <summary>Writes every queued record (one vectored write each), one fdatasync per touched segment, then completes them. Leader only.</summary>
    private void CommitOnce()
    {
        var batch = _batch;
        var written = _written;
        var touched = _touched;
        var blocks = _blocks;
        lock (_commitLock)
        {
            batch.AddRange(_queue);
            _queue.Clear();
        }
        if (batch.Count == 0) return;
        written.Clear();
        touched.Clear();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            foreach (var p in batch)
            {
                var segment = Reserve(p.RecordLength);
                if (!touched.Contains(segment)) touched.Add(segment);
                var seq = _nextSeq++;
                var record = new byte[JournalRecord.HeaderSize];
                JournalRecord.WriteHeader(record, seq, p.MetaBytes.Length, p.BodyCrc, p.PayloadLength);
                blocks.Clear();
                blocks.Add(record);
                blocks.Add(p.MetaBytes);
                blocks.Add(p.PartHeader);
                foreach (var b in p.Data.Blocks()) blocks.Add(b);
                var offset = segment.WriteOffset;
                segment.WriteOffset += p.RecordLength;
                RandomAccess.Write(segment.Handle, blocks, offset);
                lock (_segLock) segment.Outstanding++;
                written.Add((p, new JournalEntry(seq, segment, offset + JournalRecord.HeaderSize + p.MetaBytes.Length, p.PayloadLength, p.Meta)));
            }
            var synced = System.Diagnostics.Stopwatch.GetTimestamp();
            foreach (var s in touched) Fsync.Data(s.Handle, s.Path);
            var end = System.Diagnostics.Stopwatch.GetTimestamp();
            _statWriteTicks += synced - started;
            _statSyncTicks += end - synced;
            _statCommits++;
            _statRecords += written.Count;
            DicomNetworkMetrics.JournalCommits.Add(1);
            DicomNetworkMetrics.JournalSyncDuration.Record((end - started) / (double)System.Diagnostics.Stopwatch.Frequency);
        }
        catch (Exception ex)
        {
            // Nothing of this batch is acknowledged. The active segment is sealed: a later record must never
            // follow a possibly torn one (the replay scan stops at the first bad record).
            lock (_segLock)
            {
                foreach (var (_, e) in written)
                {
                    e.Segment.Outstanding--;
                }
                if (_active is { } a)
                {
                    a.Active = false;
                    _active = null;
                    ReleaseIfDone(a);
                }
                foreach (var (_, e) in written) ReleaseIfDone(e.Segment);
            }
            var failure = ex as DimseStatusException ?? new IOException("store journal write failed", ex) as Exception;
            foreach (var p in batch) p.Done.TrySetException(failure);
            batch.Clear();
            blocks.Clear();
            return;
        }
        lock (_matLock)
        {
            if (_toMaterialize.Count == 0 && _backlogBytes == 0) _backlogSince = System.Diagnostics.Stopwatch.GetTimestamp();
            foreach (var (_, e) in written)
            {
                _toMaterialize.Enqueue(e);
                _backlogBytes += e.PayloadLength;
            }
            _enqueued += written.Count;
            Volatile.Write(ref _lastAppend, System.Diagnostics.Stopwatch.GetTimestamp());
            DicomNetworkMetrics.JournalBacklog.Add(written.Count);
            _matSignal.TrySetResult();
        }
        foreach (var (p, e) in written) p.Done.TrySetResult(e);
        batch.Clear();
        written.Clear();
        blocks.Clear();
    }

    /// <summary>The active segment if the record fits, else the next free one (waiting for the materializer if none).</summary>
    private JournalSegment Reserve(long recordLength)
    {
        var deadline = DateTime.UtcNow + _roomTimeout;
        JournalSegment? created = null;
        lock (_segLock)
        {
            if (_active is { } a && a.WriteOffset + recordLength <= a.Size)
            {
                // Zero-fill the next segment while this one still has room (not earlier: it is disk traffic).
                if (a.WriteOffset > a.Size / 2) MaybeCreateSpare();
                return a;
            }
            if (_active is { } full)
            {
                full.Active = false;
                _active = null;
                ReleaseIfDone(full);
            }
            while (_free.Count == 0)
            {
                if (_reservedSegments < _maxSegments && !_creatingSpare)
                {
                    _reservedSegments++;
                    break;
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                    throw new DimseStatusException(DimseStatus.OutOfResources, "store journal full: materialization is behind");
                Monitor.Wait(_segLock, left);
            }
            if (_free.Count > 0)
            {
                var next = _free.Dequeue();
                Activate(next);
                return next;
            }
        }
        created = CreateSegment(NextIndex());
        lock (_segLock)
        {
            _segments.Add(created);
            Activate(created);
        }
        return created;
    }

    private void Activate(JournalSegment s)
    {
        s.Free = false;
        s.Active = true;
        s.WriteOffset = 0;
        _active = s;
    }

    /// <summary>Under _segLock: zero-fill the next segment in the background while there is none spare.</summary>
    private void MaybeCreateSpare()
    {
        if (_free.Count > 0 || _creatingSpare || _reservedSegments >= _maxSegments) return;
        _creatingSpare = true;
        _reservedSegments++;
        _ = Task.Run(() =>
        {
            try
            {
                var s = CreateSegment(NextIndex());
                lock (_segLock)
                {
                    if (_disposed) { s.Handle.Dispose(); return; }
                    _segments.Add(s);
                    s.Free = true;
                    _free.Enqueue(s);
                    Monitor.PulseAll(_segLock);
                }
            }
            catch (IOException)
            {
                lock (_segLock) _reservedSegments--;
            }
            finally
            {
                lock (_segLock)
                {
                    _creatingSpare = false;
                    Monitor.PulseAll(_segLock);
                }
            }
        });
    }

    /// <summary>Under _segLock.</summary>
    private void ReleaseIfDone(JournalSegment s)
    {
        if (s.Active || s.Free || s.Outstanding > 0) return;
        s.Free = true;
        _free.Enqueue(s);
        Monitor.PulseAll(_segLock);
    }

    /// <summary>Longest a materializer batch may wait before a batch is made now (zero: now).</summary>
    internal TimeSpan MaterializeWait(long now)
    {
        long since, backlog;
        lock (_matLock) (since, backlog) = (_backlogSince, _backlogBytes);
        var quietFor = TimeSpan.FromSeconds((now - Volatile.Read(ref _lastAppend)) / (double)System.Diagnostics.Stopwatch.Frequency);
        var waitedFor = TimeSpan.FromSeconds((now - since) / (double)System.Diagnostics.Stopwatch.Frequency);
        return MaterializePolicy.Wait(quietFor, waitedFor, backlog, (long)_maxSegments * _segmentBytes, _linger,
            _linger > MaxDefer ? _linger : MaxDefer);
    }

    /// <summary>The longest the oldest unmaterialized record waits for a quiet moment (or the linger, if longer).</summary>
    internal static readonly TimeSpan MaxDefer = TimeSpan.FromSeconds(5);

    private async Task MaterializeLoopAsync()
    {
        var ct = _stopMaterialize.Token;
        var batch = new List<JournalEntry>();
        var delay = TimeSpan.FromMilliseconds(50);
        while (!ct.IsCancellationRequested)
        {
            Task signal;
            lock (_matLock)
            {
                if (!_paused)
                    while (batch.Count < _materializeBatchMax && _toMaterialize.TryDequeue(out var e)) batch.Add(e);
                if (batch.Count == 0)
                {
                    if (_matSignal.Task.IsCompleted) _matSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
                    signal = _matSignal.Task;
                }
                else signal = Task.CompletedTask;
            }
            if (batch.Count == 0)
            {
                try { await signal.WaitAsync(ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                continue;
            }
            if (_linger > TimeSpan.Zero)
            {
                // Quiet first: files are made once the receive path has been idle for the linger, so the second
                // write of every byte (and its syncfs) does not compete with the fdatasync a sender is waiting on.
                // Not when someone waits for the materializer, when the backlog holds a quarter of the journal
                // (stores must never wait for room because of this), or when the oldest record waited MaxDefer.
                var wait = MaterializeWait(System.Diagnostics.Stopwatch.GetTimestamp());
                Task hurry;
                lock (_matLock) hurry = _hurry.Task;
                if (wait > TimeSpan.Zero && !hurry.IsCompleted)
                {
                    try { await Task.WhenAny(Task.Delay(wait, ct), hurry).ConfigureAwait(false); }
                    catch (OperationCanceledException) { return; }
                    if (ct.IsCancellationRequested) return;
                    continue; // top the batch up
                }
            }
            try
            {
                var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                await _materialize(batch, ct).ConfigureAwait(false);
                WriteCheckpoint(batch[^1].Seq);
                _statMatTicks += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
                _statMatBatches++;
                delay = TimeSpan.FromMilliseconds(50);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Keep the batch and try again: an acknowledged instance is never dropped.
                _onMaterializeError?.Invoke(ex);
                try { await Task.Delay(delay, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                continue;
            }
            lock (_segLock)
            {
                foreach (var e in batch)
                {
                    e.Segment.Outstanding--;
                    ReleaseIfDone(e.Segment);
                }
            }
            lock (_matLock)
            {
                _materialized += batch.Count;
                foreach (var e in batch) _backlogBytes -= e.PayloadLength;
                DicomNetworkMetrics.JournalBacklog.Add(-batch.Count);
                _progress.TrySetResult();
                _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            batch.Clear();
        }
    }

    /// <summary>Completes once everything appended (or replayed) before the call is materialized and delivered.</summary>
    public async Task WhenMaterializedAsync(CancellationToken ct = default)
    {
        long target;
        lock (_matLock)
        {
            target = _enqueued;
            _waiters++;
            _hurry.TrySetResult();
        }
        try
        {
            while (true)
            {
                Task progress;
                lock (_matLock)
                {
                    if (_materialized >= target) return;
                    progress = _progress.Task;
                }
                await progress.WaitAsync(ct).ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_matLock)
            {
                if (--_waiters == 0 && _hurry.Task.IsCompleted) _hurry = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Appended or replayed records not yet materialized.</summary>
    /// <summary>Payload bytes appended (or replayed) and not yet materialized: what the materialize policy weighs.</summary>
    internal long BacklogBytes
    {
        get { lock (_matLock) return _backlogBytes; }
    }

    public long Backlog
    {
        get { lock (_matLock) return _enqueued - _materialized; }
    }

    /// <summary>Tests: hold or release the materializer.</summary>
    internal void SetPaused(bool paused)
    {
        lock (_matLock)
        {
            _paused = paused;
            _matSignal.TrySetResult();
        }
    }

    /// <summary>Refuses new records and waits until the leader, if any, has written what was queued.</summary>
    private void StopCommitter()
    {
        lock (_commitLock)
        {
            _stopCommit = true;
            while (_leading) Monitor.Wait(_commitLock);
        }
    }

    /// <summary>Tests: stop as a crash would (no more materialization, no checkpoint), and close every file.</summary>
    internal async Task SimulateCrashAsync()
    {
        if (_disposed) return;
        _disposed = true;
        StopCommitter();
        _stopMaterialize.Cancel();
        try { await _materializer.ConfigureAwait(false); } catch (OperationCanceledException) { }
        CloseFiles();
    }

    /// <summary>Stops taking records, lets the materializer finish (bounded by <paramref name="drainTimeout"/>), closes files.</summary>
    public async ValueTask DisposeAsync(TimeSpan drainTimeout)
    {
        if (_disposed) return;
        _disposed = true;
        StopCommitter();
        try { await WhenMaterializedAsync().WaitAsync(drainTimeout).ConfigureAwait(false); }
        catch (TimeoutException) { /* replayed at the next start */ }
        _stopMaterialize.Cancel();
        try { await _materializer.ConfigureAwait(false); } catch (OperationCanceledException) { }
        CloseFiles();
    }

    public ValueTask DisposeAsync() => DisposeAsync(TimeSpan.FromSeconds(30));

    private void CloseFiles()
    {
        lock (_segLock)
            foreach (var s in _segments) s.Handle.Dispose();
        _checkpoint.Dispose();
        _stopMaterialize.Dispose();
    }
}

/// <summary>When the materializer makes files: once appends have been quiet for the linger, or at once when the
/// backlog reaches a quarter of the journal's capacity or the oldest record has waited maxDefer.</summary>
internal static class MaterializePolicy
{
    public static TimeSpan Wait(TimeSpan quietFor, TimeSpan oldestWaited, long backlogBytes, long capacityBytes, TimeSpan linger, TimeSpan maxDefer)
    {
        if (linger <= TimeSpan.Zero || backlogBytes >= capacityBytes / 4 || oldestWaited >= maxDefer) return TimeSpan.Zero;
        var quiet = linger - quietFor;
        var defer = maxDefer - oldestWaited;
        var wait = quiet < defer ? quiet : defer;
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }
}
