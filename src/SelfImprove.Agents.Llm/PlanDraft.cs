using FluentValidation;
using SelfImprove.Core;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Planning;

namespace SelfImprove.Agents.Llm;

/// <summary>The plan as the LLM planner must write it (see <see cref="LlmPlanner.OutputFormat"/>).</summary>
public sealed record PlanDraft(LabelDraft Label, IReadOnlyList<TargetDraft> Generate, HyperParameterDraft HyperParameters, bool AskHumans, string Rationale);

/// <summary>How many logged requests to have labelled, by which rule, and optionally which ones (their <c>id</c>s in DATA.candidates).</summary>
/// <remarks>
/// <see cref="Rule"/> is not validated here: an unknown or missing rule does not cost the plan a repair request; the
/// planner uses the manifest's rule instead and records the substitution as a fallback in the run's usage.
/// </remarks>
public sealed record LabelDraft(int Count, string? Rule = null, IReadOnlyList<long>? Requests = null);

public sealed record TargetDraft(string Intent, int Count, string? ConfusedWith = null);

public sealed record HyperParameterDraft(double L2, int MaxIterations);

/// <summary>The rules a plan must meet: budgets of the manifest, known intents, requests the planner was shown.</summary>
public sealed class PlanDraftValidator : AbstractValidator<PlanDraft>
{
    /// <param name="manifest">The agent: budgets and intents.</param>
    /// <param name="shown">The ids of DATA.candidates (1-based positions).</param>
    /// <param name="available">How many unlabelled requests there are in all (more than those shown).</param>
    public PlanDraftValidator(AgentManifest manifest, IReadOnlySet<long> shown, int available)
    {
        var labels = manifest.LabelNames.ToHashSet(StringComparer.Ordinal);
        var planner = manifest.Planner;
        RuleFor(p => p.Label.Count).InclusiveBetween(0, Math.Min(planner.MaxLabelRequests, available))
            .WithMessage($"must be between 0 and {Math.Min(planner.MaxLabelRequests, available)} (the label budget and the requests available); got {{PropertyValue}}.");
        RuleFor(p => p.Label.Requests).Must(r => r is null || r.Distinct().Count() == r.Count).WithMessage("must not repeat a request.");
        RuleFor(p => p.Label.Requests).Must((p, r) => r is null || r.Count <= p.Label.Count).WithMessage("must not list more requests than label.count.");
        RuleForEach(p => p.Label.Requests).Must(shown.Contains).WithMessage("{PropertyValue} is not one of the ids in DATA.candidates.");
        RuleForEach(p => p.Generate).ChildRules(target =>
        {
            target.RuleFor(t => t.Intent).Must(labels.Contains).WithMessage("'{PropertyValue}' is not one of DATA.labels.");
            target.RuleFor(t => t.ConfusedWith).Must(c => c is null || labels.Contains(c)).WithMessage("'{PropertyValue}' is not one of DATA.labels.");
            target.RuleFor(t => t.ConfusedWith).Must((t, c) => c != t.Intent).WithMessage("must differ from intent.");
            target.RuleFor(t => t.Count).GreaterThan(0).WithMessage("must be positive; got {PropertyValue}.");
        });
        RuleFor(p => p.Generate).Must(g => g.Sum(t => (long)t.Count) <= planner.MaxGeneratedSamples)
            .WithMessage($"asks for more samples in total than the generation budget ({planner.MaxGeneratedSamples}).");
        RuleFor(p => p.HyperParameters.L2).InclusiveBetween(0, 1).WithMessage("must be between 0 and 1; got {PropertyValue}.");
        RuleFor(p => p.HyperParameters.MaxIterations).InclusiveBetween(1, 10_000).WithMessage("must be between 1 and 10000; got {PropertyValue}.");
        RuleFor(p => p.AskHumans).Equal(false).When(_ => !manifest.Teacher.AllowHumanDemonstrations)
            .WithMessage("must be false: this agent does not allow human demonstrations (DATA.limits.mayAskHumans).");
        RuleFor(p => p.Rationale).NotEmpty().MaximumLength(2000).WithMessage("must say in at most 2000 characters why this plan should fix what is wrong.");
    }
}
