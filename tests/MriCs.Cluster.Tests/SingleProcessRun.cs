using System.Diagnostics;
using System.Text.Json;
using MriCs.Actors.Protocol;
using MriCs.Actors.Results;

namespace MriCs.Cluster.Tests;

/// <summary>The reference every cluster test compares with: the same studies through one `mrics process` run.</summary>
public static class SingleProcessRun
{
    /// <summary>Phantom studies (one folder each, no labels file) under <paramref name="workDir"/>/studies, in name order.</summary>
    public static (string Root, List<string> Folders) WriteStudies(string workDir, int seed, int count)
    {
        var root = Path.Combine(workDir, "studies");
        MriCs.Phantom.Studies.PhantomStudy.Write(root, new MriCs.Phantom.PhantomOptions(seed), count, new MriCs.Phantom.Studies.StudyOptions());
        File.Delete(Path.Combine(root, "labels.csv"));
        var folders = Directory.GetDirectories(root).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(count, folders.Count);
        return (root, folders);
    }

    /// <summary>Exactly one recommendation per study, each equal to the single-process run's: grades, levels, models, probabilities within 1e-4.</summary>
    public static void AssertOneEachAndEqual(IReadOnlyList<StudyJournal> journal, IReadOnlyDictionary<string, Recommendation> baseline, int expected)
    {
        Assert.Equal(expected, journal.Count);
        foreach (var s in journal)
        {
            Assert.True(s.Issued.Count == 1, $"study …{s.StudyUid[^8..]} has {s.Issued.Count} recommendations");
            var got = s.Issued[0];
            Assert.True(baseline.TryGetValue(s.StudyUid, out var want), $"study …{s.StudyUid[^8..]} is not in the single-process run");
            Assert.Equal(want!.Grade, got.Grade);
            Assert.Equal(want.SurgeryConsidered, got.SurgeryConsidered);
            Assert.Equal(want.DecidingLevel, got.DecidingLevel);
            Assert.Equal(want.FlaggedForReview, got.FlaggedForReview);
            Assert.Equal(want.Levels.Select(l => (l.Level, l.SopInstanceUid, l.Grade, l.Outcome)), got.Levels.Select(l => (l.Level, l.SopInstanceUid, l.Grade, l.Outcome)));
            foreach (var (w, g) in want.Levels.Zip(got.Levels))
            {
                Close(w.Probabilities, g.Probabilities, $"{w.Level} fused");
                Assert.Equal(w.Models.Select(m => (m.ModelId, m.Grade)), g.Models.Select(m => (m.ModelId, m.Grade)));
                foreach (var (wm, gm) in w.Models.Zip(g.Models)) Close(wm.Probabilities, gm.Probabilities, $"{w.Level} {wm.ModelId}");
            }
            Assert.Equal(want.Versions.Select(v => (v.ModelId, v.Grade)), got.Versions.Select(v => (v.ModelId, v.Grade)));
        }
    }

    private static void Close(float[]? want, float[]? got, string what)
    {
        Assert.Equal(want is null, got is null);
        if (want is null) return;
        Assert.Equal(want.Length, got!.Length);
        for (var i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - got[i]) <= 1e-4, $"{what} p{i}: single process {want[i]}, cluster {got[i]}");
    }

    /// <summary>The clean single-process run (work files under <paramref name="workDir"/>/single): `mrics process DIR` (the CLI dll) on a fresh SQLite journal.</summary>
    public static Dictionary<string, Recommendation> Run(string workDir, string studies)
    {
        var json = Path.Combine(workDir, "single", "results.json");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workDir };
        foreach (var a in new[] { Repo.Dll("MriCs.Cli", "mrics"), "process", studies, "--out", Path.Combine(workDir, "single", "results.csv"), "--json", json,
                     "--data-dir", Path.Combine(workDir, "single", "data"), "--models", Repo.Models, "--provider", "cpu", "--slots", "1", "--timeout", "600" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var outp = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(900_000)) { p.Kill(true); Assert.Fail("mrics process did not finish in 15 min"); }
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"mrics process exit {p.ExitCode}: {err.Result}\n{outp.Result}");
        using var s = File.OpenRead(json);
        var list = JsonSerializer.Deserialize<List<Recommendation>>(s, ResultsExport.JsonOptions)!;
        return list.ToDictionary(r => r.StudyUid, StringComparer.Ordinal);
    }
}
