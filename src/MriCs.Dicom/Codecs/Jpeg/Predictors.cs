namespace MriCs.Dicom.Codecs.Jpeg;

/// <summary>The seven lossless predictors of T.81 table H.1, as types so that row loops specialise per predictor.</summary>
internal interface IPredictor
{
    static abstract int Predict(int ra, int rb, int rc);
}

internal struct Predictor1 : IPredictor { public static int Predict(int ra, int rb, int rc) => ra; }
internal struct Predictor2 : IPredictor { public static int Predict(int ra, int rb, int rc) => rb; }
internal struct Predictor3 : IPredictor { public static int Predict(int ra, int rb, int rc) => rc; }
internal struct Predictor4 : IPredictor { public static int Predict(int ra, int rb, int rc) => ra + rb - rc; }
internal struct Predictor5 : IPredictor { public static int Predict(int ra, int rb, int rc) => ra + ((rb - rc) >> 1); }
internal struct Predictor6 : IPredictor { public static int Predict(int ra, int rb, int rc) => rb + ((ra - rc) >> 1); }
internal struct Predictor7 : IPredictor { public static int Predict(int ra, int rb, int rc) => (ra + rb) >> 1; }

internal static class Predictors
{
    public static int Predict(int predictor, int ra, int rb, int rc) => predictor switch
    {
        1 => ra,
        2 => rb,
        3 => rc,
        4 => ra + rb - rc,
        5 => ra + ((rb - rc) >> 1),
        6 => rb + ((ra - rc) >> 1),
        _ => (ra + rb) >> 1,
    };
}
