namespace MriCs.Evaluation.Statistics;

/// <summary>The study's reading of kappa: below 0.2 poor, 0.21–0.4 fair, 0.41–0.6 moderate,
/// 0.61–0.8 substantial, above 0.8 almost perfect (boundaries belong to the lower band).</summary>
public enum InterpretationBand
{
    Poor,
    Fair,
    Moderate,
    Substantial,
    AlmostPerfect,
}

public static class InterpretationBands
{
    public static InterpretationBand Of(double kappa) => kappa switch
    {
        <= 0.20 => InterpretationBand.Poor,
        <= 0.40 => InterpretationBand.Fair,
        <= 0.60 => InterpretationBand.Moderate,
        <= 0.80 => InterpretationBand.Substantial,
        _ => InterpretationBand.AlmostPerfect,
    };

    public static string Label(this InterpretationBand band) => band switch
    {
        InterpretationBand.Poor => "poor",
        InterpretationBand.Fair => "fair",
        InterpretationBand.Moderate => "moderate",
        InterpretationBand.Substantial => "substantial",
        InterpretationBand.AlmostPerfect => "almost perfect",
        _ => throw new ArgumentOutOfRangeException(nameof(band)),
    };
}
