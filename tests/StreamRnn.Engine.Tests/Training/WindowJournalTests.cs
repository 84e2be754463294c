using StreamRnn.Core;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>The window journal on real files: what comes back after a restart, a torn write, corruption, a new shape.</summary>
[Trait("Category", "Unit")]
public sealed class WindowJournalTests : IDisposable
{
    private const int StateSize = 6;
    private const int InputSize = 3;
    private const int Steps = 4;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "streamrnn-journal-" + Guid.NewGuid().ToString("N"));
    private readonly TrainingWindowPool _pool = new(StateSize, InputSize, Steps, 64);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>A window whose every float is a function of its sequence, so content checks are exact.</summary>
    private TrainingWindow Window(long sequence)
    {
        var window = _pool.Rent();
        window.Sequence = sequence;
        Fill(window.StartState, sequence, 0);
        Fill(window.Inputs, sequence, 100);
        Fill(window.Targets, sequence, 200);
        Fill(window.TargetWeights, sequence, 300);
        return window;
    }

    private static void Fill(Span<float> values, long sequence, int offset)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = sequence * 1000 + offset + i + 0.25f;
        }
    }

    private static void AssertContent(TrainingWindow window, long sequence)
    {
        Assert.Equal(sequence, window.Sequence);
        float[] expected = new float[StateSize];
        Fill(expected, sequence, 0);
        Assert.Equal(expected, window.StartState.ToArray());
        expected = new float[Steps * InputSize];
        Fill(expected, sequence, 100);
        Assert.Equal(expected, window.Inputs.ToArray());
        expected = new float[Steps];
        Fill(expected, sequence, 200);
        Assert.Equal(expected, window.Targets.ToArray());
        Fill(expected, sequence, 300);
        Assert.Equal(expected, window.TargetWeights.ToArray());
    }

    private WindowJournal Journal(int segmentWindows = 4, int steps = Steps) =>
        new(_directory, StateSize, InputSize, steps, segmentWindows);

    private void Write(WindowJournal journal, long from, long to)
    {
        for (long s = from; s <= to; s++)
        {
            journal.Append(Window(s));
        }

        journal.Write();
    }

    private (List<TrainingWindow> Windows, List<string> Problems, long Last) Recover(WindowJournal journal)
    {
        var windows = new List<TrainingWindow>();
        var problems = new List<string>();
        var (count, last) = journal.Recover(_pool, windows.Add, (path, problem) => problems.Add(Path.GetFileName(path) + ": " + problem));
        Assert.Equal(count, windows.Count);
        return (windows, problems, last);
    }

    [Fact]
    public void Windows_written_by_one_instance_come_back_in_order_with_identical_content_in_the_next()
    {
        using (var journal = Journal())
        {
            Write(journal, 1, 6);
            Write(journal, 7, 10);
        }

        using var next = Journal();
        var (windows, problems, last) = Recover(next);
        Assert.Empty(problems);
        Assert.Equal(10, last);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), windows.Select(w => w.Sequence));
        foreach (var window in windows)
        {
            AssertContent(window, window.Sequence);
        }

        // Segments of 4 windows: 1–4, 5–8 (5, 6 then 7, 8 from the second write), 9–10.
        Assert.Equal(3, Directory.GetFiles(_directory, "windows-*.wal").Length);
    }

    [Fact]
    public void Without_dispose_the_written_windows_are_readable_as_after_kill_9()
    {
        var journal = Journal(segmentWindows: 100);
        Write(journal, 1, 5);

        // The first instance is not disposed (its process would be gone); what Write handed to the OS is on file.
        using var next = Journal(segmentWindows: 100);
        var (windows, problems, _) = Recover(next);
        Assert.Empty(problems);
        Assert.Equal(5, windows.Count);
        AssertContent(windows[4], 5);
        journal.Dispose();
    }

    [Fact]
    public void Trained_windows_are_not_recovered_and_fully_trained_segments_are_deleted()
    {
        using (var journal = Journal())
        {
            Write(journal, 1, 10);
            journal.MarkTrained(6);
            Assert.Equal(6, journal.TrainedThrough);

            // 1–4 is gone; 5–8 holds 7 and 8; 9–10 is open.
            Assert.Equal(2, journal.SegmentCount);
            Assert.Equal(["windows-0000000000000000005.wal", "windows-0000000000000000009.wal"],
                Directory.GetFiles(_directory, "windows-*.wal").Select(Path.GetFileName).Order());
        }

        using var next = Journal();
        var (windows, problems, last) = Recover(next);
        Assert.Empty(problems);
        Assert.Equal(10, last);
        Assert.Equal([7L, 8, 9, 10], windows.Select(w => w.Sequence));
        Assert.Equal(6, next.TrainedThrough);
    }

    [Fact]
    public void When_everything_is_trained_no_segment_is_left_and_the_next_window_starts_a_new_one()
    {
        using var journal = Journal();
        Write(journal, 1, 3);
        journal.MarkTrained(3);
        Assert.Equal(0, journal.SegmentCount);
        Assert.Empty(Directory.GetFiles(_directory, "windows-*.wal"));

        Write(journal, 4, 4);
        Assert.Equal(["windows-0000000000000000004.wal"], Directory.GetFiles(_directory, "windows-*.wal").Select(Path.GetFileName));
    }

    [Fact]
    public void A_torn_last_record_is_reported_and_everything_before_it_comes_back()
    {
        using (var journal = Journal(segmentWindows: 100))
        {
            Write(journal, 1, 5);
        }

        string file = Directory.GetFiles(_directory, "windows-*.wal").Single();
        using (var stream = new FileStream(file, FileMode.Open))
        {
            stream.SetLength(stream.Length - 7);
        }

        using var next = Journal(segmentWindows: 100);
        var (windows, problems, last) = Recover(next);
        Assert.Equal([1L, 2, 3, 4], windows.Select(w => w.Sequence));
        Assert.Equal(4, last);
        string problem = Assert.Single(problems);
        Assert.Contains("torn record", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_record_stops_its_segment_with_a_checksum_problem()
    {
        int recordBytes;
        using (var journal = Journal(segmentWindows: 100))
        {
            recordBytes = journal.RecordBytes;
            Write(journal, 1, 5);
        }

        string file = Directory.GetFiles(_directory, "windows-*.wal").Single();
        byte[] bytes = File.ReadAllBytes(file);
        bytes[24 + 2 * recordBytes + 20] ^= 0x10; // inside record 3's floats
        File.WriteAllBytes(file, bytes);

        using var next = Journal(segmentWindows: 100);
        var (windows, problems, _) = Recover(next);
        Assert.Equal([1L, 2], windows.Select(w => w.Sequence));
        Assert.Contains("checksum mismatch", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Windows_of_another_shape_are_reported_deleted_and_not_recovered()
    {
        using (var journal = Journal(steps: 8))
        {
            var pool = new TrainingWindowPool(StateSize, InputSize, 8, 4);
            var window = pool.Rent();
            window.Sequence = 1;
            journal.Append(window);
            journal.Write();
        }

        using var next = Journal();
        var (windows, problems, _) = Recover(next);
        Assert.Empty(windows);
        Assert.Contains("another shape (state 6, inputs 3, steps 8", Assert.Single(problems), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory, "windows-*.wal"));
    }

    [Fact]
    public void An_unreadable_watermark_keeps_every_window()
    {
        using (var journal = Journal(segmentWindows: 100))
        {
            Write(journal, 1, 4);
            journal.MarkTrained(2);
        }

        File.WriteAllBytes(Path.Combine(_directory, "trained-through"), [1, 2, 3]);
        using var next = Journal(segmentWindows: 100);
        var (windows, problems, _) = Recover(next);
        Assert.Equal([1L, 2, 3, 4], windows.Select(w => w.Sequence));
        Assert.Contains("unreadable watermark", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Sequences_must_ascend()
    {
        using var journal = Journal();
        journal.Append(Window(5));
        Assert.Throws<ArgumentException>(() => journal.Append(Window(5)));
    }
}
