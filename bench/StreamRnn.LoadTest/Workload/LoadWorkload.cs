using System.Globalization;
using System.Text;
using StreamRnn.Engine.Records;

namespace StreamRnn.LoadTest.Workload;

/// <summary>
/// The records every contender sees: <c>{"seq":n,"value":v,"rate":r,"load":l}</c> keyed <c>sensor-0042</c>,
/// generated once from a fixed seed. Keys are drawn uniformly at random per record; each key's fields follow
/// their own random walk, so the normalisers and the recurrent state see a plausible series.
/// </summary>
/// <remarks>"seq" is the record's index: the passthrough copies it to its output unchanged, which lets the
/// latency probe find when the record was sent.</remarks>
public sealed class LoadWorkload
{
    private readonly byte[][] _keys;
    private readonly int[] _keyOfRecord;
    private readonly byte[][] _values;

    public LoadWorkload(int records, int keyCount, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(records, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(keyCount, 1);
        var random = new Random(seed);
        _keys = new byte[keyCount][];
        double[] value = new double[keyCount];
        double[] rate = new double[keyCount];
        double[] load = new double[keyCount];
        for (int k = 0; k < keyCount; k++)
        {
            _keys[k] = Encoding.UTF8.GetBytes($"sensor-{k:D4}");
            value[k] = 20 + 10 * random.NextDouble();
            rate[k] = random.NextDouble();
            load[k] = 50 * random.NextDouble();
        }

        _keyOfRecord = new int[records];
        _values = new byte[records][];
        for (int i = 0; i < records; i++)
        {
            int k = random.Next(keyCount);
            value[k] += 0.2 * (random.NextDouble() - 0.5);
            rate[k] = 0.9 * rate[k] + 0.1 * random.NextDouble();
            load[k] = Math.Max(0, load[k] + (random.NextDouble() - 0.5));
            _keyOfRecord[i] = k;
            _values[i] = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"{{\"seq\":{i},\"value\":{value[k]:F3},\"rate\":{rate[k]:F4},\"load\":{load[k]:F2}}}"));
        }
    }

    public int Count => _values.Length;

    public int KeyCount => _keys.Length;

    public byte[] KeyOf(int record) => _keys[_keyOfRecord[record]];

    public byte[] ValueOf(int record) => _values[record];

    /// <summary>Average bytes of key plus value, for sizing.</summary>
    public double AverageRecordBytes
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _values.Length; i++)
            {
                total += _values[i].Length + KeyOf(i).Length;
            }

            return (double)total / _values.Length;
        }
    }

    /// <summary>
    /// The records as the consumer loop would hand them to a runtime: partition = key index mod
    /// <paramref name="partitions"/>, offsets consecutive per partition, timestamps 1 ms apart.
    /// </summary>
    public InputRecord[] ToInputRecords(int partitions, long startUnixMs)
    {
        var result = new InputRecord[_values.Length];
        long[] nextOffset = new long[partitions];
        for (int i = 0; i < _values.Length; i++)
        {
            int partition = _keyOfRecord[i] % partitions;
            result[i] = new InputRecord(partition, nextOffset[partition]++, startUnixMs + i, KeyOf(i), _values[i]);
        }

        return result;
    }
}
