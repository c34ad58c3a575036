namespace MriCs.Actors.Slots;

/// <summary>
/// The slots of one node (device indices 0..capacity-1): a slot entity leases one for its lifetime, so two
/// entities never share a GPU (or a CPU session) even while shards move. Thread-safe.
/// </summary>
public sealed class SlotLeases(int capacity)
{
    private readonly bool[] _taken = new bool[Math.Max(0, capacity)];
    private readonly Dictionary<string, int> _holders = new(StringComparer.Ordinal);

    public int Capacity => _taken.Length;

    public int InUse { get { lock (_taken) return _holders.Count; } }

    /// <summary>The lowest free local slot for <paramref name="holder"/> (the same one again if it already holds one), or null when all are taken.</summary>
    public int? TryAcquire(string holder)
    {
        lock (_taken)
        {
            if (_holders.TryGetValue(holder, out var held)) return held;
            for (var i = 0; i < _taken.Length; i++)
            {
                if (_taken[i]) continue;
                _taken[i] = true;
                _holders[holder] = i;
                return i;
            }
            return null;
        }
    }

    public void Release(string holder)
    {
        lock (_taken)
            if (_holders.Remove(holder, out var i)) _taken[i] = false;
    }
}
