using System.Buffers.Binary;

namespace MriCs.Dicom.Codecs.Jpeg;

/// <summary>
/// Decoder for the lossless process (ITU T.81 Annex H, SOF3, Huffman coding): predictors 1..7,
/// point transform, restart intervals, precision 2..16, interleaved or one-component scans.
/// </summary>
internal sealed class JpegLosslessDecoder
{
    private sealed class Component(int id)
    {
        public readonly int Id = id;
        public int[] Previous = [];
        public int[] Current = [];
        public bool Decoded;
        public HuffmanDecodeTable? Table;
    }

    private readonly FrameInfo _info;
    private readonly HuffmanDecodeTable?[] _tables = new HuffmanDecodeTable?[4];
    private Component[] _components = [];
    private int _precision;
    private int _restartInterval;

    private JpegLosslessDecoder(FrameInfo info)
    {
        _info = info;
    }

    /// <summary>Decodes into <paramref name="output"/>, which must hold the frame (every byte of it is written).</summary>
    public static void Decode(ReadOnlySpan<byte> data, FrameInfo info, Span<byte> output)
    {
        int length = info.Validate(JpegLosslessCodec.TransferSyntaxUids, JpegLosslessCodec.TransferSyntaxName, 16);
        if (output.Length < length)
            throw new ArgumentException($"the destination holds {output.Length} bytes; the frame needs {length}", nameof(output));
        new JpegLosslessDecoder(info).Run(data, output[..length]);
    }

    private void Run(ReadOnlySpan<byte> data, Span<byte> output)
    {
        if (data.Length < 2 || data[0] != 0xFF || data[1] != 0xD8)
            throw Error(0, "the frame does not start with an SOI marker (FF D8)");
        int pos = 2;
        while (true)
        {
            if (pos >= data.Length)
            {
                if (_components.Length > 0 && _components.All(c => c.Decoded)) return; // tolerate a missing EOI
                throw Error(pos, "the data ends before all components were decoded");
            }
            int markerAt = pos;
            int marker = ReadMarker(data, ref pos);
            switch (marker)
            {
                case 0xD9: // EOI
                    if (_components.Length == 0 || !_components.All(c => c.Decoded))
                        throw Error(markerAt, "EOI before all components were decoded");
                    return;
                case 0xC3:
                    ReadFrameHeader(data, ref pos, markerAt);
                    break;
                case 0xC4:
                    ReadHuffmanTables(data, ref pos);
                    break;
                case 0xDD:
                {
                    var seg = Segment(data, ref pos, markerAt);
                    if (seg.Length != 2) throw Error(markerAt, $"DRI segment has {seg.Length} bytes, expected 2");
                    _restartInterval = BinaryPrimitives.ReadUInt16BigEndian(seg);
                    break;
                }
                case 0xDA:
                    pos = ReadScan(data, pos, markerAt, output);
                    break;
                case 0xC0 or 0xC1 or 0xC2 or 0xC5 or 0xC6 or 0xC7 or 0xC9 or 0xCA or 0xCB or 0xCD or 0xCE or 0xCF:
                    throw Error(markerAt, $"the frame is {ProcessName(marker)} (SOF{marker - 0xC0}), not the lossless process 14 (SOF3); " +
                                          "decode it with a JPEG codec for that process or transcode it, e.g. `dcmdjpeg in.dcm out.dcm` or `gdcmconv --raw in.dcm out.dcm`");
                case 0xCC:
                    throw Error(markerAt, "arithmetic coding (DAC) is not part of DICOM JPEG lossless");
                case 0xD8:
                    throw Error(markerAt, "a second SOI marker");
                case >= 0xD0 and <= 0xD7:
                    throw Error(markerAt, $"RST{marker - 0xD0} marker outside of scan data");
                case 0x01:
                    break; // TEM: no segment
                default:
                    Segment(data, ref pos, markerAt); // APPn, COM, DQT, DNL, JPG extensions: skipped
                    break;
            }
        }
    }

    private static string ProcessName(int sof) => sof switch
    {
        0xC0 => "baseline JPEG (process 1)",
        0xC1 => "extended sequential JPEG (process 2/4)",
        0xC2 => "progressive JPEG",
        0xC5 or 0xC6 or 0xC7 => "hierarchical JPEG",
        _ => "arithmetic-coded JPEG",
    };

    private static int ReadMarker(ReadOnlySpan<byte> data, ref int pos)
    {
        if (data[pos] != 0xFF) throw Error(pos, $"expected a marker, found byte 0x{data[pos]:X2}");
        while (pos < data.Length && data[pos] == 0xFF) pos++; // fill bytes
        if (pos >= data.Length) throw Error(pos, "the data ends inside a marker");
        return data[pos++];
    }

    private static ReadOnlySpan<byte> Segment(ReadOnlySpan<byte> data, ref int pos, int markerAt)
    {
        if (pos + 2 > data.Length) throw Error(pos, $"the data ends in the length of the segment of marker at {markerAt}");
        int len = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
        if (len < 2 || pos + len > data.Length)
            throw Error(pos, $"segment length {len} of the marker at {markerAt} passes the end of the data ({data.Length} bytes)");
        var seg = data.Slice(pos + 2, len - 2);
        pos += len;
        return seg;
    }

    private void ReadFrameHeader(ReadOnlySpan<byte> data, ref int pos, int markerAt)
    {
        if (_components.Length > 0) throw Error(markerAt, "a second frame header (SOF3)");
        int segStart = pos + 2;
        var seg = Segment(data, ref pos, markerAt);
        if (seg.Length < 6) throw Error(segStart, "SOF3 segment too short");
        int p = seg[0], y = BinaryPrimitives.ReadUInt16BigEndian(seg[1..]), x = BinaryPrimitives.ReadUInt16BigEndian(seg[3..]), nf = seg[5];
        if (seg.Length != 6 + 3 * nf) throw Error(segStart, $"SOF3 length {seg.Length + 2} does not match {nf} components");
        if (p is < 2 or > 16) throw Error(segStart, $"sample precision {p} is not in 2..16");
        if (p > _info.BitsAllocated)
            throw Error(segStart, $"sample precision {p} does not fit BitsAllocated {_info.BitsAllocated} (precision mismatch)");
        if (y == 0) throw Error(segStart + 1, "the number of lines is 0 (DNL-defined height is not supported)");
        if (y != _info.Rows || x != _info.Columns)
            throw Error(segStart + 1, $"the frame is {x}x{y}, the dataset says {_info.Columns}x{_info.Rows}");
        if (nf != _info.SamplesPerPixel)
            throw Error(segStart + 5, $"the frame has {nf} components, the dataset says SamplesPerPixel {_info.SamplesPerPixel}");
        var comps = new Component[nf];
        for (int i = 0; i < nf; i++)
        {
            int id = seg[6 + 3 * i], hv = seg[7 + 3 * i];
            if (nf > 1 && hv != 0x11)
                throw Error(segStart + 7 + 3 * i, $"component {id} has sampling factors {hv >> 4}x{hv & 15}; only 1x1 is supported");
            for (int j = 0; j < i; j++)
                if (comps[j].Id == id) throw Error(segStart + 6 + 3 * i, $"component id {id} appears twice");
            comps[i] = new Component(id) { Previous = new int[x], Current = new int[x] };
        }
        _precision = p;
        _components = comps;
    }

    private void ReadHuffmanTables(ReadOnlySpan<byte> data, ref int pos)
    {
        int markerAt = pos - 2;
        int segStart = pos + 2;
        var seg = Segment(data, ref pos, markerAt);
        int i = 0;
        while (i < seg.Length)
        {
            if (i + 17 > seg.Length) throw Error(segStart + i, "DHT segment ends inside a table header");
            int tc = seg[i] >> 4, th = seg[i] & 15;
            if (tc > 1 || th > 3) throw Error(segStart + i, $"DHT table class {tc} / id {th} is invalid (class 0..1, id 0..3)");
            var counts = seg.Slice(i + 1, 16);
            int total = 0;
            foreach (byte c in counts) total += c;
            if (i + 17 + total > seg.Length) throw Error(segStart + i, "DHT segment ends inside the symbols of a table");
            if (tc == 1)
            {
                i += 17 + total; // an AC table: valid syntax, unused by the lossless process
                continue;
            }
            var table = new HuffmanDecodeTable();
            string? problem = table.Build(counts, seg.Slice(i + 17, total));
            if (problem is not null) throw Error(segStart + i, "invalid Huffman table: " + problem);
            _tables[th] = table;
            i += 17 + total;
        }
    }

    /// <summary>Reads an SOS header and its entropy-coded data; returns the offset of the marker that follows.</summary>
    private int ReadScan(ReadOnlySpan<byte> data, int pos, int markerAt, Span<byte> output)
    {
        if (_components.Length == 0) throw Error(markerAt, "SOS before the frame header (SOF3)");
        int segStart = pos + 2;
        var seg = Segment(data, ref pos, markerAt);
        if (seg.Length < 1) throw Error(segStart, "SOS segment too short");
        int ns = seg[0];
        if (ns is < 1 or > 4 || seg.Length != 4 + 2 * ns) throw Error(segStart, $"SOS with {ns} components has length {seg.Length + 2}");
        var scan = new Component[ns];
        for (int i = 0; i < ns; i++)
        {
            int id = seg[1 + 2 * i], td = seg[2 + 2 * i] >> 4;
            var comp = _components.FirstOrDefault(c => c.Id == id)
                       ?? throw Error(segStart + 1 + 2 * i, $"scan component {id} is not in the frame");
            if (comp.Decoded || Array.IndexOf(scan, comp, 0, i) >= 0)
                throw Error(segStart + 1 + 2 * i, $"component {id} is coded twice");
            if (td > 3 || _tables[td] is null) throw Error(segStart + 2 + 2 * i, $"Huffman table {td} is not defined");
            if (_tables[td]!.MaxSymbol > 16)
                throw Error(segStart + 2 + 2 * i, $"Huffman table {td} has symbol {_tables[td]!.MaxSymbol}; lossless categories are 0..16");
            comp.Table = _tables[td];
            scan[i] = comp;
        }
        int predictor = seg[1 + 2 * ns], al = seg[3 + 2 * ns] & 15, ah = seg[3 + 2 * ns] >> 4;
        if (predictor is < 1 or > 7)
            throw Error(segStart + 1 + 2 * ns, $"predictor (Ss) {predictor} is not in 1..7");
        if (ah != 0 || al >= _precision)
            throw Error(segStart + 3 + 2 * ns, $"point transform Al {al} / Ah {ah} is invalid for precision {_precision}");
        int end = DecodeScanData(data, pos, scan, predictor, al, output);
        foreach (var c in scan) c.Decoded = true;
        return end;
    }

    private int DecodeScanData(ReadOnlySpan<byte> data, int pos, Component[] scan, int predictor, int pointTransform, Span<byte> output)
    {
        int width = _info.Columns, height = _info.Rows;
        int initial = 1 << (_precision - pointTransform - 1);
        int ri = _restartInterval;
        var reader = new JpegBitReader(data, pos);
        long mcu = 0;
        int restarts = 0;
        int intervalRow = 0;
        bool reset = true;
        for (int y = 0; y < height; y++)
        {
            long rowStart = (long)y * width;
            bool restartInRow = ri > 0 && ((rowStart > 0 && rowStart % ri == 0) || (rowStart + width - 1) / ri != rowStart / ri);
            if (scan.Length == 1 && y > intervalRow && !restartInRow)
            {
                var c = scan[0];
                if (!DecodeRow(ref reader, predictor, c.Table!, c.Current, c.Previous))
                    throw Error(reader.Position, "invalid Huffman code in the entropy-coded data");
                mcu += width;
            }
            else
            {
                for (int x = 0; x < width; x++)
                {
                    if (ri > 0 && mcu > 0 && mcu % ri == 0)
                    {
                        if (reader.Overrun) throw Error(reader.Position, "the entropy-coded data ends early (truncated or corrupt)");
                        int m = reader.SkipToMarker();
                        if (m < 0) throw Error(reader.Position, $"expected restart marker RST{restarts & 7}, found the end of the data");
                        if (data[m + 1] != 0xD0 + (restarts & 7))
                            throw Error(m, $"expected restart marker RST{restarts & 7}, found marker FF {data[m + 1]:X2}");
                        reader.Reset(m + 2);
                        restarts++;
                        reset = true;
                        intervalRow = y;
                    }
                    for (int k = 0; k < scan.Length; k++)
                    {
                        var c = scan[k];
                        int[] cur = c.Current;
                        int pred;
                        if (reset) pred = initial;
                        else if (y == intervalRow) pred = cur[x - 1];
                        else if (x == 0) pred = c.Previous[0];
                            else pred = Predictors.Predict(predictor, cur[x - 1], c.Previous[x], c.Previous[x - 1]);
                        int s = reader.DecodeSymbol(c.Table!);
                        int diff;
                        if (s <= 0)
                        {
                            if (s < 0) throw Error(reader.Position, "invalid Huffman code in the entropy-coded data");
                            diff = 0;
                        }
                        else if (s == 16) diff = 32768;
                        else
                        {
                            int v = reader.ReadBits(s);
                            diff = v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
                        }
                        cur[x] = (pred + diff) & 0xFFFF;
                    }
                    reset = false;
                    mcu++;
                }
            }
            if (reader.Overrun) throw Error(reader.Position, $"the entropy-coded data ends early in row {y} (truncated or corrupt)");
            foreach (var c in scan)
            {
                EmitRow(c, y, pointTransform, output);
                (c.Previous, c.Current) = (c.Current, c.Previous);
            }
        }
        int next = reader.SkipToMarker();
        return next < 0 ? data.Length : next;
    }

    private static bool DecodeRow(ref JpegBitReader reader, int predictor, HuffmanDecodeTable table, int[] current, int[] previous) =>
        predictor switch
        {
            1 => reader.DecodeRow<Predictor1>(table, current, previous),
            2 => reader.DecodeRow<Predictor2>(table, current, previous),
            3 => reader.DecodeRow<Predictor3>(table, current, previous),
            4 => reader.DecodeRow<Predictor4>(table, current, previous),
            5 => reader.DecodeRow<Predictor5>(table, current, previous),
            6 => reader.DecodeRow<Predictor6>(table, current, previous),
            _ => reader.DecodeRow<Predictor7>(table, current, previous),
        };

    private void EmitRow(Component c, int y, int pointTransform, Span<byte> output)
    {
        int ci = Array.IndexOf(_components, c);
        int spp = _info.SamplesPerPixel, bps = _info.BytesPerSample, width = _info.Columns;
        int start, step;
        if (_info.PlanarConfiguration == 1 || spp == 1)
        {
            start = (ci * (int)_info.PixelCount + y * width) * bps;
            step = bps;
        }
        else
        {
            start = (y * width * spp + ci) * bps;
            step = spp * bps;
        }
        int mask = (1 << _precision) - 1;
        int signBit = _info.Signed ? 1 << (_precision - 1) : 0;
        int[] row = c.Current;
        if (bps == 1)
        {
            for (int x = 0, d = start; x < width; x++, d += step)
            {
                int v = (row[x] << pointTransform) & mask;
                if ((v & signBit) != 0) v |= ~mask;
                output[d] = (byte)v;
            }
        }
        else
        {
            for (int x = 0, d = start; x < width; x++, d += step)
            {
                int v = (row[x] << pointTransform) & mask;
                if ((v & signBit) != 0) v |= ~mask;
                output[d] = (byte)v;
                output[d + 1] = (byte)(v >> 8);
            }
        }
    }

    private static DicomCodecException Error(long offset, string reason) =>
        new(JpegLosslessCodec.TransferSyntaxUids, JpegLosslessCodec.TransferSyntaxName, offset, reason);
}
