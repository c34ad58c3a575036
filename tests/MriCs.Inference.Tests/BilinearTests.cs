using MriCs.Inference.Preprocessing;

namespace MriCs.Inference.Tests;

public class BilinearTests
{
    [Fact]
    public void Same_size_is_identity()
    {
        var src = Enumerable.Range(0, 12).Select(i => (float)(i * 7 % 11)).ToArray();
        var dst = new float[12];
        Bilinear.Resize(src, 4, 3, dst, 4, 3);
        Assert.Equal(src, dst);
    }

    [Fact]
    public void Upscale_2x_matches_half_pixel_centre_arithmetic()
    {
        // 2x1 row [0, 100] -> 4x1. Source x for dst d: (d + 0.5) * 0.5 - 0.5 = -0.25, 0.25, 0.75, 1.25.
        // Clamped at 0 and at the last pixel: 0, 25, 75, 100 (torch gives the same).
        var dst = new float[4];
        Bilinear.Resize(new float[] { 0, 100 }, 2, 1, dst, 4, 1);
        Assert.Equal(new float[] { 0, 25, 75, 100 }, dst);
    }

    [Fact]
    public void Downscale_2x_averages_pairs()
    {
        // 4x1 -> 2x1: source x = (d + 0.5) * 2 - 0.5 = 0.5, 2.5: midpoints of pixel pairs.
        var dst = new float[2];
        Bilinear.Resize(new float[] { 10, 20, 30, 50 }, 4, 1, dst, 2, 1);
        Assert.Equal(new float[] { 15, 40 }, dst);
    }

    [Fact]
    public void Two_dimensional_interpolation_is_separable()
    {
        // 2x2 [[0, 10], [20, 30]] -> 4x4; the value at (x=1, y=2) is at source (0.25, 0.75):
        // (1-0.75)*(0.75*0 + 0.25*10) + 0.75*(0.75*20 + 0.25*30) = 0.625 + 16.875 = 17.5.
        var dst = new float[16];
        Bilinear.Resize(new float[] { 0, 10, 20, 30 }, 2, 2, dst, 4, 4);
        Assert.Equal(17.5f, dst[2 * 4 + 1], 5);
        Assert.Equal(0f, dst[0]);
        Assert.Equal(30f, dst[15]);
    }

    [Fact]
    public void Rejects_empty_sizes()
    {
        Assert.Throws<ArgumentException>(() => Bilinear.Resize(new float[4], 0, 2, new float[4], 2, 2));
    }
}
