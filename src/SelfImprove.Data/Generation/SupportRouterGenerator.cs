using SelfImprove.Core.Datasets;

namespace SelfImprove.Data.Generation;

/// <summary>
/// Deterministic demo data for the "support-router" agent of a retail bank: a labelled pool, validation and
/// evaluation sets, and a production stream whose phrasing drifts for some intents after the drift point.
/// Every text is unique across all four sets (compared case- and punctuation-insensitively).
/// </summary>
public static class SupportRouterGenerator
{
    /// <summary>The agent's name, also used in every example's <see cref="LabeledExample.Source"/>.</summary>
    public const string Name = "support-router";

    // Separate random streams per purpose keep each choice stable when another part's sizes change.
    private const int MixStream = 1;
    private const int TimingStream = 2;
    private const int SamplerStreamBase = 100;

    /// <summary>The 32 intent names, in their published order.</summary>
    public static IReadOnlyList<string> Intents { get; } =
        SupportRouterPhrasings.All.Select(intent => intent.Intent).ToArray();

    /// <summary>The intents whose phrasing changes after the drift point.</summary>
    public static IReadOnlyList<string> DriftedIntents { get; } =
        SupportRouterPhrasings.All.Where(intent => intent.IsDrifted).Select(intent => intent.Intent).ToArray();

    /// <summary>Generates the four data sets; the same settings always give identical output.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    /// <exception cref="InvalidOperationException">The sizes ask for more distinct texts than the templates allow.</exception>
    public static AgentDatasets Generate(GeneratorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        CheckStreamFits(settings);

        var plan = ProductionPlan.Create(
            settings,
            new Random(DeriveSeed(settings.Seed, MixStream)),
            new Random(DeriveSeed(settings.Seed, TimingStream)));
        CheckCapacity(Demand(settings, plan));

        var samplers = new SamplerSet(settings.Seed);
        var source = $"generator:{Name}/seed={settings.Seed}";

        // Evaluation first: it is the set that must stay unseen, and drawing order never changes uniqueness.
        var evaluation = new List<LabeledExample>();
        for (var i = 0; i < Intents.Count; i++)
        {
            AddExamples(evaluation, samplers, i, PhrasingStyle.Ordinary, Segments.PreDrift, settings.EvaluationPerIntent, source);
            AddExamples(evaluation, samplers, i, PostDriftStyle(i), Segments.PostDrift, settings.EvaluationPerIntent, source);
        }

        var pool = new List<LabeledExample>();
        var validation = new List<LabeledExample>();
        for (var i = 0; i < Intents.Count; i++)
        {
            AddExamples(pool, samplers, i, PhrasingStyle.Ordinary, Segments.PreDrift, settings.PoolPerIntent, source);
            AddExamples(validation, samplers, i, PhrasingStyle.Ordinary, Segments.PreDrift, settings.ValidationPerIntent, source);
        }

        var production = plan
            .Select((request, sequence) => new ProductionRequest(
                sequence,
                request.ReceivedAt,
                samplers.For(request.IntentIndex, request.Style).Next(),
                Intents[request.IntentIndex],
                request.Segment))
            .ToArray();

        return new AgentDatasets(pool, validation, evaluation, production);
    }

    // Non-drifted intents keep their ordinary phrasing after the drift point.
    private static PhrasingStyle PostDriftStyle(int intentIndex) =>
        SupportRouterPhrasings.All[intentIndex].IsDrifted ? PhrasingStyle.Drifted : PhrasingStyle.Ordinary;

    private static void AddExamples(
        List<LabeledExample> target,
        SamplerSet samplers,
        int intentIndex,
        PhrasingStyle style,
        string segment,
        int count,
        string source)
    {
        var sampler = samplers.For(intentIndex, style);
        for (var n = 0; n < count; n++)
        {
            target.Add(new LabeledExample(sampler.Next(), Intents[intentIndex], segment, source));
        }
    }

    /// <summary>How many distinct texts each (intent, phrasing) template space must supply.</summary>
    private static Dictionary<(int Intent, PhrasingStyle Style), long> Demand(
        GeneratorSettings settings,
        IReadOnlyList<PlannedRequest> plan)
    {
        var demand = new Dictionary<(int, PhrasingStyle), long>();
        void Add(int intent, PhrasingStyle style, long count) =>
            demand[(intent, style)] = demand.GetValueOrDefault((intent, style)) + count;

        for (var i = 0; i < Intents.Count; i++)
        {
            Add(i, PhrasingStyle.Ordinary, (long)settings.PoolPerIntent + settings.ValidationPerIntent + settings.EvaluationPerIntent);
            Add(i, PostDriftStyle(i), settings.EvaluationPerIntent);
        }

        foreach (var request in plan)
        {
            Add(request.IntentIndex, request.Style, 1);
        }

        return demand;
    }

    // Checked before the stream is planned, so an absurd ProductionSize fails fast instead of allocating a huge plan.
    private static void CheckStreamFits(GeneratorSettings settings)
    {
        var total = 0L;
        for (var i = 0; i < Intents.Count; i++)
        {
            total += PhrasingSampler.Capacity(ParsedCatalogue.Templates(i, PhrasingStyle.Ordinary), PhrasingStyle.Ordinary);
            if (SupportRouterPhrasings.All[i].IsDrifted)
            {
                total += PhrasingSampler.Capacity(ParsedCatalogue.Templates(i, PhrasingStyle.Drifted), PhrasingStyle.Drifted);
            }
        }

        if (settings.ProductionSize > total)
        {
            throw new InvalidOperationException(
                $"Production stream: asked for {settings.ProductionSize} distinct texts but the template space of all "
                + $"intents and segments allows at most {total}. Lower ProductionSize.");
        }
    }

    private static void CheckCapacity(Dictionary<(int Intent, PhrasingStyle Style), long> demand)
    {
        foreach (var ((intent, style), asked) in demand.OrderBy(pair => pair.Key.Intent).ThenBy(pair => pair.Key.Style))
        {
            var possible = PhrasingSampler.Capacity(ParsedCatalogue.Templates(intent, style), style);
            if (asked > possible)
            {
                throw new InvalidOperationException(
                    $"Intent '{Intents[intent]}', segment '{PhrasingSampler.SegmentName(style)}': asked for {asked} "
                    + $"distinct texts but the template space allows at most {possible}. "
                    + "Lower the per-intent sizes or ProductionSize.");
            }
        }
    }

    /// <summary>
    /// Mixes the user's seed with a stream number (SplitMix64 finaliser). Unlike string or HashCode hashing this
    /// is the same in every process.
    /// </summary>
    internal static int DeriveSeed(int seed, int stream)
    {
        unchecked
        {
            var z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)stream * 0xD1B54A32D192ED03UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)(z & 0x7FFFFFFF);
        }
    }

    /// <summary>One sampler per (intent, phrasing), all sharing the record of texts already used.</summary>
    private sealed class SamplerSet(int seed)
    {
        private readonly UsedTexts _used = new();
        private readonly Dictionary<(int, PhrasingStyle), PhrasingSampler> _samplers = [];

        public PhrasingSampler For(int intentIndex, PhrasingStyle style)
        {
            if (!_samplers.TryGetValue((intentIndex, style), out var sampler))
            {
                var stream = SamplerStreamBase + intentIndex * 2 + (int)style;
                sampler = new PhrasingSampler(
                    Intents[intentIndex],
                    style,
                    ParsedCatalogue.Templates(intentIndex, style),
                    _used,
                    new Random(DeriveSeed(seed, stream)));
                _samplers[(intentIndex, style)] = sampler;
            }

            return sampler;
        }
    }
}
