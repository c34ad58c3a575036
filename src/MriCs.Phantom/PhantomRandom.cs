namespace MriCs.Phantom;

/// <summary>
/// A small deterministic random source (SplitMix64): the same seed gives the same sequence on every
/// platform and .NET version, which System.Random does not promise. Not for anything secret.
/// </summary>
public struct PhantomRandom
{
    private ulong _state;

    public PhantomRandom(ulong seed) => _state = seed;

    /// <summary>A generator for a sub-stream (patient, level, ...) derived from a seed and keys.</summary>
    public static PhantomRandom For(long seed, params long[] keys)
    {
        var s = Mix((ulong)seed ^ 0x9E3779B97F4A7C15UL);
        foreach (var k in keys) s = Mix(s ^ (ulong)k * 0xBF58476D1CE4E5B9UL);
        return new PhantomRandom(s);
    }

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [min, max).</summary>
    public int Next(int min, int max) => min + (int)(NextDouble() * (max - min));

    public bool Chance(double p) => NextDouble() < p;

    /// <summary>Standard normal (Box-Muller).</summary>
    public double Gaussian()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(0, items.Count)];

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
