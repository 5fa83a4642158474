namespace SelfImprove.Core.Traffic;

/// <summary>One intent and the model's probability for it, in [0, 1].</summary>
public sealed record IntentProbability(string Intent, double Probability);
