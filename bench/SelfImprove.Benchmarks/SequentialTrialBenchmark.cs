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
/// sizes. Reports the share promoted, rolled back and undecided (<c>onTimeout</c> then rolls back), the median labelled
/// answers (both arms) at the decision, and the fixed-horizon two-sided z-test with the same α and 80 % power at ±2 points.
/// </summary>
public static class SequentialTrialBenchmark
{
    private const double ServingAccuracy = 0.85;
    private const double LabelShare = 0.2;
    private const double Effect = 0.02;

    public static int Run(int trials, int checkEvery, int seed, TextWriter output)
    {
        var defaults = new DeploymentSpec();
        var fixedHorizon = SequentialProportionTest.FixedHorizonSamples(ServingAccuracy, Effect, defaults.CandidateShare, defaults.Alpha, 0.8);
        var horizonRequests = (int)Math.Ceiling(4 * fixedHorizon / LabelShare);
        output.WriteLine($"{trials} trials per scenario; serving accuracy {ServingAccuracy:0.00}; candidateShare {defaults.CandidateShare}; " +
                         $"labels on {LabelShare:P0} of answers; a check every {checkEvery} requests; minimumSamples {defaults.MinimumSamples}; " +
                         $"alpha {defaults.Alpha}; margin {defaults.Margin}; horizon {horizonRequests} requests");
        output.WriteLine($"fixed-horizon two-sided z-test, alpha {defaults.Alpha}, 80 % power at ±{Effect}: {fixedHorizon} labelled answers (both arms)");
        output.WriteLine();
        output.WriteLine("| rule | scenario | promoted | rolled back | undecided at the horizon | median labelled answers to a decision | vs fixed horizon |");
        output.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var rule in new[] { PromotionRule.NonInferior, PromotionRule.BeatServing })
        {
            var deployment = defaults with { PromotionRule = rule };
            foreach (var (name, effect) in new[] { ("A/A", 0.0), ("+2 points", Effect), ("−2 points", -Effect) })
            {
                var random = new Random(seed * 1_000 + (int)rule * 10 + (int)Math.Round(effect * 100) + 5);
                int promoted = 0, rolledBack = 0, undecided = 0;
                var samples = new List<int>(trials);
                for (var t = 0; t < trials; t++)
                {
                    var (decision, labelled) = Simulate(deployment, ServingAccuracy + effect, checkEvery, horizonRequests, random);
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
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {rule.ToWire()} | {name} | {Share(promoted, trials)} | {Share(rolledBack, trials)} | {Share(undecided, trials)} | {median:N0} | {Versus(median, fixedHorizon)} |"));
            }
        }
        output.WriteLine();
        output.WriteLine("A trial undecided at the horizon counts with the labelled answers it had then.");
        return 0;
    }

    /// <summary>One trial: the decision (null: none by the horizon) and the labelled answers of both arms when it came.</summary>
    private static (TrialDecision? Decision, int Labelled) Simulate(DeploymentSpec deployment, double candidateAccuracy, int checkEvery, int horizonRequests, Random random)
    {
        var goal = new GoalSpec { Target = 0.85 };
        int candidateSamples = 0, candidateCorrect = 0, servingSamples = 0, servingCorrect = 0;
        for (var requests = checkEvery; requests <= horizonRequests; requests += checkEvery)
        {
            var labelled = Binomial.Sample(random, LabelShare, checkEvery);
            var toCandidate = Binomial.Sample(random, deployment.CandidateShare, labelled);
            candidateSamples += toCandidate;
            candidateCorrect += Binomial.Sample(random, candidateAccuracy, toCandidate);
            servingSamples += labelled - toCandidate;
            servingCorrect += Binomial.Sample(random, ServingAccuracy, labelled - toCandidate);
            var look = PromotionPolicy.Look(deployment, goal,
                new ArmResult("candidate", 0, candidateSamples, candidateCorrect), new ArmResult("serving", 0, servingSamples, servingCorrect), final: false);
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
