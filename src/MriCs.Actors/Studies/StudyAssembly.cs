using MriCs.Actors.Protocol;
using MriCs.Dicom.Imaging;

namespace MriCs.Actors.Studies;

/// <summary>
/// Turns the instances of one study into a <see cref="StudyPlan"/> (pure). The rule, in order:
/// <list type="number">
/// <item>Series selection: MR; axial (slice normal = row x column direction cosines within the tilt
/// limit of the head-feet axis); T2 by description (or by TE/TR when the description says nothing).
/// Among several, the series with the most labelled levels wins, then the one with the most images.</item>
/// <item>Levels: a sidecar entry for the SOP instance UID; else the configured label tag of the image
/// (text such as "C3/4", "C3-C4"); else angled slabs (images grouped by orientation and by gaps along
/// the normal, ordered from head to feet by patient z, centre image of each slab): 4 slabs are C3/4..C6/7,
/// 6 slabs are C2/3..C7/T1; else every axial image is graded with level "unknown".</item>
/// <item>Several images for one level: the middle one along the normal.</item>
/// </list>
/// A study without a usable series gets no slices and a reason; every graded level without an image is listed with a reason.
/// </summary>
public static class StudyAssembly
{
    /// <summary>At most this many "unknown"-level images are graded per study (evenly spaced beyond it).</summary>
    public const int MaxUnlabelledSlices = 64;

    public static StudyPlan Plan(string studyUid, IReadOnlyList<InstanceHeader> instances, AssemblyRules rules,
        IReadOnlyDictionary<string, string>? sidecarLevels = null)
    {
        if (instances.Count == 0)
            return new StudyPlan(studyUid, "", null, LevelSources.None, [], [], "the study has no instances", 0);
        var patientId = instances[0].PatientId;
        var notes = new List<string>();
        var candidates = new List<(string Series, List<InstanceHeader> Images, int Labelled)>();
        foreach (var series in instances.GroupBy(i => i.SeriesInstanceUid, StringComparer.Ordinal))
        {
            var images = series.ToList();
            var why = Unsuitable(images, rules);
            if (why is not null) { notes.Add($"series '{Describe(images[0])}' ({images.Count} images): {why}"); continue; }
            var labelled = images.Select(i => LevelOf(i, sidecarLevels)).Where(l => l is not null && DiscLevels.IsGraded(l)).Distinct().Count();
            candidates.Add((series.Key, images, labelled));
        }
        if (candidates.Count == 0)
            return new StudyPlan(studyUid, patientId, null, LevelSources.None, [], [],
                "not a cervical axial T2 MR study: " + string.Join("; ", notes), instances.Count);

        var chosen = candidates.OrderByDescending(c => c.Labelled).ThenByDescending(c => c.Images.Count).ThenBy(c => c.Series, StringComparer.Ordinal).First();
        var (source, slices, missing) = AssignLevels(chosen.Images, rules, sidecarLevels);
        return new StudyPlan(studyUid, patientId, chosen.Series, source, slices, missing,
            slices.Count == 0 ? "no image could be assigned to a disc level" : null, instances.Count);
    }

    /// <summary>Why a series cannot be the axial T2 series, or null when it can.</summary>
    public static string? Unsuitable(IReadOnlyList<InstanceHeader> images, AssemblyRules rules)
    {
        var first = images[0];
        if (!images.All(i => string.Equals(i.Modality, "MR", StringComparison.OrdinalIgnoreCase)))
            return $"modality {first.Modality ?? "(missing)"} is not MR";
        if (!IsT2(first, rules)) return "not T2-weighted by description or timing";
        foreach (var i in images)
        {
            var normal = Normal(i);
            if (normal is null) return "image orientation (0020,0037) missing or invalid";
            var tilt = Math.Acos(Math.Min(1, Math.Abs(normal.Value.Z))) * 180 / Math.PI;
            if (tilt > rules.MaxAxialTiltDegrees) return $"not axial (slice normal {tilt:0}° from the head-feet axis)";
        }
        return null;
    }

    /// <summary>Excluded descriptions first ("t2*", "t1", "stir"...), then T2 descriptions, then T2-like TE and TR.</summary>
    public static bool IsT2(InstanceHeader header, AssemblyRules rules)
    {
        var description = header.SeriesDescription?.ToLowerInvariant() ?? "";
        if (rules.ExcludedPatterns.Any(p => description.Contains(p.ToLowerInvariant(), StringComparison.Ordinal))) return false;
        if (rules.T2Patterns.Any(p => description.Contains(p.ToLowerInvariant(), StringComparison.Ordinal))) return true;
        return header.EchoTime >= rules.MinT2EchoTimeMs && header.RepetitionTime >= rules.MinT2RepetitionTimeMs;
    }

    private static (string Source, List<PlannedSlice> Slices, List<LevelNote> Missing) AssignLevels(
        List<InstanceHeader> images, AssemblyRules rules, IReadOnlyDictionary<string, string>? sidecar)
    {
        var labelled = images.Select(i => (Image: i, Level: LevelOf(i, sidecar))).Where(x => x.Level is not null).ToList();
        if (labelled.Count > 0)
        {
            var source = sidecar is not null && labelled.Any(x => sidecar.ContainsKey(x.Image.SopInstanceUid)) ? LevelSources.Sidecar : LevelSources.Explicit;
            var slices = new List<PlannedSlice>();
            var missing = new List<LevelNote>();
            foreach (var level in DiscLevels.Graded)
            {
                var at = labelled.Where(x => x.Level == level).Select(x => x.Image).ToList();
                if (at.Count == 0) { missing.Add(new LevelNote(level, $"no image labelled {level} in the axial T2 series")); continue; }
                var pick = Middle(at);
                slices.Add(new PlannedSlice(level, pick.SopInstanceUid, pick.Path));
            }
            return (source, slices, missing);
        }

        var slabs = Slabs(images, rules);
        var first = slabs.Count switch { 4 => 1, 6 => 0, _ => -1 };
        if (first >= 0)
        {
            var slices = new List<PlannedSlice>();
            for (var s = 0; s < slabs.Count; s++)
            {
                var level = DiscLevels.Cervical[first + s];
                if (!DiscLevels.IsGraded(level)) continue;
                var pick = Middle(slabs[s]);
                slices.Add(new PlannedSlice(level, pick.SopInstanceUid, pick.Path));
            }
            return (LevelSources.Slabs, slices, []);
        }

        var ordered = ByPatientZ(images);
        if (ordered.Count > MaxUnlabelledSlices)
            ordered = Enumerable.Range(0, MaxUnlabelledSlices).Select(k => ordered[k * ordered.Count / MaxUnlabelledSlices]).ToList();
        var reason = $"level unknown: no label, no sidecar entry, and {slabs.Count} slab(s) instead of 4 or 6; every axial image graded as '{DiscLevels.Unknown}'";
        return (LevelSources.Unlabelled,
            ordered.Select(i => new PlannedSlice(DiscLevels.Unknown, i.SopInstanceUid, i.Path)).ToList(),
            DiscLevels.Graded.Select(l => new LevelNote(l, reason)).ToList());
    }

    private static string? LevelOf(InstanceHeader i, IReadOnlyDictionary<string, string>? sidecar) =>
        sidecar is not null && sidecar.TryGetValue(i.SopInstanceUid, out var s) ? DiscLevels.Parse(s) : DiscLevels.Parse(i.LevelLabel);

    /// <summary>Groups the images into slabs: same orientation, no gap above the gap factor times the typical spacing; ordered head to feet.</summary>
    public static List<List<InstanceHeader>> Slabs(IReadOnlyList<InstanceHeader> images, AssemblyRules rules)
    {
        var ordered = ByPatientZ(images);
        if (ordered.Count == 0) return [];
        var steps = new List<double>();
        for (var k = 1; k < ordered.Count; k++) steps.Add(Math.Abs(Z(ordered[k - 1]) - Z(ordered[k])));
        var typical = steps.Count == 0 ? 0 : steps.Order().ElementAt(steps.Count / 4); // lower quartile: in-slab spacing
        var slabs = new List<List<InstanceHeader>> { new() { ordered[0] } };
        for (var k = 1; k < ordered.Count; k++)
        {
            var angle = AngleDegrees(Normal(ordered[k - 1])!.Value, Normal(ordered[k])!.Value);
            var gap = steps[k - 1];
            if (angle > rules.SlabOrientationToleranceDegrees || (typical > 0 && gap > rules.SlabGapFactor * typical))
                slabs.Add([]);
            slabs[^1].Add(ordered[k]);
        }
        return slabs;
    }

    private static List<InstanceHeader> ByPatientZ(IEnumerable<InstanceHeader> images) =>
        images.OrderByDescending(Z).ThenBy(i => i.InstanceNumber ?? 0).ThenBy(i => i.SopInstanceUid, StringComparer.Ordinal).ToList();

    private static double Z(InstanceHeader i) => i.ImagePositionPatient is { Length: 3 } p ? p[2] : -(i.InstanceNumber ?? 0);

    private static InstanceHeader Middle(List<InstanceHeader> images)
    {
        var ordered = ByPatientZ(images);
        return ordered[(ordered.Count - 1) / 2];
    }

    /// <summary>Unit slice normal (row x column cosines), or null when the orientation is missing or invalid.</summary>
    public static Vector3D? Normal(InstanceHeader i)
    {
        if (i.ImageOrientationPatient is not { Length: 6 } o || o.Any(v => !double.IsFinite(v))) return null;
        try
        {
            return SliceGeometry.Normal(o);
        }
        catch (SliceGeometryException)
        {
            return null;
        }
    }

    private static double AngleDegrees(Vector3D a, Vector3D b) => Math.Acos(Math.Min(1, Math.Abs(a.Dot(b)))) * 180 / Math.PI;

    private static string Describe(InstanceHeader i) =>
        string.IsNullOrWhiteSpace(i.SeriesDescription) ? "(no description)" : i.SeriesDescription.Trim();

    /// <summary>Reads a sidecar CSV "sop_instance_uid,level" (header row required). Bad rows name their line.</summary>
    public static Dictionary<string, string> ReadSidecar(string path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        using var reader = new StreamReader(path);
        var header = reader.ReadLine()?.Split(',').Select(h => h.Trim().ToLowerInvariant()).ToList()
            ?? throw new FormatException($"{path}: empty sidecar file");
        var sop = header.IndexOf("sop_instance_uid");
        var level = header.IndexOf("level");
        if (sop < 0 || level < 0) throw new FormatException($"{path}: line 1 must name the columns sop_instance_uid and level");
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length > 4096) throw new FormatException($"{path}: line {lineNumber} is longer than 4096 characters");
            if (string.IsNullOrWhiteSpace(line)) continue;
            var cells = line.Split(',');
            if (cells.Length <= Math.Max(sop, level)) throw new FormatException($"{path}: line {lineNumber} has {cells.Length} cells, expected {header.Count}");
            var parsed = DiscLevels.Parse(cells[level]) ?? throw new FormatException($"{path}: line {lineNumber}: '{cells[level].Trim()}' is not a disc level such as C3/4");
            result[cells[sop].Trim()] = parsed;
        }
        return result;
    }

}
