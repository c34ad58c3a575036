using MriCs.Evaluation.Analysis;
using MriCs.Evaluation.Statistics;

namespace MriCs.Evaluation.Tests;

public class LiveAgreementTests
{
    [Fact]
    public void Running_counts_give_the_same_kappa_as_the_batch_matrix()
    {
        var live = new LiveAgreement();
        var rng = new Random(4);
        var pairs = new List<(string Site, int M, int S)>();
        for (var i = 0; i < 300; i++)
        {
            var site = i % 3 == 0 ? "north" : "south";
            var s = rng.Next(3);
            var m = rng.NextDouble() < 0.75 ? s : rng.Next(3);
            live.Add(site, "ensemble", m, s);
            pairs.Add((site, m, s));
        }
        var snap = live.Snapshot();
        Assert.Equal(["*", "north", "south"], snap.Select(e => e.Site));
        var all = snap.Single(e => e.Site == LiveAgreement.AllSites);
        var batch = CohenKappa.Compute(ConfusionMatrix.FromPairs(3, pairs.Select(p => (p.M, p.S))));
        Assert.Equal(batch.Kappa, all.ThreeClass.Kappa);
        Assert.Equal(300, all.N);
        var north = CohenKappa.Compute(ConfusionMatrix.FromPairs(3, pairs.Where(p => p.Site == "north").Select(p => (p.M, p.S))).ToBinary());
        Assert.Equal(north.Kappa, snap.Single(e => e.Site == "north").Binary.Kappa);
    }

    [Fact]
    public void A_correction_removes_the_old_decision_and_bad_updates_are_refused()
    {
        var live = new LiveAgreement(maxKeys: 2);
        live.Add("a", "v1", 2, 2);
        live.Add("a", "v1", 0, 0);
        live.Remove("a", "v1", 0, 0);
        live.Add("a", "v1", 0, 1);
        var e = live.Snapshot().Single(x => x.Site == "a");
        Assert.Equal(2, e.N);
        Assert.Throws<InvalidOperationException>(() => live.Remove("a", "v1", 1, 1));
        Assert.Throws<InvalidOperationException>(() => live.Add("b", "v1", 1, 1)); // a third key
        Assert.Equal(2, live.Keys);                                                 // refused: nothing changed
        Assert.Equal(2, live.Snapshot().Single(x => x.Site == LiveAgreement.AllSites).N);
        Assert.Throws<ArgumentOutOfRangeException>(() => live.Add("a", "v1", 3, 1));
        Assert.Throws<ArgumentException>(() => live.Add(LiveAgreement.AllSites, "v1", 1, 1));
        // Undefined stays undefined (one class only), never NaN.
        var one = new LiveAgreement();
        one.Add("a", "v1", 2, 2);
        Assert.False(one.Snapshot()[0].ThreeClass.IsDefined);
    }
}
