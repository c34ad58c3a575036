using System.Globalization;
using System.Text.Json;
using Xunit;
using MriCs.Dicom.Imaging;
using MriCs.Dicom.Tests.Codecs;

namespace MriCs.Dicom.Tests.Imaging;

public class SliceGeometryTests
{
    private static readonly double[] AxialIop = [1, 0, 0, 0, 1, 0];
    private static readonly double[] SagittalIop = [0, 1, 0, 0, 0, -1];
    private static readonly double[] CoronalIop = [1, 0, 0, 0, 0, -1];

    [Fact]
    public void Normals_of_the_standard_planes_are_row_cross_column()
    {
        Assert.Equal(new Vector3D(0, 0, 1), SliceGeometry.Normal(AxialIop));
        Assert.Equal(new Vector3D(-1, 0, 0), SliceGeometry.Normal(SagittalIop));
        Assert.Equal(new Vector3D(0, 1, 0), SliceGeometry.Normal(CoronalIop));
        Assert.Equal(SlicePlane.Axial, SliceGeometry.Classify(AxialIop));
        Assert.Equal(SlicePlane.Sagittal, SliceGeometry.Classify(SagittalIop));
        Assert.Equal(SlicePlane.Coronal, SliceGeometry.Classify(CoronalIop));
    }

    [Theory]
    [InlineData(20, 30, SlicePlane.Axial)]
    [InlineData(20, 10, SlicePlane.Oblique)]
    [InlineData(44, 30, SlicePlane.Oblique)]
    [InlineData(5, 5, SlicePlane.Axial)]
    public void Tilted_axial_slices_are_classified_with_the_tolerance(double tiltDegrees, double tolerance, SlicePlane expected)
    {
        // Axial slice tilted about the row (x) axis: column = (0, cos t, sin t), normal = (0, -sin t, cos t).
        double t = tiltDegrees * Math.PI / 180;
        double[] iop = [1, 0, 0, 0, Math.Cos(t), Math.Sin(t)];
        Assert.Equal(expected, SliceGeometry.Classify(iop, tolerance));
        var n = SliceGeometry.Normal(iop);
        Assert.Equal(-Math.Sin(t), n.Y, 12);
        Assert.Equal(Math.Cos(t), n.Z, 12);
    }

    [Fact]
    public void Position_along_the_normal_is_the_dot_product()
    {
        Assert.Equal(-12.5, SliceGeometry.PositionAlongNormal([3, 4, -12.5], AxialIop));
        Assert.Equal(-3, SliceGeometry.PositionAlongNormal([3, 4, -12.5], SagittalIop));
    }

    [Fact]
    public void Pixel_to_patient_uses_column_spacing_along_rows_and_row_spacing_along_columns()
    {
        // Coronal slice, origin (-100, 20, 50), PixelSpacing = 0.5 (between rows) \ 0.8 (between columns).
        var plane = SliceGeometry.Create(CoronalIop, [-100, 20, 50], [0.5, 0.8]);
        // Column i = 10 moves 10 * 0.8 along +x; row j = 4 moves 4 * 0.5 along -z.
        Assert.Equal(new Vector3D(-92, 20, 48), plane.PixelToPatient(10, 4));
        Assert.Equal(new Vector3D(-92, 20, 48), SliceGeometry.PixelToPatient(CoronalIop, [-100, 20, 50], [0.5, 0.8], 10, 4));
    }

    [Theory]
    [InlineData(new double[] { 1, 0, 0, 0, 1 }, "6")]
    [InlineData(new double[] { 1.1, 0, 0, 0, 1, 0 }, "length")]
    [InlineData(new double[] { 1, 0, 0, 0, 0, 0 }, "length")]
    [InlineData(new double[] { 1, 0, 0, 0.6, 0.8, 0 }, "orthogonal")]
    [InlineData(new double[] { 1, 0, double.NaN, 0, 1, 0 }, "finite")]
    public void Invalid_orientations_are_typed_errors_naming_the_attribute(double[] iop, string fragment)
    {
        var ex = Assert.Throws<SliceGeometryException>(() => SliceGeometry.Normal(iop));
        Assert.Equal("ImageOrientationPatient", ex.Attribute);
        Assert.Contains(fragment, ex.Message);
    }

    [Fact]
    public void Invalid_position_and_spacing_are_typed_errors()
    {
        Assert.Equal("ImagePositionPatient", Assert.Throws<SliceGeometryException>(() => SliceGeometry.Create(AxialIop, [1, 2], [1, 1])).Attribute);
        Assert.Equal("PixelSpacing", Assert.Throws<SliceGeometryException>(() => SliceGeometry.Create(AxialIop, [1, 2, 3], [1, 0])).Attribute);
        Assert.Equal("PixelSpacing", Assert.Throws<SliceGeometryException>(() => SliceGeometry.Create(AxialIop, [1, 2, 3], [1])).Attribute);
    }

    [Fact]
    public void A_series_is_ordered_by_position_along_the_normal_and_its_spacing_measured()
    {
        // Tilted axial stack: positions along the normal at 0, 3, 6, 9 mm, given out of order.
        double t = 15 * Math.PI / 180;
        double[] iop = [1, 0, 0, 0, Math.Cos(t), Math.Sin(t)];
        var normal = SliceGeometry.Normal(iop);
        var origin = new Vector3D(-120, -80, 30);
        double[] along = [6, 0, 9, 3];
        var slices = along.Select(d =>
        {
            var p = origin + normal * d + new Vector3D(1, 0, 0) * 5; // in-plane shifts do not change the order
            return SliceGeometry.Create(iop, [p.X, p.Y, p.Z], [0.5, 0.5]);
        }).ToList();
        Assert.Equal(new[] { 1, 3, 0, 2 }, SliceGeometry.OrderByPosition(slices));
        var spacing = SliceGeometry.Spacing(slices);
        Assert.Equal(3, spacing.Mean, 9);
        Assert.True(spacing.IsUniform());
    }

    [Fact]
    public void Ordering_slices_that_are_not_parallel_is_an_error()
    {
        var slices = new[] { SliceGeometry.Create(AxialIop, [0, 0, 0], [1, 1]), SliceGeometry.Create(SagittalIop, [0, 0, 5], [1, 1]) };
        var ex = Assert.Throws<SliceGeometryException>(() => SliceGeometry.OrderByPosition(slices));
        Assert.Contains("slice 1", ex.Message);
        Assert.Throws<SliceGeometryException>(() => SliceGeometry.Spacing(slices[..1]));
    }

    private const string PyGeometry = """
import sys, json, glob, numpy as np, pydicom
out = []
for f in sys.argv[1:]:
    ds = pydicom.dcmread(f, stop_before_pixels=True)
    iop = [float(v) for v in ds.ImageOrientationPatient]
    ipp = [float(v) for v in ds.ImagePositionPatient]
    ps = [float(v) for v in ds.PixelSpacing]
    r, c = np.array(iop[:3]), np.array(iop[3:])
    n = np.cross(r, c); n = n / np.linalg.norm(n)
    axis = int(np.argmax(np.abs(n)))
    angle = float(np.degrees(np.arccos(min(1.0, np.abs(n[axis])))))
    p = np.array(ipp) + r * ps[1] * 7 + c * ps[0] * 3
    out.append(dict(file=f, iop=iop, ipp=ipp, ps=ps, series=str(ds.SeriesInstanceUID), normal=n.tolist(),
                    position=float(np.dot(ipp, n)), axis=axis, angle=angle, pixel73=p.tolist()))
print(json.dumps(out))
""";

    private static List<JsonElement> ReadWithPydicom(IEnumerable<string> files)
    {
        using var tmp = new CodecPeers.TempDir();
        string script = tmp.File("geometry.py");
        File.WriteAllText(script, PyGeometry);
        string json = CodecPeers.Run("/usr/bin/python3", [script, .. files]);
        return JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static double[] Doubles(JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(v => v.GetDouble()).ToArray();

    [Fact]
    public void Real_mr_files_agree_with_numpy_on_normal_position_plane_and_pixel_coordinates()
    {
        var files = Directory.GetFiles(CodecPeers.PyDicomTestFiles + "dicomdirtests/98892003", "*", SearchOption.AllDirectories)
            .Append(CodecPeers.PyDicomTestFiles + "MR_small.dcm").Append(CodecPeers.Dicom3ToolsExample).ToList();
        var rows = ReadWithPydicom(files);
        Assert.Equal(files.Count, rows.Count);
        var planes = new HashSet<SlicePlane>();
        foreach (var r in rows)
        {
            var plane = SliceGeometry.Create(Doubles(r, "iop"), Doubles(r, "ipp"), Doubles(r, "ps"));
            var n = Doubles(r, "normal");
            Assert.Equal(n[0], plane.Normal.X, 9);
            Assert.Equal(n[1], plane.Normal.Y, 9);
            Assert.Equal(n[2], plane.Normal.Z, 9);
            Assert.Equal(r.GetProperty("position").GetDouble(), plane.Position, 6);
            var p = Doubles(r, "pixel73");
            var q = plane.PixelToPatient(7, 3);
            Assert.Equal(p[0], q.X, 6);
            Assert.Equal(p[1], q.Y, 6);
            Assert.Equal(p[2], q.Z, 6);
            // numpy: dominant axis 0 = x (sagittal), 1 = y (coronal), 2 = z (axial), then the angle test.
            var expected = r.GetProperty("angle").GetDouble() > 10 ? SlicePlane.Oblique
                : r.GetProperty("axis").GetInt32() switch { 0 => SlicePlane.Sagittal, 1 => SlicePlane.Coronal, _ => SlicePlane.Axial };
            Assert.Equal(expected, plane.Plane(10));
            planes.Add(expected);
        }
        // The set covers all four classes (localizers in three planes, radial slices).
        Assert.Equal(4, planes.Count);
    }

    [Fact]
    public void Real_parallel_slices_order_like_numpy_and_a_radial_series_is_rejected()
    {
        var files = Directory.GetFiles(CodecPeers.PyDicomTestFiles + "dicomdirtests/98892003", "*", SearchOption.AllDirectories).ToList();
        var rows = ReadWithPydicom(files);
        // Slices sharing an orientation (the sagittal, coronal and axial localizers of the study) are ordered
        // like numpy's positions; the radial series MR700 (one slice every ~15 degrees) is not a stack.
        int orderedGroups = 0;
        foreach (var group in rows.GroupBy(r => string.Join(",", Doubles(r, "normal").Select(v => Math.Round(v, 3).ToString(CultureInfo.InvariantCulture)))))
        {
            var list = group.ToList();
            if (list.Count < 2) continue;
            var slices = list.Select(r => SliceGeometry.Create(Doubles(r, "iop"), Doubles(r, "ipp"), Doubles(r, "ps"))).ToList();
            var expected = Enumerable.Range(0, list.Count).OrderBy(i => list[i].GetProperty("position").GetDouble()).ThenBy(i => i).ToArray();
            Assert.Equal(expected, SliceGeometry.OrderByPosition(slices));
            orderedGroups++;
        }
        Assert.Equal(3, orderedGroups);
        var radial = rows.Where(r => r.GetProperty("file").GetString()!.Contains("MR700"))
            .Select(r => SliceGeometry.Create(Doubles(r, "iop"), Doubles(r, "ipp"), Doubles(r, "ps"))).ToList();
        Assert.Equal(7, radial.Count);
        var ex = Assert.Throws<SliceGeometryException>(() => SliceGeometry.OrderByPosition(radial));
        Assert.Equal("ImageOrientationPatient", ex.Attribute);
    }
}
