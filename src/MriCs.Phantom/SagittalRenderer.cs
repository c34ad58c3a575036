namespace MriCs.Phantom;

/// <summary>
/// A simple midline sagittal T2-like image of the cervical spine (vertebral bodies, discs, canal with
/// CSF and cord, spinous processes): the localizer and sagittal distractor series of a phantom study.
/// Patient coordinates in mm: y posterior, z superior; the canal runs along y = 0.
/// </summary>
public static class SagittalRenderer
{
    /// <summary>z (mm) of each disc level's centre; axial key images are placed here.</summary>
    public static double LevelZ(SpinalLevel level) => -40 - 18 * (int)level;

    public static ushort[] Render(int size, double spacingMm, double topZ, double anteriorY, double gain, double noiseSigma, double lateralOffsetMm, ulong noiseSeed)
    {
        var result = new ushort[size * size];
        var rng = new PhantomRandom(noiseSeed);
        for (var row = 0; row < size; row++)
        {
            var z = topZ - (row + 0.5) * spacingMm;
            for (var col = 0; col < size; col++)
            {
                var y = anteriorY + (col + 0.5) * spacingMm;
                var m = Signal(y, z, lateralOffsetMm) * gain;
                var re = m + noiseSigma * rng.Gaussian();
                var im = noiseSigma * rng.Gaussian();
                result[row * size + col] = (ushort)Math.Clamp(Math.Round(Math.Sqrt(re * re + im * im)), 0, 4095);
            }
        }
        return result;
    }

    private static double Signal(double y, double z, double lateral)
    {
        if (y < -75 || y > 55 || z > 10 || z < -200) return 0;
        if (y < -70 || y > 50) return SliceRenderer.Fat;
        var canalHalf = Math.Max(0, 7 - Math.Abs(lateral) * 0.5);
        var cordHalf = Math.Max(0, 4 - Math.Abs(lateral) * 0.5);
        if (Math.Abs(y) < cordHalf && z > -190) return SliceRenderer.Cord;
        if (Math.Abs(y) < canalHalf) return SliceRenderer.Csf;
        if (y > -30 && y < -9)
        {
            // Vertebral bodies between the discs (discs at LevelZ, 5 mm high).
            foreach (var level in SpinalLevels.All)
                if (Math.Abs(z - LevelZ(level)) < 2.5) return 120;
            return 105;
        }
        if (y > 12 && y < 36)
        {
            var phase = ((z + 49) % 18 + 18) % 18;
            return phase < 8 ? 55 : SliceRenderer.Muscle;
        }
        if (y > -50 && y < -38) return SliceRenderer.Air;
        return SliceRenderer.Muscle;
    }
}
