using SelfImprove.Core;
using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Planning.Selection;

namespace SelfImprove.Agents.Offline;

/// <summary>
/// A deterministic planner that needs no network. It spends the label budget by the manifest's selection rule: by
/// default on the production requests the model is least sure of (smallest top-two margin), spread across the
/// intents the model hesitates over so one confusion cannot take the whole budget; measured on real data, choosing
/// by uncertainty needs far fewer labels than choosing by weakest intent or at random. The embedding-space rules
/// (<see cref="SelectionRule.Badge"/>, <see cref="SelectionRule.MarginKMeans"/>, <see cref="SelectionRule.Typicality"/>)
/// are in <c>SelfImprove.Core.Planning.Selection</c>; <see cref="SelectionRule.Adaptive"/> resolves by
/// <see cref="SelectionPolicy"/>. It spends the generation budget on the confusions the last evaluation saw, in
/// proportion to how often each occurred.
/// </summary>
public sealed class OfflinePlanner : IPlanner
{
    public const string Name = "offline";

    /// <summary>Each generation target gets at least this many samples, or none.</summary>
    private const int MinimumPerTarget = 5;

    /// <summary>How many of the least sure requests the diverse rule considers per label it buys.</summary>
    private const int DiversityPoolFactor = 3;

    public Task<ImprovementPlan> PlanAsync(PlanningContext context, CancellationToken cancellationToken = default)
    {
        var planner = context.Manifest.Planner;
        var (rule, why) = ResolveRule(planner.SelectionRule, context);
        var labelRequests = SelectRequests(context.Unlabelled, rule, planner.MaxLabelRequests, context.Seed);
        var evidence = context.PreviousAttempts.LastOrDefault();
        var confusions = evidence?.Confusions ?? context.Serving.Confusions;
        var targets = GenerationTargets(confusions, context.Unlabelled, planner.MaxGeneratedSamples);
        var hyperParameters = context.Manifest.Training.HyperParameters;
        if (evidence is not null)
            // A second attempt means the head under-fits the new data: regularise less.
            hyperParameters = hyperParameters with { L2 = hyperParameters.L2 / Math.Pow(2, context.PreviousAttempts.Count) };

        return Task.FromResult(new ImprovementPlan
        {
            Attempt = context.Attempt,
            Planner = Name,
            SelectionRule = rule,
            LabelRequests = labelRequests,
            Generate = targets,
            HyperParameters = hyperParameters,
            AskHumans = context.Manifest.Teacher.AllowHumanDemonstrations && evidence is not null,
            Rationale = Rationale(context, evidence, labelRequests.Count, rule, why, targets),
        });
    }

    /// <summary>
    /// The concrete rule for this plan and, when it is not the manifest's, why: <see cref="SelectionRule.Adaptive"/>
    /// resolves by <see cref="SelectionPolicy"/>; a rule that reads vectors falls back to margin when a request lacks them.
    /// </summary>
    public static (SelectionRule Rule, string? Why) ResolveRule(SelectionRule rule, PlanningContext context)
    {
        var intents = context.Manifest.LabelNames.Count;
        var resolved = SelectionPolicy.Resolve(rule, context.TrainingExamples, intents);
        var why = rule == SelectionRule.Adaptive
            ? $"adaptive: {context.TrainingExamples?.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"} training examples for {intents} intents, " +
              (resolved == SelectionRule.Typicality ? $"young (< {SelectionPolicy.YoungExamplesPerIntent} per intent)" : $"not young (≥ {SelectionPolicy.YoungExamplesPerIntent} per intent)")
            : null;
        if (SelectionPolicy.NeedsVectors(resolved) && !HasVectors(context.Unlabelled, resolved))
            return (SelectionRule.Margin, $"{resolved.ToWire()} needs every request's probabilities and embedding, which the diagnosis lacks: margin instead");
        return (resolved, why);
    }

    /// <summary>Picks up to <paramref name="budget"/> requests by a concrete selection rule (not <see cref="SelectionRule.Adaptive"/>).</summary>
    /// <exception cref="ArgumentException">The rule reads vectors and a request lacks them (<see cref="UnlabelledRequest.Probabilities"/>, <see cref="UnlabelledRequest.Embedding"/>), or the rule is <see cref="SelectionRule.Adaptive"/>.</exception>
    public static IReadOnlyList<string> SelectRequests(IReadOnlyList<UnlabelledRequest> unlabelled, SelectionRule rule, int budget, int seed)
    {
        if (rule == SelectionRule.Adaptive)
            throw new ArgumentException("'adaptive' is a policy: resolve it to a rule first (OfflinePlanner.ResolveRule).", nameof(rule));
        if (budget <= 0 || unlabelled.Count == 0) return [];
        if (SelectionPolicy.NeedsVectors(rule) && !HasVectors(unlabelled, rule))
            throw new ArgumentException($"Selection rule '{rule.ToWire()}' needs every request's probabilities and embedding; some lack them.", nameof(unlabelled));
        var byMargin = unlabelled.OrderBy(r => r.Margin).ThenBy(r => r.RequestId, StringComparer.Ordinal).ToArray();
        IReadOnlyList<string> Ids(int[] indices) => indices.Select(i => byMargin[i].RequestId).ToArray();
        return rule switch
        {
            SelectionRule.Random => unlabelled.OrderBy(r => Shuffle(seed, r.RequestId)).Take(budget).Select(r => r.RequestId).ToArray(),
            SelectionRule.Margin => byMargin.Take(budget).Select(r => r.RequestId).ToArray(),
            SelectionRule.DiverseMargin => DiverseMargin(byMargin, budget),
            // The vector rules see the requests in margin order, so index ties break as margin's do.
            SelectionRule.Badge => Ids(GradientEmbeddingSelection.Select(
                byMargin.Select(r => r.Probabilities!).ToArray(), byMargin.Select(r => r.Embedding!).ToArray(), budget, seed)),
            SelectionRule.MarginKMeans => Ids(UncertainClusterSelection.Select(
                byMargin.Select(r => r.Margin).ToArray(), byMargin.Select(r => r.Embedding!).ToArray(), budget, UncertainClusterSelection.DefaultPoolFactor, seed)),
            SelectionRule.Typicality => Ids(TypicalitySelection.Select(byMargin.Select(r => r.Embedding!).ToArray(), budget, seed)),
            _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown selection rule."),
        };
    }

    private static bool HasVectors(IReadOnlyList<UnlabelledRequest> unlabelled, SelectionRule rule) =>
        unlabelled.All(r => r.Embedding is not null && (rule == SelectionRule.Typicality || r.Probabilities is not null));

    /// <summary>
    /// Among the least sure requests, takes them round-robin over the (predicted, runner-up) intent pairs, each
    /// pair's least sure first: the batch covers every boundary the model hesitates on instead of piling up on one.
    /// </summary>
    private static IReadOnlyList<string> DiverseMargin(UnlabelledRequest[] byMargin, int budget)
    {
        budget = Math.Min(budget, byMargin.Length);
        var candidates = byMargin.Take((int)Math.Min((long)budget * DiversityPoolFactor, byMargin.Length));
        var queues = candidates
            .GroupBy(r => (r.Predicted, r.Runner))
            .Select(g => new Queue<UnlabelledRequest>(g))
            .OrderBy(q => q.Peek().Margin)
            .ToList();
        var chosen = new List<string>(budget);
        while (chosen.Count < budget && queues.Count > 0)
        {
            foreach (var queue in queues.ToArray())
            {
                if (chosen.Count == budget) break;
                chosen.Add(queue.Dequeue().RequestId);
                if (queue.Count == 0) queues.Remove(queue);
            }
        }
        return chosen;
    }

    private static IReadOnlyList<GenerationTarget> GenerationTargets(
        IReadOnlyList<ConfusionPair> confusions, IReadOnlyList<UnlabelledRequest> unlabelled, int budget)
    {
        var pairs = confusions.Where(c => c.Count > 0).ToArray();
        if (budget < MinimumPerTarget || pairs.Length == 0) return [];
        pairs = pairs.Take(budget / MinimumPerTarget).ToArray();
        var total = pairs.Sum(p => p.Count);
        var targets = new List<GenerationTarget>();
        var left = budget;
        foreach (var (pair, index) in pairs.Select((p, i) => (p, i)))
        {
            var share = index == pairs.Length - 1 ? left : Math.Max(MinimumPerTarget, (int)Math.Round((double)budget * pair.Count / total));
            share = Math.Min(share, left);
            if (share < MinimumPerTarget) break;
            left -= share;
            // Real requests the model places between the two intents show the teacher what the confusion looks like.
            var examples = unlabelled
                .Where(r => (r.Predicted == pair.Predicted && r.Runner == pair.Actual) || (r.Predicted == pair.Actual && r.Runner == pair.Predicted))
                .OrderBy(r => r.Margin).Take(3).Select(r => r.Text).ToArray();
            targets.Add(new GenerationTarget(pair.Actual, pair.Predicted, share, examples));
        }
        return targets;
    }

    private static string Rationale(
        PlanningContext context, AttemptEvidence? evidence, int labels, SelectionRule rule, string? why, IReadOnlyList<GenerationTarget> targets)
    {
        var goal = context.Manifest.Goal;
        var state = evidence is null
            ? $"serving {goal.Metric.ToWire()} {context.Serving.Metric(goal.Metric):0.000} on validation + recent feedback"
            : $"attempt {evidence.Attempt}'s candidate {evidence.CandidateVersionId} reached {evidence.Value:0.000} (target {evidence.Target:0.00}); weakest: " +
              string.Join(", ", evidence.WeakestIntents.Take(3).Select(i => $"{i.Intent} F1 {i.F1:0.00}"));
        var confusions = targets.Count == 0 ? "no confusions to generate for" :
            "generate for " + string.Join(", ", targets.Select(t => $"{t.Intent} vs {t.ConfusedWith} ({t.Count})"));
        var picked = rule switch
        {
            SelectionRule.Random => "random",
            SelectionRule.Typicality => "most typical",
            SelectionRule.Badge or SelectionRule.MarginKMeans => "least sure, diverse",
            _ => "least sure",
        };
        return $"{state}; label the {labels} {picked} requests ({rule.ToWire()}{(why is null ? "" : $"; {why}")}); {confusions}.";
    }

    /// <summary>A stable pseudo-random key per (seed, sequence) for the random baseline.</summary>
    private static ulong Shuffle(int seed, string requestId)
    {
        var z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL + StableHash.Of(requestId) * 0xD1B54A32D192ED03UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
