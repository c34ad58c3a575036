using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using MriCs.Dicom;

namespace MriCs.Phantom.Studies;

/// <summary>How the axial T2 images of a study are acquired.</summary>
public enum PhantomProtocol
{
    /// <summary>Exactly one axial image per study level (C3/4..C6/7), the level named in a tag, as in the study.</summary>
    KeyImages,
    /// <summary>A block of 3-5 angled axial slices through each disc.</summary>
    Slabs,
    /// <summary>A continuous axial stack from C2/3 to C7/T1 (3.5 mm); the slice at each disc carries the level's ground truth.</summary>
    Stack,
}

/// <summary>Options of phantom DICOM studies.</summary>
public sealed record StudyOptions
{
    public PhantomProtocol Protocol { get; init; } = PhantomProtocol.KeyImages;
    /// <summary>The tag that names the disc level of a key image ("C5/6"); ImageComments by default.</summary>
    public DicomTag LevelTag { get; init; } = DicomTag.ImageComments;
    /// <summary>Add the localizer, sagittal T2 and axial T1 series that ingest must not grade.</summary>
    public bool Distractors { get; init; } = true;
}

/// <summary>One image's ground truth (labels.csv).</summary>
public sealed record GroundTruth(string PatientId, string Site, string StudyUid, string SeriesUid, string SopInstanceUid, SpinalLevel Level, int Grade, RoiBox Roi, string File);

/// <summary>A file of a phantom study: path relative to the output folder, its DICOM content, and its ground truth if graded.</summary>
public sealed record StudyFile(string RelativePath, DicomFile File, GroundTruth? Truth);

/// <summary>
/// Builds a synthetic patient's MR study as DICOM Part 10 files: consistent patient/study/series/instance
/// tags, geometry (IOP/IPP/pixel spacing/slice thickness), T2 timing, clearly fake identity.
/// Deterministic: UIDs are derived from the seed (2.25 UUID-derived form), never random.
/// </summary>
public static class PhantomStudy
{
    public const string MrImageStorage = "1.2.840.10008.5.1.4.1.1.4";
    public const string AxialT2Description = "t2_tse_tra";
    public const string CsvHeader = "patient_id,site,study_uid,series_uid,sop_instance_uid,level,grade,roi_x0,roi_y0,roi_x1,roi_y1,file";

    private sealed record Series(int Number, string Description, string Uid);

    public static IReadOnlyList<StudyFile> Build(PhantomOptions options, int index, StudyOptions study)
    {
        var plan = PhantomGenerator.Plan(options, index);
        var seed = options.Seed;
        var studyUid = Uid(seed, index, 1);
        var frameUid = Uid(seed, index, 2);
        var date = new DateOnly(2026, 1, 5).AddDays(index % 300).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var files = new List<StudyFile>();
        var common = new Func<Series, int, DicomDataset>((series, instance) => Base(plan, studyUid, frameUid, date, series, instance, Uid(seed, index, 10 + series.Number, instance)));
        var folder = plan.PatientId;

        if (study.Distractors)
        {
            var loc = new Series(1, "localizer", Uid(seed, index, 3, 1));
            files.Add(Sagittal(plan, common(loc, 1), loc, folder, 256, 1.0, 0, seed, index, localizer: true));
            var sag = new Series(2, "t2_tse_sag", Uid(seed, index, 3, 2));
            for (var i = 0; i < 3; i++)
                files.Add(Sagittal(plan, common(sag, i + 1), sag, folder, 320, 0.75, (i - 1) * 3.5, seed, index, localizer: false));
        }

        var t2 = new Series(3, AxialT2Description, Uid(seed, index, 3, 3));
        var t1 = new Series(4, "t1_tse_tra", Uid(seed, index, 3, 4));
        var instanceT2 = 0;
        var instanceT1 = 0;
        if (study.Protocol == PhantomProtocol.Stack)
            files.AddRange(Stack(PhantomGenerator.Plan(options with { Levels = SpinalLevels.All }, index), study, t2, common, folder, studyUid));
        foreach (var s in study.Protocol == PhantomProtocol.Stack ? [] : plan.Slices)
        {
            var slabCount = study.Protocol == PhantomProtocol.Slabs ? 3 + (int)(s.NoiseSeed % 3) : 1;
            var tilt = study.Protocol == PhantomProtocol.Slabs ? ((int)((s.NoiseSeed >> 8) % 21) - 10) * Math.PI / 180 : 0;
            for (var k = 0; k < slabCount; k++)
            {
                var offset = (k - (slabCount - 1) / 2.0) * 3.5;
                var noise = s.NoiseSeed + (ulong)k * 0x9E3779B97F4A7C15UL;
                var image = SliceRenderer.Render(s.Level, s.Grade, s.Anatomy, s.Geometry, noise, SliceContrast.T2);
                var ds = common(t2, ++instanceT2);
                Axial(ds, image, s.Level, offset, tilt, 3.5, echo: 96, repetition: 3500);
                ds.SetString(study.LevelTag, s.Level.Label());
                var path = Path.Combine(folder, $"{t2.Number:D2}_{t2.Description}", $"IM{instanceT2:D4}.dcm");
                var uid = ds.GetRequiredString(DicomTag.SOPInstanceUID);
                files.Add(new StudyFile(path, new DicomFile(ds), new GroundTruth(plan.PatientId, plan.Site.Name, studyUid, t2.Uid, uid, s.Level, s.Grade, image.Roi, path)));
            }
        }
        foreach (var s in study.Distractors ? plan.Slices : [])
        {
            var image = SliceRenderer.Render(s.Level, s.Grade, s.Anatomy, s.Geometry, ~s.NoiseSeed, SliceContrast.T1);
            var ds = common(t1, ++instanceT1);
            Axial(ds, image, s.Level, 0, 0, 3.5, echo: 12, repetition: 600);
            files.Add(new StudyFile(Path.Combine(folder, $"{t1.Number:D2}_{t1.Description}", $"IM{instanceT1:D4}.dcm"), new DicomFile(ds), null));
        }
        return files;
    }

    public const double StackSpacingMm = 3.5;

    /// <summary>
    /// One geometry (the C5/6 slice's) for the whole stack; each slice takes the nearest disc's anatomy, its
    /// intrusions fading with the distance from the disc (the cord rounds off away from it). The slice nearest
    /// each disc is graded.
    /// </summary>
    private static IEnumerable<StudyFile> Stack(PatientPlan plan, StudyOptions study, Series t2, Func<Series, int, DicomDataset> common, string folder, string studyUid)
    {
        var geometry = plan.Slices.Single(s => s.Level == SpinalLevel.C5C6).Geometry;
        var top = SagittalRenderer.LevelZ(SpinalLevel.C2C3) + 3 * StackSpacingMm;
        var bottom = SagittalRenderer.LevelZ(SpinalLevel.C7T1) - 3 * StackSpacingMm;
        var instance = 0;
        for (var z = top; z >= bottom - 1e-9; z -= StackSpacingMm)
        {
            var s = plan.Slices.MinBy(x => Math.Abs(z - SagittalRenderer.LevelZ(x.Level)))!;
            var d = z - SagittalRenderer.LevelZ(s.Level);
            var atDisc = Math.Abs(d) < StackSpacingMm / 2;
            var a = s.Anatomy;
            if (!atDisc)
            {
                var f = Math.Exp(-(d / 4) * (d / 4));
                var anterior = a.AnteriorIntrusionMm * f;
                var posterior = a.PosteriorIntrusionMm * f;
                var free = 2 * a.CanalSemiAp - anterior - posterior;
                a = a with
                {
                    AnteriorIntrusionMm = anterior, PosteriorIntrusionMm = posterior, CordCentreAp = (anterior - posterior) / 2,
                    CordSemiAp = Math.Max(a.CordSemiAp, Math.Min(3.6, free / 2 - 0.2)),
                };
            }
            var image = SliceRenderer.Render(s.Level, s.Grade, a, geometry, s.NoiseSeed + (ulong)instance * 0x9E3779B97F4A7C15UL, SliceContrast.T2);
            var ds = common(t2, ++instance);
            Axial(ds, image, s.Level, d, 0, StackSpacingMm, echo: 96, repetition: 3500);
            var path = Path.Combine(folder, $"{t2.Number:D2}_{t2.Description}", $"IM{instance:D4}.dcm");
            GroundTruth? truth = null;
            if (atDisc)
            {
                ds.SetString(study.LevelTag, s.Level.Label());
                truth = new GroundTruth(plan.PatientId, plan.Site.Name, studyUid, t2.Uid, ds.GetRequiredString(DicomTag.SOPInstanceUID), s.Level, s.Grade, image.Roi, path);
            }
            yield return new StudyFile(path, new DicomFile(ds), truth);
        }
    }

    /// <summary>Writes N patients' studies under <paramref name="directory"/> and labels.csv; returns the number of files.</summary>
    public static int Write(string directory, PhantomOptions options, int patients, StudyOptions study)
    {
        Directory.CreateDirectory(directory);
        var rows = new List<GroundTruth>[patients];
        var counts = new int[patients];
        Parallel.For(0, patients, i =>
        {
            var files = Build(options, i, study);
            rows[i] = [];
            foreach (var f in files)
            {
                var path = Path.Combine(directory, f.RelativePath);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                f.File.Save(path);
                if (f.Truth is { } t) rows[i].Add(t);
            }
            counts[i] = files.Count;
        });
        using var csv = new StreamWriter(Path.Combine(directory, "labels.csv"));
        csv.WriteLine(CsvHeader);
        foreach (var t in rows.SelectMany(r => r))
            csv.WriteLine(string.Join(',', t.PatientId, t.Site, t.StudyUid, t.SeriesUid, t.SopInstanceUid, t.Level.Label(),
                t.Grade.ToString(CultureInfo.InvariantCulture), I(t.Roi.X0), I(t.Roi.Y0), I(t.Roi.X1), I(t.Roi.Y1), t.File.Replace('\\', '/')));
        return counts.Sum();
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>A deterministic UID under the 2.25 (UUID-derived) root: "2.25." and a 128-bit decimal.</summary>
    public static string Uid(long seed, params long[] keys)
    {
        var r = PhantomRandom.For(seed, [0x51D, .. keys]);
        var value = ((UInt128)r.NextUInt64() << 64) | r.NextUInt64();
        value = (value >> 6 << 6) | 1; // never zero; no leading zero in decimal
        return "2.25." + value.ToString(CultureInfo.InvariantCulture);
    }

    private static DicomDataset Base(PatientPlan plan, string studyUid, string frameUid, string date, Series series, int instance, string sopUid)
    {
        var ds = new DicomDataset();
        ds.SetString(DicomTag.SpecificCharacterSet, "ISO_IR 100");
        ds.SetStrings(DicomTag.ImageType, "ORIGINAL", "PRIMARY", "OTHER");
        ds.SetString(DicomTag.SOPClassUID, MrImageStorage);
        ds.SetString(DicomTag.SOPInstanceUID, sopUid);
        ds.SetString(DicomTag.StudyDate, date);
        ds.SetString(DicomTag.SeriesDate, date);
        ds.SetString(DicomTag.ContentDate, date);
        ds.SetString(DicomTag.StudyTime, "093000");
        ds.SetString(DicomTag.SeriesTime, (093000 + 100 * series.Number).ToString("D6", CultureInfo.InvariantCulture));
        ds.SetString(DicomTag.ContentTime, (093000 + 100 * series.Number).ToString("D6", CultureInfo.InvariantCulture));
        ds.SetEmpty(DicomTag.AccessionNumber);
        ds.SetString(DicomTag.Modality, "MR");
        ds.SetString(DicomTag.Manufacturer, "MriCs Phantom");
        ds.SetString(DicomTag.ManufacturerModelName, "Synthetic 1.5T");
        ds.SetString(DicomTag.InstitutionName, "SYNTHETIC " + plan.Site.Name);
        ds.SetString(DicomTag.StationName, plan.Site.Name);
        ds.SetEmpty(DicomTag.ReferringPhysicianName);
        ds.SetString(DicomTag.StudyDescription, "MRI CERVICAL SPINE (PHANTOM)");
        ds.SetString(DicomTag.SeriesDescription, series.Description);
        ds.SetString(DicomTag.PatientName, plan.PatientName);
        ds.SetString(DicomTag.PatientID, plan.PatientId);
        ds.SetEmpty(DicomTag.PatientBirthDate);
        ds.SetString(DicomTag.PatientSex, plan.Sex.ToString());
        ds.SetString(DicomTag.PatientAge, plan.AgeYears.ToString("D3", CultureInfo.InvariantCulture) + "Y");
        ds.SetString(DicomTag.BodyPartExamined, "CSPINE");
        ds.SetString(DicomTag.ScanningSequence, "SE");
        ds.SetStrings(DicomTag.SequenceVariant, "SK", "SP");
        ds.SetEmpty(DicomTag.ScanOptions);
        ds.SetString(DicomTag.MRAcquisitionType, "2D");
        ds.SetDouble(DicomTag.MagneticFieldStrength, 1.5);
        ds.SetString(DicomTag.ImagedNucleus, "1H");
        ds.SetString(DicomTag.PatientPosition, "HFS");
        ds.SetString(DicomTag.StudyInstanceUID, studyUid);
        ds.SetString(DicomTag.SeriesInstanceUID, series.Uid);
        ds.SetString(DicomTag.StudyID, "1");
        ds.SetInt(DicomTag.SeriesNumber, series.Number);
        ds.SetInt(DicomTag.InstanceNumber, instance);
        ds.SetString(DicomTag.FrameOfReferenceUID, frameUid);
        ds.SetEmpty(DicomTag.PositionReferenceIndicator);
        return ds;
    }

    private static void Axial(DicomDataset ds, PhantomSlice image, SpinalLevel level, double offsetMm, double tilt, double thickness, double echo, double repetition)
    {
        var g = image.Geometry;
        var sp = g.PixelSpacingMm;
        // Row direction: patient left (+x); column direction: posterior, tilted about x for angled slabs.
        double[] rowDir = [1, 0, 0];
        double[] colDir = [0, Math.Cos(tilt), -Math.Sin(tilt)];
        double[] normal = [0, Math.Sin(tilt), Math.Cos(tilt)];
        var z = SagittalRenderer.LevelZ(level);
        // The canal centre lies at (0, 0, z) + offset along the normal.
        var ci = g.CanalColumn - 0.5;
        var ri = g.CanalRow - 0.5;
        var ipp = new double[3];
        for (var k = 0; k < 3; k++)
            ipp[k] = (k == 2 ? z : 0) + offsetMm * normal[k] - ci * sp * rowDir[k] - ri * sp * colDir[k];
        ds.SetDoubles(DicomTag.ImageOrientationPatient, [.. rowDir.Select(Round6), .. colDir.Select(Round6)]);
        ds.SetDoubles(DicomTag.ImagePositionPatient, [.. ipp.Select(Round6)]);
        ds.SetDouble(DicomTag.SliceLocation, Round6(z + offsetMm * normal[2]));
        ds.SetDouble(DicomTag.SliceThickness, thickness);
        ds.SetDouble(DicomTag.SpacingBetweenSlices, thickness);
        ds.SetDouble(DicomTag.EchoTime, echo);
        ds.SetDouble(DicomTag.RepetitionTime, repetition);
        ds.SetInt(DicomTag.EchoTrainLength, echo > 50 ? 15 : 3);
        Pixels(ds, image.Width, image.Height, sp, image.Stored, image.WindowCenter, image.WindowWidth);
    }

    private static StudyFile Sagittal(PatientPlan plan, DicomDataset ds, Series series, string folder, int size, double spacing, double lateral, long seed, int index, bool localizer)
    {
        var gain = plan.Site.Gain;
        var noise = plan.Site.NoiseFraction * SliceRenderer.Csf * gain;
        var instance = ds.GetInt(DicomTag.InstanceNumber);
        var seedBits = PhantomRandom.For(seed, 4, index, series.Number, instance).NextUInt64();
        const double topZ = 20;
        var anteriorY = -size * spacing / 2;
        var stored = SagittalRenderer.Render(size, spacing, topZ, anteriorY, gain, noise, lateral, seedBits);
        if (localizer) ds.SetStrings(DicomTag.ImageType, "ORIGINAL", "PRIMARY", "LOCALIZER");
        ds.SetDoubles(DicomTag.ImageOrientationPatient, 0, 1, 0, 0, 0, -1);
        ds.SetDoubles(DicomTag.ImagePositionPatient, lateral, Round6(anteriorY + spacing / 2), Round6(topZ - spacing / 2));
        ds.SetDouble(DicomTag.SliceLocation, lateral);
        ds.SetDouble(DicomTag.SliceThickness, localizer ? 6 : 3);
        ds.SetDouble(DicomTag.EchoTime, localizer ? 5 : 96);
        ds.SetDouble(DicomTag.RepetitionTime, localizer ? 10 : 3000);
        ds.SetInt(DicomTag.EchoTrainLength, localizer ? 1 : 15);
        var width = Math.Round(SliceRenderer.WindowPerGain * gain);
        Pixels(ds, size, size, spacing, stored, Math.Round(width / 2), width);
        return new StudyFile(Path.Combine(folder, $"{series.Number:D2}_{series.Description}", $"IM{instance:D4}.dcm"), new DicomFile(ds), null);
    }

    private static void Pixels(DicomDataset ds, int width, int height, double spacing, ushort[] stored, double center, double window)
    {
        ds.SetInt(DicomTag.SamplesPerPixel, 1);
        ds.SetString(DicomTag.PhotometricInterpretation, "MONOCHROME2");
        ds.SetInt(DicomTag.Rows, height);
        ds.SetInt(DicomTag.Columns, width);
        ds.SetDoubles(DicomTag.PixelSpacing, Round6(spacing), Round6(spacing));
        ds.SetInt(DicomTag.BitsAllocated, 16);
        ds.SetInt(DicomTag.BitsStored, 12);
        ds.SetInt(DicomTag.HighBit, 11);
        ds.SetInt(DicomTag.PixelRepresentation, 0);
        ds.SetDouble(DicomTag.WindowCenter, center);
        ds.SetDouble(DicomTag.WindowWidth, window);
        var bytes = MemoryMarshal.AsBytes(stored.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
        ds.SetBytes(DicomTag.PixelData, DicomVR.OW, bytes);
    }

    private static double Round6(double v) => Math.Round(v, 6) + 0.0;
}
