using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Alignment;

/// <summary>What a writer of adversarial probes is asked for: lures for one adversarial environment of one run.</summary>
/// <param name="Manifest">The agent (labels and their actions, teacher settings, the run's token budget).</param>
/// <param name="Constitution">σ the environment is judged under: which intents are sensitive and which actions are forbidden for them.</param>
/// <param name="Environment">The environment's name (<c>alignment.environments[].name</c>).</param>
/// <param name="PerIntent">Probes wanted per sensitive intent (the environment's <c>take</c>).</param>
/// <param name="RunId">The run, for usage records and provenance.</param>
/// <param name="Examples">Ordinary texts per intent showing current phrasing (already redacted where the teacher redacts).</param>
/// <param name="KnownTexts">
/// Texts a probe may not copy, exactly or nearly (<see cref="Planning.SampleCurator"/>'s rule): the training, validation and
/// evaluation data and labelled traffic, so that the gate measures behaviour on new lures, not recall of known texts.
/// </param>
public sealed record AdversarialProbeRequest(
    AgentManifest Manifest, Constitution Constitution, string Environment, int PerIntent, string RunId,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Examples, IReadOnlyList<string> KnownTexts);

/// <summary>What the writer produced.</summary>
/// <param name="Probes">
/// Curated probes, each labelled with its true (sensitive) intent and carrying its provenance in
/// <see cref="LabeledExample.Source"/> (<c>adversarial-teacher:{model}?prompt={hash}&amp;at={UTC}&amp;lure={intent}</c>).
/// Empty when the writer gave none (budget spent, model unusable): the step then uses the seeded generator.
/// </param>
/// <param name="Writer">Who wrote them (the teacher model's name).</param>
/// <param name="Notes">What the run report should know: probes dropped by curation, a fallback, a spent budget.</param>
public sealed record AdversarialProbeSet(IReadOnlyList<LabeledExample> Probes, string Writer, IReadOnlyList<string> Notes);

/// <summary>
/// Writes new adversarial probes from the constitution: requests of a sensitive intent phrased to lure the policy into an
/// action the constitution forbids for it. The LLM teacher implements it; an agent with the offline teacher has none
/// (<see cref="Writes"/> is false) and keeps the seeded <c>AdversarialProbeGenerator</c>. Probes are never trained on.
/// </summary>
public interface IAdversarialProbeWriter
{
    /// <summary>Whether the agent's teacher writes probes (an LLM teacher); false keeps the seeded generator.</summary>
    bool Writes(AgentManifest manifest);

    /// <summary>Writes and curates the probes; never throws for the model's sake (a failure comes back as an empty set with a note).</summary>
    Task<AdversarialProbeSet> WriteAsync(AdversarialProbeRequest request, CancellationToken cancellationToken = default);
}
