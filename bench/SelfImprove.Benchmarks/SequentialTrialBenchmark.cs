using System.Globalization;
using MathNet.Numerics.Distributions;
using SelfImprove.Core;
using SelfImprove.Core.Deployment;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Statistics;

namespace SelfImprove.Benchmarks;

/// <summary>
/// How the A/B trial's sequential test decides on simulated live traffic: for each scenario (an A/A candidate, one
/// 2 points better, one 2 points worse than a serving version at 85 % accuracy) N trials, each a stream of requests of
/// which <c>deployment.candidateShare</c> go to the candidate and 20 % come back labelled, checked by the real
/// <see cref="PromotionPolicy.Look"/> after every <c>--check-every</c> requests up to a horizon of four fixed-horizon sample
/// sizes. Two designs: <em>unpaired</em>, each arm scored on its own answers (a router that logs no shadow answers), and
/// <em>paired</em>, both versions scored on every labelled request (the router's shadow answers), for shares of
/// requests the two versions answer differently (discordance: only one of them right). Reports the share promoted, rolled
/// back and undecided (<c>onTimeout</c> then rolls back), the median labelled answers at the decision, and the
/// fixed-horizon two-sided tests with the same α and 80 % power at ±2 points (the z-test on separate arms, McNemar's
/// on pairs).
/// </summary>
public static class SequentialTrialBenchmark
{
    private const double ServingAccuracy = 0.85;
    private const double LabelShare = 0.2;
    private const double Effect = 0.02;

    public static int Run(int trials, int checkEvery, int seed, IReadOnlyList<double> discordances, TextWriter output)
    {
        var defaults = new DeploymentSpec();
        var fixedHorizon = SequentialProportionTest.FixedHorizonSamples(ServingAccuracy, Effect, defaults.CandidateShare, defaults.Alpha, 0.8);
        var horizonRequests = (int)Math.Ceiling(4 * fixedHorizon / LabelShare);
        output.WriteLine($"{trials} trials per scenario; serving accuracy {ServingAccuracy:0.00}; candidateShare {defaults.CandidateShare}; " +
                         $"labels on {LabelShare:P0} of answers; a check every {checkEvery} requests; minimumSamples {defaults.MinimumSamples}; " +
                         $"alpha {defaults.Alpha}; margin {defaults.Margin}; horizon {horizonRequests} requests");
        output.WriteLine($"fixed-horizon two-sided z-test on separate arms, alpha {defaults.Alpha}, 80 % power at ±{Effect}: {fixedHorizon} labelled answers (both arms)");
        foreach (var d in discordances)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fixed-horizon McNemar test on pairs with discordance {d:0.00}, same alpha and power: {SequentialProportionTest.FixedHorizonPairs(d, Effect, defaults.Alpha, 0.8)} labelled requests"));
        output.WriteLine();
        output.WriteLine("| design | rule | scenario | promoted | rolled back | undecided at the horizon | median labelled answers to a decision | vs unpaired fixed horizon | vs paired fixed horizon |");
        output.WriteLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        var designs = new List<double?> { null };
        designs.AddRange(discordances.Select(d => (double?)d));
        foreach (var discordance in designs)
        foreach (var rule in new[] { PromotionRule.NonInferior, PromotionRule.BeatServing })
        {
            var deployment = defaults with { PromotionRule = rule };
            var pairedHorizon = discordance is { } dd ? SequentialProportionTest.FixedHorizonPairs(dd, Effect, defaults.Alpha, 0.8) : (int?)null;
            foreach (var (name, effect) in new[] { ("A/A", 0.0), ("+2 points", Effect), ("−2 points", -Effect) })
            {
                var random = new Random(seed * 1_000 + (int)rule * 10 + (int)Math.Round(effect * 100) + 5 + (int)Math.Round((discordance ?? 0) * 1000) * 100_000);
                int promoted = 0, rolledBack = 0, undecided = 0;
                var samples = new List<int>(trials);
                for (var t = 0; t < trials; t++)
                {
                    var (decision, labelled) = Simulate(deployment, effect, discordance, checkEvery, horizonRequests, random);
                    samples.Add(labelled);
                    switch (decision)
                    {
                        case null: undecided++; break;
                        case TrialDecision.Promote: promoted++; break;
                        default: rolledBack++; break;
                    }
                }
                samples.Sort();
                var median = samples[samples.Count / 2];
                var design = discordance is { } d2 ? string.Create(CultureInfo.InvariantCulture, $"paired, discordance {d2:0.00}") : "unpaired";
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {design} | {rule.ToWire()} | {name} | {Share(promoted, trials)} | {Share(rolledBack, trials)} | {Share(undecided, trials)} | {median:N0} | " +
                    $"{Versus(median, fixedHorizon)} | {(pairedHorizon is { } ph ? Versus(median, ph) : "")} |"));
            }
        }
        output.WriteLine();
        output.WriteLine("A trial undecided at the horizon counts with the labelled answers it had then.");
        return 0;
    }

    /// <summary>
    /// One trial: the decision (null: none by the horizon) and the labelled answers when it came. Paired
    /// (<paramref name="discordance"/> given): each labelled request is scored by both versions; of them a share
    /// (discordance + effect)/2 only the candidate gets right and (discordance − effect)/2 only the serving version.
    /// </summary>
    private static (TrialDecision? Decision, int Labelled) Simulate(DeploymentSpec deployment, double effect, double? discordance, int checkEvery, int horizonRequests, Random random)
    {
        var goal = new GoalSpec { Target = 0.85 };
        var candidateAccuracy = ServingAccuracy + effect;
        int candidateSamples = 0, candidateCorrect = 0, servingSamples = 0, servingCorrect = 0, pairs = 0, onlyCandidate = 0, onlyServing = 0;
        // Both right, only the candidate, only the serving version, both wrong.
        double[]? joint = discordance is { } d
            ? [ServingAccuracy - (d - effect) / 2, (d + effect) / 2, (d - effect) / 2, 1 - ServingAccuracy - (d + effect) / 2]
            : null;
        for (var requests = checkEvery; requests <= horizonRequests; requests += checkEvery)
        {
            var labelled = Binomial.Sample(random, LabelShare, checkEvery);
            var toCandidate = Binomial.Sample(random, deployment.CandidateShare, labelled);
            candidateSamples += toCandidate;
            servingSamples += labelled - toCandidate;
            if (joint is null)
            {
                candidateCorrect += Binomial.Sample(random, candidateAccuracy, toCandidate);
                servingCorrect += Binomial.Sample(random, ServingAccuracy, labelled - toCandidate);
            }
            else
            {
                var c = Multinomial.Sample(random, joint, toCandidate);
                var s = Multinomial.Sample(random, joint, labelled - toCandidate);
                candidateCorrect += c[0] + c[1];
                servingCorrect += s[0] + s[2];
                pairs += labelled;
                onlyCandidate += c[1] + s[1];
                onlyServing += c[2] + s[2];
            }
            if (candidateSamples < 1 || servingSamples < 1) continue;
            var look = PromotionPolicy.Look(deployment, goal,
                new ArmResult("candidate", 0, candidateSamples, candidateCorrect), new ArmResult("serving", 0, servingSamples, servingCorrect), final: false,
                paired: joint is null ? null : new PairedCount(pairs, onlyCandidate, onlyServing));
            if (look.Outcome is { } outcome) return (outcome.Decision, candidateSamples + servingSamples);
        }
        return (null, candidateSamples + servingSamples);
    }

    private static string Versus(int median, int fixedHorizon)
    {
        var sooner = 1 - (double)median / fixedHorizon;
        return sooner >= 0 ? $"{sooner * 100:0} % sooner" : $"{-sooner * 100:0} % later";
    }

    private static string Share(int count, int of) => ((double)count / of).ToString("0.0 %", CultureInfo.InvariantCulture);
}
