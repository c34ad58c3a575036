using System.Collections.Concurrent;
using MriCs.Inference.Batching;

namespace MriCs.Inference.Tests;

public class DynamicBatcherTests
{
    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => Interlocked.Read(ref _ticks);
        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    /// <summary>An execute function whose first call blocks until released, so later requests pile up.</summary>
    private sealed class GatedModel
    {
        public readonly ManualResetEventSlim Gate = new(false);
        public readonly ManualResetEventSlim FirstStarted = new(false);
        public readonly ConcurrentQueue<int> BatchSizes = new();

        public int[] Run(IReadOnlyList<int> inputs)
        {
            BatchSizes.Enqueue(inputs.Count);
            FirstStarted.Set();
            Gate.Wait(TimeSpan.FromSeconds(30));
            return inputs.Select(i => i * 10).ToArray();
        }
    }

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Waiting_requests_are_run_in_batches_of_at_most_the_maximum()
    {
        var model = new GatedModel();
        await using var batcher = new DynamicBatcher<int, int>(model.Run, new BatcherOptions { MaxBatchSize = 4, MaxQueueDelay = TimeSpan.Zero, QueueCapacity = 64 });
        Assert.Equal(EnqueueStatus.Accepted, batcher.TryEnqueue(1, default, out var first));
        Assert.True(model.FirstStarted.Wait(Wait));
        var rest = new List<Task<int>>();
        for (var i = 2; i <= 10; i++)
        {
            Assert.Equal(EnqueueStatus.Accepted, batcher.TryEnqueue(i, default, out var t));
            rest.Add(t);
        }
        model.Gate.Set();
        var results = await Task.WhenAll(rest.Prepend(first)).WaitAsync(Wait);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => i * 10), results);
        Assert.Equal(new[] { 1, 4, 4, 1 }, model.BatchSizes.ToArray());
        Assert.Equal(10, batcher.Stats.Completed);
        Assert.Equal(4, batcher.Stats.Batches);
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once()
    {
        var model = new GatedModel();
        await using var batcher = new DynamicBatcher<int, int>(model.Run, new BatcherOptions { MaxBatchSize = 2, QueueCapacity = 3 });
        batcher.TryEnqueue(0, default, out _);
        Assert.True(model.FirstStarted.Wait(Wait));
        // The running request left the queue; three more fill it.
        for (var i = 0; i < 3; i++) Assert.Equal(EnqueueStatus.Accepted, batcher.TryEnqueue(i, default, out _));
        Assert.Equal(EnqueueStatus.QueueFull, batcher.TryEnqueue(99, default, out var refused));
        Assert.True(refused.IsFaulted);
        Assert.Equal(3, batcher.Stats.QueueDepth);
        model.Gate.Set();
    }

    [Fact]
    public async Task A_request_that_waited_past_its_timeout_never_reaches_the_model()
    {
        var time = new ManualTime();
        var model = new GatedModel();
        await using var batcher = new DynamicBatcher<int, int>(model.Run,
            new BatcherOptions { MaxBatchSize = 4, MaxQueueDelay = TimeSpan.Zero, RequestTimeout = TimeSpan.FromSeconds(1) }, time);
        batcher.TryEnqueue(1, default, out var first);
        Assert.True(model.FirstStarted.Wait(Wait));
        batcher.TryEnqueue(2, default, out var late);
        time.Advance(TimeSpan.FromSeconds(2));
        model.Gate.Set();
        Assert.Equal(10, await first.WaitAsync(Wait));
        await Assert.ThrowsAsync<TimeoutException>(() => late.WaitAsync(Wait));
        Assert.Equal(1, batcher.Stats.TimedOut);
        Assert.Equal(new[] { 1 }, model.BatchSizes.ToArray());
    }

    [Fact]
    public async Task A_cancelled_request_is_dropped_before_execution()
    {
        var model = new GatedModel();
        await using var batcher = new DynamicBatcher<int, int>(model.Run, new BatcherOptions { MaxBatchSize = 4, MaxQueueDelay = TimeSpan.Zero });
        batcher.TryEnqueue(1, default, out _);
        Assert.True(model.FirstStarted.Wait(Wait));
        using var cts = new CancellationTokenSource();
        batcher.TryEnqueue(2, cts.Token, out var cancelled);
        batcher.TryEnqueue(3, default, out var kept);
        cts.Cancel();
        model.Gate.Set();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Wait));
        Assert.Equal(30, await kept.WaitAsync(Wait));
        Assert.Equal(new[] { 1, 1 }, model.BatchSizes.ToArray());
    }

    [Fact]
    public async Task A_failing_batch_fails_each_of_its_requests_and_the_batcher_goes_on()
    {
        var calls = 0;
        await using var batcher = new DynamicBatcher<int, int>(xs =>
        {
            if (Interlocked.Increment(ref calls) == 1) throw new InvalidOperationException("model exploded");
            return xs.ToArray();
        }, new BatcherOptions { MaxBatchSize = 1 });
        batcher.TryEnqueue(1, default, out var failed);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => failed.WaitAsync(Wait));
        Assert.Equal("model exploded", ex.Message);
        batcher.TryEnqueue(2, default, out var ok);
        Assert.Equal(2, await ok.WaitAsync(Wait));
        Assert.Equal(1, batcher.Stats.Failed);
    }

    [Fact]
    public async Task A_lone_request_is_run_after_the_queue_delay()
    {
        await using var batcher = new DynamicBatcher<int, int>(xs => xs.ToArray(),
            new BatcherOptions { MaxBatchSize = 8, MaxQueueDelay = TimeSpan.FromMilliseconds(20) });
        batcher.TryEnqueue(7, default, out var t);
        Assert.Equal(7, await t.WaitAsync(Wait));
    }

    [Fact]
    public async Task Stopping_cancels_waiting_requests_instead_of_hanging_them()
    {
        var model = new GatedModel();
        var batcher = new DynamicBatcher<int, int>(model.Run, new BatcherOptions { MaxBatchSize = 1 });
        batcher.TryEnqueue(1, default, out var running);
        Assert.True(model.FirstStarted.Wait(Wait));
        batcher.TryEnqueue(2, default, out var waiting);
        var disposing = batcher.DisposeAsync().AsTask();
        model.Gate.Set();
        await disposing.WaitAsync(Wait);
        Assert.Equal(10, await running.WaitAsync(Wait));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Wait));
        Assert.Equal(EnqueueStatus.Stopped, batcher.TryEnqueue(3, default, out _));
    }

    [Fact]
    public void Invalid_options_are_refused_with_the_reason()
    {
        var ex = Assert.Throws<ArgumentException>(() => new BatcherOptions { MaxBatchSize = 8, PreferredBatchSizes = [16] }.Validate());
        Assert.Contains("1..8", ex.Message);
    }

    /// <summary>Counts how many batches run at the same time; each holds until two have started or 2 s passed.</summary>
    private sealed class OverlapModel
    {
        private int _running;
        public int MaxRunning;
        public readonly CountdownEvent BothStarted = new(2);

        public int[] Run(IReadOnlyList<int> inputs)
        {
            var now = Interlocked.Increment(ref _running);
            InterlockedMax(ref MaxRunning, now);
            if (!BothStarted.IsSet) BothStarted.Signal();
            BothStarted.Wait(TimeSpan.FromSeconds(2));
            Interlocked.Decrement(ref _running);
            return inputs.Select(i => i * 10).ToArray();
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    public async Task Instances_run_that_many_batches_at_once_and_every_request_is_answered_once(int instances, int expectedOverlap)
    {
        var model = new OverlapModel();
        await using var batcher = new DynamicBatcher<int, int>(model.Run,
            new BatcherOptions { MaxBatchSize = 1, MaxQueueDelay = TimeSpan.Zero, QueueCapacity = 64, Instances = instances });
        var results = new List<Task<int>>();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(EnqueueStatus.Accepted, batcher.TryEnqueue(i, default, out var t));
            results.Add(t);
        }
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i * 10), await Task.WhenAll(results).WaitAsync(Wait));
        Assert.Equal(expectedOverlap, model.MaxRunning);
        Assert.Equal(20, batcher.Stats.Completed);
    }

    [Fact]
    public void Instances_out_of_range_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new BatcherOptions { Instances = 0 }.Validate());
    }
}
