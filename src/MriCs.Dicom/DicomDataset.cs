using System.Collections;
using System.Text;

namespace MriCs.Dicom;

/// <summary>
/// A dataset: data elements kept in ascending tag order, with typed getters and setters
/// (DicomDataset.Values.cs). Item datasets of sequences know their parent so that strings follow the
/// Specific Character Set in force where they sit.
/// </summary>
public sealed partial class DicomDataset : IEnumerable<DicomElement>
{
    private readonly List<DicomElement> _elements;

    public DicomDataset() => _elements = [];

    public DicomDataset(IEnumerable<DicomElement> elements) : this()
    {
        foreach (var e in elements) Set(e);
    }

    public int Count => _elements.Count;

    /// <summary>The dataset holding the sequence this item belongs to, if any.</summary>
    public DicomDataset? Parent { get; internal set; }

    public IEnumerator<DicomElement> GetEnumerator() => _elements.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Contains(DicomTag tag) => IndexOf(tag) >= 0;

    /// <summary>The element with this tag, or null.</summary>
    public DicomElement? Get(DicomTag tag)
    {
        var i = IndexOf(tag);
        return i >= 0 ? _elements[i] : null;
    }

    public DicomElement? this[DicomTag tag] => Get(tag);

    public bool TryGet(DicomTag tag, out DicomElement element)
    {
        var i = IndexOf(tag);
        element = i >= 0 ? _elements[i] : null!;
        return i >= 0;
    }

    /// <summary>Adds an element; throws when the tag is already present (use <see cref="Set(DicomElement)"/> to replace).</summary>
    public DicomDataset Add(DicomElement element)
    {
        var i = IndexOf(element.Tag);
        if (i >= 0) throw new ArgumentException($"dataset already holds {element.Tag}", nameof(element));
        Insert(~i, element);
        return this;
    }

    /// <summary>Adds or replaces the element with the same tag.</summary>
    public DicomDataset Set(DicomElement element)
    {
        var i = IndexOf(element.Tag);
        if (i >= 0) _elements[i] = element;
        else Insert(~i, element);
        Adopt(element);
        return this;
    }

    public bool Remove(DicomTag tag)
    {
        var i = IndexOf(tag);
        if (i < 0) return false;
        _elements.RemoveAt(i);
        return true;
    }

    /// <summary>Removes every element for which the predicate holds.</summary>
    public int RemoveAll(Func<DicomElement, bool> predicate) => _elements.RemoveAll(e => predicate(e));

    /// <summary>A copy whose sequences are copied too (values are immutable and shared).</summary>
    public DicomDataset Clone()
    {
        var copy = new DicomDataset();
        foreach (var e in _elements)
            copy._elements.Add(e is DicomSequence s ? CloneSequence(s, copy) : e);
        return copy;
    }

    private static DicomSequence CloneSequence(DicomSequence s, DicomDataset parent)
    {
        var items = s.Items.Select(i => i.Clone()).ToList();
        foreach (var i in items) i.Parent = parent;
        return new DicomSequence(s.Tag, items);
    }

    /// <summary>Appends an element read in order (no search when tags ascend, as in well-formed files).</summary>
    internal void AppendRead(DicomElement element)
    {
        if (_elements.Count == 0 || _elements[^1].Tag < element.Tag)
        {
            _elements.Add(element);
            Adopt(element);
        }
        else
        {
            Set(element);
        }
    }

    private void Adopt(DicomElement element)
    {
        if (element is DicomSequence s)
            foreach (var item in s.Items) item.Parent = this;
    }

    private void Insert(int index, DicomElement element)
    {
        _elements.Insert(index, element);
        Adopt(element);
    }

    private int IndexOf(DicomTag tag)
    {
        // Binary search over the ordered list; ~index is the insertion point when absent.
        int lo = 0, hi = _elements.Count - 1;
        var v = tag.Value;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var m = _elements[mid].Tag.Value;
            if (m == v) return mid;
            if (m < v) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }

    /// <summary>The text encoding for character-set-sensitive strings here: this dataset's Specific Character Set or an ancestor's.</summary>
    public Encoding TextEncoding
    {
        get
        {
            for (var d = this; d is not null; d = d.Parent)
                if (d.Get(DicomTag.SpecificCharacterSet) is DicomValueElement cs)
                    return DicomCharacterSet.GetEncoding(Encoding.ASCII.GetString(cs.Value.Span));
            return Encoding.Latin1;
        }
    }
}
