using System.Net;
using System.Text.RegularExpressions;

namespace MriCs.Dicom.Network.Tests;

public class StoreScpTests
{
    private static (DicomServer Server, string Dir, ListLogger Log) StartStorage(Action<DicomScpOptions>? configure = null,
        IStoredInstanceSink? sink = null, Func<string, long>? freeSpace = null, long maxInstanceBytes = 1L << 32)
    {
        var dir = TestEnv.TempDir();
        var options = TestEnv.FastOptions();
        configure?.Invoke(options);
        var log = new ListLogger();
        var provider = new FileStorageProvider(new FileStorageOptions
        {
            Directory = dir,
            MinFreeBytes = 1024 * 1024,
            MaxInstanceBytes = maxInstanceBytes,
            FreeSpaceProbe = freeSpace ?? (d => new DriveInfo(d).AvailableFreeSpace),
        }, sink);
        var server = new DicomServer(options, provider, logger: log);
        server.Start(new IPEndPoint(IPAddress.Loopback, 0));
        return (server, dir, log);
    }

    [Fact]
    public async Task Storescu_with_about_128_contexts_stores_every_file_unchanged()
    {
        var (server, dir, log) = StartStorage();
        await using var _ = server;
        var files = await DicomTestFiles.UniqueCopiesAsync(DicomTestFiles.Uncompressed.Select(DicomTestFiles.Sample).Concat(DicomTestFiles.Study()), TestEnv.TempDir());
        var (exit, output) = await PeerProcess.RunAsync("storescu",
            ["-aet", "DCMTK", "-aec", "MRICS", "127.0.0.1", server.LocalEndPoint.Port.ToString(), .. files], TimeSpan.FromSeconds(120));
        Assert.True(exit == 0, output);
        foreach (var f in files)
        {
            var stored = DicomTestFiles.StoredPath(dir, f);
            Assert.True(File.Exists(stored), $"{f} was not stored at {stored}");
            await DicomTestFiles.AssertSameDataSetAsync(f, stored);
        }
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(dir, ".incoming")));
        var accepted = log.Lines.Single(l => l.Contains("accepted ("));
        var m = Regex.Match(accepted, @"\((\d+)/(\d+) presentation contexts\)");
        Assert.True(int.Parse(m.Groups[2].Value) >= 120, accepted);
    }

    [Fact]
    public async Task Storescu_R_sends_compressed_and_deflated_files_in_their_own_syntax_and_refused_syntaxes_fail()
    {
        var (server, dir, _) = StartStorage();
        await using var _s = server;
        var work = TestEnv.TempDir();
        var jpegLossless = Path.Combine(work, "jpegll.dcm");
        var (cjExit, cjOut) = await PeerProcess.RunAsync("dcmcjpeg", ["+e1", DicomTestFiles.Sample("MR_small.dcm"), jpegLossless], TimeSpan.FromSeconds(30));
        Assert.True(cjExit == 0, cjOut);
        var accepted = await DicomTestFiles.UniqueCopiesAsync(
            [DicomTestFiles.Sample("MR_small_RLE.dcm"), DicomTestFiles.Sample("image_dfl.dcm"), jpegLossless], work);
        var refused = await DicomTestFiles.UniqueCopiesAsync([DicomTestFiles.Sample("MR_small_jp2klossless.dcm")], TestEnv.TempDir());
        // storescu -R proposes the syntax named by -x?; one run per syntax.
        string[] options = ["-xr", "-xd", "-xs"];
        for (var i = 0; i < accepted.Count; i++)
        {
            var (exit, output) = await PeerProcess.RunAsync("storescu",
                ["-R", options[i], "-aet", "DCMTK", "-aec", "MRICS", "127.0.0.1", server.LocalEndPoint.Port.ToString(), accepted[i]], TimeSpan.FromSeconds(60));
            Assert.True(exit == 0, output);
            var stored = DicomTestFiles.StoredPath(dir, accepted[i]);
            Assert.True(File.Exists(stored), $"{accepted[i]} was not stored:\n{output}");
            // Own syntax kept: the stored meta header names the file's syntax, and the data set is identical.
            using (var a = File.OpenRead(accepted[i]))
            using (var b = File.OpenRead(stored))
                Assert.Equal(Part10Header.Read(a, accepted[i]).TransferSyntaxUid, Part10Header.Read(b, stored).TransferSyntaxUid);
            await DicomTestFiles.AssertSameDataSetAsync(accepted[i], stored);
        }
        var (badExit, badOutput) = await PeerProcess.RunAsync("storescu",
            ["-R", "-xv", "-aet", "DCMTK", "-aec", "MRICS", "127.0.0.1", server.LocalEndPoint.Port.ToString(), refused[0]], TimeSpan.FromSeconds(60));
        Assert.True(badExit != 0, badOutput);
        Assert.False(File.Exists(DicomTestFiles.StoredPath(dir, refused[0])));
    }

    [Fact]
    public async Task Storescu_sends_over_100_files_in_one_association()
    {
        var (server, dir, log) = StartStorage();
        await using var _ = server;
        var files = await DicomTestFiles.UniqueCopiesAsync([DicomTestFiles.Sample("MR_small.dcm"), DicomTestFiles.Sample("CT_small.dcm")], TestEnv.TempDir(), copiesEach: 60);
        var (exit, output) = await PeerProcess.RunAsync("storescu",
            ["-aet", "DCMTK", "-aec", "MRICS", "127.0.0.1", server.LocalEndPoint.Port.ToString(), .. files], TimeSpan.FromSeconds(180));
        Assert.True(exit == 0, output);
        Assert.Single(log.Lines, l => l.Contains("accepted ("));
        Assert.Contains(log.Lines, l => l.Contains("released (120 operations)"));
        Assert.All(files, f => Assert.True(File.Exists(DicomTestFiles.StoredPath(dir, f))));
    }

    [Fact]
    public async Task Concurrent_associations_all_store()
    {
        var (server, dir, log) = StartStorage();
        await using var _ = server;
        var files = await DicomTestFiles.UniqueCopiesAsync([DicomTestFiles.Sample("MR_small.dcm")], TestEnv.TempDir(), copiesEach: 24);
        var sends = files.Chunk(6).Select(chunk => DicomFileSender.SendAsync("127.0.0.1", server.LocalEndPoint.Port,
            new DicomClientOptions { CalledAeTitle = "MRICS" }, chunk)).ToList();
        var results = (await Task.WhenAll(sends)).SelectMany(r => r).ToList();
        Assert.All(results, r => Assert.Equal(DimseStatus.Success, r.Status));
        Assert.Equal(24, Directory.EnumerateFiles(dir, "*.dcm", SearchOption.AllDirectories).Count());
        Assert.Equal(4, log.Lines.Count(l => l.Contains("released (6 operations)")));
    }

    [Fact]
    public async Task Instance_above_the_size_limit_is_out_of_resources_and_leaves_nothing()
    {
        var (server, dir, _) = StartStorage(maxInstanceBytes: 100_000);
        await using var _s = server;
        var big = Path.Combine(TestEnv.TempDir(), "big.dcm");
        await File.WriteAllBytesAsync(big, DataSetScanTests.SyntheticInstance("1.2.3.4.100.1.7", 300_000));
        var results = await DicomFileSender.SendAsync("127.0.0.1", server.LocalEndPoint.Port, new DicomClientOptions { CalledAeTitle = "MRICS" },
            [big, DicomTestFiles.Sample("CT_small.dcm")]);
        Assert.Equal(DimseStatus.OutOfResources, results[0].Status);
        Assert.Equal(DimseStatus.Success, results[1].Status); // the association goes on
        Assert.Single(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Store_of_a_non_storage_sop_class_is_refused_0122_and_the_data_set_is_skipped()
    {
        var (server, dir, _) = StartStorage();
        await using var _s = server;
        await using var a = await DicomClientAssociation.OpenAsync("127.0.0.1", server.LocalEndPoint.Port, new DicomClientOptions { CalledAeTitle = "MRICS" },
            [new PresentationContextProposal(1, "1.2.840.10008.5.1.4.1.1.4", [NetworkUids.ExplicitVrLittleEndian])]);
        var pc = a.FindContext("1.2.840.10008.5.1.4.1.1.4", NetworkUids.ExplicitVrLittleEndian)!;
        using var junk = new MemoryStream(new byte[10_000]);
        var refused = await a.StoreAsync(pc.Id, "1.2.840.10008.5.1.4.31", "1.2.3.4.5", junk, junk.Length);
        Assert.Equal(DimseStatus.SopClassNotSupported, refused.Status);
        // The association is still usable.
        var path = DicomTestFiles.Sample("MR_small.dcm");
        using var fs = File.OpenRead(path);
        var h = Part10Header.Read(fs, path);
        var ok = await a.StoreAsync(pc.Id, h.SopClassUid, h.SopInstanceUid, fs, fs.Length - h.DataSetOffset);
        Assert.Equal(DimseStatus.Success, ok.Status);
        await a.ReleaseAsync();
        Assert.Single(Directory.EnumerateFiles(dir, "*.dcm", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Same_instance_twice_is_idempotent()
    {
        var (server, dir, _) = StartStorage();
        await using var _s = server;
        var file = DicomTestFiles.Sample("CT_small.dcm");
        for (var i = 0; i < 2; i++)
        {
            var results = await DicomFileSender.SendAsync("127.0.0.1", server.LocalEndPoint.Port, new DicomClientOptions { CalledAeTitle = "MRICS" }, [file]);
            Assert.Equal(DimseStatus.Success, results[0].Status);
        }
        Assert.Single(Directory.EnumerateFiles(dir, "*.dcm", SearchOption.AllDirectories));
        await DicomTestFiles.AssertSameDataSetAsync(file, DicomTestFiles.StoredPath(dir, file));
    }

    [Fact]
    public async Task Free_space_guard_answers_out_of_resources_and_writes_nothing()
    {
        var (server, dir, _) = StartStorage(freeSpace: _ => 1000);
        await using var _s = server;
        var results = await DicomFileSender.SendAsync("127.0.0.1", server.LocalEndPoint.Port, new DicomClientOptions { CalledAeTitle = "MRICS" },
            [DicomTestFiles.Sample("MR_small.dcm"), DicomTestFiles.Sample("CT_small.dcm")]);
        Assert.All(results, r => Assert.Equal(DimseStatus.OutOfResources, r.Status));
        Assert.Empty(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories));
    }

    private sealed class RefusingSink(int acceptFirst) : IStoredInstanceSink
    {
        private int _seen;
        public List<StoredInstance> Stored { get; } = [];
        public bool CanAccept(CStoreRequest request) => Interlocked.Increment(ref _seen) <= acceptFirst;
        public ValueTask OnStoredAsync(StoredInstance instance, CancellationToken ct)
        {
            Assert.True(File.Exists(instance.Path), "the sink hears of an instance only once it is on disk");
            lock (Stored) Stored.Add(instance);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task Sink_sees_durable_instances_and_its_refusal_is_out_of_resources()
    {
        var sink = new RefusingSink(acceptFirst: 1);
        var (server, _, _) = StartStorage(sink: sink);
        await using var _s = server;
        var results = await DicomFileSender.SendAsync("127.0.0.1", server.LocalEndPoint.Port,
            new DicomClientOptions { CalledAeTitle = "MRICS", CallingAeTitle = "SENDER" },
            [DicomTestFiles.Sample("CT_small.dcm"), DicomTestFiles.Sample("MR_small.dcm")]);
        Assert.Equal(DimseStatus.Success, results[0].Status);
        Assert.Equal(DimseStatus.OutOfResources, results[1].Status);
        var stored = Assert.Single(sink.Stored);
        Assert.Equal("SENDER", stored.Association.CallingAe);
        Assert.Equal(NetworkUids.ExplicitVrLittleEndian, stored.TransferSyntaxUid);
        Assert.Equal("1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322", stored.SopInstanceUid);
    }

    [Fact]
    public async Task Data_set_errors_get_A900_and_C000()
    {
        var (server, dir, _) = StartStorage();
        await using var _s = server;
        var work = TestEnv.TempDir();
        var src = DicomTestFiles.Sample("MR_small.dcm");
        Part10Header h;
        byte[] dataSet;
        using (var fs = File.OpenRead(src))
        {
            h = Part10Header.Read(fs, src);
            dataSet = new byte[fs.Length - h.DataSetOffset];
            fs.ReadExactly(dataSet);
        }
        // Meta (and so the command) names another SOP instance than the data set: 0xA900.
        var mismatched = Path.Combine(work, "mismatch.dcm");
        File.WriteAllBytes(mismatched, [.. Part10Header.Encode(h.SopClassUid, "1.2.3.4.5.6", h.TransferSyntaxUid, null), .. dataSet]);
        // A data set whose second element has no valid VR: 0xC000.
        var garbage = Path.Combine(work, "garbage.dcm");
        var broken = (byte[])dataSet.Clone();
        var second = 8 + BitConverter.ToUInt16(broken, 6);
        broken[second + 4] = 0x01; broken[second + 5] = 0x02;
        File.WriteAllBytes(garbage, [.. Part10Header.Encode(h.SopClassUid, "1.2.3.4.5.7", h.TransferSyntaxUid, null), .. broken]);

        var results = await DicomFileSender.SendAsync("127.0.0.1", server.LocalEndPoint.Port, new DicomClientOptions { CalledAeTitle = "MRICS" }, [mismatched, garbage]);
        Assert.Equal(DimseStatus.DataSetDoesNotMatchSopClass, results[0].Status);
        Assert.Equal(DimseStatus.CannotUnderstand, results[1].Status);
        Assert.Empty(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Shutdown_lets_an_in_flight_store_finish()
    {
        var gate = new TaskCompletionSource();
        var sink = new GatedSink(gate.Task);
        var (server, dir, _) = StartStorage(sink: sink);
        var send = DicomFileSender.SendAsync("127.0.0.1", server.LocalEndPoint.Port, new DicomClientOptions { CalledAeTitle = "MRICS" },
            [DicomTestFiles.Sample("CT_small.dcm")]);
        await sink.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var stop = server.StopAsync();
        await Task.Delay(200);
        Assert.False(stop.IsCompleted, "shutdown must wait for the in-flight store");
        gate.SetResult();
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
        var results = await send.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(DimseStatus.Success, results[0].Status);
        Assert.True(File.Exists(DicomTestFiles.StoredPath(dir, DicomTestFiles.Sample("CT_small.dcm"))));
    }

    private sealed class GatedSink(Task gate) : IStoredInstanceSink
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool CanAccept(CStoreRequest request) => true;
        public async ValueTask OnStoredAsync(StoredInstance instance, CancellationToken ct)
        {
            Entered.TrySetResult();
            await gate;
        }
    }
}
