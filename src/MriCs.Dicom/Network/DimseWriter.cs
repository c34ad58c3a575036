namespace MriCs.Dicom.Network;

/// <summary>Sends DIMSE commands and data sets as PDVs, fragmented to the peer's maximum PDU length.</summary>
internal static class DimseWriter
{
    /// <summary>Largest PDV data per P-DATA-TF given the peer's announced maximum and this side's cap.</summary>
    public static int MaxFragment(uint peerMaxPdu, uint ownCap)
    {
        var max = peerMaxPdu == 0 ? ownCap : (ownCap == 0 ? peerMaxPdu : Math.Min(peerMaxPdu, ownCap));
        if (max == 0) max = 1 << 20;
        max = Math.Min(max, 16u << 20);
        return ((int)Math.Max(max, 256) - 6) & ~1; // fragments of even length (dcmtk refuses odd ones)
    }

    public static async ValueTask SendCommandAsync(PduChannel channel, byte pcId, DimseCommand command, int maxFragment, CancellationToken ct)
    {
        var bytes = command.Encode();
        var pos = 0;
        do
        {
            var n = Math.Min(maxFragment, bytes.Length - pos);
            bytes.AsMemory(pos, n).CopyTo(channel.PDataPayload(n));
            pos += n;
            await channel.SendPDataAsync(pcId, isCommand: true, isLast: pos == bytes.Length, n, ct).ConfigureAwait(false);
        } while (pos < bytes.Length);
    }

    /// <summary>
    /// Streams <paramref name="length"/> bytes of <paramref name="source"/> as data set PDVs. An odd
    /// length (a deflated stream without its pad byte, PS3.5 A.5) gets one trailing 0x00 so that
    /// the data set, like every fragment, has an even length.
    /// </summary>
    public static async ValueTask SendDataSetAsync(PduChannel channel, byte pcId, Stream source, long length, int maxFragment, CancellationToken ct)
    {
        var remaining = length;
        var pad = (int)(length & 1);
        do
        {
            var n = (int)Math.Min(maxFragment, remaining);
            var last = remaining - n == 0;
            var payload = channel.PDataPayload(n + (last ? pad : 0));
            var got = 0;
            while (got < n)
            {
                var r = await source.ReadAsync(payload[got..n], ct).ConfigureAwait(false);
                if (r == 0) throw new EndOfStreamException($"data set source ended {remaining - got} bytes early");
                got += r;
            }
            if (last && pad == 1) payload.Span[n] = 0;
            remaining -= n;
            await channel.SendPDataAsync(pcId, isCommand: false, isLast: last, n + (last ? pad : 0), ct).ConfigureAwait(false);
        } while (remaining > 0);
    }
}
