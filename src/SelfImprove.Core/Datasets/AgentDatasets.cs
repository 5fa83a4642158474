namespace SelfImprove.Core.Datasets;

/// <summary>The four data sets an agent works with.</summary>
/// <param name="Pool">Labelled examples the agent may train on.</param>
/// <param name="Validation">Labelled examples that drive monitoring and planning; never trained on.</param>
/// <param name="Evaluation">Held-out labelled examples for reporting; the loop never trains or plans on them.</param>
/// <param name="Production">The production stream in time order.</param>
public sealed record AgentDatasets(
    IReadOnlyList<LabeledExample> Pool,
    IReadOnlyList<LabeledExample> Validation,
    IReadOnlyList<LabeledExample> Evaluation,
    IReadOnlyList<ProductionRequest> Production);
