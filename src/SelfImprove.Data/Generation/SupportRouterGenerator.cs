using SelfImprove.Core.Datasets;

namespace SelfImprove.Data.Generation;

/// <summary>
/// Deterministic demo data for the "support-router" agent of a retail bank: a labelled pool, validation and
/// evaluation sets, and a production stream whose phrasing drifts for some intents after the drift point.
/// Every text is unique across all four sets (compared case- and punctuation-insensitively, see
/// <see cref="NormaliseKey"/>).
/// </summary>
/// <remarks>
/// About a quarter of each intent's pre-drift templates are held out (a fixed choice by catalogue position, the same
/// for every seed): the pool and the validation set never use them, the evaluation set and the production stream
/// do. They stand for the ways customers phrase things that the training data never showed, so even pre-drift
/// accuracy is below 100%.
/// </remarks>
public static class SupportRouterGenerator
{
    /// <summary>The agent's name, also used in every example's <see cref="LabeledExample.Source"/>.</summary>
    public const string Name = "support-router";

    // Separate random streams per purpose keep each choice stable when another part's sizes change.
    private const int MixStream = 1;
    private const int TimingStream = 2;
    private const int SamplerStreamBase = 100;
    private const int SeenSamplerStreamBase = 400;
    private const int ComposeStreamBase = 700;

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
        // Evaluation and production use every template; pool and validation only the seen ones.
        var evaluation = new List<LabeledExample>();
        for (var i = 0; i < Intents.Count; i++)
        {
            AddExamples(evaluation, samplers.For(i, PhrasingStyle.Ordinary, TemplateScope.All), i, Segments.PreDrift, settings.EvaluationPerIntent, source);
            AddExamples(evaluation, samplers.For(i, PostDriftStyle(i), TemplateScope.All), i, Segments.PostDrift, settings.EvaluationPerIntent, source);
        }

        var pool = new List<LabeledExample>();
        var validation = new List<LabeledExample>();
        for (var i = 0; i < Intents.Count; i++)
        {
            var seen = samplers.For(i, PhrasingStyle.Ordinary, TemplateScope.Seen);
            AddExamples(pool, seen, i, Segments.PreDrift, settings.PoolPerIntent, source);
            AddExamples(validation, seen, i, Segments.PreDrift, settings.ValidationPerIntent, source);
        }

        var production = plan
            .Select((request, sequence) => new ProductionRequest(
                sequence,
                request.ReceivedAt,
                samplers.For(request.IntentIndex, request.Style, TemplateScope.All).Next(),
                Intents[request.IntentIndex],
                request.Segment))
            .ToArray();

        return new AgentDatasets(pool, validation, evaluation, production);
    }

    /// <summary>
    /// Writes <paramref name="count"/> new, distinct texts for one intent, the way an offline teacher would write
    /// extra training samples: in the ordinary (pre-drift) phrasing, or with <paramref name="drifted"/> in the
    /// post-drift phrasing (an intent that did not drift keeps its ordinary phrasing). Draws from all of the
    /// intent's templates of that phrasing, including the ones held out of the generated pool. The same arguments
    /// always give the same texts.
    /// </summary>
    /// <param name="intent">One of <see cref="Intents"/>.</param>
    /// <param name="drifted">Use the post-drift phrasing where the intent has one.</param>
    /// <param name="count">How many texts to write; 0 gives an empty list.</param>
    /// <param name="seed">Seed for every random choice.</param>
    /// <param name="exclude">
    /// Texts that must not be repeated, already normalised with <see cref="NormaliseKey"/> (lower case, single
    /// spaces, no trailing punctuation). A text is skipped when its normalised form, or that of its clean form
    /// before any typo was added, is in the set. Typically the keys of everything the caller already holds.
    /// </param>
    /// <returns>
    /// Up to <paramref name="count"/> texts, none of them excluded and no two with the same normalised form.
    /// Fewer than <paramref name="count"/> only when the intent's template space for that phrasing is exhausted:
    /// a full round of every template (64 random fills each) finds no text that is neither excluded nor already
    /// written. Each intent's space holds several thousand texts per phrasing, so that takes far more than a
    /// teacher batch.
    /// </returns>
    /// <exception cref="ArgumentException"><paramref name="intent"/> is not one of <see cref="Intents"/>, or <paramref name="count"/> is negative.</exception>
    public static IReadOnlyList<string> Compose(string intent, bool drifted, int count, int seed, IReadOnlySet<string> exclude)
    {
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(exclude);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var intentIndex = IndexOf(intent);
        var style = drifted ? PostDriftStyle(intentIndex) : PhrasingStyle.Ordinary;

        var sampler = new PhrasingSampler(
            intent,
            style,
            ParsedCatalogue.Templates(intentIndex, style, TemplateScope.All),
            new UsedTexts(exclude),
            new Random(DeriveSeed(seed, ComposeStreamBase + intentIndex * 2 + (int)style)));
        var texts = new List<string>(Math.Min(count, 1024));
        while (texts.Count < count && sampler.TryNext() is { } text)
        {
            texts.Add(text);
        }

        return texts;
    }

    /// <summary>
    /// The form in which two texts count as the same, both for the uniqueness of the generated sets and for
    /// <see cref="Compose"/>'s <c>exclude</c>: lower case, runs of white space collapsed to one space, trailing
    /// punctuation (<c>. ! ? , ; : -</c>) removed.
    /// </summary>
    public static string NormaliseKey(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TextKey.Normalise(text);
    }

    private static int IndexOf(string intent)
    {
        for (var i = 0; i < Intents.Count; i++)
        {
            if (string.Equals(Intents[i], intent, StringComparison.Ordinal))
            {
                return i;
            }
        }

        throw new ArgumentException(
            $"Unknown intent '{intent}'; the support-router intents are: {string.Join(", ", Intents)}.",
            nameof(intent));
    }

    // Non-drifted intents keep their ordinary phrasing after the drift point.
    private static PhrasingStyle PostDriftStyle(int intentIndex) =>
        SupportRouterPhrasings.All[intentIndex].IsDrifted ? PhrasingStyle.Drifted : PhrasingStyle.Ordinary;

    private static void AddExamples(
        List<LabeledExample> target,
        PhrasingSampler sampler,
        int intentIndex,
        string segment,
        int count,
        string source)
    {
        for (var n = 0; n < count; n++)
        {
            target.Add(new LabeledExample(sampler.Next(), Intents[intentIndex], segment, source));
        }
    }

    /// <summary>
    /// How many distinct texts each (intent, phrasing, scope) template space must supply. The seen templates are
    /// part of all templates, so the "all" demand of the ordinary phrasing includes the pool and validation too.
    /// </summary>
    private static Dictionary<(int Intent, PhrasingStyle Style, TemplateScope Scope), long> Demand(
        GeneratorSettings settings,
        IReadOnlyList<PlannedRequest> plan)
    {
        var demand = new Dictionary<(int, PhrasingStyle, TemplateScope), long>();
        void Add(int intent, PhrasingStyle style, TemplateScope scope, long count) =>
            demand[(intent, style, scope)] = demand.GetValueOrDefault((intent, style, scope)) + count;

        for (var i = 0; i < Intents.Count; i++)
        {
            var trainingSide = (long)settings.PoolPerIntent + settings.ValidationPerIntent;
            Add(i, PhrasingStyle.Ordinary, TemplateScope.Seen, trainingSide);
            Add(i, PhrasingStyle.Ordinary, TemplateScope.All, trainingSide + settings.EvaluationPerIntent);
            Add(i, PostDriftStyle(i), TemplateScope.All, settings.EvaluationPerIntent);
        }

        foreach (var request in plan)
        {
            Add(request.IntentIndex, request.Style, TemplateScope.All, 1);
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

    private static void CheckCapacity(Dictionary<(int Intent, PhrasingStyle Style, TemplateScope Scope), long> demand)
    {
        var ordered = demand
            .OrderBy(pair => pair.Key.Intent)
            .ThenBy(pair => pair.Key.Style)
            .ThenByDescending(pair => pair.Key.Scope);
        foreach (var ((intent, style, scope), asked) in ordered)
        {
            var possible = PhrasingSampler.Capacity(ParsedCatalogue.Templates(intent, style, scope), style);
            if (asked > possible)
            {
                var which = scope == TemplateScope.Seen ? " (templates the pool and validation may use)" : "";
                throw new InvalidOperationException(
                    $"Intent '{Intents[intent]}', segment '{PhrasingSampler.SegmentName(style)}'{which}: asked for {asked} "
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

    /// <summary>One sampler per (intent, phrasing, scope), all sharing the record of texts already used.</summary>
    private sealed class SamplerSet(int seed)
    {
        private readonly UsedTexts _used = new();
        private readonly Dictionary<(int, PhrasingStyle, TemplateScope), PhrasingSampler> _samplers = [];

        public PhrasingSampler For(int intentIndex, PhrasingStyle style, TemplateScope scope)
        {
            // Drifted templates have no held-out part.
            if (style == PhrasingStyle.Drifted)
            {
                scope = TemplateScope.All;
            }

            if (!_samplers.TryGetValue((intentIndex, style, scope), out var sampler))
            {
                var stream = scope == TemplateScope.Seen
                    ? SeenSamplerStreamBase + intentIndex
                    : SamplerStreamBase + intentIndex * 2 + (int)style;
                sampler = new PhrasingSampler(
                    Intents[intentIndex],
                    style,
                    ParsedCatalogue.Templates(intentIndex, style, scope),
                    _used,
                    new Random(DeriveSeed(seed, stream)));
                _samplers[(intentIndex, style, scope)] = sampler;
            }

            return sampler;
        }
    }
}
