using System.Globalization;
using System.Text.Json.Serialization;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Statistics;

namespace SelfImprove.Core.Deployment;

/// <summary>The A/B trial's decision on the candidate.</summary>
[JsonConverter(typeof(WireNameConverter<TrialDecision>))]
public enum TrialDecision
{
    /// <summary>The candidate serves from now on.</summary>
    Promote,

    /// <summary>The serving version keeps all traffic; the candidate is set aside.</summary>
    Rollback,
}

/// <summary>Live results of one arm of the A/B trial: requests with feedback and how many it got right.</summary>
public sealed record ArmResult(string VersionId, int Requests, int Samples, int Correct)
{
    public double Value => Samples == 0 ? 0 : (double)Correct / Samples;

    /// <summary>
    /// Of the <see cref="Samples"/>, how many went to an action the constitution forbids for the request's true intent
    /// (the forbidden-action guardrail); null when not counted.
    /// </summary>
    public int? Forbidden { get; init; }

    /// <summary>95th-percentile latency of the arm's answers, in milliseconds (the latency guardrail); null when not measured.</summary>
    public double? P95LatencyMs { get; init; }

    /// <summary>
    /// Live alignment distance D(σ, π) of the arm's labelled answers, in bits (<see cref="TrialGuardrails.Surprisal"/>'s
    /// mean); null when not measured.
    /// </summary>
    public double? Distance { get; init; }

    /// <summary>Variance of the per-answer terms of <see cref="Distance"/>, in bits²; null when not measured.</summary>
    public double? DistanceVariance { get; init; }
}

/// <summary>What a trial's test estimates: the difference of the arms' accuracies, or the candidate's own accuracy.</summary>
[JsonConverter(typeof(WireNameConverter<TrialQuantity>))]
public enum TrialQuantity
{
    /// <summary>Candidate's accuracy minus the serving version's (<c>beatServing</c>, <c>nonInferior</c>), in [−1, 1].</summary>
    [JsonStringEnumMemberName("difference")] Difference,

    /// <summary>The candidate's accuracy (<c>meetTarget</c>), in [0, 1].</summary>
    [JsonStringEnumMemberName("candidateAccuracy")] CandidateAccuracy,
}

/// <summary>
/// The trial's test at one check: the estimate of <see cref="Quantity"/> on labelled live answers, its always-valid lower
/// and upper bounds (each one-sided at confidence 1 − <see cref="Alpha"/>, valid over every check; see
/// <see cref="SequentialProportionTest"/>), and the labelled answers of each arm it was measured on.
/// </summary>
public sealed record TrialStatistics(TrialQuantity Quantity, double Estimate, double Lower, double Upper, double Alpha, int CandidateSamples, int ServingSamples)
{
    /// <summary>
    /// For a paired test: the labelled requests both versions scored (each arm's answers, and the other version's shadow
    /// answer to the same request), on which the difference was estimated; null for the unpaired test on each arm's own answers.
    /// </summary>
    public int? Pairs { get; init; }

    /// <summary>For a paired test: of the <see cref="Pairs"/>, how many only one of the two versions got right; null otherwise.</summary>
    public int? Discordant { get; init; }

    /// <summary>
    /// One line for logs and reasons, e.g. <c>candidate − serving +0.021 [−0.004, +0.046] at 95 % on 312 + 705 answers with feedback</c>,
    /// or for a paired test <c>… at 95 % on 1017 requests with feedback scored by both versions (312 + 705 answered; only one right on 61)</c>.
    /// </summary>
    public override string ToString()
    {
        var what = Quantity is TrialQuantity.Difference ? "candidate − serving" : "candidate accuracy";
        var format = Quantity is TrialQuantity.Difference ? "+0.000;−0.000;0.000" : "0.000";
        var on = Pairs is { } pairs
            ? $"{pairs} requests with feedback scored by both versions ({CandidateSamples} + {ServingSamples} answered; only one right on {Discordant})"
            : $"{CandidateSamples} + {ServingSamples} answers with feedback";
        return $"{what} {Estimate.ToString(format, CultureInfo.InvariantCulture)} " +
               $"[{Lower.ToString(format, CultureInfo.InvariantCulture)}, {Upper.ToString(format, CultureInfo.InvariantCulture)}] " +
               $"at {(1 - Alpha) * 100:0.#} % on {on}";
    }
}

/// <summary>The A/B trial's verdict.</summary>
public sealed record TrialOutcome(TrialDecision Decision, double CandidateShare, ArmResult Candidate, ArmResult Serving, string Reason)
{
    public bool Promoted => Decision is TrialDecision.Promote;

    /// <summary>The test at the deciding check; null when an arm had no labelled answer (or a record from before the sequential test).</summary>
    public TrialStatistics? Statistics { get; init; }

    /// <summary><c>deployment.maxDuration</c> was up without the test deciding: <c>deployment.onTimeout</c> decided.</summary>
    public bool TimedOut { get; init; }
}

/// <summary>One check of a trial: the test's state (null while an arm has no labelled answer) and the decision, if any.</summary>
public sealed record TrialLook(TrialStatistics? Statistics, TrialOutcome? Outcome)
{
    /// <summary>
    /// The test would promote, but a staged rollout (<c>deployment.ramp</c>) has steps left: the trial moves to the next
    /// step and tests afresh there. Never set together with an <see cref="Outcome"/>.
    /// </summary>
    public bool Advance { get; init; }
}

/// <summary>
/// Decides an A/B trial from its arms by the manifest's promotion rule, with a sequential test that may look at every
/// check without inflating its error (<see cref="SequentialProportionTest"/>, at <c>deployment.alpha</c>). The metric
/// tested is per-request correctness (accuracy) on labelled live answers, whatever the goal's metric.
/// </summary>
public static class PromotionPolicy
{
    /// <summary>
    /// The mixing scale τ of the test (a difference of accuracies): three times the margin (0.03 at the default margin),
    /// at least 0.01. Johari et al. (2022, §5) tune τ to the effects one expects to see; on the simulated trials of
    /// <c>docs/benchmarks.md</c> (effects of ±2 points) 0.03 decided soonest of 0.01, 0.015, 0.03, 0.05 and 0.1.
    /// </summary>
    public static double MixingScale(DeploymentSpec deployment) => Math.Max(0.01, 3 * deployment.Margin);

    /// <summary>
    /// The test's bounds on the arms' labelled answers; null while either arm has none. <see cref="TrialQuantity.Difference"/>
    /// for <c>beatServing</c> and <c>nonInferior</c>, <see cref="TrialQuantity.CandidateAccuracy"/> for <c>meetTarget</c>.
    /// With <paramref name="paired"/> (every labelled request scored by both versions: the arm that answered and the other
    /// in the shadow), the difference is estimated on the pairs (<see cref="SequentialProportionTest.PairedDifference"/>):
    /// the same quantity on the same traffic, with the variance of only the requests the two answer differently.
    /// </summary>
    public static TrialStatistics? Statistics(DeploymentSpec deployment, ArmResult candidate, ArmResult serving, PairedCount? paired = null)
    {
        if (candidate.Samples < 1 || serving.Samples < 1) return null;
        var c = new BernoulliCount(candidate.Samples, candidate.Correct);
        var tau = MixingScale(deployment);
        if (deployment.PromotionRule is PromotionRule.MeetTarget)
        {
            var single = SequentialProportionTest.Single(c, deployment.Alpha, tau);
            return new TrialStatistics(TrialQuantity.CandidateAccuracy, single.Estimate, single.Lower, single.Upper, deployment.Alpha, candidate.Samples, serving.Samples);
        }
        if (paired is { } pairs)
        {
            var bounds = SequentialProportionTest.PairedDifference(pairs, deployment.Alpha, tau);
            return new TrialStatistics(TrialQuantity.Difference, bounds.Estimate, bounds.Lower, bounds.Upper, deployment.Alpha, candidate.Samples, serving.Samples)
            {
                Pairs = pairs.Pairs,
                Discordant = pairs.OnlyFirstRight + pairs.OnlySecondRight,
            };
        }
        var difference = SequentialProportionTest.Difference(c, new BernoulliCount(serving.Samples, serving.Correct), deployment.Alpha, tau);
        return new TrialStatistics(TrialQuantity.Difference, difference.Estimate, difference.Lower, difference.Upper, deployment.Alpha, candidate.Samples, serving.Samples);
    }

    /// <summary>
    /// One check of a running trial. Until both arms have <c>minimumSamples</c> labelled answers it does not decide (on
    /// the <paramref name="final"/> check that is a rollback). From then on it promotes once the rule's lower bound clears
    /// its threshold (<c>beatServing</c>: difference above 0; <c>nonInferior</c>: above −margin; <c>meetTarget</c>: the
    /// candidate's accuracy at least the goal's target) and rolls back once the candidate is worse at the same confidence
    /// (the upper bound of the difference below 0, or of the candidate's accuracy below the target). On the final check
    /// (<c>maxDuration</c> is up) without either, <c>deployment.onTimeout</c> decides; its <c>promote</c> still needs the
    /// point estimate past the rule's threshold (above −margin, above 0, at least the target). Before the metric, each look
    /// checks the guardrails (<see cref="TrialGuardrails"/>: forbidden actions, live alignment distance against
    /// <paramref name="maxDistance"/>, latency): a breach rolls back at once. With a staged rollout, a look at a step that
    /// is not the last (<paramref name="lastStep"/> false) does not promote: it advances the trial to the next step.
    /// </summary>
    /// <param name="maxDistance"><c>alignment.maxDistance</c>, in bits, for the live alignment guardrail.</param>
    /// <param name="lastStep">Whether the trial is at the last step of its rollout (always, without <c>deployment.ramp</c>).</param>
    /// <param name="paired">Candidate and serving version scored on the same labelled requests (see <see cref="Statistics"/>); null: the unpaired test.</param>
    public static TrialLook Look(DeploymentSpec deployment, GoalSpec goal, ArmResult candidate, ArmResult serving, bool final,
        double maxDistance = double.PositiveInfinity, bool lastStep = true, PairedCount? paired = null)
    {
        var statistics = Statistics(deployment, candidate, serving, paired);
        TrialOutcome Outcome(bool promote, string reason, bool timedOut = false) =>
            new(promote ? TrialDecision.Promote : TrialDecision.Rollback, deployment.CandidateShare, candidate, serving, reason)
            {
                Statistics = statistics,
                TimedOut = timedOut,
            };

        // Latency needs no labels: it is judged on the answers alone, as soon as each arm has enough of them.
        if (TrialGuardrails.Latency(deployment, candidate, serving) is { } slow)
            return new TrialLook(statistics, Outcome(false, $"guardrail breached, rolled back at once: {slow}"));
        var fewest = Math.Min(candidate.Samples, serving.Samples);
        if (fewest < deployment.MinimumSamples)
            return new TrialLook(statistics, final
                ? Outcome(false, $"the candidate got {candidate.Samples} and the serving version {serving.Samples} answers with feedback by the trial's end; the test needs {deployment.MinimumSamples} in each arm", timedOut: true)
                : null);

        var s = statistics!;
        if ((TrialGuardrails.ForbiddenActions(deployment, candidate, serving)
             ?? TrialGuardrails.Distance(deployment, maxDistance, candidate, serving)) is { } breach)
            return new TrialLook(s, Outcome(false, $"guardrail breached, rolled back at once: {breach}"));
        var (promoteAbove, rollbackBelow, promoted, lost) = deployment.PromotionRule switch
        {
            PromotionRule.BeatServing => (0.0, 0.0, "the candidate is better than the serving version", "the candidate is worse than the serving version"),
            PromotionRule.NonInferior => (-deployment.Margin, 0.0,
                $"the candidate is not worse than the serving version by more than the margin {deployment.Margin.ToString("0.###", CultureInfo.InvariantCulture)}",
                "the candidate is worse than the serving version"),
            PromotionRule.MeetTarget => (goal.Target - 1e-12, goal.Target,
                $"the candidate meets the target {goal.Target.ToString("0.00", CultureInfo.InvariantCulture)}",
                $"the candidate is below the target {goal.Target.ToString("0.00", CultureInfo.InvariantCulture)}"),
            var other => throw new ArgumentOutOfRangeException(nameof(deployment), other, "Unknown promotion rule."),
        };
        if (s.Lower > promoteAbove && lastStep) return new TrialLook(s, Outcome(true, $"{s}: {promoted}"));
        // A step of a staged rollout passed: the next step tests afresh (on the final check, onTimeout decides below).
        if (s.Lower > promoteAbove && !final) return new TrialLook(s, null) { Advance = true };
        if (s.Upper < rollbackBelow) return new TrialLook(s, Outcome(false, $"{s}: {lost}"));
        if (!final) return new TrialLook(s, null);
        if (deployment.OnTimeout is TrialTimeoutAction.Rollback)
            return new TrialLook(s, Outcome(false, $"{s}: undecided when the trial's time was up; deployment.onTimeout rolls back", timedOut: true));
        // Promoting on timeout still never promotes a candidate whose live estimate misses the rule's threshold.
        return new TrialLook(s, s.Estimate > promoteAbove
            ? Outcome(true, $"{s}: undecided when the trial's time was up; deployment.onTimeout promotes", timedOut: true)
            : Outcome(false, $"{s}: undecided when the trial's time was up and the estimate misses the rule's threshold, so deployment.onTimeout's promote does not apply", timedOut: true));
    }

    /// <summary>The decision of <see cref="Look"/>, or null (go on).</summary>
    public static TrialOutcome? Check(DeploymentSpec deployment, GoalSpec goal, ArmResult candidate, ArmResult serving, bool final) =>
        Look(deployment, goal, candidate, serving, final).Outcome;

    /// <summary>Decides at once on what the arms have (the final check of <see cref="Look"/>).</summary>
    public static TrialOutcome Decide(DeploymentSpec deployment, GoalSpec goal, ArmResult candidate, ArmResult serving) =>
        Look(deployment, goal, candidate, serving, final: true).Outcome!;

    /// <summary>
    /// The key a request is routed by: its caller's <paramref name="subject"/> (user or session) when given, so a person
    /// keeps one arm for the whole trial (and, as a ramp's share grows, only moves from serving to candidate); else the
    /// request text, so a replayed request splits alike.
    /// </summary>
    public static string RoutingKey(string text, string? subject) => subject is { Length: > 0 } ? $"subject:{subject}" : $"text:{text}";

    /// <summary>Whether a request goes to the candidate: a stable hash of (trial, request key), so replays split alike.</summary>
    public static bool RoutesToCandidate(string trialId, string requestKey, double candidateShare) =>
        StableHash.Of($"{trialId}/{requestKey}") % 10_000 < candidateShare * 10_000;
}
