using System.Globalization;
using System.Text;

namespace SelfImprove.Benchmarks;

/// <summary>
/// Turns the selection-rules harness's curves (<see cref="SelectionRulesBenchmark"/>) into the tables of
/// docs/benchmarks.md and the plot docs/benchmarks-banking77-rules.svg. "Within 1 point" means accuracy ≥ the seed's
/// all-labels ceiling − 0.01; "stays" means every later round of that curve is within too. Medians count a seed whose
/// curve never gets (or stays) there as +∞, so a median is "not reached" when half the seeds are.
/// </summary>
public static class RulesReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The order rules are shown in; a strategy not listed here is shown after them.</summary>
    private static readonly string[] Order = ["random", "margin", "diverse-margin", "badge", "margin-kmeans", "typiclust"];

    private static readonly Dictionary<string, string> Colours = new()
    {
        ["random"] = "#7f7f7f", ["margin"] = "#1f77b4", ["diverse-margin"] = "#d62728",
        ["badge"] = "#2ca02c", ["margin-kmeans"] = "#ff7f0e", ["typiclust"] = "#9467bd",
    };

    public static void Write(IReadOnlyList<CurvePoint> loop, IReadOnlyList<CurvePoint> test, IReadOnlyList<CurvePoint> validation, string outFolder, TextWriter output)
    {
        var ceilings = loop.Where(p => p.Strategy == "reference:ceiling").GroupBy(p => p.Seed).ToDictionary(g => g.Key, g => g.First().Accuracy);
        var rules = test.Select(p => p.Strategy).Distinct().OrderBy(s => Array.IndexOf(Order, s) is var i && i < 0 ? int.MaxValue : i).ThenBy(s => s, StringComparer.Ordinal).ToArray();
        var text = new StringBuilder();

        text.AppendLine("Labels to come within 1 point of the seed's ceiling (labels include the 770 starting ones; per seed, median; ÷ random and ÷ margin compare medians over the same seeds):");
        text.AppendLine();
        text.AppendLine("| rule | seeds | last round's labels | first crossing, per seed | median | ÷ random | stays from then on, per seed | median | ÷ random | ÷ margin |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var rule in rules)
        {
            var seeds = Seeds(test, rule, ceilings);
            var first = seeds.Select(s => Needed(test, s, rule, ceilings[s], sustained: false)).ToArray();
            var stays = seeds.Select(s => Needed(test, s, rule, ceilings[s], sustained: true)).ToArray();
            var horizon = seeds.Select(s => test.Where(p => p.Seed == s && p.Strategy == rule).Max(p => p.Labels)).Distinct().ToArray();
            text.AppendLine($"| {rule} | {string.Join(", ", seeds)} | {string.Join(" / ", horizon.Select(h => h.ToString("N0", Invariant)))} | " +
                            $"{string.Join(" / ", first.Select(Labels))} | {Labels(Median(first))} | {Ratio(test, rule, "random", ceilings, false)} | " +
                            $"{string.Join(" / ", stays.Select(Labels))} | {Labels(Median(stays))} | {Ratio(test, rule, "random", ceilings, true)} | {Ratio(test, rule, "margin", ceilings, true)} |");
        }
        text.AppendLine();

        text.AppendLine("Test accuracy at 770 + 192·k labels, median over seeds [lowest – highest]:");
        text.AppendLine();
        text.AppendLine("| rule | " + string.Join(" | ", Enumerable.Range(1, 8).Select(k => $"k = {k} ({770 + 192 * k:N0})")) + " |");
        text.AppendLine("| --- | " + string.Join(" | ", Enumerable.Range(1, 8).Select(_ => "---")) + " |");
        foreach (var rule in rules)
        {
            var cells = Enumerable.Range(1, 8).Select(k =>
            {
                var at = test.Where(p => p.Strategy == rule && p.Round == k).Select(p => p.Accuracy).ToArray();
                return at.Length == 0 ? "" : $"{Pct(Median(at))} [{Pct(at.Min())} – {Pct(at.Max())}]";
            });
            text.AppendLine($"| {rule} | " + string.Join(" | ", cells) + " |");
        }
        text.AppendLine();

        if (validation.Count > 0)
        {
            text.AppendLine("Settings chosen on the validation slice (385 requests carved from train.csv): mean validation accuracy over rounds 1–8:");
            text.AppendLine();
            text.AppendLine("| strategy | " + string.Join(" | ", validation.Select(p => p.Seed).Distinct().Order().Select(s => $"seed {s}")) + " |");
            text.AppendLine("| --- | " + string.Join(" | ", validation.Select(p => p.Seed).Distinct().Select(_ => "---")) + " |");
            foreach (var strategy in validation.Select(p => p.Strategy).Distinct())
            {
                var cells = validation.Select(p => p.Seed).Distinct().Order().Select(s =>
                {
                    var rounds = validation.Where(p => p.Seed == s && p.Strategy == strategy && p.Round is >= 1 and <= 8).ToArray();
                    return rounds.Length == 0 ? "" : rounds.Length < 8 ? $"({rounds.Length} rounds only)" : Pct(rounds.Average(p => p.Accuracy));
                });
                text.AppendLine($"| {strategy} | " + string.Join(" | ", cells) + " |");
            }
            text.AppendLine();
        }

        text.AppendLine("Every round, test accuracy, median over the seeds that have it (labels / accuracy):");
        text.AppendLine();
        text.AppendLine("| round | " + string.Join(" | ", rules) + " |");
        text.AppendLine("| --- | " + string.Join(" | ", rules.Select(_ => "---")) + " |");
        foreach (var round in test.Select(p => p.Round).Distinct().Order())
        {
            var cells = rules.Select(r =>
            {
                var rows = test.Where(p => p.Strategy == r && p.Round == round).ToArray();
                return rows.Length == 0 ? "" : $"{Median(rows.Select(p => (double)p.Labels)):N0} / {Pct(Median(rows.Select(p => p.Accuracy)))} ({rows.Length})";
            });
            text.AppendLine($"| {round} | " + string.Join(" | ", cells) + " |");
        }

        Directory.CreateDirectory(outFolder);
        File.WriteAllText(Path.Combine(outFolder, "benchmarks-banking77-rules.md"), text.ToString());
        File.WriteAllText(Path.Combine(outFolder, "benchmarks-banking77-rules.svg"), Svg(test, rules, ceilings));
        output.Write(text);
        output.WriteLine($"wrote {Path.Combine(outFolder, "benchmarks-banking77-rules.md")} and .svg");
    }

    private static int[] Seeds(IReadOnlyList<CurvePoint> points, string rule, IReadOnlyDictionary<int, double> ceilings) =>
        points.Where(p => p.Strategy == rule && ceilings.ContainsKey(p.Seed)).Select(p => p.Seed).Distinct().Order().ToArray();

    /// <summary>Labels at the first round within 1 point of the ceiling (and, when sustained, every round after it too); +∞ when none.</summary>
    internal static double Needed(IReadOnlyList<CurvePoint> points, int seed, string rule, double ceiling, bool sustained)
    {
        var rounds = points.Where(p => p.Seed == seed && p.Strategy == rule).OrderBy(p => p.Labels).ToArray();
        for (var i = 0; i < rounds.Length; i++)
        {
            var within = sustained ? rounds.Skip(i).All(p => p.Accuracy >= ceiling - 0.01) : rounds[i].Accuracy >= ceiling - 0.01;
            if (within) return rounds[i].Labels;
        }
        return double.PositiveInfinity;
    }

    /// <summary>Median labels of <paramref name="rule"/> ÷ median labels of <paramref name="baseline"/>, over the seeds both have.</summary>
    private static string Ratio(IReadOnlyList<CurvePoint> points, string rule, string baseline, IReadOnlyDictionary<int, double> ceilings, bool sustained)
    {
        var seeds = Seeds(points, rule, ceilings).Intersect(Seeds(points, baseline, ceilings)).ToArray();
        if (seeds.Length == 0) return "n/a";
        var a = Median(seeds.Select(s => Needed(points, s, rule, ceilings[s], sustained)));
        var b = Median(seeds.Select(s => Needed(points, s, baseline, ceilings[s], sustained)));
        if (double.IsPositiveInfinity(a)) return "n/a (not reached)";
        if (double.IsPositiveInfinity(b))
        {
            var horizon = seeds.Min(s => points.Where(p => p.Seed == s && p.Strategy == baseline).Max(p => p.Labels));
            return $"< {(a / horizon).ToString("0.00", Invariant)} ({baseline} not reached by {horizon:N0})";
        }
        return (a / b).ToString("0.00", Invariant) + (seeds.Length < Seeds(points, rule, ceilings).Length ? $" (seeds {string.Join(", ", seeds)})" : "");
    }

    private static string Svg(IReadOnlyList<CurvePoint> points, string[] rules, IReadOnlyDictionary<int, double> ceilings)
    {
        const double width = 760, height = 460, left = 60, right = 20, top = 20, bottom = 50;
        var maxLabels = Math.Ceiling(points.Max(p => p.Labels) / 1000.0) * 1000;
        var minAcc = Math.Floor(points.Min(p => p.Accuracy) * 50) / 50;
        const double maxAcc = 0.94;
        double X(double labels) => left + (width - left - right) * labels / maxLabels;
        double Y(double accuracy) => top + (height - top - bottom) * (1 - (accuracy - minAcc) / (maxAcc - minAcc));
        string F(double v) => v.ToString("0.0", Invariant);
        var svg = new StringBuilder($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.AppendLine($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>");
        for (var a = minAcc; a <= maxAcc + 1e-9; a += 0.01)
            svg.AppendLine($"<line x1=\"{F(left)}\" x2=\"{F(width - right)}\" y1=\"{F(Y(a))}\" y2=\"{F(Y(a))}\" stroke=\"#eee\"/><text x=\"{F(left - 8)}\" y=\"{F(Y(a) + 4)}\" text-anchor=\"end\">{a * 100:0}%</text>");
        for (var l = 0; l <= maxLabels; l += 1000)
            svg.AppendLine($"<text x=\"{F(X(l))}\" y=\"{F(height - bottom + 18)}\" text-anchor=\"middle\">{l:N0}</text>");
        var seeds = points.Select(p => p.Seed).Distinct().Order();
        svg.AppendLine($"<text x=\"{F((left + width) / 2)}\" y=\"{F(height - 10)}\" text-anchor=\"middle\">labels used; test accuracy, median over the seeds each rule ran (seeds {string.Join(", ", seeds)})</text>");
        if (ceilings.Count > 0)
        {
            var c = Median(ceilings.Values);
            svg.AppendLine($"<line x1=\"{F(left)}\" x2=\"{F(width - right)}\" y1=\"{F(Y(c))}\" y2=\"{F(Y(c))}\" stroke=\"black\" stroke-dasharray=\"6 4\"/><text x=\"{F(left + 6)}\" y=\"{F(Y(c) - 4)}\">ceiling (all labels) {c * 100:0.0}%</text>");
            svg.AppendLine($"<line x1=\"{F(left)}\" x2=\"{F(width - right)}\" y1=\"{F(Y(c - 0.01))}\" y2=\"{F(Y(c - 0.01))}\" stroke=\"black\" stroke-dasharray=\"2 4\"/><text x=\"{F(left + 6)}\" y=\"{F(Y(c - 0.01) + 14)}\">ceiling − 1 point</text>");
        }
        var legendY = Y(minAcc) - 16 * rules.Length;
        foreach (var rule in rules)
        {
            var colour = Colours.GetValueOrDefault(rule, "#17becf");
            var line = points.Where(p => p.Strategy == rule).GroupBy(p => p.Round).OrderBy(g => g.Key)
                .Select(g => $"{F(X(Median(g.Select(p => (double)p.Labels))))},{F(Y(Median(g.Select(p => p.Accuracy))))}").ToArray();
            svg.AppendLine($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{string.Join(' ', line)}\"/>");
            svg.AppendLine($"<text x=\"{F(width - right - 130)}\" y=\"{F(legendY)}\" fill=\"{colour}\">{rule}</text>");
            legendY += 16;
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static string Labels(double labels) => double.IsPositiveInfinity(labels) ? "not reached" : labels.ToString("N0", Invariant);

    private static string Pct(double value) => (value * 100).ToString("0.0", Invariant) + " %";

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
