namespace MriCs.Actors.Telemetry;

/// <summary>Events per second over a sliding window of whole seconds (one bucket per second; not thread-safe: one owner).</summary>
public sealed class SliceRate(int windowSeconds = 10)
{
    private readonly long[] _counts = new long[windowSeconds];
    private readonly long[] _second = new long[windowSeconds];
    private long _first = -1;

    public void Add(DateTime now, long count = 1)
    {
        var s = now.Ticks / TimeSpan.TicksPerSecond;
        if (_first < 0) _first = s;
        var i = (int)(s % _counts.Length);
        if (_second[i] != s) { _second[i] = s; _counts[i] = 0; }
        _counts[i] += count;
    }

    /// <summary>Events in the window (ending at the current second, excluded) divided by its length, or by the time since the first event when younger.</summary>
    public double PerSecond(DateTime now)
    {
        if (_first < 0) return 0;
        var s = now.Ticks / TimeSpan.TicksPerSecond;
        long sum = 0;
        for (var i = 0; i < _counts.Length; i++)
            if (_second[i] < s && _second[i] >= s - _counts.Length) sum += _counts[i];
        var span = Math.Min(_counts.Length, s - _first);
        return span <= 0 ? 0 : (double)sum / span;
    }
}
