using System.Buffers;

namespace MriCs.Dicom.Network.Journal;

/// <summary>A growable byte buffer made of pooled 64 KiB chunks (no large contiguous arrays, no copying on growth).</summary>
internal sealed class ChunkBuffer : IDisposable
{
    private const int ChunkSize = 64 * 1024;
    private readonly List<byte[]> _chunks = [];
    private int _lastUsed = ChunkSize;

    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_lastUsed == ChunkSize)
            {
                _chunks.Add(ArrayPool<byte>.Shared.Rent(ChunkSize));
                _lastUsed = 0;
            }
            var n = Math.Min(data.Length, ChunkSize - _lastUsed);
            data[..n].CopyTo(_chunks[^1].AsSpan(_lastUsed));
            _lastUsed += n;
            Length += n;
            data = data[n..];
        }
    }

    /// <summary>The content as a list of memory blocks (for a vectored write or a CRC).</summary>
    public IEnumerable<ReadOnlyMemory<byte>> Blocks()
    {
        for (var i = 0; i < _chunks.Count; i++)
        {
            var used = i == _chunks.Count - 1 ? _lastUsed : ChunkSize;
            if (used > 0) yield return _chunks[i].AsMemory(0, used);
        }
    }

    public Stream OpenRead() => new ReadStream(this);

    public void Dispose()
    {
        foreach (var c in _chunks) ArrayPool<byte>.Shared.Return(c);
        _chunks.Clear();
        Length = 0;
        _lastUsed = ChunkSize;
    }

    private sealed class ReadStream(ChunkBuffer buffer) : Stream
    {
        private long _position;

        public override int Read(byte[] array, int offset, int count) => Read(array.AsSpan(offset, count));

        public override int Read(Span<byte> destination)
        {
            var total = 0;
            while (!destination.IsEmpty && _position < buffer.Length)
            {
                var chunk = (int)(_position / ChunkSize);
                var at = (int)(_position % ChunkSize);
                var n = (int)Math.Min(Math.Min(destination.Length, ChunkSize - at), buffer.Length - _position);
                buffer._chunks[chunk].AsSpan(at, n).CopyTo(destination);
                destination = destination[n..];
                _position += n;
                total += n;
            }
            return total;
        }

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => buffer.Length;
        public override long Position { get => _position; set => _position = Math.Clamp(value, 0, buffer.Length); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => buffer.Length + offset,
        };
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] array, int offset, int count) => throw new NotSupportedException();
    }
}
