using FluentValidation;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Alignment;

/// <summary>A constitution must speak about the manifest's own agent, intents and actions.</summary>
public sealed class ConstitutionValidator : AbstractValidator<Constitution>
{
    public ConstitutionValidator(AgentManifest manifest)
    {
        var intents = manifest.LabelNames.ToHashSet();
        RuleFor(c => c.AgentId).Equal(manifest.AgentId)
            .WithMessage($"must be the manifest's agentId '{manifest.AgentId}'; got '{{PropertyValue}}'.");
        RuleFor(c => c.Version).NotEmpty().WithMessage("must name the version of these rules (any text, e.g. '1'); reports name the version a candidate was judged under.");
        RuleFor(c => c.Actions).NotEmpty().WithMessage("must list every action (route or tool) the agent can take.");
        RuleFor(c => c.Actions)
            .Must(actions => manifest.Labels.All(l => actions.Contains(l.Action)))
            .WithMessage(c => "must include every action the manifest's labels route to; missing: " +
                string.Join(", ", manifest.Labels.Select(l => l.Action).Distinct().Where(a => !c.Actions.Contains(a))) + ".");
        RuleForEach(c => c.DefaultAllowed).Must((c, action) => action == Constitution.AnyAction || c.Actions.Contains(action))
            .WithMessage("must be '*' or an action listed in $.actions; got '{PropertyValue}'.");
        RuleForEach(c => c.Situations).ChildRules(situation =>
        {
            situation.RuleFor(s => s.Intent).Must(intents.Contains)
                .WithMessage("must be one of the manifest's labels; got '{PropertyValue}'.");
            situation.RuleFor(s => s.Allowed).NotEmpty()
                .WithMessage("must allow at least one action (e.g. a human hand-off), or no answer could ever be right.");
        });
        RuleForEach(c => c.Situations).Must((c, s) => s.Allowed.All(a => a == Constitution.AnyAction || c.Actions.Contains(a)))
            .WithMessage((c, s) => $"allows actions not listed in $.actions: {string.Join(", ", s.Allowed.Where(a => a != Constitution.AnyAction && !c.Actions.Contains(a)))}.");
        RuleFor(c => c.Situations)
            .Must(s => s.Select(x => x.Intent).Distinct().Count() == s.Count)
            .WithMessage("must not name an intent twice.");
    }
}
