using ScottPlot;
using SelfImprove.Core;
using SelfImprove.Core.Manifests;
using SelfImprove.Steps;

namespace SelfImprove.Api.Pages;

/// <summary>
/// The goal metric over time from the agent's monitoring checks, drawn by ScottPlot as SVG on the server: the acceptable
/// range (<c>goal.acceptableRange</c>) as a shaded band, the target as a dashed line, and three series: the value the
/// trigger policy compares (the lower of the two, <see cref="Core.Monitoring.MonitoringSnapshot.ObservedValue"/>),
/// validation data and recent labelled traffic (only at checks that had some). Values are shares in [0, 1]; time is UTC.
/// </summary>
public static class MetricHistoryChart
{
    public const int Width = 720;
    public const int Height = 320;

    /// <summary>The legend's names of the series, as the SVG's text shows them.</summary>
    public const string Observed = "observed (lower of the two)";
    public const string Validation = "validation data";
    public const string Traffic = "recent labelled traffic";
    public const string Range = "acceptable range";

    /// <summary>The chart as an <c>&lt;svg&gt;</c> element; null when there is no check to draw.</summary>
    public static string? Svg(IReadOnlyList<MonitoringCheck> checks, GoalSpec goal)
    {
        var scored = checks.Where(c => c.Snapshot.ServingVersionId is not null).OrderBy(c => c.At).ToArray();
        if (scored.Length == 0) return null;
        var plot = new Plot();
        var band = plot.Add.VerticalSpan(goal.AcceptableRange.Min, goal.AcceptableRange.Max);
        band.FillStyle.Color = Color.FromHex("#2e8b57").WithAlpha(0.15);
        band.LineStyle.Width = 0;
        band.LegendText = Range;
        var target = plot.Add.HorizontalLine(goal.Target, 1, Color.FromHex("#555555"), LinePattern.Dashed);
        target.LegendText = $"target {goal.Target:0.00}";

        double[] times = scored.Select(c => c.At.UtcDateTime.ToOADate()).ToArray();
        var observed = plot.Add.Scatter(times, scored.Select(c => c.Snapshot.ObservedValue).ToArray(), Color.FromHex("#1f4e9c"));
        observed.LegendText = Observed;
        observed.LineWidth = 2;
        var validation = plot.Add.Scatter(times, scored.Select(c => c.Snapshot.ValidationValue).ToArray(), Color.FromHex("#8e44ad"));
        validation.LegendText = Validation;
        validation.LineWidth = 1;
        var withTraffic = scored.Where(c => c.Snapshot.FeedbackCount > 0).ToArray();
        if (withTraffic.Length > 0)
        {
            var traffic = plot.Add.ScatterPoints(withTraffic.Select(c => c.At.UtcDateTime.ToOADate()).ToArray(),
                withTraffic.Select(c => c.Snapshot.FeedbackValue).ToArray(), Color.FromHex("#d35400"));
            traffic.LegendText = Traffic;
        }

        plot.Axes.DateTimeTicksBottom();
        plot.YLabel($"{goal.Metric.ToWire()} (share)");
        plot.XLabel("check time (UTC)");
        var lowest = scored.Min(c => Math.Min(c.Snapshot.ValidationValue, c.Snapshot.FeedbackCount > 0 ? c.Snapshot.FeedbackValue : 1));
        plot.Axes.SetLimitsY(Math.Max(0, Math.Min(lowest, goal.AcceptableRange.Min) - 0.05), 1.0);
        var (first, last) = (times[0], times[^1]);
        var pad = last > first ? (last - first) * 0.03 : 1.0 / 24;
        plot.Axes.SetLimitsX(first - pad, last + pad);
        plot.ShowLegend(Alignment.LowerLeft);
        return F1ChangeChart.Plain(plot.GetSvgXml(Width, Height));
    }
}
