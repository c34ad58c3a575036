using System.Collections.Concurrent;

namespace MriCs.Inference.Batching;

/// <summary>
/// One model's request queue and the loops (one per instance, usually one) that run it in batches. Bounded: a full queue
/// refuses at once. Requests carry a deadline and a cancellation token; those that expire or are
/// cancelled while waiting never reach the model.
/// </summary>
public sealed class DynamicBatcher<TIn, TOut> : IAsyncDisposable
{
    private readonly Func<IReadOnlyList<TIn>, TOut[]> _execute;
    private readonly BatcherOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentQueue<Request> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;
    private readonly ConcurrentDictionary<int, long> _batchSizes = new();
    private int _depth;
    private long _completed, _failed, _timedOut, _batches;

    public DynamicBatcher(Func<IReadOnlyList<TIn>, TOut[]> execute, BatcherOptions options, TimeProvider? time = null)
    {
        options.Validate();
        _execute = execute;
        _options = options;
        _time = time ?? TimeProvider.System;
        // Each loop takes a signal before it dequeues and every enqueue releases one after it queued: a loop that got a
        // signal always finds a request, however many loops share the queue.
        _loops = Enumerable.Range(0, options.Instances)
            .Select(_ => Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap())
            .ToArray();
    }

    public BatcherStats Stats => new(Volatile.Read(ref _depth), Interlocked.Read(ref _completed), Interlocked.Read(ref _failed),
        Interlocked.Read(ref _timedOut), Interlocked.Read(ref _batches), new Dictionary<int, long>(_batchSizes));

    public EnqueueStatus TryEnqueue(TIn input, CancellationToken cancellation, out Task<TOut> result)
    {
        if (_stop.IsCancellationRequested) { result = Task.FromCanceled<TOut>(new CancellationToken(true)); return EnqueueStatus.Stopped; }
        if (Interlocked.Increment(ref _depth) > _options.QueueCapacity)
        {
            Interlocked.Decrement(ref _depth);
            result = Task.FromException<TOut>(new InvalidOperationException("queue full"));
            return EnqueueStatus.QueueFull;
        }
        var request = new Request(input, cancellation, _time.GetTimestamp());
        _queue.Enqueue(request);
        _signal.Release();
        result = request.Completion.Task;
        return EnqueueStatus.Accepted;
    }

    private async Task RunAsync()
    {
        var batch = new List<Request>(_options.MaxBatchSize);
        while (true)
        {
            try
            {
                await _signal.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (!_queue.TryDequeue(out var first)) continue;
            batch.Add(first);
            await FillAsync(batch, first.Arrived).ConfigureAwait(false);
            Execute(batch);
            batch.Clear();
        }
        // Stopped: fail whatever still waits so no caller hangs.
        while (_queue.TryDequeue(out var r))
        {
            Interlocked.Decrement(ref _depth);
            r.Completion.TrySetCanceled();
        }
    }

    private async Task FillAsync(List<Request> batch, long firstArrived)
    {
        while (batch.Count < _options.MaxBatchSize)
        {
            if (_signal.Wait(0) && _queue.TryDequeue(out var next)) { batch.Add(next); continue; }
            // Nothing more waiting right now: a preferred size goes at once; otherwise wait out the delay.
            if (_options.PreferredBatchSizes.Contains(batch.Count)) return;
            var remaining = _options.MaxQueueDelay - _time.GetElapsedTime(firstArrived);
            if (remaining <= TimeSpan.Zero) return;
            try
            {
                if (!await _signal.WaitAsync(remaining, _stop.Token).ConfigureAwait(false)) return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (_queue.TryDequeue(out var arrived)) batch.Add(arrived);
        }
    }

    private void Execute(List<Request> batch)
    {
        Interlocked.Add(ref _depth, -batch.Count);
        var live = new List<Request>(batch.Count);
        foreach (var r in batch)
        {
            if (r.Cancellation.IsCancellationRequested) { r.Completion.TrySetCanceled(r.Cancellation); continue; }
            if (_time.GetElapsedTime(r.Arrived) > _options.RequestTimeout)
            {
                Interlocked.Increment(ref _timedOut);
                r.Completion.TrySetException(new TimeoutException($"request waited longer than {_options.RequestTimeout.TotalSeconds:0.###} s"));
                continue;
            }
            live.Add(r);
        }
        if (live.Count == 0) return;
        Interlocked.Increment(ref _batches);
        _batchSizes.AddOrUpdate(live.Count, 1, (_, n) => n + 1);
        try
        {
            var outputs = _execute(live.Select(r => r.Input).ToList());
            if (outputs.Length != live.Count)
                throw new InvalidOperationException($"batch of {live.Count} produced {outputs.Length} results");
            for (var i = 0; i < live.Count; i++) live[i].Completion.TrySetResult(outputs[i]);
            Interlocked.Add(ref _completed, live.Count);
        }
        catch (Exception ex)
        {
            Interlocked.Add(ref _failed, live.Count);
            foreach (var r in live) r.Completion.TrySetException(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_loops).ConfigureAwait(false);
        _stop.Dispose();
        _signal.Dispose();
    }

    private sealed class Request(TIn input, CancellationToken cancellation, long arrived)
    {
        public TIn Input { get; } = input;
        public CancellationToken Cancellation { get; } = cancellation;
        public long Arrived { get; } = arrived;
        public TaskCompletionSource<TOut> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
