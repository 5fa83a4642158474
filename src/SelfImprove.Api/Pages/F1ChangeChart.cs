using System.Text.RegularExpressions;
using ScottPlot;

namespace SelfImprove.Api.Pages;

/// <summary>
/// The per-intent F1 change (candidate − serving, on the evaluation set) as horizontal bars, drawn by ScottPlot as SVG
/// on the server: green where the candidate is better, red where it is worse. The page embeds the SVG inline (no
/// script, no external request).
/// </summary>
public static partial class F1ChangeChart
{
    /// <summary>Width of the chart, in CSS pixels.</summary>
    public const int Width = 720;

    /// <summary>The chart as an <c>&lt;svg&gt;</c> element (without an XML declaration); null when there is nothing to draw.</summary>
    /// <param name="changes">Intent and F1 change, in the order to draw them top to bottom.</param>
    public static string? Svg(IReadOnlyList<(string Intent, double Change)> changes)
    {
        if (changes.Count == 0) return null;
        var plot = new Plot();
        var bars = changes.Select((c, i) => new Bar
        {
            Position = changes.Count - 1 - i,
            Value = c.Change,
            FillColor = c.Change >= 0 ? Color.FromHex("#2e8b57") : Color.FromHex("#c0392b"),
            LineWidth = 0,
        }).ToList();
        var series = plot.Add.Bars(bars);
        series.Horizontal = true;
        plot.Axes.Left.SetTicks(changes.Select((_, i) => (double)(changes.Count - 1 - i)).ToArray(), changes.Select(c => c.Intent).ToArray());
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Add.VerticalLine(0, 1, Colors.Black);
        plot.XLabel("F1 change (candidate − serving)");
        var limit = Math.Max(0.05, changes.Max(c => Math.Abs(c.Change)) * 1.1);
        plot.Axes.SetLimitsX(-limit, limit);
        plot.Axes.SetLimitsY(-0.6, changes.Count - 0.4);
        var height = Math.Max(160, 18 * changes.Count + 90);
        return Plain(plot.GetSvgXml(Width, height));
    }

    /// <summary>
    /// ScottPlot's SVG made plain markup to embed in a page: no XML declaration and no clip paths. The charts set limits
    /// that hold every shape, so the clip paths clip nothing; dropped, the markup is plain shapes and text that every HTML
    /// parser reads alike (some mismatch the camel-cased clipPath end tag).
    /// </summary>
    public static string Plain(string svg) =>
        ClipPathAttribute().Replace(ClipPathElement().Replace(XmlDeclaration().Replace(svg, ""), ""), "").Trim();

    [GeneratedRegex(@"<clipPath\b.*?</clipPath>", RegexOptions.Singleline)]
    private static partial Regex ClipPathElement();

    [GeneratedRegex(@"\s+clip-path=""[^""]*""")]
    private static partial Regex ClipPathAttribute();

    [GeneratedRegex(@"^\s*<\?xml[^>]*\?>")]
    private static partial Regex XmlDeclaration();
}
