using System.Globalization;

namespace StreamRnn.TrainingBench;

/// <summary>NAB nyc_taxi as the e2e tests carry it (tests/StreamRnn.Daemon.Tests/EndToEnd/Data, MIT, see NOTICE.md there).</summary>
internal static class TaxiSeries
{
    public static double[] Load()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string path = Path.Combine(directory.FullName, "tests", "StreamRnn.Daemon.Tests", "EndToEnd", "Data", "nyc_taxi.csv");
            if (File.Exists(path))
            {
                return File.ReadLines(path).Skip(1)
                    .Select(line => double.Parse(line[(line.IndexOf(',') + 1)..], CultureInfo.InvariantCulture)).ToArray();
            }
        }

        string fallback = Path.Combine(Directory.GetCurrentDirectory(), "tests", "StreamRnn.Daemon.Tests", "EndToEnd", "Data", "nyc_taxi.csv");
        return File.ReadLines(fallback).Skip(1)
            .Select(line => double.Parse(line[(line.IndexOf(',') + 1)..], CultureInfo.InvariantCulture)).ToArray();
    }
}
