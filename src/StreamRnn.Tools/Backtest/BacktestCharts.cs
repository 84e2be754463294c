using System.Text;
using ScottPlot;
using StreamRnn.Core;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// Draws the report's charts as PNG with ScottPlot (SkiaSharp, headless): predicted vs actual with the 80% and 95%
/// intervals for the busiest keys (regression), the watched probability against the outcome for the busiest keys
/// (Binary head), and a timeline of alerts against the events they were meant to announce (pipelines with Alerts).
/// </summary>
/// <remarks>
/// If the native Skia library cannot be loaded, the charts are skipped and the reason is returned for the report:
/// ScottPlot's SVG export renders through Skia too, so there is no drawing fallback that would still work.
/// </remarks>
internal static class BacktestCharts
{
    private const int Width = 1000;
    private const int Height = 420;
    private const int MaxPoints = 300;
    private const int MaxTimelineKeys = 40;

    public static (List<string> Files, string? Problem) Write(string directory, BacktestResult result, BacktestScores scores, int chartKeys)
    {
        var files = new List<string>();
        var axis = TimeAxis.For(scores.Tracks);
        try
        {
            var busiest = scores.PerKey
                .Select((key, index) => (key, index))
                .OrderByDescending(k => k.key.Forecasters["model"].Scored)
                .ThenBy(k => k.index)
                .Take(chartKeys)
                .Select(k => scores.Tracks[k.index])
                .ToList();
            bool binary = result.Definition.Model.Head.IsClassifier();
            foreach (var track in busiest)
            {
                string name = binary ? $"probability-{FileSafe(track.Key)}.png" : $"forecast-{FileSafe(track.Key)}.png";
                var plot = binary ? ProbabilityChart(result, scores, track, axis) : ForecastChart(result, track, axis);
                if (plot is not null)
                {
                    plot.SavePng(Path.Combine(directory, name), Width, Height);
                    files.Add(name);
                }
            }

            if (scores.AlertQuality is not null)
            {
                const string name = "alerts-timeline.png";
                TimelineChart(result, scores, axis).SavePng(Path.Combine(directory, name), Width, Math.Max(Height, 120 + 18 * Math.Min(scores.Tracks.Count, MaxTimelineKeys)));
                files.Add(name);
            }

            return (files, null);
        }
        catch (Exception exception) when (exception is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            return (files, $"the native Skia library (SkiaSharp, used by ScottPlot for PNG and SVG alike) could not be loaded: {exception.GetBaseException().Message}");
        }
    }

    /// <summary>Predicted vs actual with 80% and 95% bands, in price units when the forecast is one step of a change.</summary>
    private static Plot? ForecastChart(BacktestResult result, KeyTrack track, TimeAxis axis)
    {
        var definition = result.Definition;
        int h = definition.Target.Horizon;
        var transform = definition.Target.Transform;
        bool level = h == 1 && transform is TargetTransform.Difference or TargetTransform.LogReturn;
        var xs = new List<double>();
        var actual = new List<double>();
        var predicted = new List<double>();
        var low80 = new List<double>();
        var high80 = new List<double>();
        var low95 = new List<double>();
        var high95 = new List<double>();
        for (int j = 0; j + h < track.Steps; j++)
        {
            double mu = track.Mean[j], sigma = track.Spread[j];
            if (double.IsNaN(mu) || !double.IsFinite(track.Y[j + h]))
            {
                continue;
            }

            xs.Add(axis.X(track.Times[j + h]));
            actual.Add(level ? track.Raw[j + h] : track.Y[j + h]);
            predicted.Add(Level(mu));
            double w80 = double.IsFinite(sigma) ? track.Width80(j) : 0, w95 = double.IsFinite(sigma) ? track.Width95(j) : 0;
            low80.Add(Level(mu - w80));
            high80.Add(Level(mu + w80));
            low95.Add(Level(mu - w95));
            high95.Add(Level(mu + w95));

            double Level(double change) => !level ? change
                : transform == TargetTransform.LogReturn ? track.Raw[j] * Math.Exp(change)
                : track.Raw[j] + change;
        }

        if (xs.Count == 0)
        {
            return null;
        }

        int skip = Math.Max(0, xs.Count - MaxPoints);
        var plot = new Plot();
        if (definition.Model.Head == HeadKind.Gaussian)
        {
            var band95 = plot.Add.FillY(Tail(xs, skip), Tail(low95, skip), Tail(high95, skip));
            band95.FillColor = Colors.SteelBlue.WithAlpha(0.18);
            band95.LineWidth = 0;
            band95.LegendText = "95% interval";
            var band80 = plot.Add.FillY(Tail(xs, skip), Tail(low80, skip), Tail(high80, skip));
            band80.FillColor = Colors.SteelBlue.WithAlpha(0.35);
            band80.LineWidth = 0;
            band80.LegendText = "80% interval";
        }

        var actualLine = plot.Add.ScatterLine(Tail(xs, skip), Tail(actual, skip), Colors.Black);
        actualLine.LegendText = "actual";
        var predictedLine = plot.Add.ScatterLine(Tail(xs, skip), Tail(predicted, skip), Colors.SteelBlue);
        predictedLine.LegendText = "predicted";
        axis.Apply(plot);
        string units = level ? $"{definition.Target.Field}" : $"{definition.Target.Field} ({transform}, {h} step(s) ahead)";
        plot.Title($"{definition.Name} · {track.Key}: predicted vs actual {units}, last {xs.Count - skip} forecasts");
        plot.YLabel(units);
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    /// <summary>The watched probability of each prediction, the watched outcome, the threshold, alerts and events.</summary>
    private static Plot ProbabilityChart(BacktestResult result, BacktestScores scores, KeyTrack track, TimeAxis axis)
    {
        var definition = result.Definition;
        var alerts = definition.Alerts;
        bool complement = alerts?.Watch == WatchedProbability.Complement;
        string outcome = alerts?.Event ?? definition.Target.Field;
        var xs = new List<double>();
        var q = new List<double>();
        var stepXs = new List<double>();
        var stepYs = new List<double>();
        for (int j = 0; j < track.Steps; j++)
        {
            double x = axis.X(track.Times[j]);
            if (!double.IsNaN(track.Mean[j]))
            {
                xs.Add(x);
                q.Add(complement ? 1 - track.Mean[j] : track.Mean[j]);
            }

            if (double.IsFinite(track.Y[j]))
            {
                double label = complement ? 1 - track.Y[j] : track.Y[j];
                if (stepYs.Count > 0)
                {
                    stepXs.Add(x);
                    stepYs.Add(stepYs[^1]);
                }

                stepXs.Add(x);
                stepYs.Add(label);
            }
        }

        var plot = new Plot();
        if (stepXs.Count > 0)
        {
            var truth = plot.Add.ScatterLine(stepXs.ToArray(), stepYs.ToArray(), Colors.Gray);
            truth.LegendText = complement ? $"out (1 − {definition.Target.Field})" : definition.Target.Field;
        }

        if (xs.Count > 0)
        {
            var probability = plot.Add.ScatterLine(xs.ToArray(), q.ToArray(), Colors.SteelBlue);
            probability.LegendText = alerts is null ? $"p({definition.Target.Field})" : $"p({alerts.ProbabilityOf()})";
        }

        var threshold = plot.Add.HorizontalLine(scores.Threshold, 1, Colors.DarkOrange, LinePattern.Dashed);
        threshold.LegendText = $"threshold {scores.Threshold:0.###}";
        foreach (var e in scores.Events.Where(e => e.Key == track.Key))
        {
            plot.Add.VerticalLine(axis.X(e.UnixMs), 1.5f, Colors.Black, LinePattern.Dotted);
        }

        var raised = result.Sink.Alerts.Where(a => a.Raised && a.Key == track.Key).ToList();
        if (raised.Count > 0)
        {
            var markers = plot.Add.Markers(raised.Select(a => axis.X(a.EventTimeUnixMs)).ToArray(), raised.Select(_ => 1.05).ToArray(),
                MarkerShape.FilledTriangleDown, 10, Colors.Red);
            markers.LegendText = "alert raised";
        }

        axis.Apply(plot);
        plot.Axes.SetLimitsY(-0.05, 1.12);
        plot.Title($"{definition.Name} · {track.Key}: watched probability and outcome{(scores.Events.Count > 0 ? $" (dotted: {outcome}s)" : "")}");
        plot.ShowLegend(Alignment.LowerLeft);
        return plot;
    }

    /// <summary>One row per key: the watched span, raised spans, raises and the events, on one time axis.</summary>
    private static Plot TimelineChart(BacktestResult result, BacktestScores scores, TimeAxis axis)
    {
        var alerts = result.Definition.Alerts!;
        var plot = new Plot();
        var keys = scores.Tracks.Where(t => t.Steps > 0).Take(MaxTimelineKeys).ToList();
        double[] positions = new double[keys.Count];
        string[] labels = new string[keys.Count];
        var raiseXs = new List<double>();
        var raiseYs = new List<double>();
        var eventXs = new List<double>();
        var eventYs = new List<double>();
        for (int i = 0; i < keys.Count; i++)
        {
            var track = keys[i];
            double y = keys.Count - 1 - i;
            positions[i] = y;
            labels[i] = track.Key;
            var span = plot.Add.Line(axis.X(track.Times[0]), y, axis.X(track.Times[^1]), y);
            span.LineColor = Colors.LightGray;
            span.LineWidth = 2;
            long? raisedAt = null;
            foreach (var alert in result.Sink.Alerts.Where(a => a.Key == track.Key))
            {
                if (alert.Raised)
                {
                    raisedAt = alert.EventTimeUnixMs;
                    raiseXs.Add(axis.X(alert.EventTimeUnixMs));
                    raiseYs.Add(y);
                }
                else if (raisedAt is { } start)
                {
                    RaisedSpan(plot, axis, start, alert.EventTimeUnixMs, y);
                    raisedAt = null;
                }
            }

            if (raisedAt is { } open)
            {
                RaisedSpan(plot, axis, open, track.Times[^1], y);
            }

            foreach (var e in scores.Events.Where(e => e.Key == track.Key))
            {
                eventXs.Add(axis.X(e.UnixMs));
                eventYs.Add(y);
            }
        }

        if (eventXs.Count > 0)
        {
            var events = plot.Add.Markers(eventXs.ToArray(), eventYs.ToArray(), MarkerShape.VerticalBar, 14, Colors.Black);
            events.LegendText = alerts.Event;
        }

        if (raiseXs.Count > 0)
        {
            var raises = plot.Add.Markers(raiseXs.ToArray(), raiseYs.ToArray(), MarkerShape.FilledTriangleDown, 9, Colors.Red);
            raises.LegendText = "alert raised (red line: raised)";
        }

        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, labels);
        axis.Apply(plot);
        plot.Axes.SetLimitsY(-1, keys.Count);
        plot.Title($"{result.Definition.Name}: alerts against {alerts.Event}s{(keys.Count < scores.Tracks.Count ? $" (first {keys.Count} keys)" : "")}");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static void RaisedSpan(Plot plot, TimeAxis axis, long start, long end, double y)
    {
        var line = plot.Add.Line(axis.X(start), y, axis.X(Math.Max(start, end)), y);
        line.LineColor = Colors.Red.WithAlpha(0.6);
        line.LineWidth = 5;
    }

    private static double[] Tail(List<double> values, int skip) => values.Skip(skip).ToArray();

    private static string FileSafe(string key)
    {
        var safe = new StringBuilder(key.Length);
        foreach (char c in key)
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }

        return safe.Length == 0 ? "key" : safe.ToString();
    }
}
