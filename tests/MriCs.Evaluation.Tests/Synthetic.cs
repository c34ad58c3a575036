using System.Text;
using MriCs.Evaluation.Input;

namespace MriCs.Evaluation.Tests;

/// <summary>Synthetic ratings: a true grade per image, raters and models that copy it with some probability.</summary>
internal static class Synthetic
{
    public sealed record Data(InputTable<PredictionRow> Predictions, InputTable<ReferenceRow> References);

    public static Data Make(int patients, int seed, IReadOnlyDictionary<string, double> models, IReadOnlyDictionary<string, double> raters,
        string[]? sites = null)
    {
        var rng = new Random(seed);
        var pred = new StringBuilder("patient_id,level,model,grade,site\n");
        var refs = new StringBuilder("patient_id,level,rater,grade,site\n");
        for (var p = 0; p < patients; p++)
        {
            var id = $"S{p:D4}";
            var site = sites is null ? "" : sites[p % sites.Length];
            foreach (var level in DiscLevels.All)
            {
                var truth = rng.NextDouble() switch { < 0.36 => 0, < 0.53 => 1, _ => 2 };
                foreach (var (m, acc) in models) pred.Append($"{id},{level.Label()},{m},{Noisy(rng, truth, acc)},{site}\n");
                foreach (var (r, acc) in raters) refs.Append($"{id},{level.Label()},{r},{Noisy(rng, truth, acc)},{site}\n");
            }
        }
        return new Data(EvaluationCsv.ReadPredictions(new StringReader(pred.ToString()), "pred.csv"),
            EvaluationCsv.ReadReferences(new StringReader(refs.ToString()), "ref.csv"));
    }

    private static int Noisy(Random rng, int truth, double accuracy) =>
        rng.NextDouble() < accuracy ? truth : rng.Next(3);
}
