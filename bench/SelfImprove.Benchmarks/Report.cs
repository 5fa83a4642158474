using System.Globalization;
using System.Text;

namespace SelfImprove.Benchmarks;

/// <summary>Turns the logged curves into the tables of docs/benchmarks.md and an SVG plot.</summary>
public static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly string[] Curves = ["planner", "margin", "random"];

    public static void Write(IReadOnlyList<CurvePoint> points, string outFolder, TextWriter output)
    {
        var seeds = points.Select(p => p.Seed).Distinct().Order().ToArray();
        var text = new StringBuilder();
        text.AppendLine($"Seeds: {string.Join(", ", seeds)}. Accuracy and macro-F1 on test.csv (3,080 requests), labels counted from the 770 starting labels.");
        text.AppendLine();
        text.AppendLine("| point | labels | accuracy (median) | macro-F1 (median) | per seed accuracy |");
        text.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var name in new[] { "reference:10-shot", "reference:30-shot", "reference:ceiling" })
        {
            var rows = points.Where(p => p.Strategy == name).OrderBy(p => p.Seed).ToArray();
            if (rows.Length == 0) continue;
            text.AppendLine($"| {name["reference:".Length..]} | {rows[0].Labels:N0} | {Pct(Median(rows.Select(r => r.Accuracy)))} | {Pct(Median(rows.Select(r => r.MacroF1)))} | {string.Join(" / ", rows.Select(r => Pct(r.Accuracy)))} |");
        }
        text.AppendLine();

        foreach (var sustained in new[] { false, true })
        {
            text.AppendLine(sustained
                ? "Labels needed to stay within 1 point of the ceiling (the first round from which every later round is at or above ceiling − 0.01; per seed, median):"
                : "Labels needed to come within 1 point of the ceiling (the first round at or above ceiling − 0.01; per seed, median):");
            text.AppendLine();
            text.AppendLine("| strategy | per seed | median | ratio to random |");
            text.AppendLine("| --- | --- | --- | --- |");
            var needed = Curves.ToDictionary(c => c, c => seeds.Select(s => LabelsToCeiling(points, s, c, sustained)).ToArray());
            var randomMedian = MedianOrNull(needed["random"]);
            foreach (var curve in Curves)
            {
                var median = MedianOrNull(needed[curve]);
                var ratio = median is null || randomMedian is null ? "n/a" : (median.Value / randomMedian.Value).ToString("0.00", Invariant);
                text.AppendLine($"| {curve} | {string.Join(" / ", needed[curve].Select(n => n?.ToString("N0", Invariant) ?? "not reached"))} | {median?.ToString("N0", Invariant) ?? "not reached"} | {ratio} |");
            }
            text.AppendLine();
        }

        text.AppendLine("Accuracy (median over seeds) by labels used:");
        text.AppendLine();
        var labelGrid = points.Where(p => Curves.Contains(p.Strategy)).Select(p => p.Round).Distinct().Order().ToArray();
        text.AppendLine("| round | " + string.Join(" | ", Curves.Select(c => $"{c} labels / acc / F1")) + " |");
        text.AppendLine("| --- | " + string.Join(" | ", Curves.Select(_ => "---")) + " |");
        foreach (var round in labelGrid)
        {
            var cells = Curves.Select(c =>
            {
                var rows = points.Where(p => p.Strategy == c && p.Round == round).ToArray();
                return rows.Length == 0 ? "" : $"{Median(rows.Select(r => (double)r.Labels)):N0} / {Pct(Median(rows.Select(r => r.Accuracy)))} / {Pct(Median(rows.Select(r => r.MacroF1)))}";
            });
            text.AppendLine($"| {round} | " + string.Join(" | ", cells) + " |");
        }

        Directory.CreateDirectory(outFolder);
        File.WriteAllText(Path.Combine(outFolder, "benchmarks-banking77.md"), text.ToString());
        File.WriteAllText(Path.Combine(outFolder, "benchmarks-banking77.svg"), Svg(points, seeds));
        output.Write(text);
        output.WriteLine($"wrote {Path.Combine(outFolder, "benchmarks-banking77.md")} and .svg");
    }

    private static int? LabelsToCeiling(IReadOnlyList<CurvePoint> points, int seed, string curve, bool sustained)
    {
        var ceiling = points.FirstOrDefault(p => p.Seed == seed && p.Strategy == "reference:ceiling");
        if (ceiling is null) return null;
        var rounds = points.Where(p => p.Seed == seed && p.Strategy == curve).OrderBy(p => p.Labels).ToArray();
        for (var i = 0; i < rounds.Length; i++)
        {
            var within = sustained ? rounds.Skip(i).All(p => p.Accuracy >= ceiling.Accuracy - 0.01) : rounds[i].Accuracy >= ceiling.Accuracy - 0.01;
            if (within) return rounds[i].Labels;
        }
        return null;
    }

    private static string Svg(IReadOnlyList<CurvePoint> points, int[] seeds)
    {
        const double width = 720, height = 420, left = 60, right = 20, top = 20, bottom = 50;
        var curvePoints = points.Where(p => Curves.Contains(p.Strategy)).ToArray();
        var maxLabels = Math.Max(1000, points.Max(p => p.Labels));
        var minAcc = Math.Floor(points.Min(p => p.Accuracy) * 20) / 20;
        double X(double labels) => left + (width - left - right) * labels / maxLabels;
        double Y(double accuracy) => top + (height - top - bottom) * (1 - (accuracy - minAcc) / (1 - minAcc));
        string F(double v) => v.ToString("0.0", Invariant);
        var svg = new StringBuilder($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.AppendLine($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>");
        for (var a = minAcc; a <= 1.0001; a += 0.05)
            svg.AppendLine($"<line x1=\"{F(left)}\" x2=\"{F(width - right)}\" y1=\"{F(Y(a))}\" y2=\"{F(Y(a))}\" stroke=\"#ddd\"/><text x=\"{F(left - 8)}\" y=\"{F(Y(a) + 4)}\" text-anchor=\"end\">{a * 100:0}%</text>");
        for (var l = 0; l <= maxLabels; l += 1000)
            svg.AppendLine($"<text x=\"{F(X(l))}\" y=\"{F(height - bottom + 18)}\" text-anchor=\"middle\">{l:N0}</text>");
        svg.AppendLine($"<text x=\"{F((left + width) / 2)}\" y=\"{F(height - 10)}\" text-anchor=\"middle\">labels used (median over seeds {string.Join(", ", seeds)})</text>");
        var colours = new Dictionary<string, string> { ["planner"] = "#d62728", ["margin"] = "#1f77b4", ["random"] = "#7f7f7f" };
        var legendY = top + 10;
        foreach (var curve in Curves)
        {
            var line = curvePoints.Where(p => p.Strategy == curve).GroupBy(p => p.Round).OrderBy(g => g.Key)
                .Select(g => $"{F(X(Median(g.Select(p => (double)p.Labels))))},{F(Y(Median(g.Select(p => p.Accuracy))))}").ToArray();
            if (line.Length == 0) continue;
            svg.AppendLine($"<polyline fill=\"none\" stroke=\"{colours[curve]}\" stroke-width=\"2\" points=\"{string.Join(' ', line)}\"/>");
            svg.AppendLine($"<text x=\"{F(width - right - 150)}\" y=\"{F(Y(minAcc) - 60 + legendY)}\" fill=\"{colours[curve]}\">{curve}</text>");
            legendY += 16;
        }
        var ceiling = points.Where(p => p.Strategy == "reference:ceiling").Select(p => p.Accuracy).ToArray();
        if (ceiling.Length > 0)
        {
            var c = Median(ceiling);
            svg.AppendLine($"<line x1=\"{F(left)}\" x2=\"{F(width - right)}\" y1=\"{F(Y(c))}\" y2=\"{F(Y(c))}\" stroke=\"black\" stroke-dasharray=\"6 4\"/><text x=\"{F(left + 6)}\" y=\"{F(Y(c) - 4)}\">ceiling (all labels) {c * 100:0.0}%</text>");
            svg.AppendLine($"<line x1=\"{F(left)}\" x2=\"{F(width - right)}\" y1=\"{F(Y(c - 0.01))}\" y2=\"{F(Y(c - 0.01))}\" stroke=\"black\" stroke-dasharray=\"2 4\"/>");
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static string Pct(double value) => (value * 100).ToString("0.0", Invariant) + " %";

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double? MedianOrNull(IEnumerable<int?> values)
    {
        var known = values.ToArray();
        return known.Length == 0 || known.Any(v => v is null) ? null : Median(known.Select(v => (double)v!.Value));
    }
}
