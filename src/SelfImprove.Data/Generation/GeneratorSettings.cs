namespace SelfImprove.Data.Generation;

/// <summary>Sizes, seed and drift shape for a generated demo data set.</summary>
public sealed record GeneratorSettings
{
    /// <summary>Seed for every random choice; the same settings always give the same data.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Labelled training pool per intent, pre-drift phrasing only.</summary>
    public int PoolPerIntent { get; init; } = 40;

    /// <summary>Validation examples per intent, pre-drift phrasing only.</summary>
    public int ValidationPerIntent { get; init; } = 10;

    /// <summary>Evaluation examples per intent and segment: this many pre-drift and this many post-drift.</summary>
    public int EvaluationPerIntent { get; init; } = 20;

    /// <summary>Length of the production stream.</summary>
    public int ProductionSize { get; init; } = 3000;

    /// <summary>Fraction of the stream after which drift starts; strictly between 0 and 1.</summary>
    public double DriftPoint { get; init; } = 0.5;

    /// <summary>After the drift point, the share of a drifted intent's requests that use the new phrasing.</summary>
    public double DriftedShare { get; init; } = 0.8;

    /// <summary>Arrival time of the first request.</summary>
    public DateTimeOffset StreamStart { get; init; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Time span the stream's arrivals are spread over.</summary>
    public TimeSpan StreamDuration { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    internal void Validate()
    {
        RequirePositive(PoolPerIntent, nameof(PoolPerIntent));
        RequirePositive(ValidationPerIntent, nameof(ValidationPerIntent));
        RequirePositive(EvaluationPerIntent, nameof(EvaluationPerIntent));
        RequirePositive(ProductionSize, nameof(ProductionSize));

        // Written as "not inside" so that NaN is rejected too.
        if (!(DriftPoint > 0 && DriftPoint < 1))
        {
            throw Invalid(nameof(DriftPoint), $"must be strictly between 0 and 1 (was {DriftPoint}).");
        }

        if (!(DriftedShare >= 0 && DriftedShare <= 1))
        {
            throw Invalid(nameof(DriftedShare), $"must be between 0 and 1 inclusive (was {DriftedShare}).");
        }

        if (StreamDuration <= TimeSpan.Zero)
        {
            throw Invalid(nameof(StreamDuration), $"must be positive (was {StreamDuration}).");
        }

        // Each request needs at least one tick of its own for the arrival times to be strictly increasing.
        if (StreamDuration.Ticks < ProductionSize)
        {
            throw Invalid(
                nameof(StreamDuration),
                $"is too short to give {ProductionSize} requests ({nameof(ProductionSize)}) distinct arrival times (was {StreamDuration}).");
        }
    }

    private static void RequirePositive(int value, string name)
    {
        if (value <= 0)
        {
            throw Invalid(name, $"must be positive (was {value}).");
        }
    }

    private static ArgumentException Invalid(string setting, string problem) =>
        new($"{nameof(GeneratorSettings)}.{setting} {problem}", setting);
}
