using System.Collections.Concurrent;
using System.Net;
using MriCs.Dicom.Network.Journal;

namespace MriCs.Dicom.Network.Tests;

/// <summary>Journal storage mode: durable acknowledgement, crash recovery, exactly-once delivery, real peers.</summary>
public class JournalStoreTests
{
    private sealed class RecordingSink : IStoredInstanceSink
    {
        public ConcurrentQueue<StoredInstance> Stored { get; } = new();
        public bool CanAccept(CStoreRequest request) => true;
        public ValueTask OnStoredAsync(StoredInstance instance, CancellationToken ct)
        {
            Assert.True(File.Exists(instance.Path), "the sink hears of an instance only once its file exists");
            Stored.Enqueue(instance);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class Scp : IAsyncDisposable
    {
        public required DicomServer Server { get; init; }
        public required FileStorageProvider Provider { get; init; }
        public int Port => Server.LocalEndPoint.Port;

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            await Provider.DisposeAsync();
        }

        /// <summary>kill -9: the server stops, the journal is left exactly as it is on disk.</summary>
        public async Task CrashAsync()
        {
            await Provider.SimulateCrashAsync();
            await Server.DisposeAsync();
        }
    }

    private static FileStorageOptions Options(string dir, bool paused = false, long segmentBytes = 4 * 1024 * 1024, int maxSegments = 4,
        long maxInstance = 16 * 1024 * 1024, TimeSpan? fullTimeout = null) => new()
    {
        Directory = dir,
        Mode = StorageMode.Journal,
        MinFreeBytes = 1024 * 1024,
        JournalSegmentBytes = segmentBytes,
        JournalMaxSegments = maxSegments,
        JournalMaxInstanceBytes = maxInstance,
        JournalFullTimeout = fullTimeout ?? TimeSpan.FromSeconds(30),
        JournalStartPaused = paused,
    };

    private static Scp Start(FileStorageOptions options, IStoredInstanceSink? sink = null, int maxAssociations = 16)
    {
        var provider = new FileStorageProvider(options, sink);
        var scpOptions = TestEnv.FastOptions();
        scpOptions.MaxAssociations = maxAssociations;
        return new Scp { Provider = provider, Server = TestEnv.StartServer(scpOptions, provider) };
    }

    private static Task<IReadOnlyList<FileSendResult>> SendAsync(int port, IReadOnlyList<string> files) =>
        DicomFileSender.SendAsync("127.0.0.1", port, new DicomClientOptions { CalledAeTitle = "MRICS" }, files);

    private static byte[] DataSetBytes(string path)
    {
        using var fs = File.OpenRead(path);
        var h = Part10Header.Read(fs, path);
        var bytes = new byte[fs.Length - h.DataSetOffset];
        fs.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>A copy whose File Meta header names another SOP Instance UID than its data set (refused with 0xA900).</summary>
    private static string MismatchedCopy(string src)
    {
        Part10Header h;
        using (var fs = File.OpenRead(src)) h = Part10Header.Read(fs, src);
        var mismatched = Path.Combine(TestEnv.TempDir(), "mismatch.dcm");
        File.WriteAllBytes(mismatched, [.. Part10Header.Encode(h.SopClassUid, "1.2.3.4.5.6", h.TransferSyntaxUid, null), .. DataSetBytes(src)]);
        return mismatched;
    }

    private static List<string> StoredFiles(string dir) =>
        Directory.EnumerateFiles(dir, "*.dcm", SearchOption.AllDirectories).Where(f => !f.Contains("/.", StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task Storescu_into_journal_scp_gives_the_bytes_storescp_receives_and_the_direct_mode_file()
    {
        var files = await DicomTestFiles.UniqueCopiesAsync(DicomTestFiles.Uncompressed.Select(DicomTestFiles.Sample).Concat(DicomTestFiles.Study()), TestEnv.TempDir());
        var journalDir = TestEnv.TempDir();
        var directDir = TestEnv.TempDir();
        var sink = new RecordingSink();
        await using (var scp = Start(Options(journalDir), sink))
        {
            var (exit, output) = await PeerProcess.RunAsync("storescu",
                ["-aet", "DCMTK", "-aec", "MRICS", "127.0.0.1", scp.Port.ToString(), .. files], TimeSpan.FromSeconds(120));
            Assert.True(exit == 0, output);
            await scp.Provider.WhenMaterializedAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        var directProvider = new FileStorageProvider(new FileStorageOptions { Directory = directDir, MinFreeBytes = 1024 * 1024 });
        await using (var direct = TestEnv.StartServer(TestEnv.FastOptions(), directProvider))
        {
            var (exit, output) = await PeerProcess.RunAsync("storescu",
                ["-aet", "DCMTK", "-aec", "MRICS", "127.0.0.1", direct.LocalEndPoint.Port.ToString(), .. files], TimeSpan.FromSeconds(120));
            Assert.True(exit == 0, output);
        }
        var dcmtkDir = TestEnv.TempDir();
        var port = TestEnv.FreePort();
        using (var storescp = PeerProcess.Start("storescp", ["--aetitle", "PEER", "+B", "--output-directory", dcmtkDir, port.ToString()]))
        {
            await TestEnv.WaitForPortAsync(port, TimeSpan.FromSeconds(10), storescp);
            var (exit, output) = await PeerProcess.RunAsync("storescu",
                ["-aet", "DCMTK", "-aec", "PEER", "127.0.0.1", port.ToString(), .. files], TimeSpan.FromSeconds(120));
            Assert.True(exit == 0, output);
            var until = DateTime.UtcNow.AddSeconds(20);
            while (Directory.EnumerateFiles(dcmtkDir).Count() < files.Count && DateTime.UtcNow < until) await Task.Delay(50);
        }
        var dcmtk = Directory.EnumerateFiles(dcmtkDir).ToDictionary(f => { using var fs = File.OpenRead(f); return Part10Header.Read(fs, f).SopInstanceUid; });
        Assert.Equal(files.Count, dcmtk.Count);
        Assert.Equal(files.Count, sink.Stored.Count);
        Assert.Equal(files.Count, sink.Stored.Select(s => s.SopInstanceUid).Distinct().Count());
        var byteCompared = 0;
        foreach (var f in files)
        {
            var stored = DicomTestFiles.StoredPath(journalDir, f);
            Assert.True(File.Exists(stored), $"{f} was not materialized at {stored}");
            Assert.Equal(File.ReadAllBytes(DicomTestFiles.StoredPath(directDir, f)), File.ReadAllBytes(stored));
            Part10Header ours, theirs;
            using (var fs = File.OpenRead(stored)) ours = Part10Header.Read(fs, stored);
            var peerFile = dcmtk[ours.SopInstanceUid];
            using (var fs = File.OpenRead(peerFile)) theirs = Part10Header.Read(fs, peerFile);
            if (ours.TransferSyntaxUid == theirs.TransferSyntaxUid)
            {
                // Same negotiated syntax: storescp +B keeps the bytes as received, and so must we.
                Assert.True(DataSetBytes(peerFile).AsSpan().SequenceEqual(DataSetBytes(stored)), $"{f}: data set differs from what storescp +B received");
                byteCompared++;
            }
            else
            {
                // storescu sent another syntax to each SCP (their preferences differ): compare element by element.
                await DicomTestFiles.AssertSameDataSetAsync(peerFile, stored, ignoreSequenceLengthEncoding: true);
            }
        }
        Assert.True(byteCompared >= files.Count / 2, $"only {byteCompared} of {files.Count} files went in the same syntax to both SCPs");
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(journalDir, ".incoming")));
    }

    [Fact]
    public async Task Acknowledged_instances_survive_a_crash_before_materialization()
    {
        var dir = TestEnv.TempDir();
        var files = await DicomTestFiles.UniqueCopiesAsync(DicomTestFiles.Uncompressed.Select(DicomTestFiles.Sample), TestEnv.TempDir());
        var scp = Start(Options(dir, paused: true));
        var results = await SendAsync(scp.Port, files);
        Assert.All(results, r => Assert.True(r.Stored, $"{r.Path}: {r.Message}"));
        Assert.Empty(StoredFiles(dir));
        await scp.CrashAsync();

        var sink = new RecordingSink();
        await using var restarted = Start(Options(dir), sink);
        Assert.Equal(files.Count, restarted.Provider.Replayed);
        Assert.True(restarted.Provider.JournalBacklogBytes > 0 || StoredFiles(dir).Count > 0, "the replayed records count as backlog");
        await restarted.Provider.WhenMaterializedAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, restarted.Provider.JournalBacklogBytes); // back to exactly empty: the quiet-first policy starts afresh
        Assert.Equal(files.Count, StoredFiles(dir).Count);
        foreach (var f in files)
            Assert.Equal(DataSetBytes(f), DataSetBytes(DicomTestFiles.StoredPath(dir, f)));
        Assert.Equal(files.Count, sink.Stored.Count);
        Assert.Equal(files.Count, sink.Stored.Select(s => s.SopInstanceUid).Distinct().Count());
    }

    /// <summary>Offsets of the records in a segment, read the way the journal does.</summary>
    private static List<(long Offset, JournalRecord.Header Header)> Records(string segment)
    {
        var list = new List<(long, JournalRecord.Header)>();
        var bytes = File.ReadAllBytes(segment);
        long offset = 0;
        while (offset + JournalRecord.HeaderSize <= bytes.Length && JournalRecord.ReadHeader(bytes.AsSpan((int)offset, JournalRecord.HeaderSize)) is { } h)
        {
            list.Add((offset, h));
            offset += h.RecordLength;
        }
        return list;
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("zero-tail")]
    [InlineData("header")]
    public async Task Torn_last_record_is_ignored_at_replay_and_the_others_are_materialized(string damage)
    {
        var dir = TestEnv.TempDir();
        var files = await DicomTestFiles.UniqueCopiesAsync(new[] { "MR_small.dcm", "CT_small.dcm", "rtplan.dcm" }.Select(DicomTestFiles.Sample), TestEnv.TempDir());
        var scp = Start(Options(dir, paused: true));
        foreach (var f in files)
            Assert.True((await SendAsync(scp.Port, [f]))[0].Stored);
        await scp.CrashAsync();

        var segment = Directory.EnumerateFiles(Path.Combine(dir, ".journal"), "seg-*.log").Single(s => Records(s).Count > 0);
        var records = Records(segment);
        Assert.Equal(3, records.Count);
        var (offset, header) = records[^1];
        using (var fs = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite))
        {
            switch (damage)
            {
                case "flip": // one byte of the data set did not make it
                    fs.Position = offset + header.RecordLength - 100;
                    var b = fs.ReadByte();
                    fs.Position -= 1;
                    fs.WriteByte((byte)(b ^ 0x5A));
                    break;
                case "zero-tail": // the end of the record was never written (the segment was zero-filled)
                    fs.Position = offset + header.RecordLength / 2;
                    fs.Write(new byte[header.RecordLength - header.RecordLength / 2]);
                    break;
                case "header": // the header itself is torn
                    fs.Position = offset + 10;
                    fs.WriteByte(0xFF);
                    break;
            }
        }

        var sink = new RecordingSink();
        await using var restarted = Start(Options(dir), sink);
        Assert.Equal(2, restarted.Provider.Replayed);
        await restarted.Provider.WhenMaterializedAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(DataSetBytes(files[0]), DataSetBytes(DicomTestFiles.StoredPath(dir, files[0])));
        Assert.Equal(DataSetBytes(files[1]), DataSetBytes(DicomTestFiles.StoredPath(dir, files[1])));
        Assert.False(File.Exists(DicomTestFiles.StoredPath(dir, files[2])), "a torn record must not be materialized");
        Assert.Equal(2, sink.Stored.Count);
        // New records go to a fresh segment and survive a further crash alongside nothing torn.
        Assert.True((await SendAsync(restarted.Port, [files[2]]))[0].Stored);
        await restarted.Provider.WhenMaterializedAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(DataSetBytes(files[2]), DataSetBytes(DicomTestFiles.StoredPath(dir, files[2])));
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.EnumerateFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)), overwrite: true);
    }

    [Fact]
    public async Task Replay_is_idempotent_and_a_clean_restart_delivers_nothing_twice()
    {
        var dir = TestEnv.TempDir();
        var files = await DicomTestFiles.UniqueCopiesAsync(DicomTestFiles.Study().Take(6), TestEnv.TempDir());
        var scp = Start(Options(dir, paused: true));
        Assert.All(await SendAsync(scp.Port, files), r => Assert.True(r.Stored, r.Message));
        await scp.CrashAsync();
        var journal = Path.Combine(dir, ".journal");
        var before = TestEnv.TempDir();
        CopyDirectory(journal, before);

        // A replay that crashes before the checkpoint is not yet a replay: nothing is lost.
        var paused = Start(Options(dir, paused: true));
        Assert.Equal(files.Count, paused.Provider.Replayed);
        await paused.CrashAsync();

        var sink1 = new RecordingSink();
        await using (var first = Start(Options(dir), sink1))
        {
            Assert.Equal(files.Count, first.Provider.Replayed);
            await first.Provider.WhenMaterializedAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        Assert.Equal(files.Count, sink1.Stored.Count);
        var materialized = StoredFiles(dir).ToDictionary(f => f, File.ReadAllBytes);
        Assert.Equal(files.Count, materialized.Count);

        // Clean restart: the checkpoint covers everything.
        var sink2 = new RecordingSink();
        await using (var second = Start(Options(dir), sink2))
        {
            Assert.Equal(0, second.Provider.Replayed);
            await second.Provider.WhenMaterializedAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        Assert.Empty(sink2.Stored);

        // A crash after the files were made but before the checkpoint: the journal as it was. Replaying again
        // rewrites the same paths with the same bytes (and, at least once, tells the sink again).
        Directory.Delete(journal, recursive: true);
        CopyDirectory(before, journal);
        var sink3 = new RecordingSink();
        await using (var third = Start(Options(dir), sink3))
        {
            Assert.Equal(files.Count, third.Provider.Replayed);
            await third.Provider.WhenMaterializedAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        var again = StoredFiles(dir);
        Assert.Equal(materialized.Keys.Order(), again.Order());
        foreach (var f in again) Assert.Equal(materialized[f], File.ReadAllBytes(f));
        Assert.Equal(files.Count, sink3.Stored.Select(s => s.SopInstanceUid).Distinct().Count());
    }

    [Fact]
    public async Task Eight_concurrent_associations_each_instance_is_delivered_exactly_once()
    {
        var dir = TestEnv.TempDir();
        var files = await DicomTestFiles.UniqueCopiesAsync(new[] { "MR_small.dcm", "CT_small.dcm" }.Select(DicomTestFiles.Sample), TestEnv.TempDir(), copiesEach: 40);
        var sink = new RecordingSink();
        await using var scp = Start(Options(dir, segmentBytes: 2 * 1024 * 1024, maxSegments: 3), sink);
        var shares = Enumerable.Range(0, 8).Select(i => files.Where((_, k) => k % 8 == i).ToList()).ToList();
        var results = await Task.WhenAll(shares.Select(s => SendAsync(scp.Port, s)));
        Assert.All(results.SelectMany(r => r), r => Assert.True(r.Stored, $"{r.Path}: {r.Message}"));
        await scp.Provider.WhenMaterializedAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(files.Count, sink.Stored.Count);
        Assert.Equal(files.Count, sink.Stored.Select(s => s.SopInstanceUid).Distinct().Count());
        foreach (var f in files)
            Assert.Equal(DataSetBytes(f), DataSetBytes(DicomTestFiles.StoredPath(dir, f)));
        // 80 instances (~2.6 MB of records) went through 3 segments of 2 MiB: segments were reused, never more created.
        Assert.True(Directory.EnumerateFiles(Path.Combine(dir, ".journal"), "seg-*.log").Count() <= 3);
    }

    [Theory]
    [InlineData(StorageMode.Journal)]
    [InlineData(StorageMode.Direct)]
    public async Task Store_timings_account_for_every_stored_instance_and_only_those(StorageMode mode)
    {
        var dir = TestEnv.TempDir();
        var files = await DicomTestFiles.UniqueCopiesAsync([DicomTestFiles.Sample("MR_small.dcm")], TestEnv.TempDir(), copiesEach: 5);
        var journal = Options(dir);
        await using var scp = Start(mode == StorageMode.Journal ? journal
            : new FileStorageOptions { Directory = dir, Mode = StorageMode.Direct, MinFreeBytes = journal.MinFreeBytes });
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.All(await SendAsync(scp.Port, files), r => Assert.True(r.Stored, r.Message));
        var elapsed = started.Elapsed;
        var t = scp.Provider.Timings;
        Assert.Equal(files.Count, t.Instances);
        Assert.True(t.Receive > TimeSpan.Zero && t.Commit > TimeSpan.Zero, $"receive {t.Receive}, commit {t.Commit}");
        Assert.True(t.WaitForData >= TimeSpan.Zero && t.Check >= TimeSpan.Zero);
        // The parts happen inside the sender's run, one instance after the other.
        Assert.True(t.WaitForData + t.Receive + t.Check + t.Commit <= elapsed, $"{t} within {elapsed}");
        // A refused instance is not counted.
        var refused = await SendAsync(scp.Port, [MismatchedCopy(files[0])]);
        Assert.Equal(DimseStatus.DataSetDoesNotMatchSopClass, refused[0].Status);
        Assert.Equal(files.Count, scp.Provider.Timings.Instances);
    }

    [Fact]
    public async Task Same_sop_instance_twice_is_idempotent_in_journal_mode()
    {
        var dir = TestEnv.TempDir();
        var sink = new RecordingSink();
        await using var scp = Start(Options(dir), sink);
        var file = DicomTestFiles.Sample("MR_small.dcm");
        Assert.True((await SendAsync(scp.Port, [file]))[0].Stored);
        Assert.True((await SendAsync(scp.Port, [file]))[0].Stored);
        await scp.Provider.WhenMaterializedAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(DataSetBytes(file), DataSetBytes(Assert.Single(StoredFiles(dir))));
        Assert.Equal(2, sink.Stored.Count);
    }

    [Fact]
    public async Task An_instance_larger_than_the_journal_limit_is_stored_directly_before_its_success()
    {
        var dir = TestEnv.TempDir();
        var sink = new RecordingSink();
        await using var scp = Start(Options(dir, paused: true, maxInstance: 4096), sink);
        var file = DicomTestFiles.Sample("CT_small.dcm");
        Assert.True(new FileInfo(file).Length > 3 * 4096);
        Assert.True((await SendAsync(scp.Port, [file]))[0].Stored);
        // Materializer held: the file exists at once because it went the direct way (fsync file and directory).
        Assert.Equal(DataSetBytes(file), DataSetBytes(DicomTestFiles.StoredPath(dir, file)));
        Assert.Single(sink.Stored);
    }

    [Fact]
    public async Task A_later_direct_store_of_the_same_sop_is_not_overwritten_by_an_earlier_journal_record()
    {
        var dir = TestEnv.TempDir();
        var work = TestEnv.TempDir();
        var small = DicomTestFiles.Sample("MR_small.dcm"); // ~9 KB: journaled
        var large = Path.Combine(work, "ct-as-mr.dcm");     // ~39 KB: above the limit, stored directly
        File.Copy(DicomTestFiles.Sample("CT_small.dcm"), large);
        string sop;
        DataSetUids uids;
        using (var fs = File.OpenRead(small))
        {
            var h = Part10Header.Read(fs, small);
            sop = h.SopInstanceUid;
            fs.Seek(h.DataSetOffset, SeekOrigin.Begin);
            uids = DataSetUidScanner.Scan(fs, h.TransferSyntaxUid);
        }
        // Same SOP instance, study and series (so the same path), another content.
        var (exit, output) = await PeerProcess.RunAsync("dcmodify", ["-nb", "-m", $"(0008,0018)={sop}",
            "-m", $"(0020,000d)={uids.StudyInstanceUid}", "-m", $"(0020,000e)={uids.SeriesInstanceUid}", large], TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, output);
        await using var scp = Start(Options(dir, maxInstance: 20_000));
        Assert.True((await SendAsync(scp.Port, [small]))[0].Stored);
        Assert.True((await SendAsync(scp.Port, [large]))[0].Stored);
        await scp.Provider.WhenMaterializedAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var stored = Assert.Single(StoredFiles(dir), f => Path.GetFileName(f) == sop + ".dcm");
        Assert.Equal(DataSetBytes(large), DataSetBytes(stored));
    }

    [Fact]
    public async Task A_full_journal_answers_out_of_resources_and_keeps_what_it_acknowledged()
    {
        var dir = TestEnv.TempDir();
        var files = await DicomTestFiles.UniqueCopiesAsync([DicomTestFiles.Sample("CT_small.dcm")], TestEnv.TempDir(), copiesEach: 70);
        var scp = Start(Options(dir, paused: true, segmentBytes: 1024 * 1024, maxSegments: 2, fullTimeout: TimeSpan.FromSeconds(1)));
        var results = await SendAsync(scp.Port, files);
        var stored = results.Where(r => r.Stored).Select(r => r.Path).ToList();
        Assert.NotEmpty(stored);
        Assert.Contains(results, r => r.Status == DimseStatus.OutOfResources);
        await scp.CrashAsync();
        await using var restarted = Start(Options(dir, segmentBytes: 1024 * 1024, maxSegments: 2));
        Assert.Equal(stored.Count, restarted.Provider.Replayed);
        await restarted.Provider.WhenMaterializedAsync().WaitAsync(TimeSpan.FromSeconds(60));
        foreach (var f in stored) Assert.True(File.Exists(DicomTestFiles.StoredPath(dir, f)), $"{f} was acknowledged but not materialized");
        Assert.Equal(stored.Count, StoredFiles(dir).Count);
    }

    [Fact]
    public async Task Data_set_errors_are_refused_and_nothing_reaches_the_journal()
    {
        var dir = TestEnv.TempDir();
        var scp = Start(Options(dir));
        var results = await SendAsync(scp.Port, [MismatchedCopy(DicomTestFiles.Sample("MR_small.dcm"))]);
        Assert.Equal(DimseStatus.DataSetDoesNotMatchSopClass, results[0].Status);
        await scp.Provider.WhenMaterializedAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await scp.DisposeAsync(); // the SCP holds its segments locked
        Assert.Empty(StoredFiles(dir));
        Assert.All(Directory.EnumerateFiles(Path.Combine(dir, ".journal"), "seg-*.log"), s => Assert.Empty(Records(s)));
    }
}
