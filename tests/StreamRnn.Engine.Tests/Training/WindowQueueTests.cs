using Prometheus;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

[Trait("Category", "Unit")]

public sealed class WindowQueueTests
{
    private static TrainingWindow Window(TrainingWindowPool pool, float id)
    {
        var window = pool.Rent();
        window.Clear();
        window.Inputs[0] = id;
        return window;
    }

    [Fact]
    public void When_full_the_oldest_is_dropped_returned_to_its_pool_and_counted()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new StreamRnnMetrics(Prometheus.Metrics.WithCustomRegistry(registry)).ForPipeline("p");
        var pool = new TrainingWindowPool(stateSize: 2, inputSize: 1, steps: 4, maxRetained: 16);
        var queue = new WindowQueue(capacity: 4, metrics);

        for (int i = 1; i <= 4; i++)
        {
            Assert.True(queue.Enqueue(Window(pool, i)));
        }

        Assert.False(queue.Enqueue(Window(pool, 5)));
        Assert.False(queue.Enqueue(Window(pool, 6)));

        Assert.Equal(4, queue.Count);
        Assert.Equal(2, queue.Dropped);
        Assert.Equal(6, queue.Enqueued);
        Assert.Equal(1, pool.Idle);   // window 1 went back to the pool and was rented again as window 6
        Assert.Equal(5, pool.Created);
        Assert.Equal(2, metrics.TrainingWindowsDropped.Value);
        Assert.Equal(6, metrics.TrainingWindows.Value);

        var order = new List<float>();
        while (queue.TryDequeue(out var window))
        {
            order.Add(window.Inputs[0]);
            window.Return();
        }

        Assert.Equal([3f, 4f, 5f, 6f], order);
        Assert.Equal(0, queue.Count);
        Assert.Equal(5, pool.Idle);
        Assert.Equal(5, pool.Created);
    }

    [Fact]
    public void The_ring_wraps_around_many_times_in_order()
    {
        var pool = new TrainingWindowPool(1, 1, 1, 8);
        var queue = new WindowQueue(3);
        float next = 0;
        float expected = 0;
        for (int round = 0; round < 100; round++)
        {
            for (int i = 0; i < 2; i++)
            {
                queue.Enqueue(Window(pool, next++));
            }

            for (int i = 0; i < 2; i++)
            {
                Assert.True(queue.TryDequeue(out var window));
                Assert.Equal(expected++, window.Inputs[0]);
                window.Return();
            }
        }

        Assert.False(queue.TryDequeue(out _));
        Assert.Equal(0, queue.Dropped);
        Assert.True(pool.Created <= 3, $"created {pool.Created} windows");
    }

    [Fact]
    public void Concurrent_producers_lose_nothing_but_what_is_counted_as_dropped()
    {
        const int producers = 4;
        const int perProducer = 20_000;
        var pool = new TrainingWindowPool(1, 1, 1, 4096);
        var queue = new WindowQueue(256);
        bool[] seen = new bool[producers * perProducer];
        long consumed = 0;
        using var done = new CountdownEvent(producers);
        var threads = new List<Thread>();
        for (int p = 0; p < producers; p++)
        {
            int producer = p;
            var thread = new Thread(() =>
            {
                for (int i = 0; i < perProducer; i++)
                {
                    queue.Enqueue(Window(pool, producer * perProducer + i));
                }

                done.Signal();
            });
            threads.Add(thread);
            thread.Start();
        }

        void Drain()
        {
            while (queue.TryDequeue(out var window))
            {
                int id = (int)window.Inputs[0];
                Assert.False(seen[id], $"window {id} came out twice");
                seen[id] = true;
                consumed++;
                window.Return();
            }
        }

        while (!done.IsSet)
        {
            Drain();
        }

        Drain();
        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.Equal(producers * perProducer, queue.Enqueued);
        Assert.Equal(producers * perProducer, consumed + queue.Dropped);
    }

    [Fact]
    public void A_window_returned_twice_or_to_another_pool_is_refused()
    {
        var pool = new TrainingWindowPool(1, 1, 1, 4);
        var other = new TrainingWindowPool(1, 1, 1, 4);
        var window = pool.Rent();
        Assert.Throws<ArgumentException>(() => other.Return(window));
        pool.Return(window);
        Assert.Throws<InvalidOperationException>(() => pool.Return(window));
        Assert.Same(window, pool.Rent());
        Assert.Equal(1, pool.Created);
    }

    [Fact]
    public void The_pool_retains_at_most_its_bound()
    {
        var pool = new TrainingWindowPool(1, 1, 1, maxRetained: 2);
        var windows = Enumerable.Range(0, 5).Select(_ => pool.Rent()).ToList();
        windows.ForEach(pool.Return);
        Assert.Equal(2, pool.Idle);
    }
}
