namespace MriCs.Dicom.Network;

/// <summary>Outcome of sending one file: the C-STORE status, or null when it was never sent.</summary>
public sealed record FileSendResult(string Path, ushort? Status, string Message)
{
    public bool Stored => Status is { } s && (DimseStatus.IsSuccess(s) || DimseStatus.IsWarning(s));
}

/// <summary>Re-encodes a data set in another transfer syntax (the SCU's fallback when the peer refuses the file's own).</summary>
public interface IDataSetTranscoder
{
    bool CanTranscode(string fromTransferSyntax, string toTransferSyntax);

    /// <summary>The data set read from <paramref name="dataSet"/> (in <paramref name="fromTransferSyntax"/>), encoded in <paramref name="toTransferSyntax"/>.</summary>
    byte[] Transcode(Stream dataSet, string fromTransferSyntax, string toTransferSyntax);
}

/// <summary>
/// C-STORE SCU for Part 10 files: reads each file's meta header, proposes one presentation context
/// per (SOP class, file transfer syntax) pair with the file's own syntax, plus (when a transcoder is
/// given) one per SOP class offering Explicit and Implicit VR Little Endian, and streams each data set
/// unchanged from disk; a file whose own syntax is refused is transcoded to the accepted fallback.
/// Files that need more than 128 contexts are sent over consecutive associations.
/// </summary>
public static class DicomFileSender
{
    private static readonly string[] Fallback = [NetworkUids.ExplicitVrLittleEndian, NetworkUids.ImplicitVrLittleEndian];

    /// <summary>Files as given plus every file under the given folders, in a stable order.</summary>
    public static IReadOnlyList<string> ExpandPaths(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var p in paths)
        {
            if (Directory.Exists(p))
                files.AddRange(Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
            else if (File.Exists(p))
                files.Add(p);
            else
                throw new FileNotFoundException($"no such file or folder: {p}", p);
        }
        return files;
    }

    public static async Task<IReadOnlyList<FileSendResult>> SendAsync(string host, int port, DicomClientOptions options,
        IReadOnlyList<string> files, Action<FileSendResult>? progress = null, CancellationToken ct = default,
        IDataSetTranscoder? transcoder = null)
    {
        var results = new FileSendResult?[files.Count];
        var headers = new Part10Header?[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            try
            {
                using var fs = File.OpenRead(files[i]);
                headers[i] = Part10Header.Read(fs, files[i]);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                results[i] = Report(new FileSendResult(files[i], null, ex.Message), progress);
            }
        }

        // Batches of files whose (SOP class, syntax) pairs fit in 128 presentation contexts.
        var batch = new List<int>();
        var pairs = new HashSet<(string, string)>();
        var fallbackClasses = new HashSet<string>();
        for (var i = 0; i <= files.Count; i++)
        {
            var h = i < files.Count ? headers[i] : null;
            var needed = h is null ? 0
                : (pairs.Contains((h.SopClassUid, h.TransferSyntaxUid)) ? 0 : 1) + (transcoder is not null && !fallbackClasses.Contains(h.SopClassUid) ? 1 : 0);
            var full = h is not null && pairs.Count + fallbackClasses.Count + needed > PduCodec.MaxPresentationContexts;
            if ((i == files.Count || full) && batch.Count > 0)
            {
                await SendBatchAsync(host, port, options, files, headers, batch, pairs, fallbackClasses, transcoder, results, progress, ct).ConfigureAwait(false);
                batch.Clear();
                pairs.Clear();
                fallbackClasses.Clear();
            }
            if (h is null) continue;
            pairs.Add((h.SopClassUid, h.TransferSyntaxUid));
            if (transcoder is not null) fallbackClasses.Add(h.SopClassUid);
            batch.Add(i);
        }
        return results.Select((r, i) => r ?? new FileSendResult(files[i], null, "not sent")).ToList();
    }

    private static async Task SendBatchAsync(string host, int port, DicomClientOptions options, IReadOnlyList<string> files,
        Part10Header?[] headers, List<int> batch, HashSet<(string SopClass, string Syntax)> pairs, HashSet<string> fallbackClasses,
        IDataSetTranscoder? transcoder, FileSendResult?[] results, Action<FileSendResult>? progress, CancellationToken ct)
    {
        var proposals = pairs.Select(p => (p.SopClass, Syntaxes: (IReadOnlyList<string>)[p.Syntax]))
            .Concat(fallbackClasses.Select(c => (SopClass: c, Syntaxes: (IReadOnlyList<string>)Fallback)))
            .Select((p, k) => new PresentationContextProposal((byte)(2 * k + 1), p.SopClass, p.Syntaxes)).ToList();
        DicomClientAssociation association;
        try
        {
            association = await DicomClientAssociation.OpenAsync(host, port, options, proposals, ct).ConfigureAwait(false);
        }
        catch (DicomNetworkException ex)
        {
            foreach (var i in batch) results[i] = Report(new FileSendResult(files[i], null, ex.Message), progress);
            return;
        }
        await using (association.ConfigureAwait(false))
        {
            foreach (var i in batch)
            {
                var h = headers[i]!;
                var pc = association.FindContext(h.SopClassUid, h.TransferSyntaxUid);
                PresentationContextResponse? fallback = null;
                if (pc is null && transcoder is not null)
                    fallback = Fallback.Select(ts => association.FindContext(h.SopClassUid, ts))
                        .FirstOrDefault(c => c is not null && transcoder.CanTranscode(h.TransferSyntaxUid, c.TransferSyntax));
                if (pc is null && fallback is null)
                {
                    results[i] = Report(new FileSendResult(files[i], null, $"peer accepted no presentation context for SOP class {h.SopClassUid} in {h.TransferSyntaxUid}"), progress);
                    continue;
                }
                try
                {
                    await using var fs = new FileStream(files[i], FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
                    fs.Seek(h.DataSetOffset, SeekOrigin.Begin);
                    DimseResult result;
                    var note = "";
                    if (pc is not null)
                    {
                        result = await association.StoreAsync(pc.Id, h.SopClassUid, h.SopInstanceUid, fs, fs.Length - h.DataSetOffset, ct).ConfigureAwait(false);
                    }
                    else
                    {
                        byte[] transcoded;
                        try { transcoded = transcoder!.Transcode(fs, h.TransferSyntaxUid, fallback!.TransferSyntax); }
                        catch (Exception ex) when (ex is not OperationCanceledException and not DicomNetworkException)
                        {
                            results[i] = Report(new FileSendResult(files[i], null, $"cannot transcode to {fallback!.TransferSyntax}: {ex.Message}"), progress);
                            continue;
                        }
                        using var ms = new MemoryStream(transcoded, writable: false);
                        result = await association.StoreAsync(fallback.Id, h.SopClassUid, h.SopInstanceUid, ms, ms.Length, ct).ConfigureAwait(false);
                        note = $" [transcoded to {fallback.TransferSyntax}]";
                    }
                    results[i] = Report(new FileSendResult(files[i], result.Status,
                        DimseStatus.Describe(result.Status) + (result.Comment is null ? "" : $" ({result.Comment})") + note), progress);
                }
                catch (DicomNetworkException ex)
                {
                    foreach (var j in batch.Where(j => results[j] is null))
                        results[j] = Report(new FileSendResult(files[j], null, ex.Message), progress);
                    return;
                }
            }
            await association.ReleaseAsync(ct).ConfigureAwait(false);
        }
    }

    private static FileSendResult Report(FileSendResult r, Action<FileSendResult>? progress)
    {
        progress?.Invoke(r);
        return r;
    }
}
