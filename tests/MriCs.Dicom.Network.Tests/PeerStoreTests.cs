using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MriCs.Dicom.Network.Tests;

/// <summary>C-STORE with peers that are not MriCs: dcmtk storescp, Orthanc, npm dcmjs-dimse.</summary>
public class PeerStoreTests
{
    private static string PeerScript => Path.Combine(TestEnv.RepoRoot(), "tests", "peers", "dimse-peer.js");

    private static (DicomServer Server, string Dir) StartStorage()
    {
        var dir = TestEnv.TempDir();
        var provider = new FileStorageProvider(new FileStorageOptions { Directory = dir, MinFreeBytes = 1024 * 1024 });
        return (TestEnv.StartServer(TestEnv.FastOptions(), provider), dir);
    }

    [Fact]
    public async Task Mrics_scu_stores_into_dcmtk_storescp_unchanged()
    {
        var port = TestEnv.FreePort();
        var outDir = TestEnv.TempDir();
        using var scp = PeerProcess.Start("storescp", ["--aetitle", "PEER", "+xa", "--output-directory", outDir, port.ToString()]);
        await TestEnv.WaitForPortAsync(port, TimeSpan.FromSeconds(10), scp);
        var files = await DicomTestFiles.UniqueCopiesAsync(
            DicomTestFiles.Uncompressed.Append("MR_small_RLE.dcm").Append("image_dfl.dcm").Append("MR_small_jp2klossless.dcm").Select(DicomTestFiles.Sample),
            TestEnv.TempDir());
        var results = await DicomFileSender.SendAsync("127.0.0.1", port, new DicomClientOptions { CalledAeTitle = "PEER", MaxPduLength = 16384 }, files);
        Assert.All(results, r => Assert.True(r.Stored, $"{r.Path}: {r.Message}"));
        var received = Directory.EnumerateFiles(outDir).ToDictionary(f => ReadSopInstance(f));
        Assert.Equal(files.Count, received.Count);
        foreach (var f in files)
            await DicomTestFiles.AssertSameDataSetAsync(f, received[ReadSopInstance(f)]);
    }

    private static string ReadSopInstance(string path)
    {
        using var fs = File.OpenRead(path);
        return Part10Header.Read(fs, path).SopInstanceUid;
    }

    [Fact]
    public async Task Odd_length_deflated_data_set_is_padded_for_storescp()
    {
        // pydicom's image_dfl.dcm holds a deflated data set of odd length (4303 bytes); dcmtk refuses odd PDV fragments.
        var file = DicomTestFiles.Sample("image_dfl.dcm");
        using (var fs = File.OpenRead(file)) Assert.Equal(1, (fs.Length - Part10Header.Read(fs, file).DataSetOffset) % 2);
        var port = TestEnv.FreePort();
        var outDir = TestEnv.TempDir();
        using var scp = PeerProcess.Start("storescp", ["--aetitle", "PEER", "+xa", "--output-directory", outDir, port.ToString()]);
        await TestEnv.WaitForPortAsync(port, TimeSpan.FromSeconds(10), scp);
        var results = await DicomFileSender.SendAsync("127.0.0.1", port, new DicomClientOptions { CalledAeTitle = "PEER" }, [file]);
        Assert.True(results[0].Stored, results[0].Message + "\n" + scp.Output);
        await DicomTestFiles.AssertSameDataSetAsync(file, Directory.EnumerateFiles(outDir).Single());
    }

    /// <summary>Test-only transcoder: dcmtk's dcmconv re-encodes the file (the production one sits on MriCs.Dicom).</summary>
    private sealed class DcmconvTranscoder : IDataSetTranscoder
    {
        public int Calls;
        public bool CanTranscode(string from, string to) => to == NetworkUids.ImplicitVrLittleEndian && NetworkUids.IsUncompressed(from);
        public byte[] Transcode(Stream dataSet, string from, string to)
        {
            Interlocked.Increment(ref Calls);
            var dir = TestEnv.TempDir();
            var input = Path.Combine(dir, "in.dcm");
            File.WriteAllBytes(input, [.. Part10Header.Encode("1.2.840.10008.5.1.4.1.1.4", "1.2.3", from, null), .. ReadAll(dataSet)]);
            var output = Path.Combine(dir, "out.dcm");
            var (exit, log) = PeerProcess.RunAsync("dcmconv", ["+ti", input, output], TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            Assert.True(exit == 0, log);
            using var fs = File.OpenRead(output);
            var h = Part10Header.Read(fs, output);
            return ReadAll(fs);
        }
        private static byte[] ReadAll(Stream s) { var ms = new MemoryStream(); s.CopyTo(ms); return ms.ToArray(); }
    }

    [Fact]
    public async Task Refused_own_syntax_falls_back_to_implicit_le_through_the_transcoder()
    {
        var port = TestEnv.FreePort();
        var outDir = TestEnv.TempDir();
        using var scp = PeerProcess.Start("storescp", ["--aetitle", "PEER", "+xi", "+B", "--output-directory", outDir, port.ToString()]);
        await TestEnv.WaitForPortAsync(port, TimeSpan.FromSeconds(10), scp);
        var file = DicomTestFiles.Sample("CT_small.dcm");
        var without = await DicomFileSender.SendAsync("127.0.0.1", port, new DicomClientOptions { CalledAeTitle = "PEER" }, [file]);
        Assert.Null(without[0].Status);
        var transcoder = new DcmconvTranscoder();
        var with = await DicomFileSender.SendAsync("127.0.0.1", port, new DicomClientOptions { CalledAeTitle = "PEER" }, [file], transcoder: transcoder);
        Assert.True(with[0].Stored, with[0].Message);
        Assert.Contains("transcoded", with[0].Message);
        Assert.Equal(1, transcoder.Calls);
        await DicomTestFiles.AssertSameDataSetAsync(file, Directory.EnumerateFiles(outDir).Single());
    }

    [Fact]
    public async Task Core_transcoder_sends_explicit_and_big_endian_files_to_an_implicit_only_peer()
    {
        var port = TestEnv.FreePort();
        var outDir = TestEnv.TempDir();
        using var scp = PeerProcess.Start("storescp", ["--aetitle", "PEER", "+xi", "+B", "--output-directory", outDir, port.ToString()]);
        await TestEnv.WaitForPortAsync(port, TimeSpan.FromSeconds(10));
        var files = await DicomTestFiles.UniqueCopiesAsync(
            new[] { "CT_small.dcm", "MR_small_bigendian.dcm", "test-SR.dcm", "image_dfl.dcm", "MR_small_implicit.dcm" }.Select(DicomTestFiles.Sample), TestEnv.TempDir());
        var results = await DicomFileSender.SendAsync("127.0.0.1", port, new DicomClientOptions { CalledAeTitle = "PEER" }, files,
            transcoder: DicomCoreTranscoder.Instance);
        Assert.All(results, r => Assert.True(r.Stored, $"{r.Path}: {r.Message}"));
        Assert.Equal(4, results.Count(r => r.Message.Contains("transcoded")));
        var received = Directory.EnumerateFiles(outDir).ToDictionary(f => ReadSopInstance(f));
        foreach (var f in files)
        {
            using (var fs = File.OpenRead(received[ReadSopInstance(f)]))
                Assert.Equal(NetworkUids.ImplicitVrLittleEndian, Part10Header.Read(fs, f).TransferSyntaxUid);
            await DicomTestFiles.AssertSameDataSetAsync(f, received[ReadSopInstance(f)], ignoreSequenceLengthEncoding: true);
        }
    }

    [Fact]
    public async Task Mrics_scu_reports_refused_contexts_per_file()
    {
        var port = TestEnv.FreePort();
        // storescp accepting only uncompressed syntaxes (its default): an RLE file has no accepted context.
        using var scp = PeerProcess.Start("storescp", ["--aetitle", "PEER", "--output-directory", TestEnv.TempDir(), port.ToString()]);
        await TestEnv.WaitForPortAsync(port, TimeSpan.FromSeconds(10), scp);
        var results = await DicomFileSender.SendAsync("127.0.0.1", port, new DicomClientOptions { CalledAeTitle = "PEER" },
            [DicomTestFiles.Sample("MR_small_RLE.dcm"), DicomTestFiles.Sample("CT_small.dcm")]);
        Assert.Null(results[0].Status);
        Assert.Contains("no presentation context", results[0].Message);
        Assert.Equal(DimseStatus.Success, results[1].Status);
    }

    [Fact]
    public async Task Orthanc_pushes_a_study_to_mrics_and_receives_one_from_mrics()
    {
        var (server, dir) = StartStorage();
        await using var _ = server;
        var orthancDir = TestEnv.TempDir();
        var httpPort = TestEnv.FreePort();
        var dicomPort = TestEnv.FreePort();
        var config = new Dictionary<string, object>
        {
            ["Name"] = "mrics-test",
            ["StorageDirectory"] = Path.Combine(orthancDir, "db"),
            ["IndexDirectory"] = Path.Combine(orthancDir, "db"),
            ["HttpPort"] = httpPort,
            ["DicomPort"] = dicomPort,
            ["DicomAet"] = "ORTHANC",
            ["RemoteAccessAllowed"] = false,
            ["AuthenticationEnabled"] = false,
            ["SaveJobs"] = false,
            ["OverwriteInstances"] = true,
            ["DicomModalities"] = new Dictionary<string, object> { ["MRICS"] = new object[] { "MRICS", "127.0.0.1", server.LocalEndPoint.Port } },
        };
        var configPath = Path.Combine(orthancDir, "orthanc.json");
        await File.WriteAllTextAsync(configPath, JsonSerializer.Serialize(config));
        using var orthanc = PeerProcess.Start("Orthanc", [configPath]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(60) };
        await WaitForOrthancAsync(http, orthanc);
        try
        {
            // Orthanc -> MriCs: upload the study over REST, then C-STORE it to the MriCs SCP.
            var study = DicomTestFiles.Study();
            var studyIds = new HashSet<string>();
            foreach (var f in study)
            {
                var rsp = await http.PostAsync("/instances", new ByteArrayContent(await File.ReadAllBytesAsync(f)));
                rsp.EnsureSuccessStatusCode();
                studyIds.Add((await rsp.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ParentStudy").GetString()!);
            }
            var store = await http.PostAsync("/modalities/MRICS/store", JsonContent.Create(new Dictionary<string, object> { ["Resources"] = studyIds.ToArray(), ["Synchronous"] = true }));
            Assert.True(store.IsSuccessStatusCode, await store.Content.ReadAsStringAsync());
            foreach (var f in study)
            {
                var stored = DicomTestFiles.StoredPath(dir, f);
                Assert.True(File.Exists(stored), $"{f} did not arrive from Orthanc");
                await DicomTestFiles.AssertSameDataSetAsync(f, stored);
            }

            // MriCs -> Orthanc: send other files with the MriCs SCU, check them through the REST API.
            var files = await DicomTestFiles.UniqueCopiesAsync(
                new[] { "CT_small.dcm", "MR_small.dcm", "MR_small_implicit.dcm", "test-SR.dcm" }.Select(DicomTestFiles.Sample), TestEnv.TempDir());
            var results = await DicomFileSender.SendAsync("127.0.0.1", dicomPort, new DicomClientOptions { CalledAeTitle = "ORTHANC", CallingAeTitle = "MRICS" }, files);
            Assert.All(results, r => Assert.True(r.Stored, $"{r.Path}: {r.Message}"));
            foreach (var f in files)
            {
                var sop = ReadSopInstance(f);
                var lookup = await http.PostAsync("/tools/lookup", new StringContent(sop));
                var found = await lookup.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal(1, found.GetArrayLength());
                var id = found[0].GetProperty("ID").GetString();
                var copy = Path.Combine(orthancDir, sop + ".dcm");
                await File.WriteAllBytesAsync(copy, await http.GetByteArrayAsync($"/instances/{id}/file"));
                await DicomTestFiles.AssertSameDataSetAsync(f, copy);
            }
        }
        finally
        {
            try { await http.PostAsync("/tools/shutdown", null); await orthanc.WaitAsync(TimeSpan.FromSeconds(10)); }
            catch (Exception) { /* disposed (killed) below */ }
        }
    }

    private static async Task WaitForOrthancAsync(HttpClient http, PeerProcess orthanc)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            Assert.False(orthanc.HasExited, "Orthanc exited:\n" + orthanc.Output);
            try
            {
                if ((await http.GetAsync("/system")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > until) throw new TimeoutException("Orthanc did not start:\n" + orthanc.Output);
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Dcmjs_dimse_echoes_and_stores_into_mrics()
    {
        var (server, dir) = StartStorage();
        await using var _ = server;
        var port = server.LocalEndPoint.Port.ToString();
        var (echoExit, echoOut) = await PeerProcess.RunAsync("node", [PeerScript, "echo", "127.0.0.1", port, "DCMJS", "MRICS"], TimeSpan.FromSeconds(60));
        Assert.True(echoExit == 0, echoOut);
        Assert.Contains("ECHO 0x0000", echoOut);

        // (No implicit VR file here: dcmjs transcodes US/SS-ambiguous elements to US where dcmdump reads SS.)
        var files = await DicomTestFiles.UniqueCopiesAsync(new[] { "CT_small.dcm", "MR_small.dcm", "test-SR.dcm", "rtplan.dcm" }.Select(DicomTestFiles.Sample), TestEnv.TempDir());
        var (exit, output) = await PeerProcess.RunAsync("node", [PeerScript, "store", "127.0.0.1", port, "DCMJS", "MRICS", .. files], TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, output);
        foreach (var f in files)
        {
            var stored = DicomTestFiles.StoredPath(dir, f);
            Assert.True(File.Exists(stored), $"{f} was not stored:\n{output}");
            // dcmjs re-encodes what it sends (drops private elements it cannot name, sets ISO_IR 192):
            // compare with dcmjs's own re-encoding of the file.
            var sent = f + ".dcmjs.dcm";
            var (rwExit, rwOut) = await PeerProcess.RunAsync("node", [PeerScript, "rewrite", f, sent], TimeSpan.FromSeconds(60));
            Assert.True(rwExit == 0, rwOut);
            await DicomTestFiles.AssertSameDataSetAsync(sent, stored);
        }
    }

    [Fact]
    public async Task Mrics_scu_echoes_and_stores_into_dcmjs_dimse()
    {
        var port = TestEnv.FreePort();
        var outDir = TestEnv.TempDir();
        using var scp = PeerProcess.Start("node", [PeerScript, "scp", port.ToString(), "DCMJS", outDir]);
        await TestEnv.WaitForPortAsync(port, TimeSpan.FromSeconds(20), scp);
        await using (var a = await DicomClientAssociation.OpenAsync("127.0.0.1", port, new DicomClientOptions { CalledAeTitle = "DCMJS" }, TestEnv.EchoContexts))
        {
            Assert.Equal(DimseStatus.Success, (await a.EchoAsync()).Status);
            await a.ReleaseAsync();
        }
        var files = await DicomTestFiles.UniqueCopiesAsync(new[] { "CT_small.dcm", "MR_small.dcm", "rtplan.dcm" }.Select(DicomTestFiles.Sample), TestEnv.TempDir());
        var results = await DicomFileSender.SendAsync("127.0.0.1", port, new DicomClientOptions { CalledAeTitle = "DCMJS" }, files);
        Assert.All(results, r => Assert.True(r.Stored, $"{r.Path}: {r.Message}\n{scp.Output}"));
        foreach (var f in files)
        {
            // The peer keeps the raw data set and its syntax; wrap them as Part 10 for dcmdump.
            Part10Header h;
            using (var fs = File.OpenRead(f)) h = Part10Header.Read(fs, f);
            var raw = Path.Combine(outDir, h.SopInstanceUid + ".raw");
            Assert.True(File.Exists(raw), scp.Output);
            Assert.Equal(h.TransferSyntaxUid, await File.ReadAllTextAsync(Path.Combine(outDir, h.SopInstanceUid + ".ts")));
            var received = Path.Combine(outDir, h.SopInstanceUid + ".dcm");
            await File.WriteAllBytesAsync(received, [.. Part10Header.Encode(h.SopClassUid, h.SopInstanceUid, h.TransferSyntaxUid, null), .. await File.ReadAllBytesAsync(raw)]);
            await DicomTestFiles.AssertSameDataSetAsync(f, received);
        }
    }
}
