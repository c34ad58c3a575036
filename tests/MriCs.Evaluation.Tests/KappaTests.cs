using MriCs.Evaluation.Statistics;

namespace MriCs.Evaluation.Tests;

public class KappaTests
{
    private static ConfusionMatrix M(int k, params long[] counts) => new(k, counts);

    [Fact]
    public void Two_by_two_textbook_example_matches_hand_computation()
    {
        // po = 35/50 = 0.7; margins rows (.5,.5), cols (.6,.4): pe = .5; kappa = .2/.5 = .4.
        // Fleiss-Cohen-Everitt: A = .4(1-1.1·.6)² + .3(1-.9·.6)² = .10972;
        // B = .36·(.1·1.1² + .2·.9²) = .10188; C = (.4-.5·.6)² = .01; var = (A+B-C)/(.25·50) = .016128.
        // Null: (pe + pe² - Σ p_i.p_.i(p_i.+p_.i)) / (.25·50) = (.75 - .51)/12.5 = .0192.
        var e = CohenKappa.Compute(M(2, 20, 5, 10, 15));
        Assert.Equal(0.7, e.ObservedAgreement, 12);
        Assert.Equal(0.5, e.ExpectedAgreement, 12);
        Assert.Equal(0.4, e.Kappa!.Value, 12);
        Assert.Equal(Math.Sqrt(0.016128), e.StandardError!.Value, 12);
        Assert.Equal(Math.Sqrt(0.0192), e.NullStandardError!.Value, 12);
        var ci = e.AsymptoticCi!.Value;
        Assert.Equal(0.4 - KappaEstimate.Z95 * Math.Sqrt(0.016128), ci.Low, 12);
        Assert.Equal(0.4 + KappaEstimate.Z95 * Math.Sqrt(0.016128), ci.High, 12);
        Assert.Equal(0.4 / Math.Sqrt(0.0192), e.Z!.Value, 12);
    }

    [Fact]
    public void Linear_weighted_three_class_matches_hand_computation()
    {
        // One off-by-one disagreement in 4: observed disagreement .25·.5 = .125,
        // expected disagreement .4375 (see margins), kappa_w = 1 - .125/.4375 = 5/7.
        var e = CohenKappa.Compute(M(3, 1, 1, 0, 0, 1, 0, 0, 0, 1), KappaWeighting.Linear);
        Assert.Equal(5.0 / 7.0, e.Kappa!.Value, 12);
        // Quadratic: d = (|i-j|/2)²: observed .25·.25 = .0625; expected
        // .5(.25·.5 + 1·.25) + .25(.25·.25 + .25·.25) + .25(1·.25 + .25·.5) = .1875+.03125+.09375 = .3125.
        var q = CohenKappa.Compute(M(3, 1, 1, 0, 0, 1, 0, 0, 0, 1), KappaWeighting.Quadratic);
        Assert.Equal(1 - 0.0625 / 0.3125, q.Kappa!.Value, 12);
    }

    [Fact]
    public void Perfect_agreement_is_one_with_zero_standard_error()
    {
        var e = CohenKappa.Compute(M(3, 7, 0, 0, 0, 3, 0, 0, 0, 9));
        Assert.Equal(1.0, e.Kappa!.Value, 12);
        Assert.Equal(0.0, e.StandardError!.Value, 12);
        Assert.Equal((1.0, 1.0), e.AsymptoticCi!.Value);
        foreach (var w in new[] { KappaWeighting.Linear, KappaWeighting.Quadratic })
            Assert.Equal(1.0, CohenKappa.Compute(M(3, 7, 0, 0, 0, 3, 0, 0, 0, 9), w).Kappa!.Value, 12);
    }

    [Fact]
    public void One_identical_class_only_is_undefined_not_nan()
    {
        var e = CohenKappa.Compute(M(3, 0, 0, 0, 0, 12, 0, 0, 0, 0));
        Assert.False(e.IsDefined);
        Assert.Null(e.Kappa);
        Assert.Null(e.StandardError);
        Assert.Null(e.AsymptoticCi);
        Assert.Contains("undefined", e.UndefinedReason);
        Assert.Equal(1.0, e.ObservedAgreement);
    }

    [Fact]
    public void No_pairs_is_undefined()
    {
        var e = CohenKappa.Compute(M(2, 0, 0, 0, 0));
        Assert.False(e.IsDefined);
        Assert.Equal(0, e.N);
    }

    [Fact]
    public void Each_rater_one_class_but_different_gives_zero()
    {
        // po = 0 and pe = 0: kappa = 0, defined.
        var e = CohenKappa.Compute(M(2, 0, 10, 0, 0));
        Assert.Equal(0.0, e.Kappa!.Value, 12);
    }

    [Fact]
    public void One_side_with_a_single_class_gives_zero_with_a_caveat()
    {
        // Reference all grade 2, model 13 × 2 and 1 × 1: po = pe = 13/14, kappa = 0, SE = 0.
        foreach (var w in Enum.GetValues<KappaWeighting>())
        {
            var e = CohenKappa.Compute(M(3, 0, 0, 0, 0, 0, 1, 0, 0, 13), w);
            Assert.Equal(0.0, e.Kappa!.Value, 12);
            Assert.Contains("single class", e.Caveat);
        }
        Assert.Null(CohenKappa.Compute(M(2, 20, 5, 10, 15)).Caveat);
    }

    [Fact]
    public void Complete_systematic_disagreement_is_minus_one()
    {
        var e = CohenKappa.Compute(M(2, 0, 5, 5, 0));
        Assert.Equal(-1.0, e.Kappa!.Value, 12);
        Assert.Equal(-1.0, e.AsymptoticCi!.Value.Low, 12);
    }

    [Fact]
    public void Kappa_and_standard_errors_are_symmetric_in_the_raters()
    {
        var rng = new Random(11);
        for (var t = 0; t < 200; t++)
        {
            var counts = Enumerable.Range(0, 9).Select(_ => (long)rng.Next(0, 15)).ToArray();
            var m = M(3, counts);
            foreach (var w in Enum.GetValues<KappaWeighting>())
            {
                var a = CohenKappa.Compute(m, w);
                var b = CohenKappa.Compute(m.Transpose(), w);
                Assert.Equal(a.IsDefined, b.IsDefined);
                if (!a.IsDefined) continue;
                Assert.Equal(a.Kappa!.Value, b.Kappa!.Value, 12);
                Assert.Equal(a.StandardError!.Value, b.StandardError!.Value, 12);
                Assert.Equal(a.NullStandardError!.Value, b.NullStandardError!.Value, 12);
            }
        }
    }

    [Fact]
    public void Independent_raters_give_kappa_near_zero_within_its_standard_error()
    {
        var rng = new Random(5);
        var pairs = Enumerable.Range(0, 100_000).Select(_ => (Skewed(rng), Skewed(rng))).ToList();
        var e = CohenKappa.Compute(ConfusionMatrix.FromPairs(3, pairs));
        Assert.InRange(e.Kappa!.Value, -4 * e.NullStandardError!.Value, 4 * e.NullStandardError.Value);
        Assert.InRange(e.Kappa.Value, -0.02, 0.02);
        // And a rater copying the other 80 % of the time is far from zero.
        var copy = pairs.Select(p => rng.NextDouble() < 0.8 ? (p.Item1, p.Item1) : p).ToList();
        Assert.True(CohenKappa.Compute(ConfusionMatrix.FromPairs(3, copy)).Kappa > 0.7);

        static int Skewed(Random r) { var u = r.NextDouble(); return u < 0.36 ? 0 : u < 0.53 ? 1 : 2; }
    }

    [Fact]
    public void KappaOnly_agrees_with_Compute()
    {
        var rng = new Random(3);
        for (var t = 0; t < 100; t++)
        {
            var counts = Enumerable.Range(0, 9).Select(_ => (long)rng.Next(0, 6)).ToArray();
            foreach (var w in Enum.GetValues<KappaWeighting>())
            {
                var full = CohenKappa.Compute(M(3, counts), w).Kappa;
                var fast = CohenKappa.KappaOnly(counts, 3, KappaWeights.Agreement(3, w));
                Assert.Equal(full.HasValue, fast.HasValue);
                if (full.HasValue) Assert.Equal(full.Value, fast!.Value, 12);
            }
        }
    }

    [Fact]
    public void Fleiss_kappa_matches_the_worked_example_of_fleiss_1971_as_in_wikipedia()
    {
        // 10 items, 14 raters, 5 classes (the Wikipedia worked example): P̄ = 0.378, P̄e = 0.213, kappa = 0.210.
        int[][] table =
        [
            [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
        ];
        var e = FleissKappa.Compute(table, 5);
        Assert.Equal(0.378, e.ObservedAgreement, 3);
        Assert.Equal(0.213, e.ExpectedAgreement, 3);
        Assert.Equal(0.210, e.Kappa!.Value, 3);
        Assert.Null(FleissKappa.Compute([[3, 0], [3, 0]], 2).Kappa);
        Assert.Throws<ArgumentException>(() => FleissKappa.Compute([[3, 0], [2, 0]], 2));
    }

    [Fact]
    public void Per_class_precision_recall_and_f1_take_the_columns_as_truth()
    {
        var m = ClassMetrics.Of(M(3, 5, 0, 0, 2, 1, 1, 0, 0, 3));
        Assert.Equal((7L, 5L, 1.0, 5.0 / 7), (m[0].Support, m[0].Predicted, m[0].Precision!.Value, m[0].Recall!.Value));
        Assert.Equal(0.25, m[1].Precision!.Value, 12);
        Assert.Equal(1.0, m[1].Recall!.Value, 12);
        Assert.Equal(0.4, m[1].F1!.Value, 12);
        Assert.Equal(2 * 0.75 / 1.75, m[2].F1!.Value, 12);
        // A class never predicted has no precision; one never in the reference has no recall.
        var empty = ClassMetrics.Of(M(3, 4, 0, 0, 0, 0, 0, 0, 0, 2));
        Assert.Null(empty[1].Precision);
        Assert.Null(empty[1].Recall);
        Assert.Null(empty[1].F1);
    }

    [Fact]
    public void Binary_view_merges_grades_one_and_two()
    {
        var m = M(3, 1, 2, 3, 4, 5, 6, 7, 8, 9).ToBinary();
        Assert.Equal(new long[] { 1, 5, 11, 28 }, m.ToArray());
        Assert.Equal(45, m.Total);
    }

    [Fact]
    public void Normal_two_sided_p_values_match_tables()
    {
        Assert.Equal(0.05, NormalDistribution.TwoSidedP(KappaEstimate.Z95), 12);
        Assert.Equal(1.0, NormalDistribution.TwoSidedP(0), 14);
        Assert.Equal(0.31731050786291410, NormalDistribution.TwoSidedP(1), 13);
        Assert.Equal(0.0026997960632601866, NormalDistribution.TwoSidedP(3), 14);
        Assert.Equal(6.334248366623996e-05, NormalDistribution.TwoSidedP(4), 15);
    }
}
