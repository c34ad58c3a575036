namespace MriCs.Phantom;

/// <summary>Options of a phantom population.</summary>
public sealed record PhantomOptions(long Seed, int Sites = 3, IReadOnlyList<SpinalLevel>? Levels = null)
{
    public IReadOnlyList<SpinalLevel> LevelsOrStudy => Levels ?? SpinalLevels.Study;
}

/// <summary>
/// Synthetic patients, deterministic from (seed, patient index): a patient-level degeneration that grows
/// with age and is worst at C5/6 and C6/7 sets each level's grade; the grade sets the canal narrowing:
/// 0 = CSF preserved around the cord, 1 = CSF effaced and the cord touched but round,
/// 2 = cord flattened (optionally with T2 hyperintensity).
/// </summary>
public static class PhantomGenerator
{
    /// <summary>Grade thresholds on the per-level degeneration score.</summary>
    public const double Grade1Threshold = 0.05, Grade2Threshold = 0.75;

    public static PhantomSite Site(long seed, int index)
    {
        var r = PhantomRandom.For(seed, 1, index);
        IReadOnlyList<int>[] matrices = [[256, 320, 384], [320, 384, 448, 512], [384, 448, 512], [256, 384, 512]];
        return new PhantomSite(index, $"SITE{index + 1:D2}", r.Uniform(6, 14), r.Uniform(0.018, 0.045), r.Uniform(0.05, 0.3),
            matrices[index % matrices.Length], r.Uniform(140, 160), r.Uniform(170, 200));
    }

    /// <summary>Everything about a patient except the pixels (cheap): identity, site, and per level grade, anatomy, geometry.</summary>
    public static PatientPlan Plan(PhantomOptions options, int index)
    {
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(index), index, "patient index must be >= 0");
        if (options.Sites < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Sites, "at least one site");
        var r = PhantomRandom.For(options.Seed, 2, index);
        var site = Site(options.Seed, index % options.Sites);
        var age = (int)Math.Round(Math.Clamp(55 + 13 * r.Gaussian(), 25, 88));
        var sex = r.Chance(0.55) ? 'M' : 'F';
        var degeneration = (age - 55) / 25.0 * 0.7 + 0.55 * r.Gaussian() + 0.15;
        var size = r.Uniform(0.88, 1.12);
        var slices = new List<SlicePlan>();
        foreach (var level in options.LevelsOrStudy)
        {
            var lr = PhantomRandom.For(options.Seed, 3, index, (int)level);
            var score = degeneration + level.DegenerationOffset() + 0.5 * lr.Gaussian();
            var grade = score < Grade1Threshold ? 0 : score < Grade2Threshold ? 1 : 2;
            var anatomy = Anatomy(ref lr, level, grade);
            var geometry = Geometry(ref lr, site, size);
            slices.Add(new SlicePlan(level, grade, anatomy, geometry, lr.NextUInt64()));
        }
        return new PatientPlan(index, $"PHANTOM-{options.Seed & 0xFFFF:X4}-{index + 1:D5}", $"PHANTOM^SYNTHETIC{index + 1:D5}",
            age, sex, site, degeneration, slices);
    }

    public static PhantomPatient Patient(PhantomOptions options, int index)
    {
        var p = Plan(options, index);
        return new PhantomPatient(p.Index, p.PatientId, p.PatientName, p.AgeYears, p.Sex, p.Site, p.Degeneration,
            p.Slices.Select(s => SliceRenderer.Render(s.Level, s.Grade, s.Anatomy, s.Geometry, s.NoiseSeed)).ToList());
    }

    public static IEnumerable<PhantomPatient> Patients(PhantomOptions options, int count)
    {
        for (var i = 0; i < count; i++) yield return Patient(options, i);
    }

    /// <summary>Canal, cord and intrusions for a grade (margins between grades are kept clear of each other).</summary>
    public static SliceAnatomy Anatomy(ref PhantomRandom r, SpinalLevel level, int grade)
    {
        var canalLr = r.Uniform(9.5, 12) + 0.15 * (int)level;
        var canalAp = r.Uniform(6, 8);
        var cordLr = r.Uniform(5, 6.3);
        var cordAp = r.Uniform(3.3, 4.1);
        double free; // midline canal AP left after the intrusions
        var hyper = false;
        switch (grade)
        {
            case 0:
                free = 2 * cordAp + r.Uniform(3, 6);
                break;
            case 1:
                free = 2 * cordAp + r.Uniform(-0.5, 0.3);
                break;
            case 2:
                var ratio = r.Uniform(0.4, 0.72);
                free = 2 * cordAp * ratio;
                cordLr = Math.Min(cordLr * (1 + 0.4 * (1 - ratio)), canalLr - 1.5);
                hyper = r.Chance(0.5);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(grade), grade, "grade must be 0, 1 or 2");
        }
        if (free > 2 * canalAp - 0.4) canalAp = free / 2 + r.Uniform(0.2, 1.0);
        var narrowing = 2 * canalAp - free;
        var anterior = narrowing * r.Uniform(0.45, 0.95);
        var posterior = narrowing - anterior;
        var cordSemiAp = Math.Min(cordAp, free / 2);
        var centre = (anterior - posterior) / 2;
        if (grade == 0) centre += r.Uniform(-1, 1) * Math.Max(0, free / 2 - cordSemiAp - 1.2);
        var nucleus = grade switch { 0 => r.Uniform(130, 175), 1 => r.Uniform(95, 145), _ => r.Uniform(75, 125) };
        return new SliceAnatomy(canalLr, canalAp, cordLr, cordSemiAp, centre,
            anterior, r.Uniform(4, 8), posterior, r.Uniform(5, 9),
            nucleus, hyper, cordLr * r.Uniform(0.25, 0.45), cordSemiAp * r.Uniform(0.35, 0.6));
    }

    public static SliceGeometry Geometry(ref PhantomRandom r, PhantomSite site, double size)
    {
        var matrix = r.Pick(site.Matrices);
        var fov = r.Uniform(site.FovMinMm, site.FovMaxMm);
        var spacing = Math.Round(fov / matrix, 4);
        var col = matrix / 2.0 + r.Uniform(-0.12, 0.12) * fov / spacing;
        var row = matrix / 2.0 + r.Uniform(0.0, 0.16) * fov / spacing;
        var rotation = r.Uniform(-12, 12) * Math.PI / 180;
        var gain = site.Gain * r.Uniform(0.85, 1.15);
        var noise = site.NoiseFraction * r.Uniform(0.8, 1.25) * SliceRenderer.Csf * gain;
        var b = site.BiasAmplitude;
        return new SliceGeometry(matrix, spacing, rotation, col, row, size, gain, noise,
            r.Uniform(-b, b), r.Uniform(-b, b), r.Uniform(-b, b));
    }
}
