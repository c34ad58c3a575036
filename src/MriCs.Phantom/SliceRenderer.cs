namespace MriCs.Phantom;

/// <summary>Weighting of a rendered slice (T2 for the graded series, T1 for a distractor).</summary>
public enum SliceContrast
{
    T2,
    T1,
}

/// <summary>
/// Renders an axial T2-like cervical slice at a disc level from its anatomy and geometry: neck with
/// subcutaneous fat and muscle, airway, vessels, disc (nucleus/annulus), posterior elements, and the
/// canal with bright CSF around an intermediate cord; disc bulge / ligamentum flavum intrusions narrow
/// the canal. 2x2 supersampling, smooth multiplicative bias field, Rician noise. Pure and deterministic.
/// </summary>
public static class SliceRenderer
{
    public const double Csf = 235, Cord = 120, CordOedema = 205, Bulge = 62, Flavum = 45, Annulus = 65,
        Lamina = 50, Spinous = 55, Facet = 88, Artery = 20, Air = 6, Esophagus = 85, Jugular = 160,
        Fat = 185, Muscle = 78;

    /// <summary>Margin of the ROI box around the canal, in mm.</summary>
    public const double RoiMarginMm = 2.5;

    /// <summary>Display window width as a multiple of the site gain (stored = signal x gain).</summary>
    public const double WindowPerGain = 270;

    public static PhantomSlice Render(SpinalLevel level, int grade, SliceAnatomy a, SliceGeometry g, ulong noiseSeed) =>
        Render(level, grade, a, g, noiseSeed, SliceContrast.T2);

    public static PhantomSlice Render(SpinalLevel level, int grade, SliceAnatomy a, SliceGeometry g, ulong noiseSeed, SliceContrast contrast)
    {
        var n = g.Matrix;
        var stored = new ushort[n * n];
        var rng = new PhantomRandom(noiseSeed);
        var cos = Math.Cos(g.RotationRad);
        var sin = Math.Sin(g.RotationRad);
        var inv = g.PixelSpacingMm / g.SizeFactor;
        for (var row = 0; row < n; row++)
        {
            for (var col = 0; col < n; col++)
            {
                var s = 0.0;
                for (var sy = 0; sy < 2; sy++)
                    for (var sx = 0; sx < 2; sx++)
                    {
                        var dx = (col + 0.25 + 0.5 * sx - g.CanalColumn) * inv;
                        var dy = (row + 0.25 + 0.5 * sy - g.CanalRow) * inv;
                        var t2 = Signal(a, cos * dx + sin * dy, -sin * dx + cos * dy);
                        s += contrast == SliceContrast.T1 ? T1Of(t2) : t2;
                    }
                s *= 0.25;
                var x = (col + 0.5) / n * 2 - 1;
                var y = (row + 0.5) / n * 2 - 1;
                var bias = Math.Clamp(1 + g.BiasX * x + g.BiasY * y + g.BiasR * (x * x + y * y - 0.66), 0.5, 1.5);
                var m = s * bias * g.Gain;
                var re = m + g.NoiseSigma * rng.Gaussian();
                var im = g.NoiseSigma * rng.Gaussian();
                stored[row * n + col] = (ushort)Math.Clamp(Math.Round(Math.Sqrt(re * re + im * im)), 0, 4095);
            }
        }
        var width = Math.Round(WindowPerGain * g.Gain);
        return new PhantomSlice(level, grade, a, g, n, n, stored, Math.Round(width / 2), width, Roi(a, g));
    }

    /// <summary>The pixel box enclosing the canal (plus <see cref="RoiMarginMm"/>), clamped to the image.</summary>
    public static RoiBox Roi(SliceAnatomy a, SliceGeometry g)
    {
        // Bounding box of the rotated canal ellipse, analytically.
        var k = g.SizeFactor / g.PixelSpacingMm;
        var ax = (a.CanalSemiLr + RoiMarginMm) * k;
        var ay = (a.CanalSemiAp + RoiMarginMm) * k;
        var cos = Math.Cos(g.RotationRad);
        var sin = Math.Sin(g.RotationRad);
        // Image offset of anatomy (u, v): dx = cos u - sin v, dy = sin u + cos v.
        var hx = Math.Sqrt(ax * ax * cos * cos + ay * ay * sin * sin);
        var hy = Math.Sqrt(ax * ax * sin * sin + ay * ay * cos * cos);
        var x0 = Math.Clamp((int)Math.Floor(g.CanalColumn - hx), 0, g.Matrix);
        var y0 = Math.Clamp((int)Math.Floor(g.CanalRow - hy), 0, g.Matrix);
        var x1 = Math.Clamp((int)Math.Ceiling(g.CanalColumn + hx), 0, g.Matrix);
        var y1 = Math.Clamp((int)Math.Ceiling(g.CanalRow + hy), 0, g.Matrix);
        return new RoiBox(x0, y0, x1, y1);
    }

    private static bool InEllipse(double u, double v, double cu, double cv, double au, double av)
    {
        var x = (u - cu) / au;
        var y = (v - cv) / av;
        return x * x + y * y <= 1;
    }

    /// <summary>Noise-free T2 signal at anatomy coordinates (mm, canal centre origin, v posterior).</summary>
    public static double Signal(SliceAnatomy a, double u, double v)
    {
        // Canal and its contents.
        if (InEllipse(u, v, 0, 0, a.CanalSemiLr, a.CanalSemiAp))
        {
            if (InEllipse(u, v, 0, a.CordCentreAp, a.CordSemiLr, a.CordSemiAp))
                return a.CordHyperintensity && InEllipse(u, v, 0, a.CordCentreAp, a.HyperintensityLr, a.HyperintensityAp) ? CordOedema : Cord;
            var t = u / a.CanalSemiLr;
            var edge = a.CanalSemiAp * Math.Sqrt(Math.Max(0, 1 - t * t));
            if (v < -edge + a.AnteriorIntrusionMm * Gauss(u, a.AnteriorIntrusionWidthMm)) return Bulge;
            if (v > edge - a.PosteriorIntrusionMm * Gauss(u, a.PosteriorIntrusionWidthMm)) return Flavum;
            return Csf;
        }
        var discCentre = -(a.CanalSemiAp + 7.3);
        if (InEllipse(u, v, 0, discCentre, 9.5, 7.2))
            return InEllipse(u, v, 0, discCentre - 0.5, 6, 4.2) ? a.NucleusSignal : Annulus;
        // Posterior elements.
        var ringLr = a.CanalSemiLr + 4.5;
        var ringAp = a.CanalSemiAp + 4;
        if (v > -a.CanalSemiAp * 0.35 && InEllipse(u, v, 0, 0.5, ringLr, ringAp)) return Lamina;
        if (InEllipse(u, v, 0, a.CanalSemiAp + 12, 2.6, 9)) return Spinous;
        if (InEllipse(u, v, ringLr + 1, -1, 4.5, 4.5) || InEllipse(u, v, -ringLr - 1, -1, 4.5, 4.5)) return Facet;
        if (InEllipse(u, v, ringLr, discCentre, 2.3, 2.3) || InEllipse(u, v, -ringLr, discCentre, 2.3, 2.3)) return Artery;
        // Anterior neck.
        if (InEllipse(u, v, 0, discCentre - 30, 10, 7.5)) return Air;
        if (InEllipse(u, v, -2, discCentre - 17, 7, 3.5)) return Esophagus;
        if (InEllipse(u, v, 24, discCentre - 12, 3.5, 3.5) || InEllipse(u, v, -24, discCentre - 12, 3.5, 3.5)) return Artery;
        if (InEllipse(u, v, 31, discCentre - 7, 5, 4.5) || InEllipse(u, v, -31, discCentre - 7, 5, 4.5)) return Jugular;
        // Neck outline: subcutaneous fat ring, muscle inside, a midline nuchal fat plane.
        if (!InEllipse(u, v, 0, -12, 58, 48)) return 0;
        if (!InEllipse(u, v, 0, -12, 52, 42)) return Fat;
        if (InEllipse(u, v, 0, a.CanalSemiAp + 30, 1.6, 9)) return Fat;
        return Muscle;
    }

    /// <summary>The same tissue on a T1-weighted image (dark CSF, bright fat): the distractor series.</summary>
    public static double T1Of(double t2) => t2 switch
    {
        Csf => 45,
        Cord or CordOedema => 118,
        Fat or Jugular => 225,
        Muscle => 95,
        0 => 0,
        Air => 5,
        Artery => 20,
        _ => 100,
    };

    private static double Gauss(double u, double w) => Math.Exp(-(u / w) * (u / w));
}
