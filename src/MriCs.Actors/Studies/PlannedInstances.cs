namespace MriCs.Actors.Studies;

/// <summary>
/// The SOP instances of recently planned studies (bounded: the oldest studies are forgotten first). The same
/// instance can reach the assembler again after its study was planned: the journal-mode C-STORE SCP replays
/// instances acknowledged before a crash, the staging rescan at start-up reads them too, a sender retries.
/// Such a repeat must not open a second, partial plan of the study.
/// </summary>
public sealed class PlannedInstances(int maxStudies = 4096)
{
    private readonly Dictionary<string, HashSet<string>> _byStudy = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public int Studies => _byStudy.Count;

    /// <summary>Remembers the instances a plan of <paramref name="studyUid"/> was made from.</summary>
    public void Add(string studyUid, IEnumerable<string> sopInstanceUids)
    {
        if (!_byStudy.TryGetValue(studyUid, out var set))
        {
            _byStudy[studyUid] = set = new HashSet<string>(StringComparer.Ordinal);
            _order.Enqueue(studyUid);
            while (_byStudy.Count > Math.Max(1, maxStudies)) _byStudy.Remove(_order.Dequeue());
        }
        set.UnionWith(sopInstanceUids);
    }

    /// <summary>True when the instance already went into a plan of its study.</summary>
    public bool Contains(string studyUid, string sopInstanceUid) =>
        _byStudy.TryGetValue(studyUid, out var set) && set.Contains(sopInstanceUid);
}
