using System.Globalization;
using System.Text;

namespace MriCs.Phantom;

/// <summary>
/// Writes phantom slices for the Python training recipe: one 8-bit binary PGM per slice (the windowed
/// image the models see) and labels.csv with patient, split, level, grade and the canal ROI box.
/// </summary>
public static class TrainingExport
{
    public const string Header = "file,patient_id,patient_index,site,split,level,grade,width,height,pixel_spacing_mm,roi_x0,roi_y0,roi_x1,roi_y1";

    /// <summary>Patient-level split: 70 % train, 15 % validation, 15 % test (held out), by patient index.</summary>
    public static string Split(int patientIndex) => (patientIndex % 20) switch
    {
        < 14 => "train",
        < 17 => "val",
        _ => "test",
    };

    public static int Write(string directory, PhantomOptions options, int patients)
    {
        var images = Path.Combine(directory, "images");
        Directory.CreateDirectory(images);
        var rows = new string[patients][];
        Parallel.For(0, patients, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, i =>
        {
            var p = PhantomGenerator.Patient(options, i);
            rows[i] = p.Slices.Select(s =>
            {
                var name = $"p{i:D5}_{s.Level.Label().Replace("/", "-", StringComparison.Ordinal)}.pgm";
                File.WriteAllBytes(Path.Combine(images, name), Pgm(s.Width, s.Height, s.ToGray8()));
                return string.Join(',', "images/" + name, p.PatientId, i.ToString(CultureInfo.InvariantCulture), p.Site.Name, Split(i),
                    s.Level.Label(), s.Grade.ToString(CultureInfo.InvariantCulture), s.Width.ToString(CultureInfo.InvariantCulture),
                    s.Height.ToString(CultureInfo.InvariantCulture), s.Geometry.PixelSpacingMm.ToString("R", CultureInfo.InvariantCulture),
                    s.Roi.X0.ToString(CultureInfo.InvariantCulture), s.Roi.Y0.ToString(CultureInfo.InvariantCulture),
                    s.Roi.X1.ToString(CultureInfo.InvariantCulture), s.Roi.Y1.ToString(CultureInfo.InvariantCulture));
            }).ToArray();
        });
        var csv = new StringBuilder().AppendLine(Header);
        foreach (var r in rows) foreach (var line in r) csv.AppendLine(line);
        File.WriteAllText(Path.Combine(directory, "labels.csv"), csv.ToString());
        return rows.Sum(r => r.Length);
    }

    /// <summary>Binary 8-bit PGM (P5).</summary>
    public static byte[] Pgm(int width, int height, byte[] pixels)
    {
        if (pixels.Length != width * height) throw new ArgumentException($"{pixels.Length} pixels for {width}x{height}");
        var header = Encoding.ASCII.GetBytes($"P5\n{width} {height}\n255\n");
        var result = new byte[header.Length + pixels.Length];
        header.CopyTo(result, 0);
        pixels.CopyTo(result, header.Length);
        return result;
    }
}
